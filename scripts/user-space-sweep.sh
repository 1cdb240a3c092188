#!/usr/bin/env bash
# Instruments user-space projects from Debian's source packages as a new user would, following
# what memcpy-debug itself says to do next: instrument a folder, run its "build" and "test"
# commands (from --json-file), read the overlaps with report, revert, and check the tree is back
# byte for byte. One line per project on stdout (tab-separated), the logs in the work folder.
#
#   scripts/user-space-sweep.sh WORK PKG:FOLDER[:debian] ...
#
# FOLDER is the folder to instrument, in the source tree. Without :debian the tree's debian/
# folder is removed first, so the project is seen as its upstream release (its own configure,
# CMake or make); with it, the next steps are Debian's build (whose build dependencies this
# script installs, as the next steps say). Needs apt-get source (deb-src entries) and root.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$1
shift
mkdir -p "$work"
cd "$work" || exit 1
# A copy of the tool: a rebuild during the sweep does not change it.
rm -rf tool && mkdir -p tool/dist && cp -r "$here/dist/bundle" tool/dist/ && cp -r "$here/templates" "$here/package.json" tool/
tool="node $PWD/tool/dist/bundle/memcpy-debug.js"
printf 'project\tsites\tfiles\tbuild\tchecked objects\ttests\tsites that ran\toverlaps\treverted\tseconds\n'
for spec in "$@"; do
  IFS=: read -r pkg folder mode <<<"$spec"
  start=$(date +%s)
  mkdir -p "src/$pkg"
  if ! ls -d "src/$pkg"/*/ >/dev/null 2>&1; then
    (cd "src/$pkg" && { apt-get source -qq "$pkg" >/dev/null 2>&1 || for v in $(apt-cache showsrc "$pkg" | sed -n "s/^Version: /$pkg=/p"); do apt-get source -qq "$v" >/dev/null 2>&1 && break; done; })
  fi
  tree=$(ls -d "src/$pkg"/*/ 2>/dev/null | head -1)
  [ -n "$tree" ] || { printf '%s\tcannot fetch\n' "$pkg"; continue; }
  name=$(basename "$tree")
  rm -rf "pristine-$name" "$name"
  cp -a "$tree" "pristine-$name"
  [ "$mode" = debian ] || rm -rf "pristine-$name/debian"
  cp -a "pristine-$name" "$name"
  [ "$mode" = debian ] && { apt-get build-dep -y -qq "./$name" >"$name.build-dep.log" 2>&1 || true; }
  if ! $tool instrument "$name/$folder" --json-file "$name.instrument.json" >"$name.instrument.log" 2>&1; then
    printf '%s\tinstrument failed (see %s.instrument.log)\n' "$name" "$name"
    continue
  fi
  sites=$(node -e 'const j=require(process.argv[1]);console.log(j.renamed)' "$PWD/$name.instrument.json")
  files=$(node -e 'const j=require(process.argv[1]);console.log(j.files.length)' "$PWD/$name.instrument.json")
  # Debian's build runs the tests: it is the read line's command, run once with the log exported.
  build=$(node -e 'const j=require(process.argv[1]);console.log(j.next.build.startsWith("Debian") ? j.next.read.split("; ")[1] : j.next.build)' "$PWD/$name.instrument.json")
  check=$(node -e 'const j=require(process.argv[1]);console.log(j.next.test ?? "")' "$PWD/$name.instrument.json")
  rm -f "$PWD/$name.overlaps.log"
  export MEMCPY_DEBUG_SITES=$PWD/$name.sites
  rm -f "$MEMCPY_DEBUG_SITES"
  if MEMCPY_DEBUG_LOG=$PWD/$name.overlaps.log bash -c "$build" >"$name.build.log" 2>&1; then b=ok; else b=FAILED; fi
  [ "$mode" = debian ] && [ "$b" = ok ] && t="passed (in the build)"
  # The objects the build made with the check in them (the report function is in each).
  objects=$(find "$name" -name '*.o' -newer "$name.instrument.json" -print0 2>/dev/null | xargs -0 -r nm -A 2>/dev/null | grep -c ' memcpy_debug_report')
  [ "$mode" = debian ] || t=none
  if [ -n "$check" ] && [ "$b" = ok ]; then
    if MEMCPY_DEBUG_LOG=$PWD/$name.overlaps.log bash -c "$check" >"$name.test.log" 2>&1; then t=passed; else t=FAILED; fi
  fi
  overlaps=0
  [ -f "$name.overlaps.log" ] && overlaps=$(grep -c '^memcpy overlap detected' "$name.overlaps.log")
  ran=0
  [ -f "$MEMCPY_DEBUG_SITES" ] && ran=$(cut -d' ' -f1,2 "$MEMCPY_DEBUG_SITES" | sort -u | wc -l)
  unset MEMCPY_DEBUG_SITES
  logs=()
  for f in "$name.overlaps.log" "$name.sites"; do [ -f "$f" ] && logs+=("$f"); done
  [ ${#logs[@]} -gt 0 ] && $tool report "${logs[@]}" --dir "$name/$folder" >"$name.report.txt" 2>&1
  # Revert, then every file of the release compared: the build's own output (only in the
  # built tree) is not ours to judge.
  $tool revert "$name/$folder" >"$name.revert.log" 2>&1
  diff -r -q "pristine-$name" "$name" 2>&1 | grep -v "^Only in $name" >"$name.diff"
  # A file the tool never wrote (not among the files and build files it changed) that differs was rewritten by the
  # build itself (zlib's configure rewrites zconf.h and Makefile): said apart from ours.
  node -e 'const j=require(process.argv[1]);for(const f of [...j.files,...j.builds])console.log(require("path").join(process.argv[2],f.path))' \
    "$PWD/$name.instrument.json" "$name/$folder" | sed 's|/\./|/|; s|^\./||' | sort -u >"$name.ours"
  ours=0 theirs=()
  while read -r _ _ _ f _; do
    if grep -qxF "$f" "$name.ours"; then ours=$((ours + 1)); else theirs+=("${f#"$name"/}"); fi
  done < <(grep '^Files ' "$name.diff")
  if [ -s "$name.diff" ] && [ "$ours" -eq 0 ] && ! grep -q '^Only in pristine' "$name.diff"; then
    r="identical (the build rewrote ${theirs[*]})"
  elif [ -s "$name.diff" ]; then r="$(grep -c . "$name.diff") files differ"; else r=identical; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$sites" "$files" "$b" "$objects" "$t" "$ran" "$overlaps" "$r" "$(( $(date +%s) - start ))"
done
