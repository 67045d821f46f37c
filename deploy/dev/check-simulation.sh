#!/usr/bin/env bash
# Cross-checks a simulated school day with Wireshark's tshark: every TLS and QUIC ClientHello that truth.json lists
# must decode with the same SNI, and no packet may be malformed. Usage: check-simulation.sh DAY.pcap [truth.json]
set -euo pipefail
pcap=${1:?usage: check-simulation.sh DAY.pcap [truth.json]}
truth=${2:-$(dirname "$pcap")/truth.json}
command -v tshark >/dev/null || { echo "check-simulation: tshark is missing (apt-get install tshark)" >&2; exit 1; }

hellos=$(mktemp)
trap 'rm -f "$hellos"' EXIT
tshark -n -r "$pcap" -Y "tls.handshake.type == 1" -T fields \
  -e ip.src -e tcp.srcport -e udp.srcport -e tls.handshake.extensions_server_name 2>/dev/null > "$hellos"
malformed=$(tshark -n -r "$pcap" -Y "_ws.malformed || _ws.expert.severity >= error" 2>/dev/null | wc -l)
quic=$(tshark -n -r "$pcap" -Y "quic && tls.handshake.type == 1" -T fields -e tls.handshake.extensions_server_name 2>/dev/null | grep -c . || true)

python3 - "$hellos" "$truth" "$malformed" "$quic" <<'PY'
import json, sys
hellos, truth_path, malformed, quic = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = {}
for line in open(hellos):
    ip, tcp, udp, sni = (line.rstrip('\n').split('\t') + ['', '', '', ''])[:4]
    seen[(ip, int(tcp or udp))] = sni
truth = json.load(open(truth_path))
conns = [c for v in truth['visits'] for c in v['connections']]
bad = [c for c in conns if seen.get((c['clientIp'], c['clientPort'])) != c['sni']]
print(f"tshark ClientHellos: {len(seen)} (QUIC {quic}); truth connections: {len(conns)} "
      f"(QUIC {sum(c['transport'] == 'quic' for c in conns)}, post-quantum {sum(c['postQuantum'] for c in conns)}, "
      f"SNI in a later packet {sum(c['sniInLaterPacket'] for c in conns)}); mismatches: {len(bad)}; malformed: {malformed}")
for c in bad[:10]:
    print("  mismatch:", c['sni'], c['transport'], c['clientIp'], c['clientPort'], "->", seen.get((c['clientIp'], c['clientPort'])))
sys.exit(1 if bad or malformed else 0)
PY
