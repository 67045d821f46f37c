#!/usr/bin/env bash
# Checks the systemd unit: the hardening the product promises, then `systemd-analyze verify` in a throwaway root
# (a stand-in executable at the ExecStart path, the host's own unit library) when systemd-analyze is installed.
#   deploy/linux/check-unit.sh [UNIT]      (default: deploy/linux/coppice-monitor.service)
# Exit 0 when every check passes; 1 with one line per failure otherwise.
set -euo pipefail
unit=${1:-$(cd "$(dirname "$0")" && pwd)/coppice-monitor.service}
[ -r "$unit" ] || { echo "check-unit: cannot read $unit" >&2; exit 1; }
failures=0
fail() { echo "check-unit: $*"; failures=$((failures + 1)); }

# Last assignment of a key in [Service] wins, as in systemd.
value() { awk -F= -v k="$1" '/^\[/{s=($0=="[Service]")} s && $1==k {sub(/^[^=]*=/,""); v=$0} END{print v}' "$unit"; }
expect() { [ "$(value "$1")" = "$2" ] || fail "$1 must be '$2' (is '$(value "$1")')"; }

expect Type notify
expect User coppice
expect NoNewPrivileges yes
expect ProtectSystem strict
expect ProtectHome yes
expect PrivateTmp yes
expect PrivateDevices yes
for key in AmbientCapabilities CapabilityBoundingSet; do
  caps=$(value "$key" | tr ' ' '\n' | sort | tr '\n' ' ')
  [ "$caps" = "CAP_NET_ADMIN CAP_NET_RAW " ] || fail "$key must be exactly CAP_NET_RAW CAP_NET_ADMIN (is '$(value "$key")')"
done
for path in $(value ReadWritePaths); do
  case "$path" in
    /var/lib/coppice-monitor|/var/spool/coppice-monitor|/var/log/coppice-monitor) ;;
    *) fail "ReadWritePaths may name only the data, spool and log folders (found $path)" ;;
  esac
done
[ -n "$(value ReadWritePaths)" ] || fail "ReadWritePaths must name the data and spool folders"
[ "$(value KillSignal)" = "SIGTERM" ] || fail "KillSignal must be SIGTERM (graceful drain)"

if command -v systemd-analyze >/dev/null 2>&1 && [ -d /usr/lib/systemd/system ]; then
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  exe=$(value ExecStart | awk '{print $1}')
  mkdir -p "$root$(dirname "$exe")" "$root/etc/systemd/system" "$root/usr/lib/systemd"
  printf '#!/bin/sh\nexit 0\n' > "$root$exe"
  chmod +x "$root$exe"
  cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$unit" "$root/etc/systemd/system/coppice-monitor.service"
  if ! out=$(systemd-analyze verify --root="$root" "$root/etc/systemd/system/coppice-monitor.service" 2>&1) || [ -n "$out" ]; then
    fail "systemd-analyze verify: ${out:-failed}"
  else
    echo "check-unit: systemd-analyze verify: ok"
  fi
else
  echo "check-unit: systemd-analyze not installed; verify skipped (apt-get install systemd)"
fi

[ "$failures" -eq 0 ] || exit 1
echo "check-unit: hardening ok ($unit)"
