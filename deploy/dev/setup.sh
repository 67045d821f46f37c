#!/usr/bin/env bash
# Installs what CoppiceMonitor's build, demo and tests need. Idempotent: installs only what is missing and says so.
# On Debian (or Ubuntu) as root it uses apt-get; elsewhere it names what is missing and stops.
set -euo pipefail

# command-or-file to check  ->  Debian package that provides it
declare -A NEEDS=(
  [/usr/lib/x86_64-linux-gnu/libpcap.so.0.8]=libpcap0.8
  [pg_ctl_any]=postgresql
  [ip]=iproute2
  [dig]=dnsutils
  [openssl]=openssl
  [curl]=curl
  [dnsmasq]=dnsmasq-base
  [udhcpc]=udhcpc
  [tcpreplay]=tcpreplay
  [tcpdump]=tcpdump
  [tshark]=tshark
  [chromium]=chromium
  [python3]=python3
  [/usr/share/publicsuffix/public_suffix_list.dat]=publicsuffix
  [runuser]=util-linux
  [afl-fuzz]=afl++
)

have() {
  case "$1" in
    pg_ctl_any) ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 ;;
    /*) [ -e "$1" ] || ls ${1%.so.*}.so* >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for thing in "${!NEEDS[@]}"; do
  have "$thing" || missing+=("${NEEDS[$thing]}")
done
# libpcap's file name differs across architectures: accept any libpcap.so.0.8.
if ls /usr/lib/*/libpcap.so.0.8 /usr/lib/libpcap.so.0.8 >/dev/null 2>&1; then
  missing=("${missing[@]/libpcap0.8}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -v '^$' | sort -u)

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is missing (dotnet is not on PATH); install it from your distribution or Microsoft's packages." >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: everything needed is installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run this script as root on Debian/Ubuntu, or install them with your package manager." >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${missing[*]}"
