#!/usr/bin/env bash
# A private two-namespace network for the live-capture test. Nothing leaves the namespaces: every address is in
# 10.199.0.0/24, and the root namespace only hosts a bridge (no address) whose client-side port we capture on.
#
#   netns-lab.sh up ID DIR CLIENT_MAC     create: server ns (dnsmasq DNS+DHCP, openssl s_server), client ns, bridge
#   netns-lab.sh dhcp ID DIR HOSTNAME     client takes an address by DHCP (udhcpc); prints it
#   netns-lab.sh traffic ID DIR           dig, openssl s_client and curl with social-media SNI names to the server
#   netns-lab.sh down ID DIR              remove everything (safe to run twice, and after a failed up)
#
# Interface names (15 chars max): bridge cmb$ID, server veth cms$ID/cmsh$ID, client veth cmc$ID/cmch$ID (capture here).
set -euo pipefail
cmd=$1 id=$2 dir=$3
srv=cmS$id cli=cmC$id br=cmb$id
server_ip=10.199.0.1

in_srv() { ip netns exec "$srv" "$@"; }
in_cli() { ip netns exec "$cli" "$@"; }

case "$cmd" in
  up)
    mac=$4
    mkdir -p "$dir"
    ip netns add "$srv"
    ip netns add "$cli"
    ip link add "$br" type bridge
    # No STP delay: ports forward at once.
    ip link set "$br" type bridge forward_delay 0 stp_state 0
    ip link add "cms$id" type veth peer name "cmsh$id"
    ip link add "cmc$id" type veth peer name "cmch$id"
    ip link set "cms$id" netns "$srv"
    ip link set "cmc$id" netns "$cli"
    ip link set "cmsh$id" master "$br"
    ip link set "cmch$id" master "$br"
    ip link set "cmsh$id" up
    ip link set "cmch$id" up
    ip link set "$br" up
    in_srv ip link set lo up
    in_srv ip addr add "$server_ip/24" dev "cms$id"
    in_srv ip link set "cms$id" up
    in_cli ip link set lo up
    in_cli ip link set "cmc$id" address "$mac"
    in_cli ip link set "cmc$id" up

    # DNS for the social-media names (all answer with the local server) and DHCP for the client.
    in_srv dnsmasq --no-resolv --no-hosts --bind-interfaces --interface="cms$id" --except-interface=lo \
      --listen-address="$server_ip" --port=53 \
      --address=/instagram.com/$server_ip --address=/tiktok.com/$server_ip --address=/facebook.com/$server_ip \
      --address=/youtube.com/$server_ip --address=/bbc.co.uk/$server_ip \
      --dhcp-range=10.199.0.100,10.199.0.150,255.255.255.0,1h --dhcp-authoritative \
      --dhcp-leasefile="$dir/dnsmasq.leases" --pid-file="$dir/dnsmasq.pid" --log-facility="$dir/dnsmasq.log" \
      --user=root --group=root

    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
      -subj "/CN=www.instagram.com" >/dev/null 2>&1
    # -www answers any HTTP GET with a status page, so curl gets a real response body.
    (in_srv openssl s_server -accept 443 -cert "$dir/cert.pem" -key "$dir/key.pem" -www -quiet \
      >"$dir/s_server.log" 2>&1 & echo $! >"$dir/s_server.pid")
    for _ in $(seq 50); do
      in_srv bash -c "exec 3<>/dev/tcp/$server_ip/443" 2>/dev/null && break
      sleep 0.1
    done
    echo "lab up: capture interface cmch$id"
    ;;

  dhcp)
    host=$4
    cat >"$dir/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# Minimal udhcpc hook: apply the leased address (no routes or resolv.conf: the test names the server itself).
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"; echo "$ip" > "$LEASE_FILE" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
SCRIPT
    chmod +x "$dir/udhcpc.script"
    LEASE_FILE="$dir/client.ip" in_cli udhcpc -i "cmc$id" -n -q -f -t 10 -T 1 -x "hostname:$host" -s "$dir/udhcpc.script" >"$dir/udhcpc.log" 2>&1
    cat "$dir/client.ip"
    ;;

  traffic)
    # DNS lookups first (as a browser would), then TLS with SNI, then HTTPS with data both ways.
    in_cli dig +short +tries=2 +time=2 @"$server_ip" www.instagram.com A
    in_cli dig +short +tries=2 +time=2 @"$server_ip" www.tiktok.com A
    in_cli dig +short +tries=2 +time=2 @"$server_ip" www.bbc.co.uk A
    echo | in_cli openssl s_client -connect "$server_ip:443" -servername www.instagram.com -brief >/dev/null 2>&1 || true
    for _ in 1 2 3; do
      in_cli curl -sk --max-time 5 --resolve "www.instagram.com:443:$server_ip" https://www.instagram.com/ -o /dev/null
      in_cli curl -sk --max-time 5 --resolve "www.tiktok.com:443:$server_ip" https://www.tiktok.com/ -o /dev/null
    done
    echo "traffic done"
    ;;

  down)
    for pidfile in "$dir/s_server.pid" "$dir/dnsmasq.pid"; do
      [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    # Any process still inside a namespace (a hung client) goes with it.
    for ns in "$srv" "$cli"; do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
    ip link del "cmsh$id" 2>/dev/null || true
    ip link del "cmch$id" 2>/dev/null || true
    ip link del "$br" 2>/dev/null || true
    echo "lab down"
    ;;

  *) echo "usage: $0 up|dhcp|traffic|down ID DIR [ARG]" >&2; exit 2 ;;
esac
