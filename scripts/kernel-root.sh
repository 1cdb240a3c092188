# Sourced by the scripts that boot a kernel on scripts/kernel-init.sh (user-mode Linux and QEMU):
# the root they boot, the workload's disks, and user-mode Linux's glibc setting.

# kernel_root DIR: a root folder with a static busybox and scripts/kernel-init.sh as its init.
kernel_root() {
  rm -rf "$1"
  mkdir -p "$1"/{bin,proc,sys,dev,mnt,mod}
  cp /bin/busybox "$1/bin/busybox"
  local a
  for a in sh mount umount mkdir touch mv ln rm ls sync poweroff seq cat echo dmesg insmod grep wc sed dd cp cmp tr cut; do
    ln -sf busybox "$1/bin/$a"
  done
  cp "$(dirname "${BASH_SOURCE[0]}")/kernel-init.sh" "$1/init"
  chmod +x "$1/init"
}

# kernel_disks BTRFS_IMAGE EXT4_IMAGE: two new 512 MB file systems for the workload.
kernel_disks() {
  rm -f "$1" "$2"
  truncate -s 512M "$1" "$2"
  mkfs.btrfs -q "$1" >/dev/null
  mkfs.ext4 -q -F "$2" >/dev/null
}

# On a user-mode Linux command line it reaches init's environment: busybox's start-up crashes
# under UML when glibc picks its AVX routines.
UML_GLIBC=GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX2,-AVX,-AVX_Fast_Unaligned_Load
