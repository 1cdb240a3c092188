#!/usr/bin/env bash
# The main job on the bundled example: a copy of fixtures/kernel-module (an out-of-tree module)
# is previewed, instrumented, built with Kbuild when the kernel headers are installed, then
# reverted and compared with the original.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="node dist/bundle/memcpy-debug.js"
work=.example
rm -rf "$work"
mkdir -p "$work"
cp -r fixtures/kernel-module/before "$work/mcdemo"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "memcpy-debug instrument $work/mcdemo --dry-run | head -40"
$bin instrument "$work/mcdemo" --dry-run | head -40

step "memcpy-debug instrument $work/mcdemo"
$bin instrument "$work/mcdemo"

headers=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | tail -1 || true)
if [ -n "$headers" ]; then
  step "make -C $headers M=\$PWD/$work/mcdemo modules"
  make -s -C "$headers" M="$PWD/$work/mcdemo" modules
  echo "modinfo: $(strings "$work/mcdemo/mcdemo.ko" | grep "^memcpy_debug=")"
else
  echo "(no linux-headers package: skipping the Kbuild build; scripts/install-test-deps.sh installs it)"
  echo
fi
make -s -C "$headers" M="$PWD/$work/mcdemo" clean >/dev/null 2>&1 || true

step "memcpy-debug revert $work/mcdemo"
$bin revert "$work/mcdemo"

step "diff -r fixtures/kernel-module/before $work/mcdemo"
diff -r fixtures/kernel-module/before "$work/mcdemo" && echo "identical to the original"
