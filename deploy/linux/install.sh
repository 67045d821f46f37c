#!/usr/bin/env bash
# Installs CoppiceMonitor as a systemd service on Debian/Ubuntu (run as root from a clone of the repository).
#   deploy/linux/install.sh [--prefix /opt/coppice-monitor] [--no-start]
# Publishes the executable, creates the `coppice` user and folders, installs the unit and a config from the sample.
# Idempotent: an existing /etc/coppice-monitor/appsettings.json is kept.
set -euo pipefail

prefix=/opt/coppice-monitor
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "install: run as root" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
etc=/etc/coppice-monitor
data=/var/lib/coppice-monitor
spool=/var/spool/coppice-monitor
logs=/var/log/coppice-monitor

bash "$root/deploy/dev/setup.sh"

echo "install: publishing to $prefix"
dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -o "$prefix" -nologo -v q
cp "$root/README.md" "$prefix/README.md"

if ! id coppice >/dev/null 2>&1; then
  echo "install: creating system user coppice"
  useradd --system --home-dir "$data" --no-create-home --shell /usr/sbin/nologin coppice
fi

install -d -m 0755 "$etc"
install -d -m 0750 -o coppice -g coppice "$data" "$spool" "$logs"

if [ ! -e "$etc/appsettings.json" ]; then
  echo "install: writing $etc/appsettings.json from appsettings.sample.json (edit it: interfaces, school, SMTP)"
  # The sample is JSONC; the JSON configuration provider accepts comments, so it is copied as is and the
  # service folders are pointed at the installed locations by the COPPICE_ environment file below.
  install -m 0640 -g coppice "$root/appsettings.sample.json" "$etc/appsettings.json"
fi
if [ ! -e "$etc/environment" ]; then
  umask 077
  cat > "$etc/environment" <<ENV
# Secrets and install paths for coppice-monitor (read by systemd; root-readable only).
COPPICE_Service__DataFolder=$data
COPPICE_Service__SpoolFolder=$spool
COPPICE_Service__LogFolder=$logs
# COPPICE_ConnectionStrings__Coppice=Host=db.example;Database=coppice;Username=coppice_ingest;Password=...
# COPPICE_Smtp__Password=...
ENV
fi

sed "s#/opt/coppice-monitor#$prefix#g" "$root/deploy/linux/coppice-monitor.service" > /etc/systemd/system/coppice-monitor.service
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
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
echo "install: done"
