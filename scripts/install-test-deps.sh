#!/usr/bin/env bash
# Installs what the tests build with, when missing: gcc and make, Debian's linux-headers (the
# Kbuild an out-of-tree module builds against) and linux-source-6.1 (real kernel folders to
# instrument and build), cmake, git and patch, and what zlib and
# btrfs-progs need to build and test; then fetches those two projects' sources
# (scripts/fetch-sources.sh), and the SARIF multitool. Debian or Ubuntu; needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in gcc make cmake git patch bsdutils util-linux pkg-config autoconf automake jq \
  libblkid-dev uuid-dev zlib1g-dev liblzo2-dev libzstd-dev libudev-dev tcl tcl-dev binutils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1 || need+=(linux-headers-amd64)
# The real kernel folders the Kbuild tests instrument and build.
[ -f /usr/src/linux-source-6.1.tar.xz ] || need+=(linux-source-6.1)

if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies: all present"
else
  echo "test dependencies: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The SARIF multitool (OASIS' reference validator, as a self-contained npm package) checks the
# SARIF that instrument and report write; in its own folder, out of the project's dependencies
# (it is 100 MB).
if [ ! -x .cache/sarif-multitool/node_modules/.bin/sarif-multitool ]; then
  mkdir -p .cache/sarif-multitool
  (cd .cache/sarif-multitool && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix .cache/sarif-multitool --no-audit --no-fund --silent @microsoft/sarif-multitool@5.7.0 \
    || { echo "test dependencies: cannot install the SARIF multitool"; [ -z "${CI:-}" ] || exit 1; }
fi
# In CI a failed fetch fails the run (the tests would fail on it too); elsewhere they skip.
if [ -n "${CI:-}" ]; then
  scripts/fetch-sources.sh
else
  scripts/fetch-sources.sh || echo "test sources: not all fetched; the real-project tests will say so and skip"
fi
