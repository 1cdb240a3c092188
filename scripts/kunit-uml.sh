#!/usr/bin/env bash
# KUnit over the whole kernel, instrumented: Linux 6.1 or 6.12 (Debian's linux-source-*) instrumented
# in kernel-tree placement, then `tools/testing/kunit/kunit.py run --arch=um` with the tree's
# all-tests config (the tests that build on user-mode Linux), the btrfs sanity tests and
# CONFIG_MEMCPY_DEBUG=y. A memcpy overlap fails the test that runs it (kunit_fail_current_test),
# so a test that fails here and passes on the plain tree is a report to triage. Prints the test
# counts, the overlap reports (memcpy-debug report) and the site table's coverage (a second boot
# of the same kernel, whose init prints the table after the tests); then reverts.
#
#   scripts/kunit-uml.sh                 # work folder .cache/kunit-uml (KUNIT_WORK to change)
#   LINUX=6.12 scripts/kunit-uml.sh      # Debian's linux-source-6.12 instead of 6.1
#
# The build compiles a UML kernel with every KUnit test: 15 to 40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${KUNIT_WORK:-$repo/.cache/kunit-uml}
bin="node $repo/dist/bundle/memcpy-debug.js"
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null
mkdir -p "$work"
linux=${LINUX:-6.1}
src=$work/linux
if [ ! -f "$work/pristine/Makefile" ]; then
  rm -rf "$work/pristine" "$work/linux-source-$linux"
  tar -xf "/usr/src/linux-source-$linux.tar.xz" -C "$work"
  mv "$work/linux-source-$linux" "$work/pristine"
fi
rm -rf "$src"
cp -r "$work/pristine" "$src"
start=$(date +%s)
$bin instrument "$src" 2>"$work/instrument.txt" >/dev/null
echo "kunit: instrumented in $(( $(date +%s) - start )) s: $(sed -n 2p "$work/instrument.txt")"

config=$work/kunitconfig
{
  cat "$src/tools/testing/kunit/configs/all_tests.config"
  # HOSTFS: the coverage boot below takes its root (and init) from a host folder.
  printf 'CONFIG_BTRFS_FS=y\nCONFIG_BTRFS_FS_RUN_SANITY_TESTS=y\nCONFIG_DEBUG_FS=y\nCONFIG_MEMCPY_DEBUG=y\nCONFIG_HOSTFS=y\n'
} >"$config"
start=$(date +%s)
(cd "$src" && python3 tools/testing/kunit/kunit.py run --arch=um --kunitconfig="$config" --build_dir="$work/build" \
  --jobs="$(nproc)" --timeout=1800 --raw_output=all) >"$work/kunit.log" 2>&1 || true
echo "kunit: built and ran in $(( $(date +%s) - start )) s"
grep -m1 -o 'memcpy_debug: overlap checks on.*' "$work/kunit.log" || echo "kunit: no 'overlap checks on' line: was CONFIG_MEMCPY_DEBUG built in?"
# KTAP: "ok N name" and "not ok N name" at every level.
echo "kunit: $(grep -cE '^\s*ok [0-9]+ ' "$work/kunit.log" || true) ok, $(grep -cE '^\s*not ok [0-9]+ ' "$work/kunit.log" || true) not ok (suites and cases)"
grep -E '^\s*not ok [0-9]+ ' "$work/kunit.log" | head -20 || true
$bin report "$work/kunit.log" --dir "$src" || true
# Coverage: the same kernel booted again with an init (scripts/kernel-init.sh: no disks here, so
# only its tmpfs part runs) that prints the site table after the tests ran at boot.
. scripts/kernel-root.sh
root=$work/root
kernel_root "$root"
timeout 1800 "$work/build/linux" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=1G init=/init \
  con=null con0=fd:0,fd:1 uml_dir="$work/umld" kunit.enable=1 \
  "$UML_GLIBC" \
  </dev/null >"$work/coverage.log" 2>&1 || true
tr -d '\r' <"$work/coverage.log" | sed -n '/^memcpy_debug sites:$/,/^memcpy_debug sites end$/{//!p}' >"$work/sites.txt"
echo "kunit: coverage boot: $(grep -cE '^\s*ok [0-9]+ ' "$work/coverage.log" || true) ok, $(grep -cE '^\s*not ok [0-9]+ ' "$work/coverage.log" || true) not ok; $(wc -l <"$work/sites.txt") site table rows"
$bin report "$work/sites.txt" --dir "$src" | grep '^site table' || true
$bin revert "$src" >/dev/null 2>"$work/revert.txt"
echo "kunit: reverted: $(sed -n 2p "$work/revert.txt")"
if diff -r -q "$work/pristine" "$src" >"$work/revert.diff" 2>&1; then echo "kunit: revert: identical to the unpacked tree"
else echo "kunit: revert: $(wc -l <"$work/revert.diff") differences (see $work/revert.diff)"; fi
