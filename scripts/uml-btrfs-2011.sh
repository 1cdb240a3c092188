#!/usr/bin/env bash
# The 2011 btrfs catch, again, in user-mode Linux: btrfs's own overlap check in copy_pages()
# is broken on purpose (so memmove_extent_buffer() copies overlapping areas with memcpy, as in
# 2011), fs/btrfs is instrumented with memcpy-debug, and a workload of creates, renames, links
# and deletes in one directory runs on a fresh btrfs. Once per --on-overlap mode (default:
# warn, then memmove); after each, `btrfs check` reads the image and `memcpy-debug report`
# the console. Then everything is put back (revert, and the check repaired).
#
#   scripts/uml-btrfs-2011.sh                 # after scripts/uml-selftest.sh built the kernel
#   MODES=memmove scripts/uml-btrfs-2011.sh
#   SAVE=1 scripts/uml-btrfs-2011.sh          # also keep the consoles in fixtures/overlap-logs
#
# Same folders and variables as scripts/uml-selftest.sh (UML_WORK, UML_SRC, UML_BUILD).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${UML_WORK:-$repo/.cache/uml}
src=${UML_SRC:-$work/linux-6.1}
build=${UML_BUILD:-$work/build}
modes=${MODES:-warn memmove}
bin="node $repo/dist/bundle/memcpy-debug.js"
[ -x "$build/linux" ] || { echo "build the kernel first: scripts/uml-selftest.sh"; exit 2; }
command -v mkfs.btrfs >/dev/null || { echo "needs btrfs-progs (apt-get install btrfs-progs)"; exit 2; }

file=$src/fs/btrfs/extent_io.c
check='		if (areas_overlap(src_off, dst_off, len))'
grep -qxF "$check" "$file" || { echo "copy_pages() is not as expected in $file"; exit 2; }
cp "$file" "$work/extent_io.c.orig"
restore() {
  $bin revert "$src/fs/btrfs" >/dev/null 2>&1 || true
  cp "$work/extent_io.c.orig" "$file"
}
trap restore EXIT
# must_memmove is never set: memmove_extent_buffer() copies overlapping areas with memcpy.
sed -i 's|^\t\tif (areas_overlap(src_off, dst_off, len))$|\t\tif (0 \&\& areas_overlap(src_off, dst_off, len)) /* broken on purpose: the 2011 bug */|' "$file"
grep -q 'broken on purpose' "$file" || { echo "could not break copy_pages()"; exit 2; }

root=$work/btrfs-root
rm -rf "$root"
mkdir -p "$root"/{bin,proc,sys,dev,mnt}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount umount mkdir touch mv ln rm ls sync poweroff seq cat echo dmesg; do ln -sf busybox "$root/bin/$a"; done
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t btrfs /dev/ubda /mnt || { echo "workload: mount failed"; poweroff -f; }
mkdir /mnt/d
for i in $(seq 1 400); do echo "file $i" > /mnt/d/f$i; done
for i in $(seq 1 400); do mv /mnt/d/f$i /mnt/d/renamed-with-a-longer-name-$i; done
for i in $(seq 1 200); do ln /mnt/d/renamed-with-a-longer-name-$i /mnt/d/l$i; done
for i in $(seq 1 400 | sed -n 'p;n'); do rm /mnt/d/renamed-with-a-longer-name-$i; done
sync
echo "workload: $(ls /mnt/d | wc -l) entries left"
umount /mnt && echo "workload: unmounted cleanly"
poweroff -f
EOF
chmod +x "$root/init"

logs=$work/logs
mkdir -p "$logs"
for mode in $modes; do
  $bin revert "$src/fs/btrfs" >/dev/null 2>&1 || true
  $bin instrument "$src/fs/btrfs" --on-overlap "$mode" >/dev/null
  start=$(date +%s)
  make -s -C "$src" ARCH=um O="$build" -j"$(nproc)" linux >"$work/btrfs-$mode.build.log" 2>&1 || { tail -20 "$work/btrfs-$mode.build.log"; exit 1; }
  echo "btrfs-2011: $mode: rebuilt in $(( $(date +%s) - start )) s, $(grep 'warning:' "$work/btrfs-$mode.build.log" | grep -vc '/ld: ' || true) compiler warnings (the linker's RWX notes on UML's vmlinux are its own)"
  img=$work/btrfs-$mode.img
  rm -f "$img"
  truncate -s 256M "$img"
  mkfs.btrfs -q "$img"
  log=$logs/btrfs-$mode.console.log
  timeout 300 "$build/linux" ubd0="$img" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=256M init=/init \
    con=null con0=fd:0,fd:1 uml_dir="$work/umld" printk.time=1 \
    GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX2,-AVX,-AVX_Fast_Unaligned_Load \
    </dev/null >"$log" 2>&1 || true
  echo "btrfs-2011: $mode: $(grep -c 'memcpy overlap detected' "$log" || true) reports, $(grep -c 'WARNING: CPU' "$log" || true) WARNING lines; $(grep -o 'workload: .*' "$log" | tr '\n' ';')"
  grep -m1 'WARNING: CPU' "$log" || true
  grep -m2 -E 'BTRFS (error|critical)|forced readonly' "$log" || true
  if btrfs check "$img" >"$work/btrfs-$mode.check.log" 2>&1; then echo "btrfs-2011: $mode: btrfs check: clean"; else echo "btrfs-2011: $mode: btrfs check: errors ($(grep -c . "$work/btrfs-$mode.check.log") lines)"; fi
  $bin report "$log" --dir "$src/fs/btrfs"
  if [ -n "${SAVE:-}" ]; then
    sed "s|$work|.cache/uml|g" "$log" >"fixtures/overlap-logs/uml-btrfs-2011-$mode.console.log"
  fi
done
