#!/usr/bin/env bash
# Removes the CoppiceMonitor service. Data (database, spool, logs) is kept unless --purge-data is given.
#   deploy/linux/uninstall.sh --keep-data | --purge-data [--prefix /opt/coppice-monitor]
set -euo pipefail

prefix=/opt/coppice-monitor
mode=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-data) mode=keep; shift ;;
    --purge-data) mode=purge; shift ;;
    --prefix) prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "uninstall: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$mode" ] || { echo "uninstall: say --keep-data or --purge-data (the retention policy may require either)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "uninstall: run as root" >&2; exit 1; }

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now coppice-monitor.service 2>/dev/null || true
fi
rm -f /etc/systemd/system/coppice-monitor.service
command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl daemon-reload
rm -rf "$prefix"

if [ "$mode" = purge ]; then
  echo "uninstall: deleting data, spool, logs and configuration"
  rm -rf /var/lib/coppice-monitor /var/spool/coppice-monitor /var/log/coppice-monitor /etc/coppice-monitor
  id coppice >/dev/null 2>&1 && userdel coppice
else
  echo "uninstall: kept /var/lib/coppice-monitor, /var/spool/coppice-monitor, /var/log/coppice-monitor, /etc/coppice-monitor and user coppice"
fi
echo "uninstall: done"
