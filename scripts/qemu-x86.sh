#!/usr/bin/env bash
# The whole kernel, instrumented in place (kernel-tree placement), built as an x86_64 defconfig
# kernel with CONFIG_MEMCPY_DEBUG=y (plus btrfs, debugfs) and booted under QEMU (TCG: no KVM
# needed) with a busybox initramfs: scripts/kernel-init.sh runs the btrfs, ext4 and tmpfs workload
# on two virtio disks, switches a site off through memcpy_debug/control, loads the test module
# (fixtures/overlap-selftest/kernel, instrumented with the tree: its overlaps must be reported with
# x86_64's WARNING layout) and prints the site table. Then memcpy-debug report reads the console,
# objtool's warnings that name memcpy_debug are counted, and the tree is reverted.
#
#   scripts/qemu-x86.sh                 # work folder .cache/qemu-x86 (QEMU_WORK to change)
#   LINUX=6.12 scripts/qemu-x86.sh      # Debian's linux-source-6.12 instead of 6.1
#   STEPS="build boot" scripts/qemu-x86.sh   # keep the tree instrumented (STEPS: build boot revert)
#
# The build compiles an x86_64 defconfig kernel: 30 to 90 minutes on 2 cores; the boot and the
# workload take 2 to 10 minutes under TCG. Needs linux-source-$LINUX, qemu-system-x86,
# busybox-static, btrfs-progs, e2fsprogs, cpio, bc, flex, bison, libelf-dev, libssl-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${QEMU_WORK:-$repo/.cache/qemu-x86}
linux=${LINUX:-6.1}
steps=${STEPS:-build boot revert}
bin="node $repo/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null
need=()
for pkg in "linux-source-$linux" qemu-system-x86 busybox-static btrfs-progs e2fsprogs cpio bc flex bison libelf-dev libssl-dev gcc make; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

src=$work/linux
build=$work/build
if [ ! -f "$src/.memcpy-debug/manifest.json" ]; then
  rm -rf "$src" "$work/linux-source-$linux"
  tar -xf "/usr/src/linux-source-$linux.tar.xz" -C "$work"
  mv "$work/linux-source-$linux" "$src"
  cp -r fixtures/overlap-selftest/kernel "$src/mcdtest"
  cp -r "$src" "$work/pristine.tmp" && rm -rf "$work/pristine" && mv "$work/pristine.tmp" "$work/pristine"
  start=$(date +%s)
  $bin instrument "$src" 2>"$work/instrument.txt" >/dev/null
  echo "qemu: instrumented in $(( $(date +%s) - start )) s: $(sed -n 2p "$work/instrument.txt")"
fi

for step in $steps; do
  case $step in
  build)
    rm -rf "$build"
    mkdir -p "$build"
    make -s -C "$src" O="$build" defconfig >/dev/null
    "$src/scripts/config" --file "$build/.config" -e MEMCPY_DEBUG -e BTRFS_FS -e EXT4_FS -e TMPFS -e DEBUG_FS \
      -e VIRTIO_BLK -e VIRTIO_PCI -e DEVTMPFS -e DEVTMPFS_MOUNT -e BLK_DEV_INITRD -e MODULES -e MODULE_UNLOAD
    make -s -C "$src" O="$build" olddefconfig >/dev/null
    grep -q "^CONFIG_MEMCPY_DEBUG=y" "$build/.config" || { echo "qemu: CONFIG_MEMCPY_DEBUG did not stay on"; exit 1; }
    start=$(date +%s)
    make -C "$src" O="$build" -j"$(nproc)" bzImage modules >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
    make -C "$src" O="$build" M="$src/mcdtest" modules >>"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
    echo "qemu: built in $(( $(date +%s) - start )) s; $(grep -c '^  CC' "$work/build.log") objects compiled, $(grep 'warning:' "$work/build.log" | grep -vc 'objtool' || true) compiler warnings, $(grep -c ': warning: objtool:' "$work/build.log" || true) objtool warnings ($(grep ': warning: objtool:' "$work/build.log" | grep -c memcpy_debug || true) of them name memcpy_debug)"
    grep ': warning: objtool:' "$work/build.log" | grep memcpy_debug | head -5 || true ;;
  boot)
    [ -f "$build/arch/x86/boot/bzImage" ] || { echo "qemu: build first (STEPS=build)"; exit 2; }
    . scripts/kernel-root.sh
    root=$work/initramfs
    kernel_root "$root"
    cp "$src/mcdtest/mcdtest.ko" "$root/mod/"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
    img=$work/btrfs.img ext4=$work/ext4.img log=$work/console.log
    kernel_disks "$img" "$ext4"
    start=$(date +%s)
    timeout 1800 qemu-system-x86_64 -m 1G -smp 2 -nographic -no-reboot \
      -kernel "$build/arch/x86/boot/bzImage" -initrd "$work/initramfs.cpio.gz" \
      -append "console=ttyS0 printk.time=1 panic=-1 rdinit=/init" \
      -drive file="$img",if=virtio,format=raw -drive file="$ext4",if=virtio,format=raw \
      </dev/null >"$log" 2>&1 || true
    tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
    echo "qemu: booted and ran in $(( $(date +%s) - start )) s; $(grep -o 'memcpy_debug: overlap checks on.*' "$log" || echo 'no "overlap checks on" line')"
    grep -o 'workload: .*' "$log" | sed 's/^/qemu: /' || true
    grep -o 'control: .*' "$log" | sed 's/^/qemu: /' || true
    echo "qemu: $(grep -c 'memcpy overlap detected' "$log" || true) reports in all, $(grep -c 'WARNING: CPU' "$log" || true) WARNING lines"
    grep -m1 -A3 'WARNING: CPU' "$log" || true
    if btrfs check "$img" >"$work/btrfs.check.log" 2>&1; then echo "qemu: btrfs check: clean"; else echo "qemu: btrfs check: errors"; fi
    if e2fsck -fn "$ext4" >"$work/ext4.check.log" 2>&1; then echo "qemu: e2fsck: clean"; else echo "qemu: e2fsck: errors"; fi
    sed -n '/^memcpy_debug sites:$/,/^memcpy_debug sites end$/{//!p}' "$log" >"$work/sites.txt"
    echo "qemu: debugfs sites: $(wc -l <"$work/sites.txt") call sites ran, $(awk '$4 > 0' "$work/sites.txt" | wc -l) overlapped"
    # The console holds the site table too: report reads it from there.
    $bin report "$log" --dir "$src" || true ;;
  revert)
    $bin revert "$src" 2>"$work/revert.txt" >/dev/null
    echo "qemu: reverted: $(sed -n 2p "$work/revert.txt")"
    if diff -r -x .memcpy-debug -x "*.o" -x "*.ko" -x "*.mod" -x "*.mod.c" -x ".*.cmd" -x Module.symvers -x modules.order "$work/pristine" "$src" >"$work/revert.diff" 2>&1; then echo "qemu: revert: identical to the unpacked tree"
    else echo "qemu: revert: $(grep -c '^diff\|^Only' "$work/revert.diff") differences (see $work/revert.diff)"; fi ;;
  esac
done
