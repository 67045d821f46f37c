#!/usr/bin/env bash
# Demo tooling only (not part of the product): writes every visit stored in the demo's *embedded* throwaway database
# as TSV for compare-truth.py. The product itself has no such path: visit-level detail leaves it only through an
# audited investigation (issue 13, policy 10.2). It starts the embedded server on the demo's data folder with the
# machine's own pg_ctl, reads as the server's superuser, and stops it again; the output file is 0600.
#   export-visits.sh DATA_FOLDER OUT.tsv
set -euo pipefail
data=$1 out=$2
pg="$data/postgres"
[ -f "$pg/password" ] || { echo "export-visits: no embedded database under $pg" >&2; exit 1; }
bin=${COPPICE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_owner "$bin/pg_ctl" -D "$pg/pgdata" -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=" -w -s start >/dev/null
trap 'as_owner "$bin/pg_ctl" -D "$pg/pgdata" -m fast -w -s stop >/dev/null' EXIT
umask 077
PGPASSWORD=$(cat "$pg/password") psql -h 127.0.0.1 -p "$port" -U postgres -d coppice -q -v ON_ERROR_STOP=1 -c "COPY (
  SELECT staff_id, device_id, service, category,
         to_char(start_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS start_utc,
         to_char(end_utc AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS end_utc,
         active_seconds, CASE WHEN is_work_use THEN 1 ELSE 0 END AS is_work_use
  FROM visits ORDER BY start_utc, staff_id, service) TO STDOUT WITH (FORMAT csv, DELIMITER E'\t', HEADER)" > "$out"
echo "export-visits: $(( $(wc -l < "$out") - 1 )) visits written to $out"
