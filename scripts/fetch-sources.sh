#!/usr/bin/env bash
# Fetches the upstream sources of the real projects the tests instrument, from Debian's source
# packages, into .cache/sources/<name>: zlib 1.2.13, btrfs-progs 6.2, lz4 1.9.4, xz-utils 5.4.1,
# sqlite3 3.40.1 and git 2.39. Idempotent; exits 1 when one could not be fetched. Needs Debian's deb-src entries; as root it adds them
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/sources
mkdir -p "$dest"

want=()
[ -f "$dest/zlib/zlib.h" ] || want+=(zlib)
[ -f "$dest/btrfs-progs/btrfs.c" ] || want+=(btrfs-progs)
[ -f "$dest/lz4/lib/lz4.c" ] || want+=(lz4)
[ -f "$dest/xz-utils/src/liblzma/common/common.c" ] || want+=(xz-utils)
[ -f "$dest/sqlite3/src/main.c" ] || want+=(sqlite3)
[ -f "$dest/git/git.c" ] || want+=(git)
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
failed=0
for name in "${want[@]}"; do
  # The newest version first; then the others the lists know (a security update's source can be
  # missing from a mirror that has the release's).
  fetched=""
  for spec in "$name" $(apt-cache showsrc "$name" 2>/dev/null | sed -n 's/^Version: /'"$name"'=/p'); do
    (cd "$tmp" && apt-get source --download-only -qq "$spec" >/dev/null 2>&1) && { fetched=$spec; break; }
  done
  [ -n "$fetched" ] || { echo "sources: cannot fetch $name"; failed=1; continue; }
  orig=$(ls "$tmp"/${name}_*.orig.tar.* | head -1) # sqlite3 also has an .orig-www tarball
  mkdir -p "$tmp/x-$name"
  tar -xf "$orig" -C "$tmp/x-$name"
  rm -rf "${dest:?}/$name"
  mv "$tmp/x-$name"/* "$dest/$name"
  echo "sources: $name from $(basename "$orig")"
done
exit $failed
