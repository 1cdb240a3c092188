// The runtime of a kernel tree, shared by every folder instrumented in it: the header in
// include/linux/, a file in lib/ that says at boot that the checks are on, its line in
// lib/Makefile, and `config MEMCPY_DEBUG` in lib/Kconfig.debug (Kernel hacking > Memory
// Debugging), which switches it all. Pure: texts in, edits out.
import { BuildFileError, insertLineAfter, MARKER } from '../build/build-edit.js';
import { BLOCK_BEGIN, BLOCK_END } from '../build/plan-make.js';
import { makeLines } from '../build/make-lines.js';
import { lineEnding } from '../c/plan-c-file.js';
import type { Edit } from '../edit.js';
import { TREE_FILES } from '../runtime.js';


export const MAKEFILE_LINE = `obj-$(CONFIG_MEMCPY_DEBUG) += memcpy_debug.o  # ${MARKER}`;

/** lib/Makefile: the boot-time line's object, at the end, outside any conditional. */
export function planTreeMakefile(text: string): Edit {
  const lines = makeLines(text);
  const last = lines[lines.length - 1];
  if (last && (last.depth !== 0 || /^(ifeq|ifneq|ifdef|ifndef|else)\b/.test(last.code))) {
    throw new BuildFileError(TREE_FILES.makefile, 'it ends inside a conditional', `add "${MAKEFILE_LINE}" at its end yourself`);
  }
  return insertLineAfter(text, last ?? null, MAKEFILE_LINE, 'build line');
}

/**
 * lib/Kconfig.debug: the entry goes at the end of the "Memory Debugging" menu, beside KASAN,
 * KFENCE and KMSAN; without that menu, at the end of "Kernel hacking".
 */
export function planTreeKconfig(text: string, entry: string): Edit {
  const at = lineStartOf(text, /^endmenu[ \t]*#[ \t]*"Memory Debugging"[ \t]*\r?$/m) ?? lineStartOf(text, /^endmenu[ \t]*#[ \t]*Kernel hacking[ \t]*\r?$/m);
  if (at === null) {
    throw new BuildFileError(TREE_FILES.kconfig, 'it has no "Memory Debugging" or "Kernel hacking" menu',
      'is this the top of a Linux source tree? Give the folder to instrument in it without --kernel-tree');
  }
  const eol = lineEnding(text);
  const block = [BLOCK_BEGIN, ...entry.replace(/\n$/, '').split('\n'), BLOCK_END].join(eol);
  return { start: at, end: at, text: block + eol, reason: 'Kconfig entry' };
}

function lineStartOf(text: string, re: RegExp): number | null {
  const m = re.exec(text);
  return m ? m.index : null;
}
