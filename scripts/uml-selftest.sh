#!/usr/bin/env bash
# The kernel runtime end to end, in user-mode Linux: builds Linux 6.1 (Debian's linux-source-6.1)
# as UML once, instruments fixtures/overlap-selftest/kernel (a module that makes overlapping
# copies on purpose) once per --on-overlap mode, builds it against that kernel, loads it in UML
# and keeps what the kernel printed: the console (no timestamps) and dmesg (with them).
#
#   scripts/uml-selftest.sh                 # every mode; logs in .cache/uml/logs
#   MODES="warn bug" scripts/uml-selftest.sh
#   SAVE=1 scripts/uml-selftest.sh          # also copy the logs to fixtures/overlap-logs
#
# The first run builds the kernel: 10 to 30 minutes on 2 cores. Needs root for apt-get when
# packages are missing. Checks: the module builds with no warning, each report names its call
# site (file:line and function) in the report line and in the WARNING line, memmove mode leaves
# the data as memmove would, and `memcpy-debug report` reads the logs back.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${UML_WORK:-$repo/.cache/uml}
modes=${MODES:-warn memmove warn-once bug}
bin="node $repo/dist/bundle/memcpy-debug.js"
mkdir -p "$work"

need=()
for pkg in linux-source-6.1 busybox-static bc flex bison libelf-dev gcc make; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null

src=${UML_SRC:-$work/linux-6.1}
build=${UML_BUILD:-$work/build}
if [ ! -f "$src/Makefile" ]; then
  echo "uml: unpacking linux-source-6.1"
  tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work"
  mv "$work/linux-source-6.1" "$src"
fi
# Hosts with AMX: UML 6.1 takes an XSAVE area it cannot write back (ptrace set fp regs failed,
# errno = 14, then init is killed). Use xstate only when writing it back works too.
if grep -qw amx_tile /proc/cpuinfo && ! grep -q 'PTRACE_SETREGSET, pid, NT_X86_XSTATE, &iov) == 0)$' "$src/arch/x86/um/os-Linux/registers.c"; then
  sed -i 's/if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) == 0)$/if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, \&iov) == 0 \&\&\n\t    ptrace(PTRACE_SETREGSET, pid, NT_X86_XSTATE, \&iov) == 0)/' \
    "$src/arch/x86/um/os-Linux/registers.c"
fi
if [ ! -x "$build/linux" ] || [ ! -f "$build/Module.symvers" ]; then
  echo "uml: building Linux 6.1 as user-mode Linux in $build (10 to 30 minutes on 2 cores)"
  start=$(date +%s)
  make -s -C "$src" ARCH=um O="$build" defconfig >/dev/null
  "$src/scripts/config" --file "$build/.config" -e MODULES -e MODULE_UNLOAD -e HOSTFS -e DEVTMPFS -e DEVTMPFS_MOUNT -e BTRFS_FS -e BLK_DEV_UBD
  make -s -C "$src" ARCH=um O="$build" olddefconfig >/dev/null
  make -s -C "$src" ARCH=um O="$build" -j"$(nproc)" linux modules >"$work/kernel-build.log" 2>&1
  echo "uml: kernel built in $(( $(date +%s) - start )) s"
fi

# The root: a static busybox and an init that loads the module given on the command line.
root=$work/root
rm -rf "$root"
mkdir -p "$root"/{bin,proc,sys,dev,out,mod}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount insmod dmesg poweroff sync cat; do ln -sf busybox "$root/bin/$a"; done
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sys /sys
insmod /mod/$MCD_MODULE.ko
dmesg -s 1048576 > /out/$MCD_MODULE.dmesg
sync
poweroff -f
EOF
chmod +x "$root/init"

logs=$work/logs
mkdir -p "$logs"
fail=0
for mode in $modes; do
  name=mcdtest_${mode//-/_}
  # Inside the kernel tree, so that __FILE__ is relative to its top (Kbuild's -fmacro-prefix-map).
  dir=$src/$name
  rm -rf "$dir"
  cp -r fixtures/overlap-selftest/kernel "$dir"
  sed -i "s/mcdtest/$name/g" "$dir/Makefile"
  $bin instrument "$dir" --on-overlap "$mode" >/dev/null 2>"$work/$name.instrument.txt" || { cat "$work/$name.instrument.txt"; exit 1; }
  make -C "$src" ARCH=um O="$build" M="$dir" modules >"$work/$name.build.log" 2>&1 || { cat "$work/$name.build.log"; exit 1; }
  if grep -E 'warning:|error:' "$work/$name.build.log"; then echo "uml: $name built with warnings"; fail=1; fi
  cp "$dir/$name.ko" "$root/mod/"
  rm -f "$root/out/$name.dmesg"
  # GLIBC_TUNABLES reaches init's environment: busybox's start-up crashes under UML with AVX.
  timeout 120 "$build/linux" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=128M init=/init \
    con=null con0=fd:0,fd:1 uml_dir="$work/umld" printk.time="$([ "$mode" = warn ] && echo 0 || echo 1)" MCD_MODULE="$name" \
    GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX2,-AVX,-AVX_Fast_Unaligned_Load \
    </dev/null >"$logs/$name.console.log" 2>&1 || true
  # BUG() in the module's init panics the kernel (UML: "BUG: failure at ..."): no dmesg then.
  if [ "$mode" != bug ]; then
    cp "$root/out/$name.dmesg" "$logs/$name.dmesg.log" 2>/dev/null || { echo "uml: $name: no dmesg (see $logs/$name.console.log)"; fail=1; continue; }
  fi

  log=$logs/$name.console.log
  grep -q "memcpy overlap detected: .* at $name/main.c:19 in mcdtest_shift_up" "$log" || { echo "uml: $mode: no report of mcdtest_shift_up"; fail=1; }
  reports=$(grep -c 'memcpy overlap detected' "$log" || true)
  case $mode in
    bug)
      grep -Eq "(kernel BUG at|BUG: failure at) $name/main.c:19" "$log" || { echo "uml: bug: no BUG at the call site"; fail=1; }
      [ "$reports" = 1 ] || { echo "uml: bug: $reports reports, expected 1"; fail=1; } ;;
    *)
      grep -Eq "WARNING: CPU: [0-9]+ PID: [0-9]+ at $name/main.c:19 mcdtest_shift_up" "$log" || { echo "uml: $mode: the WARNING line does not name the call site"; fail=1; }
      expected=13
      [ "$mode" = warn-once ] && expected=3
      [ "$reports" = "$expected" ] || { echo "uml: $mode: $reports reports, expected $expected"; fail=1; } ;;
  esac
  if [ "$mode" = memmove ]; then
    grep -q 'left the data as memmove would' "$log" || { echo "uml: memmove mode: the data was not left as memmove would"; fail=1; }
  fi
  echo "uml: $mode: $reports reports, $(grep -Ec '(^|\] )WARNING: CPU' "$log" || true) WARNING lines, $(grep -Ec 'kernel BUG at|BUG: failure at' "$log" || true) BUG lines; $(grep -o 'left the data [a-z ]*' "$log" || echo 'no data line')"
  $bin report "$log" --dir "$dir"
  if [ -n "${SAVE:-}" ]; then
    mkdir -p fixtures/overlap-logs
    # The work folder's path, as it would be by default.
    sed "s|$work|.cache/uml|g" "$log" >"fixtures/overlap-logs/uml-$mode.console.log"
    [ "$mode" = bug ] || sed "s|$work|.cache/uml|g" "$logs/$name.dmesg.log" >"fixtures/overlap-logs/uml-$mode.dmesg.log"
  fi
  $bin revert "$dir" >/dev/null 2>&1
done
exit $fail
