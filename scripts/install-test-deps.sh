#!/usr/bin/env bash
# Installs what the tests build with, when missing: gcc and make, Debian's linux-headers (the
# Kbuild an out-of-tree module builds against), cmake, git and patch. Debian or Ubuntu; needs root
# (or sudo).
set -euo pipefail

need=()
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v cmake >/dev/null || need+=(cmake)
command -v git >/dev/null || need+=(git)
command -v patch >/dev/null || need+=(patch)
command -v script >/dev/null || need+=(bsdutils)
ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1 || need+=(linux-headers-amd64)

if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi
echo "test dependencies: installing ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
