#!/usr/bin/env bash
# Developer install from a clone (needs the .NET SDK and installs the dev tools). Production sensors use the Debian
# package instead (deploy/debian, README "Installation"). Installs CoppiceMonitor as a systemd service (run as root).
#   deploy/linux/install.sh [--prefix /opt/coppice-monitor] [--no-start] [--dry-run]
# Publishes the executable, creates the `coppice` user and folders, installs the unit and a config from the sample.
# Idempotent: an existing /etc/coppice-monitor/appsettings.json is kept. --dry-run prints every change instead.
set -euo pipefail

prefix=/opt/coppice-monitor
start=1
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$dry" -eq 1 ] || [ "$(id -u)" -eq 0 ] || { echo "install: run as root" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
# act CMD...: run it, or in a dry run say what would run. put FILE MODE: write stdin to FILE (or show it).
act() { if [ "$dry" -eq 1 ]; then echo "install: would run: $*"; else "$@"; fi; }
put() {
  if [ "$dry" -eq 1 ]; then echo "install: would write $1 (mode $2):"; sed 's/^/    /'; else (umask 077; cat > "$1"); chmod "$2" "$1"; fi
}
etc=/etc/coppice-monitor
data=/var/lib/coppice-monitor
spool=/var/spool/coppice-monitor
logs=/var/log/coppice-monitor

act bash "$root/deploy/dev/setup.sh"

echo "install: publishing to $prefix"
act dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -o "$prefix" -nologo -v q
act cp "$root/README.md" "$prefix/README.md"

if ! id coppice >/dev/null 2>&1; then
  echo "install: creating system user coppice"
  act useradd --system --home-dir "$data" --no-create-home --shell /usr/sbin/nologin coppice
fi

act install -d -m 0755 "$etc"
act install -d -m 0750 -o coppice -g coppice "$data" "$spool" "$logs"

if [ ! -e "$etc/appsettings.json" ]; then
  echo "install: writing $etc/appsettings.json from appsettings.sample.json (edit it: interfaces, school, SMTP)"
  # The sample is JSONC; the JSON configuration provider accepts comments, so it is copied as is and the
  # service folders are pointed at the installed locations by the COPPICE_ environment file below.
  act install -m 0640 -g coppice "$root/appsettings.sample.json" "$etc/appsettings.json"
fi
if [ ! -e "$etc/environment" ]; then
  put "$etc/environment" 0600 < "$root/deploy/linux/environment"
fi

sed "s#/usr/bin/coppice-monitor#$prefix/coppice-monitor#g" "$root/deploy/linux/coppice-monitor.service" | put /etc/systemd/system/coppice-monitor.service 0644
if [ "$dry" -eq 1 ]; then
  echo "install: would run: systemctl daemon-reload; $prefix/coppice-monitor db migrate (as coppice); systemctl enable$([ "$start" -eq 1 ] && echo " and restart") coppice-monitor.service"
elif command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  # Migrate as the service user so an embedded database is owned by it.
  runuser -u coppice -- env $(grep -v '^#' "$etc/environment" | xargs) "$prefix/coppice-monitor" db migrate --config "$etc/appsettings.json" || {
    echo "install: 'db migrate' failed; fix the configuration and run: systemctl restart coppice-monitor" >&2; }
  systemctl enable coppice-monitor.service
  if [ "$start" -eq 1 ]; then
    systemctl restart coppice-monitor.service
    echo "install: started; logs: journalctl -u coppice-monitor -f; health: $prefix/coppice-monitor status"
  fi
else
  echo "install: systemd is not running here; unit installed at /etc/systemd/system/coppice-monitor.service"
fi
echo "install: done$([ "$dry" -eq 1 ] && echo " (dry run: nothing was changed)")"
