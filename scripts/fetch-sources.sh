#!/usr/bin/env bash
# Fetches the upstream sources of the real projects the tests instrument (zlib 1.2.13 and
# btrfs-progs 6.2, from Debian's source packages) into .cache/sources/<name>. Idempotent. Needs
# Debian's deb-src entries; as root it adds them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/sources
mkdir -p "$dest"

want=()
[ -f "$dest/zlib/zlib.h" ] || want+=(zlib)
[ -f "$dest/btrfs-progs/btrfs.c" ] || want+=(btrfs-progs)
[ ${#want[@]} -eq 0 ] && { echo "sources: present in $dest"; exit 0; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee /etc/apt/sources.list.d/memcpy-debug-src.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $sudo tee /etc/apt/sources.list.d/memcpy-debug-src.list >/dev/null
  fi
  $sudo apt-get update -qq
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${want[@]}"; do
  (cd "$tmp" && apt-get source --download-only -qq "$name" >/dev/null 2>&1) || { echo "sources: cannot fetch $name"; continue; }
  orig=$(ls "$tmp"/${name}_*.orig.tar.* | head -1)
  mkdir -p "$tmp/x-$name"
  tar -xf "$orig" -C "$tmp/x-$name"
  rm -rf "${dest:?}/$name"
  mv "$tmp/x-$name"/* "$dest/$name"
  echo "sources: $name from $(basename "$orig")"
done
