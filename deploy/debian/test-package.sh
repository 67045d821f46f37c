#!/usr/bin/env bash
# Installs the package into a fresh Debian bookworm root (debootstrap, no .NET inside) the way the README says, and
# walks its life: apt install from a signed repository, --version, check-config, db migrate on the embedded
# PostgreSQL, apt-get upgrade to a newer build (previous one kept for rollback), rollback, remove, purge (data kept
# when the purge question is answered no, deleted when yes).
#   deploy/debian/test-package.sh [--old OLD.deb --new NEW.deb] [--keep]
# Without --old/--new it builds both (the newer one as VERSION+1). Needs root and debootstrap; the base root is cached
# in /var/cache/coppice-monitor-test (and apt's downloads beside it) so reruns skip the download.
# Exit 0 and "package test: N passed, 0 failed" when every step passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root_dir=$(cd "$here/../.." && pwd)
old_deb= new_deb= keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --old) old_deb=$(realpath "$2"); shift 2 ;;
    --new) new_deb=$(realpath "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test-package: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "test-package: needs root (debootstrap, chroot)" >&2; exit 77; }
command -v debootstrap >/dev/null || { echo "test-package: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 77; }
started=$(date +%s)
cache=/var/cache/coppice-monitor-test
mkdir -p "$cache/apt-archives/partial"
work=$(mktemp -d /var/tmp/coppice-pkgtest.XXXXXX)
chmod 0755 "$work"
target="$work/root"
passed=0 failed=0

cleanup() {
  for m in var/cache/apt/archives dev proc sys; do
    mountpoint -q "$target/$m" 2>/dev/null && umount -R -l "$target/$m" || true
  done
  if [ "$keep" -eq 1 ]; then
    echo "test-package: kept $work"
  elif grep -q " $target/" /proc/mounts || grep -q " $target " /proc/mounts; then
    # Never delete through a mount that is still there (it would reach the host's /dev or /sys).
    echo "test-package: $target still has mounts; not deleting $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "  ok: $*"; }
bad() { failed=$((failed + 1)); echo "  FAILED: $*"; }
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }
in_root() { chroot "$target" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# Runs coppice-monitor as the service does: as coppice, with the environment file and the configuration.
as_service() {
  in_root sh -c 'set -a; . /etc/coppice-monitor/environment; set +a; cd /var/lib/coppice-monitor && exec runuser -u coppice -- coppice-monitor "$@" --config /etc/coppice-monitor/appsettings.json' sh "$@"
}
expect() { # expect DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; echo "$out" | sed 's/^/    /' | tail -20; fi
}

if [ -z "$old_deb" ] || [ -z "$new_deb" ]; then
  step "build the two packages"
  base=$(tr -d '[:space:]' < "$root_dir/VERSION")
  bash "$here/build-package.sh" --out "$work/debs" --version "$base+test1"
  bash "$here/build-package.sh" --out "$work/debs" --version "$base+test2" --no-lintian
  old_deb="$work/debs/coppice-monitor_${base}+test1_amd64.deb"
  new_deb="$work/debs/coppice-monitor_${base}+test2_amd64.deb"
fi
old_version=$(dpkg-deb -f "$old_deb" Version)
new_version=$(dpkg-deb -f "$new_deb" Version)
dpkg --compare-versions "$new_version" gt "$old_version" || { echo "test-package: $new_version is not newer than $old_version" >&2; exit 2; }

step "package contents"
size_mb=$(( $(stat -c %s "$new_deb") / 1024 / 1024 ))
[ "$size_mb" -lt 40 ] && ok "package is $size_mb MB (< 40 MB)" || bad "package is $size_mb MB (budget 40 MB)"
sdk=$(dpkg-deb -c "$new_deb" | grep -E -i 'Microsoft\.(CodeAnalysis|Build)|Roslyn|/sdk/|\.pdb$|dotnet-' || true)
[ -z "$sdk" ] && ok "no SDK parts (Roslyn, MSBuild, symbols)" || { bad "SDK parts in the package"; echo "$sdk" | head -5; }

step "fresh Debian bookworm root"
tarball="$cache/bookworm-amd64-minbase.tar"
if [ ! -s "$tarball" ]; then
  debootstrap --variant=minbase bookworm "$work/base" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/base" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$work/base"
fi
mkdir -p "$target"
tar -C "$target" -xf "$tarball"
mount -t proc proc "$target/proc"
mount --bind /sys "$target/sys"
# /dev with its submounts (/dev/shm for PostgreSQL's shared memory, /dev/pts for apt).
mount --rbind /dev "$target/dev"
mount --bind "$cache/apt-archives" "$target/var/cache/apt/archives"
cp /etc/resolv.conf "$target/etc/resolv.conf"
# A root without an init: packages must not try to start services.
printf '#!/bin/sh\nexit 101\n' > "$target/usr/sbin/policy-rc.d"
chmod 0755 "$target/usr/sbin/policy-rc.d"
if in_root sh -c 'command -v dotnet || ls -d /usr/share/dotnet /usr/lib/dotnet' >/dev/null 2>&1; then bad "the root has no .NET"; else ok "the root has no .NET"; fi

step "signed apt repository with $old_version"
export GNUPGHOME="$work/gnupg"
mkdir -p "$GNUPGHOME" && chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "CoppiceMonitor test repository <repo@coppice.invalid>" ed25519 sign never 2>/dev/null
key=$(gpg --batch --list-keys --with-colons | awk -F: '/^fpr:/ {print $10; exit}')
repo="$target/srv/coppice-repo"
bash "$here/make-repo.sh" --repo "$repo" --key "$key" "$old_deb"

step "install as the README says"
# README "Installation" steps 1-2: the repository's key and source.
install -d -m 0755 "$target/etc/apt/keyrings"
cp "$repo/coppice-monitor.gpg" "$target/etc/apt/keyrings/coppice-monitor.gpg"
echo "deb [signed-by=/etc/apt/keyrings/coppice-monitor.gpg] file:/srv/coppice-repo stable main" > "$target/etc/apt/sources.list.d/coppice-monitor.list"
expect "apt-get update verifies the signed repository" in_root apt-get update -q
expect "apt-get install coppice-monitor (with its dependencies and the recommended postgresql)" in_root apt-get install -y -q coppice-monitor
if in_root sh -c 'command -v dotnet || ls -d /usr/share/dotnet /usr/lib/dotnet' >/dev/null 2>&1; then bad "no .NET after install"; else ok "no .NET after install"; fi
v=$(in_root coppice-monitor --version 2>&1 || true)
[ "$v" = "$old_version" ] && ok "coppice-monitor --version is $v" || bad "coppice-monitor --version is '$v', expected $old_version"
[ -L "$target/etc/systemd/system/multi-user.target.wants/coppice-monitor.service" ] && ok "service enabled" || bad "service not enabled"
[ "$(stat -c %a "$target/etc/coppice-monitor/environment")" = 600 ] && ok "environment is 0600" || bad "environment mode $(stat -c %a "$target/etc/coppice-monitor/environment")"
in_root getent passwd coppice >/dev/null && ok "system user coppice" || bad "no user coppice"

step "check-config"
set +e
out=$(as_service check-config 2>&1); code=$?
set -e
if [ "$code" -eq 3 ] && echo "$out" | grep -q "Reports:Smtp:Host is still the sample"; then ok "check-config on the sample: exit 3 naming what to edit"; else bad "check-config on the sample: exit $code: $out"; fi
# README step: edit the configuration (here with sed, as a script would).
sed -i -e 's/"Interfaces": \[ "eth1" \]/"Interfaces": [ "lo" ]/' -e 's/smtp.school.example/mail.coppice-primary.sch.uk/' \
  -e 's/coppice-monitor@school.example/coppice-monitor@coppice-primary.sch.uk/' "$target/etc/coppice-monitor/appsettings.json"
expect "check-config after editing: ok" as_service check-config

step "db migrate on the embedded PostgreSQL"
# The embedded server is created already migrated on first use, so "up to date" is as good as "applied".
out=$(as_service db migrate 2>&1) && echo "$out" | grep -q -E "db migrate: (applied .* migration|schema is up to date)" && ok "db migrate on the embedded database" \
  || { bad "db migrate"; echo "$out" | tail -20 | sed 's/^/    /'; }
expect "status reads the embedded database" as_service status

step "apt-get upgrade to $new_version"
bash "$here/make-repo.sh" --repo "$repo" --key "$key" "$new_deb"
expect "apt-get update" in_root apt-get update -q
expect "apt-get upgrade" in_root apt-get upgrade -y -q -o Dpkg::Options::=--force-confold
v=$(in_root coppice-monitor --version 2>&1 || true)
[ "$v" = "$new_version" ] && ok "upgraded: --version is $v" || bad "after upgrade --version is '$v', expected $new_version"
rollback_deb=$(ls "$target"/var/lib/coppice-monitor/rollback/coppice-monitor_"${old_version}"_*.deb 2>/dev/null | head -1 || true)
[ -n "$rollback_deb" ] && ok "previous package kept: ${rollback_deb#"$target"}" || bad "no rollback package for $old_version"
grep -q "mail.coppice-primary.sch.uk" "$target/etc/coppice-monitor/appsettings.json" && ok "edited configuration kept" || bad "configuration lost on upgrade"
expect "db migrate after upgrade" as_service db migrate

step "roll back to $old_version"
expect "dpkg -i the kept package" in_root dpkg -i "${rollback_deb#"$target"}"
v=$(in_root coppice-monitor --version 2>&1 || true)
[ "$v" = "$old_version" ] && ok "rolled back: --version is $v" || bad "after rollback --version is '$v', expected $old_version"
expect "status after rollback" as_service status

step "remove, then purge keeping the data (the purge question's default)"
expect "apt-get remove" in_root apt-get remove -y -q coppice-monitor
[ ! -e "$target/usr/lib/coppice-monitor/coppice-monitor" ] && ok "program removed" || bad "program still there"
[ -e "$target/etc/coppice-monitor/appsettings.json" ] && [ -d "$target/var/lib/coppice-monitor/postgres" ] && ok "configuration and data kept on remove" || bad "remove deleted configuration or data"
expect "apt-get purge (noninteractive: default answer)" in_root apt-get purge -y -q coppice-monitor
[ ! -e "$target/etc/coppice-monitor/appsettings.json" ] && ok "configuration purged" || bad "configuration left after purge"
[ -d "$target/var/lib/coppice-monitor/postgres" ] && ok "data kept when not asked to delete it" || bad "data deleted without a yes"

step "reinstall, purge answering yes"
expect "apt-get install again" in_root apt-get install -y -q coppice-monitor
echo "coppice-monitor coppice-monitor/purge-data boolean true" | in_root debconf-set-selections
expect "apt-get purge (answer: delete)" in_root apt-get purge -y -q coppice-monitor
[ ! -e "$target/var/lib/coppice-monitor" ] && ok "data deleted after a yes" || bad "data left after a yes"
in_root getent passwd coppice >/dev/null && bad "user coppice left" || ok "user coppice removed with the data"

echo
echo "package test: $passed passed, $failed failed ($(( $(date +%s) - started )) s)"
[ "$failed" -eq 0 ]
