#!/usr/bin/env bash
# The check's run-time cost in the kernel: the user-mode Linux built by scripts/uml-kernel-tree.sh
# (STEPS=on: the whole tree instrumented, CONFIG_MEMCPY_DEBUG=y) against the same configuration
# built from the tree as unpacked (plain), each booted RUNS times, interleaved, on the workload of
# scripts/kernel-init.sh (btrfs, ext4, tmpfs: creates, renames, links, deletes, a 16 MB copy),
# timed by the kernel's own clock. Also the instrumented kernel with memcpy_debug=off on its
# command line (the check skipped, the site table still counting). Prints the medians.
#
#   scripts/kernel-cost.sh                 # work folder .cache/uml-tree (UML_TREE_WORK to change)
#   RUNS=5 scripts/kernel-cost.sh
#
# The plain build compiles the whole kernel as UML once (10 to 30 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${UML_TREE_WORK:-$repo/.cache/uml-tree}
runs=${RUNS:-3}
[ -x "$work/build-on/linux" ] || { echo "cost: build the instrumented kernel first: STEPS=on scripts/uml-kernel-tree.sh"; exit 2; }
[ -f "$work/pristine/Makefile" ] || { echo "cost: $work/pristine (the tree as unpacked) is missing"; exit 2; }
plain=$work/build-plain
if [ ! -x "$plain/linux" ]; then
  mkdir -p "$plain"
  cp "$work/build-on/.config" "$plain/.config"
  make -s -C "$work/pristine" ARCH=um O="$plain" olddefconfig >/dev/null
  start=$(date +%s)
  make -C "$work/pristine" ARCH=um O="$plain" -j"$(nproc)" linux >"$work/build-plain.log" 2>&1 || { tail -30 "$work/build-plain.log"; exit 1; }
  echo "cost: plain kernel built in $(( $(date +%s) - start )) s"
fi
. scripts/kernel-root.sh
root=$work/cost-root
kernel_root "$root"
boot() { # $1: the kernel, $2...: more of its command line; prints "btrfs ext4 tmpfs" seconds
  local img=$work/cost-btrfs.img ext4=$work/cost-ext4.img log=$work/cost-console.log
  kernel_disks "$img" "$ext4"
  timeout 900 "$1" ubd0="$img" ubd1="$ext4" root=/dev/root rootfstype=hostfs rootflags="$root" rw mem=256M init=/init \
    con=null con0=fd:0,fd:1 uml_dir="$work/umld" "${@:2}" \
    "$UML_GLIBC" \
    </dev/null >"$log" 2>&1 || true
  local out=""
  for fs in btrfs ext4 tmpfs; do out="$out $(tr -d '\r' <"$log" | sed -n "s/^workload: $fs: .*took \([0-9.]*\) s$/\1/p")"; done
  echo "$out"
}
[ "$runs" -gt 0 ] || exit 0
: >"$work/cost.tsv"
boot "$plain/linux" >/dev/null # a first boot warms the host's caches: not counted
for i in $(seq 1 "$runs"); do
  echo "plain $(boot "$plain/linux")" >>"$work/cost.tsv"
  echo "instrumented $(boot "$work/build-on/linux")" >>"$work/cost.tsv"
  echo "instrumented,memcpy_debug=off $(boot "$work/build-on/linux" memcpy_debug=off)" >>"$work/cost.tsv"
  echo "cost: run $i of $runs done"
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.trim().split(/\s+/));
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const kinds = [...new Set(rows.map((r) => r[0]))];
const m = Object.fromEntries(kinds.map((k) => [k, [1, 2, 3].map((c) => med(rows.filter((r) => r[0] === k && r.length === 4).map((r) => Number(r[c]))))]));
console.log("kernel\tbtrfs s\text4 s\ttmpfs s\tover plain (btrfs, ext4, tmpfs)");
for (const k of kinds) console.log([k, ...m[k].map((x) => x.toFixed(2)), m[k].map((x, i) => `${(100 * (x / m.plain[i] - 1)).toFixed(1)}%`).join(", ")].join("\t"));
' "$work/cost.tsv"
