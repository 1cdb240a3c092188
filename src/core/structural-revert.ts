// Undo without a manifest (it was deleted, or the instrumented tree came from git): calls of
// memcpy_debug back to memcpy, our include lines and build lines out. Only what has exactly
// our form is touched.
import type { CParser } from './c/parse-c.js';
import { layoutOf } from './c/layout.js';
import { locateSites } from './c/locate-sites.js';
import { DEBUG_NAME } from './runtime.js';
import type { Edit } from './edit.js';
import { includeOf } from './instrument-file.js';
import { BLOCK_BEGIN, BLOCK_END } from './build/plan-make.js';
import { MARKER } from './build/build-edit.js';

export interface StructuralFileRevert {
  readonly edits: Edit[];
  readonly renamedBack: number;
}

export function structuralRevertC(path: string, text: string, parser: CParser): StructuralFileRevert {
  const edits: Edit[] = [];
  let renamedBack = 0;
  for (const s of locateSites(text, layoutOf(text), parser, DEBUG_NAME)) {
    if (!s.rename) continue;
    edits.push({ start: s.start, end: s.start + DEBUG_NAME.length, text: 'memcpy', reason: 'rename back' });
    renamedBack++;
  }
  for (const e of removeLines(text, (line) => line === `#include ${includeOf(path, false)}` || line === `#include ${includeOf(path, true)}`, 'include')) edits.push(e);
  return { edits, renamedBack };
}

/** Our marked lines, and the marked rule blocks of a makefile. */
export function structuralRevertBuild(text: string): Edit[] {
  let inBlock = false;
  return removeLines(text, (line) => {
    if (line === BLOCK_BEGIN) inBlock = true;
    const ours = inBlock || line.includes(MARKER);
    if (line === BLOCK_END) inBlock = false;
    return ours;
  }, 'build line');
}

/** Edits that delete each whole line (with its line ending) for which `ours` holds. */
function removeLines(text: string, ours: (line: string) => boolean, reason: string): Edit[] {
  const edits: Edit[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl);
    if (ours(line)) {
      // A last line without a line ending takes the one before it along, as it was added.
      const start = nl < 0 && pos > 0 ? pos - (text[pos - 2] === '\r' ? 2 : 1) : pos;
      const prev = edits[edits.length - 1];
      if (prev && prev.end >= start) edits[edits.length - 1] = { ...prev, end };
      else edits.push({ start, end, text: '', reason });
    }
    pos = end;
  }
  return edits;
}
