#!/usr/bin/env bash
# CoppiceMonitor's main job on one machine, with nothing outside this repository:
#   setup -> publish -> simulate a school day -> import its staff and devices -> replay it through the full
#   pipeline into PostgreSQL (the embedded server unless COPPICE_ConnectionStrings__Coppice is set) ->
#   send that week's reports to a local SMTP sink and the archive -> summary.
# Usage: deploy/dev/demo.sh [--work DIR] [--seed N] [--staff N] [--pupils N] [--date yyyy-MM-dd] [--bin DIR]
#   --bin DIR: use an already published executable (e.g. the package's trimmed build) instead of publishing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work="$root/.coppice/demo"
seed=7 staff=40 pupils=200 date=2026-10-14 prebuilt=
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --staff) staff=$2; shift 2 ;;
    --pupils) pupils=$2; shift 2 ;;
    --date) date=$2; shift 2 ;;
    --bin) prebuilt=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
started=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "setup"
bash "$root/deploy/dev/setup.sh"

if [ -n "$prebuilt" ]; then
  exe="$(cd "$prebuilt" && pwd)/coppice-monitor"
  [ -x "$exe" ] || { echo "demo: no executable $exe" >&2; exit 2; }
  step "using the published executable $exe"
else
  step "build (dotnet publish -c Release)"
  bin="$work/bin"
  dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -o "$bin" -nologo -v q
  exe="$bin/coppice-monitor"
fi

# A fresh day each run; the embedded database keeps its files but the demo starts it empty.
rm -rf "$work/day" "$work/mail" "$work/reports" "$work/data"
mkdir -p "$work/day" "$work/mail"
data="$work/data"
if [ -z "${COPPICE_ConnectionStrings__Coppice:-}" ] && [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$work" 2>/dev/null; then
  # As root the embedded server runs as the postgres user, which cannot enter a private folder (a clone under /root,
  # a mktemp folder): keep the demo's data folder where it can.
  data="/var/tmp/coppice-demo-$(printf '%s' "$work" | md5sum | cut -c1-12)"
  echo "demo: $work is private to root; the embedded database's data folder is $data instead"
  rm -rf "$data"
fi
mkdir -p "$data"
export COPPICE_Service__DataFolder="$data"
settings=(--config "$root/deploy/dev/demo-settings.json")
if [ -n "${COPPICE_ConnectionStrings__Coppice:-}" ]; then
  echo "demo: using the configured database (COPPICE_ConnectionStrings__Coppice)"
else
  echo "demo: using the embedded PostgreSQL server in $data/postgres"
fi

# Local SMTP sink: the product's hidden dev verb (SmtpServer package) writing one .eml file per message.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$exe" dev smtp-sink --port "$port" --out "$work/mail" > "$work/smtp-sink.log" 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT

step "simulate a school day ($date, $staff staff, $pupils pupil devices, seed $seed)"
"$exe" simulate --out "$work/day/school-day.pcap" --seed "$seed" --staff "$staff" --pupils "$pupils" --date "$date"

step "database and registry"
"$exe" db migrate "${settings[@]}" 2>>"$work/demo.log"
"$exe" staff import "$work/day/staff.csv" "${settings[@]}" 2>>"$work/demo.log"
"$exe" devices import "$work/day/devices.csv" "${settings[@]}" 2>>"$work/demo.log"

step "replay the day through capture decoding, visits and PostgreSQL ingest"
"$exe" replay "$work/day/school-day.pcap" "${settings[@]}" | tee "$work/replay.txt"

# Monday..Sunday of the simulated day's week.
week_from=$(date -d "$date -$(( $(date -d "$date" +%u) - 1 )) days" +%F)
week_to=$(date -d "$week_from +6 days" +%F)
step "reports for $week_from..$week_to (SMTP sink on 127.0.0.1:$port, archive)"
"$exe" report send --period "$week_from..$week_to" --out "$work/reports" "${settings[@]}" \
  --set Reports:Smtp:Host=127.0.0.1 --set Reports:Smtp:Port="$port" --set Reports:Smtp:Security=None \
  --set Reports:Smtp:FromAddress=coppice-monitor@coppice-primary.sch.uk 2>>"$work/demo.log" | tee "$work/report.txt"

step "status"
"$exe" status "${settings[@]}" 2>>"$work/demo.log" | sed -n '/== database/,$p'

# Demo tooling reads the throwaway embedded database directly (the product has no un-audited export of visits).
if [ -z "${COPPICE_ConnectionStrings__Coppice:-}" ]; then
  bash "$root/deploy/dev/export-visits.sh" "$data" "$work/visits.tsv" 2>>"$work/demo.log" >/dev/null
else
  echo "demo: a configured database is not read directly; the truth comparison is skipped" >&2
  printf 'staff_id\tdevice_id\tservice\tcategory\tstart_utc\tend_utc\tactive_seconds\tis_work_use\n' > "$work/visits.tsv"
fi

mails=$(find "$work/mail" -name '*.eml' | wc -l)
html=$(find "$work/reports" "$data/reports" -name '*.html' 2>/dev/null | sort)
step "summary ($(( $(date +%s) - started )) s)"
grep -E '^(packets|observations|visits|channel_drops)' "$work/replay.txt" | sed 's/^/  /'
echo "  stored visits against the simulation's truth ($work/day/truth.json):"
python3 "$root/deploy/dev/compare-truth.py" "$work/day/truth.json" "$work/visits.tsv" | sed 's/^/  /'
echo "  emails received by the SMTP sink: $mails (in $work/mail)"
echo "  HTML reports:"
echo "$html" | sed 's/^/    /'
echo "  open one with: xdg-open '$(echo "$html" | head -1)'"
echo "  logs: $work/demo.log"
