#!/usr/bin/env bash
# What the user-space check costs at run time, on a memcpy-heavy program: lz4's and zstd's own
# benchmark mode (-b), built four ways from the same sources: plain, instrumented (the check and
# the site table), plain under AddressSanitizer, and plain under Valgrind's memcheck (which also
# checks memcpy for overlaps). Each build is timed on the same input, in alternation, and the
# medians are compared.
#
#   scripts/runtime-cost.sh [WORK]        # lz4 from .cache/sources (scripts/fetch-sources.sh);
#                                         # zstd too when WORK/src/zstd holds its sources
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/.cache/runtime-cost}
runs=${RUNS:-5}
tool="node $here/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
cd "$work"

# The input: 32 MB of text that compresses as real data does (the kernel's own C sources, or
# the tool's when none are at hand).
if [ ! -f input ]; then
  src=$(ls -d /usr/src/linux-headers-*-common 2>/dev/null | head -1)
  find "${src:-$here}" -name '*.h' -type f -print0 | xargs -0 cat | head -c 33554432 > input
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

build() { # $1 name, $2 source tree, $3 sub-folder to instrument, $4 make target dir, $5 program
  local name=$1 tree=$2 folder=$3 dir=$4 prog=$5
  for v in plain debug asan; do
    rm -rf "$name-$v"
    cp -r "$tree" "$name-$v"
    local flags="-O2"
    [ "$v" = debug ] && $tool instrument "$name-$v/$folder" >/dev/null 2>&1
    [ "$v" = asan ] && flags="-O2 -fsanitize=address -fno-omit-frame-pointer"
    make -s -C "$name-$v/$dir" CFLAGS="$flags" LDFLAGS="${flags#-O2}" "$prog" >/dev/null 2>&1
  done
}

measure() { # $1 name, $2 program path inside the tree, then the benchmark's arguments
  local name=$1 prog=$2
  shift 2
  local p=() d=() a=() v=()
  for _ in $(seq 1 "$runs"); do
    p+=("$(seconds "$name-plain/$prog" "$@")")
    d+=("$(seconds "$name-debug/$prog" "$@")")
    a+=("$(seconds env ASAN_OPTIONS=detect_leaks=0 "$name-asan/$prog" "$@")")
  done
  local vg
  vg=$(seconds valgrind -q --error-exitcode=0 "$name-plain/$prog" "$@")
  local mp md ma
  mp=$(printf '%s\n' "${p[@]}" | median)
  md=$(printf '%s\n' "${d[@]}" | median)
  ma=$(printf '%s\n' "${a[@]}" | median)
  awk -v n="$name" -v p="$mp" -v d="$md" -v a="$ma" -v g="$vg" 'BEGIN {
    printf "%s: plain %.2f s, memcpy-debug %.2f s (%+.1f%%), ASan %.2f s (%.1fx plain, %.1fx memcpy-debug overhead), Valgrind %.2f s (%.1fx plain)\n",
      n, p, d, 100 * (d - p) / p, a, a / p, (d > p ? (a - p) / (d - p) : 0), g, g / p }'
}

if [ -d "$here/.cache/sources/lz4" ]; then
  build lz4 "$here/.cache/sources/lz4" lib programs lz4
  measure lz4 programs/lz4 -b1 -i1 input
fi
if [ -d "$work/src/zstd" ]; then
  build zstd "$work/src/zstd" lib programs zstd
  measure zstd programs/zstd -b1 -i1 input
fi
