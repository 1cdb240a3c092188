#!/bin/busybox sh
# The init of the kernels booted by scripts/uml-kernel-tree.sh (user-mode Linux, disks ubda and
# ubdb) and scripts/qemu-x86.sh (QEMU, virtio disks vda and vdb): the same workload on btrfs (first
# disk), ext4 (second disk) and tmpfs; then the run-time control switches one site of the test
# module off, the module is loaded (its planted overlaps must be reported), and the site table is
# printed between "memcpy_debug sites:" and "memcpy_debug sites end" for the script to cut out.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug 2>/dev/null
disk() { for d in ubd$1 vd$1; do [ -b /dev/$d ] && echo /dev/$d && return; done; echo /dev/none; }
centis() { t=$(cut -d' ' -f1 /proc/uptime); echo "${t%.*}${t#*.}"; } # the kernel's clock, in 1/100 s
workload() { # $1: a file system type, mounted on /mnt
  t0=$(centis)
  mkdir /mnt/d
  for i in $(seq 1 1000); do echo "file $i" > /mnt/d/f$i; done
  for i in $(seq 1 1000); do mv /mnt/d/f$i /mnt/d/renamed-with-a-longer-name-$i; done
  for i in $(seq 1 500); do ln /mnt/d/renamed-with-a-longer-name-$i /mnt/d/l$i; done
  for i in $(seq 1 1000 | sed -n 'p;n'); do rm /mnt/d/renamed-with-a-longer-name-$i; done
  dd if=/dev/urandom of=/mnt/big bs=64k count=256 2>/dev/null && cp /mnt/big /mnt/big2 && cmp /mnt/big /mnt/big2 && echo "workload: $1: 16 MB copied, same bytes"
  sync
  t=$(( $(centis) - t0 ))
  echo "workload: $1: $(ls /mnt/d | wc -l) entries left; took $((t / 100)).$((t / 10 % 10))$((t % 10)) s"
  umount /mnt && echo "workload: $1: unmounted cleanly"
  echo "workload: $1: $(dmesg | grep -c 'memcpy overlap detected') overlap reports so far"
}
if mount -t btrfs "$(disk a)" /mnt; then workload btrfs; else echo "workload: btrfs: mount failed"; fi
if mount -t ext4 "$(disk b)" /mnt; then workload ext4; else echo "workload: ext4: mount failed"; fi
if mount -t tmpfs none /mnt; then workload tmpfs; else echo "workload: tmpfs: mount failed"; fi
q=/sys/kernel/debug/memcpy_debug
if [ -f $q/control ]; then
  # Run-time control: the module's first site is switched off before it ever runs.
  echo 'func mcdtest_shift_up mode off' > $q/control
  echo "control: $(cat $q/control | grep -v '^#' | tr '\n' ';')"
fi
[ -f /mod/mcdtest.ko ] && insmod /mod/mcdtest.ko
if [ -f $q/sites ]; then
  echo "memcpy_debug sites:"
  cat $q/sites
  echo "memcpy_debug sites end"
fi
poweroff -f
