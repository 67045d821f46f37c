#!/usr/bin/env bash
# Builds coppice-monitor_VERSION_ARCH.deb from a self-contained, trimmed publish (no .NET needed on the sensor).
#   deploy/debian/build-package.sh [--arch amd64|arm64|all] [--version V] [--out DIR] [--no-lintian]
# VERSION defaults to the one the build stamps into the executable (VERSION file + git commit count and hash), so
# `coppice-monitor --version` and `dpkg -l` agree. Output: DIR/coppice-monitor_V_ARCH.deb (default artifacts/debian)
# and DIR/coppice-monitor_V_ARCH.sizes (what the package holds, by part). Lintian must pass (errors and warnings).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/deploy/debian"
arches=amd64 version= out="$root/artifacts/debian" lint=1 reuse=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arches=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-lintian) lint=0; shift ;;
    --reuse-publish) reuse=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "build-package: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$arches" = all ] && arches="amd64 arm64"
for tool in dotnet dpkg-deb dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null || { echo "build-package: $tool is needed (apt-get install dpkg-dev fakeroot; .NET SDK)" >&2; exit 1; }
done
if [ -z "$version" ]; then
  base=$(tr -d '[:space:]' < "$root/VERSION")
  if count=$(git -C "$root" rev-list --count HEAD 2>/dev/null) && hash=$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null); then
    version="$base+$count.g$hash"
  else
    version=$base
  fi
fi
case "$version" in [0-9]*) ;; *) echo "build-package: version '$version' must start with a digit" >&2; exit 2 ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

# What the package holds, by part (KiB installed), for the size budget (under 40 MB, no SDK parts).
size_table() {
  local lib=$1 pkg=$2 deb=$3 total=$4
  find "$lib" -type f -printf '%f\t%s\n' | while IFS=$'\t' read -r name bytes; do
    case "$name" in
      CoppiceMonitor.*|coppice-monitor.dll) part="CoppiceMonitor (ReadyToRun)" ;;
      Microsoft.EntityFrameworkCore*|Npgsql*|EFCore*) part="EF Core + Npgsql" ;;
      ScottPlot*|SkiaSharp*|HarfBuzz*|libSkiaSharp.so|libHarfBuzzSharp.so) part="charts (ScottPlot, SkiaSharp, HarfBuzz)" ;;
      MailKit*|MimeKit*|BouncyCastle*) part="mail (MailKit, MimeKit, BouncyCastle)" ;;
      Quartz*|Serilog*|SharpPcap*|PacketDotNet*|System.CommandLine*|SmtpServer*) part="Quartz, Serilog, SharpPcap, System.CommandLine, SmtpServer" ;;
      coppice-monitor|*.so) part="runtime (CoreCLR, JIT, GC, host, native shims)" ;;
      System.*|Microsoft.*|mscorlib.dll|netstandard.dll|WindowsBase.dll) part="framework and Microsoft.Extensions assemblies (trimmed)" ;;
      *) part="other: $name" ;;
    esac
    printf '%s\t%s\n' "$part" "$bytes"
  done | awk -F'\t' '{s[$1]+=$2} END {for (p in s) printf "%s\t%d\n", p, s[p]/1024}' | sort -t$'\t' -k2,2nr
  printf 'docs, unit, configuration, man page\t%s\n' "$(du -sk "$pkg/usr/share" "$pkg/etc" "$pkg/lib" | awk '{s+=$1} END {print s}')"
  printf 'total installed\t%s\n' "$total"
  printf 'package file (.deb, xz)\t%s\n' "$(( $(stat -c %s "$deb") / 1024 ))"
}

for arch in $arches; do
  case "$arch" in amd64) rid=linux-x64 ;; arm64) rid=linux-arm64 ;; *) echo "build-package: unknown arch $arch" >&2; exit 2 ;; esac
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  if [ -n "$reuse" ]; then
    # Developers only: package an existing publish of this RID (its --version is whatever it was built as).
    cp -a "$reuse" "$stage/publish"
  else
  echo "build-package: publishing $rid (self-contained, trimmed) as $version"
  dotnet publish "$root/src/CoppiceMonitor.Service" -c Release -r "$rid" --self-contained \
    -p:PublishTrimmed=true -p:CoppiceVersion="$version" -o "$stage/publish" -nologo -v q
  fi

  pkg="$stage/pkg"
  lib="$pkg/usr/lib/coppice-monitor"
  doc="$pkg/usr/share/doc/coppice-monitor"
  mkdir -p "$lib" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/coppice-monitor" "$doc" \
    "$pkg/usr/share/man/man1" "$pkg/usr/share/lintian/overrides" "$pkg/DEBIAN"
  # The runtime without what only a debugger or a tracer loads: symbols, the debugger's access libraries, the
  # LTTng trace provider (it would pull liblttng-ust in), createdump and the standalone GCs (used only when
  # DOTNET_GCName asks for one).
  cp -a "$stage/publish/." "$lib/"
  find "$lib" \( -name "*.pdb" -o -name libmscordaccore.so -o -name libmscordbi.so -o -name libcoreclrtraceptprovider.so \
    -o -name "libclrgc*.so" \
    -o -name createdump \) -delete
  find "$lib" -type f -exec chmod 0644 {} +
  find "$lib" -type d -exec chmod 0755 {} +
  chmod 0755 "$lib/coppice-monitor"
  ln -s ../lib/coppice-monitor/coppice-monitor "$pkg/usr/bin/coppice-monitor"

  install -m 0644 "$root/deploy/linux/coppice-monitor.service" "$pkg/lib/systemd/system/coppice-monitor.service"
  install -m 0644 "$root/appsettings.sample.json" "$pkg/etc/coppice-monitor/appsettings.json"
  install -m 0600 "$root/deploy/linux/environment" "$pkg/etc/coppice-monitor/environment"
  install -m 0644 "$here/package/copyright" "$doc/copyright"
  gzip -9n < "$root/README.md" > "$doc/README.md.gz"
  gzip -9n < "$root/CHANGELOG.md" > "$doc/changelog.gz"
  # A native package's Debian changelog: one entry for this build, pointing at the product's own changelog.
  {
    echo "coppice-monitor ($version) bookworm; urgency=medium"
    echo
    echo "  * Build $version (changes: changelog.gz in this folder)."
    echo
    echo " -- CoppiceMonitor maintainers <coppice-monitor@coppice.invalid>  $(date -R -d "@$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)")"
  } | gzip -9n > "$doc/changelog.Debian.gz"
  gzip -9n < "$here/package/coppice-monitor.1" > "$pkg/usr/share/man/man1/coppice-monitor.1.gz"
  install -m 0644 "$here/package/lintian-overrides" "$pkg/usr/share/lintian/overrides/coppice-monitor"

  for script in preinst postinst prerm postrm config; do
    install -m 0755 "$here/package/$script" "$pkg/DEBIAN/$script"
  done
  install -m 0644 "$here/package/templates" "$pkg/DEBIAN/templates"
  printf '/etc/coppice-monitor/appsettings.json\n/etc/coppice-monitor/environment\n' > "$pkg/DEBIAN/conffiles"

  # Shared-library dependencies of the native parts, by dpkg-shlibdeps on amd64 (the libraries are found on this
  # machine). arm64 needs the same Debian packages, so its list is the same; libssl3 and libpcap0.8 are loaded with
  # dlopen (crypto for SCRAM/TLS, capture), which dpkg-shlibdeps cannot see, so they are named by hand.
  if [ -z "${shlibs:-}" ] && [ "$arch" = amd64 ]; then
    mkdir -p "$stage/shlibs/debian"
    printf 'Source: coppice-monitor\n\nPackage: coppice-monitor\nArchitecture: any\n' > "$stage/shlibs/debian/control"
    shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O -e"$lib/coppice-monitor" $(find "$lib" -name '*.so' | sort) 2>/dev/null \
      | sed -n 's/^shlibs:Depends=//p')
  fi
  if [ -z "${shlibs:-}" ]; then
    shlibs="libc6 (>= 2.34), libgcc-s1 (>= 4.2), libstdc++6 (>= 12)"
  fi
  installed_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SHLIBS@/$shlibs/" -e "s/@SIZE@/$installed_kb/" \
    "$here/package/control" > "$pkg/DEBIAN/control"
  (cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
  chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/control"

  deb="$out/coppice-monitor_${version}_${arch}.deb"
  fakeroot dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
  size_table "$lib" "$pkg" "$deb" "$installed_kb" > "${deb%.deb}.sizes"
  echo "build-package: $deb ($(( $(stat -c %s "$deb") / 1024 / 1024 )) MB, $(( installed_kb / 1024 )) MB installed)"
  if [ "$lint" -eq 1 ]; then
    command -v lintian >/dev/null || { echo "build-package: lintian not installed (apt-get install lintian)" >&2; exit 1; }
    lintian --fail-on error,warning --tag-display-limit 0 "$deb"
    echo "build-package: lintian: clean"
  fi
  rm -rf "$stage"
  trap - EXIT
done
