#!/usr/bin/env bash
# Live-capture benchmark: tcpreplay --topspeed of the generated school day over a veth pair into the running
# service (capture, decode, visits, PostgreSQL ingest, all on), then kernel drops, channel drops, ingest drops and
# observations stored against the file's truth. A script, not a test. Needs root (network namespace, capture).
#   deploy/bench/live-replay.sh [--packets 1000000] [--work DIR]
# The capture end of the veth lives in its own namespace (cmbench) with the service and its embedded PostgreSQL,
# so replayed frames never reach the host's own network stack.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
packets=1000000
work="$root/.coppice/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (namespaces and capture)" >&2; exit 1; }

shared=${COPPICE_SHARED:-}
if [ -z "$shared" ]; then
  dir=$root
  while [ "$dir" != / ]; do
    [ -d "$dir/shared/bench" ] && { shared="$dir/shared"; break; }
    [ -d "$(dirname "$dir")/shared/bench" ] && { shared="$(dirname "$dir")/shared"; break; }
    dir=$(dirname "$dir")
  done
fi
[ -n "$shared" ] && [ -f "$shared/bench/make-school-day.py" ] || { echo "bench: shared/bench/make-school-day.py not found (set COPPICE_SHARED)" >&2; exit 1; }

bash "$root/deploy/dev/setup.sh"
mkdir -p "$work"
dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -o "$work/bin" -nologo -v q
exe="$work/bin/coppice-monitor"
pcap="$work/school-day-$packets.pcap"
truth="$work/school-day-$packets.truth.json"
if [ ! -s "$pcap" ] || [ ! -s "$truth" ]; then
  echo "bench: generating $packets packets"
  /usr/bin/python3 "$shared/bench/make-school-day.py" --packets "$packets" --out "$pcap"
fi

ns=cmbench
cleanup() {
  [ -n "${svc:-}" ] && kill -TERM "$svc" 2>/dev/null && wait "$svc" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del cmbench0 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip link add cmbench0 type veth peer name cmbench1
ip link set cmbench1 netns "$ns"
ip link set cmbench0 up mtu 9000
ip netns exec "$ns" ip link set cmbench1 up mtu 9000

rm -rf "$work/data"
log="$work/service.log"
ip netns exec "$ns" "$exe" run --config "$root/deploy/dev/demo-settings.json" \
  --set Service:DataFolder="$work/data" --set Capture:Interfaces:0=cmbench1 --set Service:FlushIntervalSeconds=2 \
  --set Capture:KernelBufferBytes=268435456 --set Reports:Delivery=Folder >"$log" 2>&1 &
svc=$!
for _ in $(seq 240); do grep -q "Capture started" "$log" && break; sleep 0.5; done
grep -q "Capture started" "$log" || { echo "bench: service did not start"; cat "$log"; exit 1; }

# CPU seconds (user+system) of every process in the namespace: the service and its embedded PostgreSQL.
ns_cpu() {
  local total=0 pid
  for pid in $(ip netns pids "$ns"); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo $(( total * 1000 / $(getconf CLK_TCK) ))
}
cpu_before=$(ns_cpu)
echo "bench: load before tcpreplay: $(uptime | sed 's/.*load average: //')"
echo "bench: tcpreplay --topspeed $pcap"
tcpreplay --topspeed -i cmbench0 "$pcap" 2>&1 | tee "$work/tcpreplay.txt" | grep -E "Actual|Rated|Statistics|Successful|Failed|Truncated" | sed 's/^/  /'
echo "bench: load after tcpreplay: $(uptime | sed 's/.*load average: //')"

# Let the pipeline settle: observations stop growing in status.json.
prev=-1
for _ in $(seq 120); do
  sleep 2
  now=$(python3 -c "import json;print(json.load(open('$work/data/status.json'))['Observations'])" 2>/dev/null || echo 0)
  [ "$now" = "$prev" ] && break
  prev=$now
done

cpu_ms=$(( $(ns_cpu) - cpu_before ))
port=$(sed -n 4p "$work/data/postgres/pgdata/postmaster.pid")
export PGPASSWORD=$(cat "$work/data/postgres/password")
kill -TERM "$svc"
for _ in $(seq 120); do kill -0 "$svc" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$svc" 2>/dev/null; then echo "bench: the service did not stop within 60 s of SIGTERM" >&2; kill -KILL "$svc"; fi
wait "$svc" || true; svc=
# The service stopped its embedded server on the way out; start it once more to count.
ip netns exec "$ns" runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" \
  -D "$work/data/postgres/pgdata" -l "$work/data/postgres/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$work/data/postgres/run'" start >/dev/null
stored=$(ip netns exec "$ns" psql -h 127.0.0.1 -p "$port" -U postgres -d coppice -At -F' ' \
  -c "SELECT kind, count(*) FROM observations GROUP BY kind ORDER BY kind")
ip netns exec "$ns" runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$work/data/postgres/pgdata" -w stop >/dev/null

python3 - "$work/data/status.json" "$truth" "$stored" "$cpu_ms" "$work/tcpreplay.txt" <<'PY'
import json, re, sys
status = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
cpu_ms = int(sys.argv[4])
rate = re.search(r"([0-9.]+) pps", open(sys.argv[5]).read())
kinds = {0: 'dns-query', 1: 'dns-answer', 2: 'tls-sni', 3: 'quic-sni', 4: 'http-host', 5: 'dhcp', 6: 'flow', 7: 'mdns'}
stored = {kinds[int(k)]: int(v) for k, v in (l.split() for l in sys.argv[3].splitlines() if l.strip())}
nic = status['Interfaces'][0] if status['Interfaces'] else {}
print(f"packets in file          {truth['packets']}")
print(f"packets captured         {status['Packets']}")
print(f"tcpreplay rate           {rate.group(1) if rate else '?'} packets/s")
print(f"kernel drops             {nic.get('KernelDrops')} (interface drops {nic.get('InterfaceDrops')}, kernel received {nic.get('KernelReceived')})")
print(f"frame ring drops         {nic.get('RingDrops')}")
print(f"channel drops            {status['ChannelDrops']}")
print(f"ingest drops             {status['IngestDrops']}")
print(f"observations (pipeline)  {status['Observations']}, stored {sum(stored.values())}")
print(f"CPU of service+database  {cpu_ms / 1000:.1f} s from tcpreplay start to settled "
      f"({cpu_ms * 1000 / max(1, status['Packets']):.2f} us per captured packet)")
print(f"dns queries   stored {stored.get('dns-query', 0):>8}  truth {truth['dns']['queries_total']}")
print(f"tls sni       stored {stored.get('tls-sni', 0):>8}  truth {truth['tls']['client_hellos']}")
print(f"quic sni      stored {stored.get('quic-sni', 0):>8}  truth {truth['quic']['connections']}")
print(f"dhcp          stored {stored.get('dhcp', 0):>8}  truth {sum(truth['dhcp']['messages'].values())} messages")
PY
