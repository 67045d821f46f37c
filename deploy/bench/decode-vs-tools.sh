#!/usr/bin/env bash
# decode-vs-tools.sh [PACKETS] - the capture benchmark of issue 3 (not a test).
# Generates the synthetic school day with ../shared/bench/make-school-day.py, then on the same file and in the same
# run: our decoder (`CoppiceMonitor.Benchmarks decode`, the work of `inspect --format summary`), a plain
# `tcpdump -r F -w /dev/null` read and tshark extracting the same fields; prints wall and CPU seconds, ratios and
# peak RSS (GNU time -v), then checks our DNS / TLS SNI / QUIC SNI counts per name and DHCP leases against
# X.truth.json. ndpiReader is not packaged in Debian 12, so it is not run here (the issue quotes 5.6 s / 224 MiB).
# Environment: COPPICE_SHARED (shared folder), BENCH_DIR (work folder, default /tmp/coppice-bench),
# SKIP_TSHARK=1 to skip the slow tshark pass.
set -euo pipefail

packets=${1:-1000000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=${COPPICE_SHARED:-}
if [[ -z "$shared" ]]; then
  dir=$repo
  while [[ "$dir" != "/" ]]; do
    if [[ -d "$dir/shared/bench" ]]; then shared="$dir/shared"; break; fi
    dir=$(dirname "$dir")
  done
fi
[[ -n "$shared" && -f "$shared/bench/make-school-day.py" ]] || { echo "shared/bench not found (set COPPICE_SHARED)" >&2; exit 2; }

for tool in tcpdump tshark /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "installing tcpdump tshark time" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y tcpdump tshark time >/dev/null; break; }
done

work=${BENCH_DIR:-/tmp/coppice-bench}
mkdir -p "$work"
day="$work/day-$packets.pcap"
truth="$work/day-$packets.truth.json"
if [[ ! -f "$day" || ! -f "$truth" ]]; then
  echo "generating $packets packets -> $day" >&2
  /usr/bin/python3 "$shared/bench/make-school-day.py" --packets "$packets" --out "$day" >&2
fi

dotnet build -c Release "$repo/tests/CoppiceMonitor.Benchmarks" -v q -nologo >&2
bench="$repo/tests/CoppiceMonitor.Benchmarks/bin/Release/net10.0/CoppiceMonitor.Benchmarks"
cat "$day" > /dev/null   # warm the page cache, as the issue's figures were measured

# run NAME CMD... : runs under GNU time, keeps "wall user sys rss_kb" in $work/NAME.time
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed:" >&2; tail -5 "$work/$name.err" >&2; return 1; }
}

run ours "$bench" decode "$day" --names "$work/ours.names.json"
run tcpdump tcpdump -r "$day" -w /dev/null
if [[ "${SKIP_TSHARK:-0}" != 1 ]]; then
  run tshark tshark -n -r "$day" -Y 'dns || tls.handshake.type==1 || dhcp' -T fields -E occurrence=a \
    -e frame.number -e ip.src -e ip.dst -e dns.flags.response -e dns.qry.name -e dns.a -e dns.aaaa \
    -e tls.handshake.extensions_server_name -e quic.version -e dhcp.hw.mac_addr -e dhcp.option.hostname \
    -e dhcp.option.requested_ip_address -e dhcp.ip.your
fi

/usr/bin/python3 - "$work" "$truth" "$packets" <<'PY'
import json, os, sys
work, truth_path, packets = sys.argv[1], sys.argv[2], int(sys.argv[3])
def times(name):
    p = os.path.join(work, name + '.time')
    if not os.path.exists(p):
        return None
    wall, user, sys_, rss = open(p).read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) / 1024
rows = {n: times(n) for n in ('ours', 'tcpdump', 'tshark')}
print('%-10s %9s %9s %10s %12s' % ('tool', 'wall s', 'cpu s', 'peak MiB', 'packets/s'))
for n, t in rows.items():
    if t:
        print('%-10s %9.2f %9.2f %10.1f %12.0f' % (n, t[0], t[1], t[2], packets / t[0]))
print('%-10s %9s %9s %10s' % ('ndpiReader', '5.6*', '-', '224*'), ' *issue figure; not packaged in Debian 12')
o = rows['ours']
for n in ('tcpdump', 'tshark'):
    t = rows[n]
    if t and o:
        print('ours vs %-8s wall %.2fx   cpu %.2fx  (>1 = ours faster)' % (n, t[0] / o[0], t[1] / o[1]))
if o:
    print('ours vs ndpiReader (issue figure 5.6 s): wall %.2fx' % (5.6 / o[0]))
    print('our decoder summary:')
    for line in open(os.path.join(work, 'ours.err')):
        if line.split()[0] in ('packets_per_second', 'mb_per_second', 'peak_working_set_mb', 'elapsed_seconds') or (line.startswith('observations.') and not line.rstrip().endswith(' 0')):
            print('   ', line.rstrip())

truth = json.load(open(truth_path))
ours = json.load(open(os.path.join(work, 'ours.names.json')))
ok = True
def compare(label, got, exp):
    global ok
    diff = {k: (got.get(k, 0), exp.get(k, 0)) for k in set(got) | set(exp) if got.get(k, 0) != exp.get(k, 0)}
    print('%-16s ours %7d / truth %7d  names %5d / %5d  %s' % (label, sum(got.values()), sum(exp.values()), len(got), len(exp), 'OK' if not diff else 'MISMATCH %d' % len(diff)))
    for k, v in sorted(diff.items())[:5]:
        print('    %-50s ours %6d truth %6d' % (k, v[0], v[1]))
    ok &= not diff
compare('DNS queries', ours['dns_queries'], truth['dns']['queries_by_name'])
compare('TLS SNI', ours['tls_sni'], {k: v for k, v in truth['tls']['sni_by_name'].items() if k != '(none)'})
compare('QUIC SNI', ours['quic_sni'], {k: v for k, v in truth['quic']['sni_by_name'].items() if k != '(none)'})
bad = 0
for le in truth['dhcp']['leases']:
    g = ours['dhcp'].get(le['mac'].lower())
    # Our requested address is option 50, or else the client's ciaddr (a renewal), as the corpus JSON defines "ip";
    # the truth lists option 50 only, so a renewal's ciaddr (= the assigned address) is allowed on top.
    requested_ok = g is not None and set(le['requested_ips']) <= set(g['requested']) <= set(le['requested_ips']) | {le['assigned_ip']}
    if g is None or (g['hostname'] or '') != (le['hostname'] or '').lower() or g['assigned'] != le['assigned_ip'] or not requested_ok:
        bad += 1
        if bad <= 3:
            print('    lease %s: ours %s truth %s' % (le['mac'], g, le))
print('%-16s ours %7d / truth %7d  %s' % ('DHCP clients', len(ours['dhcp']), len(truth['dhcp']['leases']), 'OK' if not bad else 'MISMATCH %d' % bad))
ok &= not bad
sys.exit(0 if ok else 1)
PY
