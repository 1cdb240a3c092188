#!/usr/bin/env bash
# The whole kernel, instrumented in place with the runtime in the tree (kernel-tree placement),
# built as user-mode Linux with CONFIG_MEMCPY_DEBUG=y and booted: a btrfs workload (creates,
# renames, links, deletes in one directory) must give 0 overlap reports, then a test module of
# our own (fixtures/overlap-selftest/kernel, instrumented with the tree) must be reported with
# file:line and function. Then the same tree is built with MEMCPY_DEBUG off, and reverted. Step
# replay (not in the default steps) takes btrfs's own memmove fix out and boots again.
#
#   scripts/uml-kernel-tree.sh            # work folder .cache/uml-tree (UML_TREE_WORK to change)
#   STEPS="on" scripts/uml-kernel-tree.sh # only the build with the check on (STEPS: on off boot replay revert)
#   LINUX=6.12 scripts/uml-kernel-tree.sh # Debian's linux-source-6.12 instead of 6.1
#
# The workload runs on btrfs, ext4 and tmpfs in turn. Each build compiles the whole kernel as UML:
# 10 to 30 minutes on 2 cores. Needs linux-source-$LINUX, busybox-static, btrfs-progs, e2fsprogs,
# bc, flex, bison, libelf-dev (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${UML_TREE_WORK:-$repo/.cache/uml-tree}
steps=${STEPS:-on off revert}
linux=${LINUX:-6.1}
bin="node $repo/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null
need=()
for pkg in "linux-source-$linux" busybox-static btrfs-progs e2fsprogs bc flex bison libelf-dev gcc make; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

src=$work/linux
pristine=$work/pristine
if [ ! -f "$pristine/Makefile" ]; then
  echo "tree: unpacking linux-source-$linux"
  rm -rf "$pristine" "$work/linux-source-$linux"
  tar -xf "/usr/src/linux-source-$linux.tar.xz" -C "$work"
  mv "$work/linux-source-$linux" "$pristine"
  # The planted overlap: our test module, in the tree before it is instrumented.
  cp -r fixtures/overlap-selftest/kernel "$pristine/mcdtest"
fi
if [ ! -f "$src/.memcpy-debug/manifest.json" ]; then
  rm -rf "$src"
  cp -r "$pristine" "$src" # plain cp: new mtimes
  # Hosts with AMX: see scripts/uml-selftest.sh.
  if grep -qw amx_tile /proc/cpuinfo; then
    sed -i 's/if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) == 0)$/if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, \&iov) == 0 \&\&\n\t    ptrace(PTRACE_SETREGSET, pid, NT_X86_XSTATE, \&iov) == 0)/' \
      "$src/arch/x86/um/os-Linux/registers.c"
  fi
  start=$(date +%s)
  $bin instrument "$src" 2>"$work/instrument.txt" >/dev/null
  echo "tree: instrumented in $(( $(date +%s) - start )) s: $(sed -n 2p "$work/instrument.txt")"
fi

# The root, with scripts/kernel-init.sh as its init (the same one QEMU boots).
. scripts/kernel-root.sh
root=$work/root
kernel_root "$root"

build() { # $1: on|off
  local mode=$1 build=$work/build-$1
  rm -rf "$build"
  mkdir -p "$build"
  make -s -C "$src" ARCH=um O="$build" defconfig >/dev/null
  "$src/scripts/config" --file "$build/.config" -e MODULES -e MODULE_UNLOAD -e HOSTFS -e DEVTMPFS -e DEVTMPFS_MOUNT -e BTRFS_FS -e EXT4_FS -e TMPFS -e BLK_DEV_UBD -e DEBUG_FS
  if [ "$mode" = on ]; then "$src/scripts/config" --file "$build/.config" -e MEMCPY_DEBUG; else "$src/scripts/config" --file "$build/.config" -d MEMCPY_DEBUG; fi
  make -s -C "$src" ARCH=um O="$build" olddefconfig >/dev/null
  grep -q "^CONFIG_MEMCPY_DEBUG=y" "$build/.config" && echo "tree: $mode: CONFIG_MEMCPY_DEBUG=y" || echo "tree: $mode: CONFIG_MEMCPY_DEBUG is not set"
  local start=$(date +%s)
  make -C "$src" ARCH=um O="$build" -j"$(nproc)" linux modules >"$work/build-$mode.log" 2>&1 || { tail -30 "$work/build-$mode.log"; exit 1; }
  make -C "$src" ARCH=um O="$build" M="$src/mcdtest" modules >>"$work/build-$mode.log" 2>&1 || { tail -30 "$work/build-$mode.log"; exit 1; }
  echo "tree: $mode: built in $(( $(date +%s) - start )) s; $(grep -c '^  CC' "$work/build-$mode.log") objects compiled, $(grep 'warning:' "$work/build-$mode.log" | grep -vc '/ld: ' || true) compiler warnings"
}

boot() { # $1: on|off|replay, $2: the build folder
  local mode=$1 build=$2
  cp "$src/mcdtest/mcdtest.ko" "$root/mod/"
  local img=$work/btrfs-$mode.img log=$work/boot-$mode.console.log
  local ext4=$work/ext4-$mode.img
  kernel_disks "$img" "$ext4"
  timeout 900 "$build/linux" ubd0="$img" ubd1="$ext4" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=256M init=/init \
    con=null con0=fd:0,fd:1 uml_dir="$work/umld" printk.time=1 \
    "$UML_GLIBC" \
    </dev/null >"$log" 2>&1 || true
  echo "tree: $mode: $(grep -o 'memcpy_debug: overlap checks on.*' "$log" || echo 'no "overlap checks on" line'); $(grep -o 'workload: .*' "$log" | tr '\n' ';')"
  echo "tree: $mode: $(grep -c 'memcpy overlap detected' "$log" || true) reports in all, $(grep -c 'WARNING: CPU' "$log" || true) WARNING lines"
  grep -m1 'memcpy overlap detected' "$log" || true
  grep -m1 'WARNING: CPU' "$log" || true
  if btrfs check "$img" >"$work/btrfs-$mode.check.log" 2>&1; then echo "tree: $mode: btrfs check: clean"; else echo "tree: $mode: btrfs check: errors"; fi
  if e2fsck -fn "$ext4" >"$work/ext4-$mode.check.log" 2>&1; then echo "tree: $mode: e2fsck: clean"; else echo "tree: $mode: e2fsck: errors"; fi
  # The console holds the site table too: report reads it from there.
  tr -d '\r' <"$log" | sed -n '/^memcpy_debug sites:$/,/^memcpy_debug sites end$/{//!p}' >"$work/sites-$mode.txt"
  if [ -s "$work/sites-$mode.txt" ]; then
    echo "tree: $mode: debugfs sites: $(wc -l <"$work/sites-$mode.txt") call sites ran, $(awk '$4 > 0' "$work/sites-$mode.txt" | wc -l) overlapped; the module's:"
    grep mcdtest "$work/sites-$mode.txt" || true
  fi
  $bin report "$log" --dir "$src" || true
}

for step in $steps; do
  case $step in
    on|off) build "$step"; boot "$step" "$work/build-$step" ;;
    boot) boot on "$work/build-on" ;; # the build of step on, booted again
    replay)
      # A real upstream memcpy->memmove fix taken out again: btrfs's areas_overlap() (the check
      # copy_pages() got after the 2011 story; in 6.12 memcpy_extent_buffer()'s) says "no
      # overlap", so memmove_extent_buffer() copies overlapping areas with memcpy. The tree built
      # by step "on" is rebuilt (one file and the link) and booted; report must name the site.
      file=$src/fs/btrfs/extent_io.c
      [ -x "$work/build-on/linux" ] || { echo "tree: replay: needs step on first"; exit 2; }
      cp "$file" "$work/extent_io.c.instrumented"
      sed -i 's|^\treturn distance < len;$|\treturn 0 \&\& distance < len; /* broken on purpose: the 2011 bug */|' "$file"
      grep -q 'broken on purpose' "$file" || { echo "tree: replay: areas_overlap() is not as expected"; exit 2; }
      make -C "$src" ARCH=um O="$work/build-on" -j"$(nproc)" linux >"$work/build-replay.log" 2>&1 || { tail -30 "$work/build-replay.log"; exit 1; }
      echo "tree: replay: rebuilt $(grep -c '^  CC' "$work/build-replay.log") objects"
      boot replay "$work/build-on"
      # The fix back, and the build of step on as it was (a later boot or cost run uses it).
      cp "$work/extent_io.c.instrumented" "$file"
      make -C "$src" ARCH=um O="$work/build-on" -j"$(nproc)" linux >>"$work/build-replay.log" 2>&1 || { tail -30 "$work/build-replay.log"; exit 1; } ;;
    revert)
      start=$(date +%s)
      $bin revert "$src" 2>"$work/revert.txt" >/dev/null
      echo "tree: reverted in $(( $(date +%s) - start )) s: $(sed -n 2p "$work/revert.txt")"
      if diff -r -x .memcpy-debug -x "*.o" -x "*.ko" -x "*.mod" -x "*.mod.c" -x ".*.cmd" -x Module.symvers -x modules.order "$pristine" "$src" >"$work/revert.diff" 2>&1; then echo "tree: revert: identical to the unpacked tree"
      else echo "tree: revert: $(grep -c '^diff\|^Only' "$work/revert.diff") differences (see $work/revert.diff; the AMX fix, if any, is one)"; fi ;;
  esac
done
