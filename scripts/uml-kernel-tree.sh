#!/usr/bin/env bash
# The whole kernel, instrumented in place with the runtime in the tree (kernel-tree placement),
# built as user-mode Linux with CONFIG_MEMCPY_DEBUG=y and booted: a btrfs workload (creates,
# renames, links, deletes in one directory) must give 0 overlap reports, then a test module of
# our own (fixtures/overlap-selftest/kernel, instrumented with the tree) must be reported with
# file:line and function. Then the same tree is built with MEMCPY_DEBUG off, and reverted.
#
#   scripts/uml-kernel-tree.sh            # work folder .cache/uml-tree (UML_TREE_WORK to change)
#   STEPS="on" scripts/uml-kernel-tree.sh # only the build with the check on (STEPS: on off revert)
#
# Each build compiles the whole kernel as UML: 10 to 30 minutes on 2 cores. Needs
# linux-source-6.1, busybox-static, btrfs-progs, bc, flex, bison, libelf-dev (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${UML_TREE_WORK:-$repo/.cache/uml-tree}
steps=${STEPS:-on off revert}
bin="node $repo/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null
need=()
for pkg in linux-source-6.1 busybox-static btrfs-progs bc flex bison libelf-dev gcc make; do
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
  echo "tree: unpacking linux-source-6.1"
  rm -rf "$pristine" "$work/linux-source-6.1"
  tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work"
  mv "$work/linux-source-6.1" "$pristine"
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

root=$work/root
rm -rf "$root"
mkdir -p "$root"/{bin,proc,sys,dev,mnt,mod}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount umount mkdir touch mv ln rm ls sync poweroff seq cat echo dmesg insmod grep wc sed; do ln -sf busybox "$root/bin/$a"; done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t btrfs /dev/ubda /mnt || { echo "workload: mount failed"; poweroff -f; }
mkdir /mnt/d
for i in $(seq 1 1000); do echo "file $i" > /mnt/d/f$i; done
for i in $(seq 1 1000); do mv /mnt/d/f$i /mnt/d/renamed-with-a-longer-name-$i; done
for i in $(seq 1 500); do ln /mnt/d/renamed-with-a-longer-name-$i /mnt/d/l$i; done
for i in $(seq 1 1000 | sed -n 'p;n'); do rm /mnt/d/renamed-with-a-longer-name-$i; done
sync
echo "workload: $(ls /mnt/d | wc -l) entries left"
umount /mnt && echo "workload: unmounted cleanly"
echo "workload: $(dmesg | grep -c 'memcpy overlap detected') overlap reports during the workload"
q=/sys/kernel/debug/memcpy_debug
if [ -f $q/control ]; then
  # Run-time control: the module's first site is switched off before it ever runs.
  echo 'func mcdtest_shift_up mode off' > $q/control
  cat $q/control > /control.txt
fi
[ -f /mod/mcdtest.ko ] && insmod /mod/mcdtest.ko
[ -f $q/sites ] && cat $q/sites > /sites.txt
poweroff -f
INIT
chmod +x "$root/init"

build_and_boot() { # $1: on|off
  local mode=$1 build=$work/build-$1
  rm -rf "$build"
  mkdir -p "$build"
  make -s -C "$src" ARCH=um O="$build" defconfig >/dev/null
  "$src/scripts/config" --file "$build/.config" -e MODULES -e MODULE_UNLOAD -e HOSTFS -e DEVTMPFS -e DEVTMPFS_MOUNT -e BTRFS_FS -e BLK_DEV_UBD -e DEBUG_FS
  if [ "$mode" = on ]; then "$src/scripts/config" --file "$build/.config" -e MEMCPY_DEBUG; else "$src/scripts/config" --file "$build/.config" -d MEMCPY_DEBUG; fi
  make -s -C "$src" ARCH=um O="$build" olddefconfig >/dev/null
  grep -q "^CONFIG_MEMCPY_DEBUG=y" "$build/.config" && echo "tree: $mode: CONFIG_MEMCPY_DEBUG=y" || echo "tree: $mode: CONFIG_MEMCPY_DEBUG is not set"
  local start=$(date +%s)
  make -C "$src" ARCH=um O="$build" -j"$(nproc)" linux modules >"$work/build-$mode.log" 2>&1 || { tail -30 "$work/build-$mode.log"; exit 1; }
  make -C "$src" ARCH=um O="$build" M="$src/mcdtest" modules >>"$work/build-$mode.log" 2>&1 || { tail -30 "$work/build-$mode.log"; exit 1; }
  echo "tree: $mode: built in $(( $(date +%s) - start )) s; $(grep -c '^  CC' "$work/build-$mode.log") objects compiled, $(grep 'warning:' "$work/build-$mode.log" | grep -vc '/ld: ' || true) compiler warnings"
  cp "$src/mcdtest/mcdtest.ko" "$root/mod/"
  local img=$work/btrfs-$mode.img log=$work/boot-$mode.console.log
  rm -f "$img"; truncate -s 512M "$img"; mkfs.btrfs -q "$img"
  timeout 600 "$build/linux" ubd0="$img" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=256M init=/init \
    con=null con0=fd:0,fd:1 uml_dir="$work/umld" printk.time=1 \
    GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX2,-AVX,-AVX_Fast_Unaligned_Load \
    </dev/null >"$log" 2>&1 || true
  echo "tree: $mode: $(grep -o 'memcpy_debug: overlap checks on.*' "$log" || echo 'no "overlap checks on" line'); $(grep -o 'workload: .*' "$log" | tr '\n' ';')"
  echo "tree: $mode: $(grep -c 'memcpy overlap detected' "$log" || true) reports in all, $(grep -c 'WARNING: CPU' "$log" || true) WARNING lines"
  grep -m1 'memcpy overlap detected' "$log" || true
  grep -m1 'WARNING: CPU' "$log" || true
  if btrfs check "$img" >"$work/btrfs-$mode.check.log" 2>&1; then echo "tree: $mode: btrfs check: clean"; else echo "tree: $mode: btrfs check: errors"; fi
  if [ -f "$root/sites.txt" ]; then
    echo "tree: $mode: debugfs sites: $(wc -l <"$root/sites.txt") call sites ran, $(awk '$4 > 0' "$root/sites.txt" | wc -l) overlapped; the module's:"
    grep mcdtest "$root/sites.txt" || true
    cp "$root/sites.txt" "$work/sites-$mode.txt"
    rm -f "$root/sites.txt" "$root/control.txt"
  fi
  $bin report "$log" --dir "$src" || true
}

for step in $steps; do
  case $step in
    on|off) build_and_boot "$step" ;;
    revert)
      start=$(date +%s)
      $bin revert "$src" 2>"$work/revert.txt" >/dev/null
      echo "tree: reverted in $(( $(date +%s) - start )) s: $(sed -n 2p "$work/revert.txt")"
      if diff -r -x .memcpy-debug -x "*.o" -x "*.ko" -x "*.mod" -x "*.mod.c" -x ".*.cmd" -x Module.symvers -x modules.order "$pristine" "$src" >"$work/revert.diff" 2>&1; then echo "tree: revert: identical to the unpacked tree"
      else echo "tree: revert: $(grep -c '^diff\|^Only' "$work/revert.diff") differences (see $work/revert.diff; the AMX fix, if any, is one)"; fi ;;
  esac
done
