#!/usr/bin/env bash
# What the user-space check costs at run time, on a memcpy-heavy program: lz4's and zstd's own
# benchmark mode (-b), built five ways from the same sources: plain, instrumented (the check and
# the site table), instrumented with -DMEMCPY_DEBUG_COUNT_CALLS=0 (the table without call counts),
# plain under AddressSanitizer, and plain under Valgrind's memcheck (which also checks memcpy for
# overlaps). Each runs the same input, in alternation; the speeds the
# benchmark itself reports are compared, as medians.
#
#   scripts/runtime-cost.sh [WORK]        # lz4 from .cache/sources (scripts/fetch-sources.sh);
#                                         # zstd too when WORK/src/zstd holds its sources
#   ONLY=lz4|zstd RUNS=5 scripts/runtime-cost.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/.cache/runtime-cost}
runs=${RUNS:-5}
tool="node $here/dist/bundle/memcpy-debug.js"
mkdir -p "$work"
cd "$work"

# The input: 8 MB of text that compresses as real data does (the kernel's own C sources, or
# the tool's when none are at hand).
if [ ! -f input ]; then
  src=$(ls -d /usr/src/linux-headers-*-common 2>/dev/null | head -1)
  # (head stops the cat early: a broken pipe, not an error)
  { find "${src:-$here}" -name '*.h' -type f -print0 | xargs -0 cat 2>/dev/null || true; } | head -c 8388608 > input || true
fi

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# The benchmark's own speeds, compression and decompression in MB/s: its last result line.
speeds() { { "$@" 2>&1 || true; } | tr '\r' '\n' | { grep -oE '[0-9.]+ MB/s ?,[ ]*[0-9.]+ MB/s' || true; } | tail -1 | { grep -oE '[0-9.]+' || true; } | paste -sd' '; }

build() { # $1 name, $2 source tree, $3 sub-folder to instrument, $4 make target dir, $5 program
  local name=$1 tree=$2 folder=$3 dir=$4 prog=$5
  for v in plain debug nocount asan; do
    rm -rf "$name-$v"
    cp -r "$tree" "$name-$v"
    local flags="-O2"
    [ "$v" = debug ] || [ "$v" = nocount ] && $tool instrument "$name-$v/$folder" >/dev/null 2>&1
    [ "$v" = nocount ] && flags="-O2 -DMEMCPY_DEBUG_COUNT_CALLS=0"
    [ "$v" = asan ] && flags="-O2 -fsanitize=address -fno-omit-frame-pointer"
    make -s -C "$name-$v/$dir" CFLAGS="$flags" LDFLAGS="${flags#-O2}" "$prog" >/dev/null 2>&1
  done
}

measure() { # $1 name, $2 program path inside the tree, then the benchmark's arguments
  local name=$1 prog=$2
  shift 2
  local pc=() pd=() dc=() dd=() nc=() nd=() ac=() ad=() x
  for _ in $(seq 1 "$runs"); do
    x=($(speeds "$name-plain/$prog" "$@")); pc+=("${x[0]:-0}"); pd+=("${x[1]:-0}")
    x=($(speeds "$name-debug/$prog" "$@")); dc+=("${x[0]:-0}"); dd+=("${x[1]:-0}")
    x=($(speeds "$name-nocount/$prog" "$@")); nc+=("${x[0]:-0}"); nd+=("${x[1]:-0}")
    x=($(speeds env ASAN_OPTIONS=detect_leaks=0 "$name-asan/$prog" "$@")); ac+=("${x[0]:-0}"); ad+=("${x[1]:-0}")
  done
  x=($(speeds valgrind -q "$name-plain/$prog" "$@"))
  local m
  m() { printf '%s\n' "$@" | median; }
  awk -v n="$name" -v pc="$(m "${pc[@]}")" -v pd="$(m "${pd[@]}")" -v dc="$(m "${dc[@]}")" -v dd="$(m "${dd[@]}")" -v nc="$(m "${nc[@]}")" -v nd="$(m "${nd[@]}")" \
    -v ac="$(m "${ac[@]}")" -v ad="$(m "${ad[@]}")" -v vc="${x[0]:-0}" -v vd="${x[1]:-0}" -v r="$runs" 'BEGIN {
    printf "%s (medians of %d interleaved runs, MB/s, compression / decompression):\n", n, r
    printf "  plain          %8.1f / %8.1f\n", pc, pd
    printf "  memcpy-debug   %8.1f / %8.1f   (%+.1f%% / %+.1f%% time)\n", dc, dd, 100 * (pc / dc - 1), 100 * (pd / dd - 1)
    printf "  COUNT_CALLS=0  %8.1f / %8.1f   (%+.1f%% / %+.1f%% time)\n", nc, nd, 100 * (pc / nc - 1), 100 * (pd / nd - 1)
    printf "  ASan           %8.1f / %8.1f   (%+.1f%% / %+.1f%% time)\n", ac, ad, 100 * (pc / ac - 1), 100 * (pd / ad - 1)
    printf "  Valgrind       %8.1f / %8.1f   (%.0fx / %.0fx time, one run)\n", vc, vd, (vc > 0 ? pc / vc : 0), (vd > 0 ? pd / vd : 0) }'
}

if [ -d "$here/.cache/sources/lz4" ] && [ "${ONLY:-lz4}" = lz4 ]; then
  build lz4 "$here/.cache/sources/lz4" lib programs lz4
  measure lz4 programs/lz4 -b1 -i2 input
fi
if [ -d "$work/src/zstd" ] && [ "${ONLY:-zstd}" = zstd ]; then
  build zstd "$work/src/zstd" lib programs zstd
  measure zstd programs/zstd -b1 -i2 input
fi
