#!/usr/bin/env bash
# Adds .deb files to an apt repository folder and re-signs it, so schools install and upgrade with apt.
#   deploy/debian/make-repo.sh --repo DIR --key KEYID [--gnupghome DIR] [--suite stable] DEB...
# Layout: DIR/pool/main/c/coppice-monitor/*.deb, DIR/dists/SUITE/main/binary-{amd64,arm64}/Packages(.gz),
# DIR/dists/SUITE/{Release,InRelease,Release.gpg} signed with KEYID, and DIR/coppice-monitor.gpg (the public key,
# for /etc/apt/keyrings). Older versions stay in the pool and the index, so `apt-get install coppice-monitor=V`
# can also go back. Publish DIR on any web server (or a file: path) as it is.
set -euo pipefail
repo= key= suite=stable debs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repo) repo=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    --gnupghome) export GNUPGHOME=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    -*) echo "make-repo: unknown option $1" >&2; exit 2 ;;
    *) debs+=("$1"); shift ;;
  esac
done
[ -n "$repo" ] && [ -n "$key" ] || { echo "make-repo: --repo DIR and --key KEYID are required" >&2; exit 2; }
command -v apt-ftparchive >/dev/null || { echo "make-repo: apt-ftparchive is needed (apt-get install apt-utils)" >&2; exit 1; }

pool="$repo/pool/main/c/coppice-monitor"
mkdir -p "$pool"
for deb in "${debs[@]}"; do
  [ "$(dpkg-deb -f "$deb" Package)" = coppice-monitor ] || { echo "make-repo: $deb is not a coppice-monitor package" >&2; exit 2; }
  cp "$deb" "$pool/"
done

cd "$repo"
for arch in amd64 arm64; do
  dir="dists/$suite/main/binary-$arch"
  mkdir -p "$dir"
  apt-ftparchive --arch "$arch" packages pool > "$dir/Packages"
  gzip -9nc "$dir/Packages" > "$dir/Packages.gz"
done
apt-ftparchive \
  -o APT::FTPArchive::Release::Origin=CoppiceMonitor \
  -o APT::FTPArchive::Release::Label=CoppiceMonitor \
  -o APT::FTPArchive::Release::Suite="$suite" \
  -o APT::FTPArchive::Release::Codename="$suite" \
  -o APT::FTPArchive::Release::Architectures="amd64 arm64" \
  -o APT::FTPArchive::Release::Components=main \
  -o APT::FTPArchive::Release::Description="CoppiceMonitor packages" \
  release "dists/$suite" > "dists/$suite/Release.new"
mv "dists/$suite/Release.new" "dists/$suite/Release"
rm -f "dists/$suite/InRelease" "dists/$suite/Release.gpg"
gpg --batch --yes --local-user "$key" --clearsign -o "dists/$suite/InRelease" "dists/$suite/Release"
gpg --batch --yes --local-user "$key" --armor --detach-sign -o "dists/$suite/Release.gpg" "dists/$suite/Release"
gpg --batch --yes --export "$key" > coppice-monitor.gpg
echo "make-repo: $repo ($suite): $(grep -c '^Package:' "dists/$suite/main/binary-amd64/Packages") amd64 and $(grep -c '^Package:' "dists/$suite/main/binary-arm64/Packages") arm64 package version(s), signed by $key"
