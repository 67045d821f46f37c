#!/usr/bin/env bash
# Builds coppice-monitor_VERSION_win-x64.zip: a self-contained, trimmed publish for Windows with install.ps1,
# uninstall.ps1 and the sample configuration beside coppice-monitor.exe (no .NET needed on the Windows host).
#   deploy/windows/build-zip.sh [--version V] [--out DIR]      (default artifacts/windows)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version= out="$root/artifacts/windows"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "build-zip: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$version" ]; then
  base=$(tr -d '[:space:]' < "$root/VERSION")
  if count=$(git -C "$root" rev-list --count HEAD 2>/dev/null) && hash=$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null); then
    version="$base+$count.g$hash"
  else
    version=$base
  fi
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
name="coppice-monitor_${version}_win-x64"
dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -r win-x64 --self-contained \
  -p:PublishTrimmed=true -p:CoppiceVersion="$version" -o "$stage/$name" -nologo -v q
rm -f "$stage/$name"/*.pdb "$stage/$name"/createdump.exe "$stage/$name"/mscordaccore*.dll "$stage/$name"/mscordbi.dll
cp "$root/deploy/windows/install.ps1" "$root/deploy/windows/uninstall.ps1" "$root/appsettings.sample.json" \
  "$root/README.md" "$root/CHANGELOG.md" "$stage/$name/"
rm -f "$out/$name.zip"
(cd "$stage" && python3 -c 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", ".", sys.argv[2])' "$out/$name" "$name")
echo "build-zip: $out/$name.zip ($(( $(stat -c %s "$out/$name.zip") / 1024 / 1024 )) MB, $(du -sm "$stage/$name" | cut -f1) MB unpacked)"
