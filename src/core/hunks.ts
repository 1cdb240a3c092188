// The hunks of a change: which lines of the old text a patch shows, with their context and the
// hunk's heading. Data, computed where the file's text is at hand (a planning worker); the patch
// text is written from it in one place, render/patch.ts.
import type { Region } from './edit.js';
import { Lines } from './lines.js';
import { ownString } from './own-string.js';

export const CONTEXT_LINES = 3;

/** The new text of a change, or (with its regions) only whether it ends with a line ending. */
export type AfterText = string | { readonly endsWithEol: boolean };

/** A hunk as the unified format prints it: `@@ -oldStart,oldLines +newStart,newLines @@heading`, then its lines. */
export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** What follows the hunk header: ` ` and the function's first line, as git prints it, or ''. */
  readonly heading: string;
  /** The hunk's lines (' ', '-', '+' or '\\' first), joined by '\n', without a final one. */
  readonly body: string;
}

export const NO_EOL = '\\ No newline at end of file';

/** The lines of a text as linesOf() gives them (a final line ending makes no empty last line). */
export class LineAccess {
  readonly endsWithEol: boolean;
  constructor(private readonly lines: Lines) {
    this.endsWithEol = lines.text.endsWith('\n') || lines.text === '';
  }
  /** True if line `i` (0-based) exists. */
  has(i: number): boolean {
    const start = this.lines.startOf(i);
    return start !== undefined && start < this.lines.text.length;
  }
  /** True if line `i` is the text's last. */
  isLast(i: number): boolean {
    return this.has(i) && !this.has(i + 1);
  }
  at(i: number): string {
    const next = this.lines.startOf(i + 1);
    return this.lines.text.slice(this.lines.startOf(i), next === undefined ? this.lines.text.length : next - 1);
  }
}

/**
 * What follows the header of a hunk whose printed old start is `start` (1-based): ` heading` or
 * ''. As git's default: the nearest line before the hunk that starts with a letter, '_' or '$',
 * which in C is a function's first line.
 */
export function headingAt(old: LineAccess, start: number): string {
  for (let i = start - 2; i >= 0; i--) {
    const line = old.at(i);
    if (/^[A-Za-z_$]/.test(line)) return ` ${line.replace(/\s+$/, '').slice(0, 80)}`;
  }
  return '';
}

/** Lines without their \n (a \r stays, as in jsdiff); a final line ending makes no empty line. */
function linesOf(s: string): string[] {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The hunks of a change given as regions (whole lines before and after, see edit.ts), with
 * `CONTEXT_LINES` of context, blocks closer than twice that merged into one hunk: the same
 * hunks `diff -u` and jsdiff give for such a change. Each hunk's body and heading are strings
 * of their own (joined, not slices): a slice would keep the file's whole text alive.
 */
export function hunksOf(before: string | LineAccess, after: AfterText, regions: readonly Region[]): Hunk[] {
  const old = typeof before === 'string' ? new LineAccess(new Lines(before)) : before;
  const oldNoEol = (line: number) => old.isLast(line - 1) && !old.endsWithEol;
  const newEndsWithEol = typeof after === 'string' ? after.endsWith('\n') || after === '' : after.endsWithEol;
  const blocks: { oldStart: number; removed: string[]; added: string[] }[] = [];
  let shift = 0; // lines added so far: region.line is counted in the new text
  for (const r of regions) {
    const removed = linesOf(r.before);
    const added = linesOf(r.after);
    const oldStart = r.line - shift;
    shift += added.length - removed.length;
    // Touching blocks are one change, shown as diff shows it: all removed lines, then all added.
    const prev = blocks[blocks.length - 1];
    if (prev && prev.oldStart + prev.removed.length === oldStart) {
      for (const l of removed) prev.removed.push(l);
      for (const l of added) prev.added.push(l);
    } else blocks.push({ oldStart, removed, added });
  }
  const hunks: Hunk[] = [];
  let i = 0;
  let delta = 0; // new line number minus old line number before the current block
  while (i < blocks.length) {
    const first = blocks[i];
    const start = Math.max(1, first.oldStart - CONTEXT_LINES);
    const lines: string[] = [];
    const hunkDelta = delta;
    let oldLine = start; // next old line to print as context
    let oldCount = 0;
    let newLinesCount = 0;
    const context = (upTo: number) => {
      for (; oldLine < upTo && old.has(oldLine - 1); oldLine++) {
        lines.push(` ${old.at(oldLine - 1)}`);
        if (oldNoEol(oldLine)) lines.push(NO_EOL);
        oldCount++;
        newLinesCount++;
      }
    };
    for (;;) {
      const b = blocks[i];
      context(b.oldStart);
      b.removed.forEach((l, k) => {
        lines.push(`-${l}`);
        if (oldNoEol(b.oldStart + k)) lines.push(NO_EOL);
      });
      // The block's last added line ends the new text when nothing of the old text follows it.
      const endsText = !old.has(b.oldStart + b.removed.length - 1);
      b.added.forEach((l, k) => {
        lines.push(`+${l}`);
        if (endsText && k === b.added.length - 1 && !newEndsWithEol) lines.push(NO_EOL);
      });
      oldLine = b.oldStart + b.removed.length;
      oldCount += b.removed.length;
      newLinesCount += b.added.length;
      delta += b.added.length - b.removed.length;
      i++;
      if (i >= blocks.length || blocks[i].oldStart - oldLine > 2 * CONTEXT_LINES) break;
    }
    context(oldLine + CONTEXT_LINES);
    // The unified format's quirk: a hunk of no old lines names the line before it.
    const shownStart = oldCount === 0 ? start - 1 : start;
    hunks.push({
      oldStart: start, oldLines: oldCount, newStart: start + hunkDelta, newLines: newLinesCount,
      heading: ownString(headingAt(old, shownStart)), body: lines.length === 1 ? ownString(lines[0]) : lines.join('\n'),
    });
  }
  return hunks;
}
