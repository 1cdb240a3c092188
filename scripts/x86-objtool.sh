#!/usr/bin/env bash
# An x86_64 defconfig build of the whole kernel instrumented in place (kernel-tree placement,
# CONFIG_MEMCPY_DEBUG=y), against the same build of the tree as unpacked: both must compile and
# link; objtool's warnings are counted in each. Takes long: two full kernel builds (about 40 to
# 90 minutes each on 2 cores).
#
#   scripts/x86-objtool.sh          # work folder .cache/x86 (X86_WORK to change)
#   PLAIN_SRC=... INSTRUMENTED_SRC=... scripts/x86-objtool.sh   # trees prepared already
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${X86_WORK:-$repo/.cache/x86}
bin="node $repo/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
[ -f "$repo/dist/bundle/memcpy-debug.js" ] || (npm ci --no-audit --no-fund && npm run build) >/dev/null
plain=${PLAIN_SRC:-$work/plain}
inst=${INSTRUMENTED_SRC:-$work/instrumented}
if [ ! -f "$plain/Makefile" ]; then
  tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work" && mv "$work/linux-source-6.1" "$plain"
fi
if [ ! -f "$inst/.memcpy-debug/manifest.json" ]; then
  rm -rf "$inst" && cp -r "$plain" "$inst"
  $bin instrument "$inst" >/dev/null 2>"$work/instrument.txt"
fi
for which in plain instrumented; do
  src=$plain
  [ $which = instrumented ] && src=$inst
  build=$work/build-$which
  if [ ! -f "$build/vmlinux" ]; then
    mkdir -p "$build"
    make -s -C "$src" O="$build" defconfig >/dev/null
    [ $which = instrumented ] && "$src/scripts/config" --file "$build/.config" -e MEMCPY_DEBUG && make -s -C "$src" O="$build" olddefconfig >/dev/null
    start=$(date +%s)
    make -C "$src" O="$build" -j"$(nproc)" >"$work/$which.log" 2>&1 || { tail -30 "$work/$which.log"; exit 1; }
    echo "$(( $(date +%s) - start ))" >"$work/$which.seconds"
  fi
  echo "x86: $which: built in $(cat "$work/$which.seconds") s; CONFIG_MEMCPY_DEBUG: $(grep -c '^CONFIG_MEMCPY_DEBUG=y' "$build/.config"); $(grep -c ': warning: objtool:' "$work/$which.log" || true) objtool warnings, $(grep 'warning:' "$work/$which.log" | grep -vc 'objtool' || true) other warnings; vmlinux $(stat -c %s "$build/vmlinux") bytes"
done
echo "x86: objtool warnings only in the instrumented build:"
diff <(grep -o 'objtool: .*' "$work/plain.log" | sort -u) <(grep -o 'objtool: .*' "$work/instrumented.log" | sort -u) | grep '^>' || echo "  none"
# defconfig does not validate noinstr on vmlinux.o (that needs DEBUG_ENTRY): run that check too,
# read-only, on both, and compare the warnings without their offsets.
for which in plain instrumented; do
  "$work/build-$which/tools/objtool/objtool" --hacks=jump_label --hacks=noinstr --noinstr --uaccess --link --dry-run \
    "$work/build-$which/vmlinux.o" >"$work/noinstr-$which.log" 2>&1 || true
  echo "x86: $which: objtool --noinstr on vmlinux.o: $(grep -c 'warning:' "$work/noinstr-$which.log" || true) warnings"
done
echo "x86: noinstr warnings only in the instrumented build:"
diff <(sed 's/+0x[0-9a-f]*//; s|^.*vmlinux.o: ||' "$work/noinstr-plain.log" | sort -u) \
  <(sed 's/+0x[0-9a-f]*//; s|^.*vmlinux.o: ||' "$work/noinstr-instrumented.log" | sort -u) | grep '^>' || echo "  none"
