// Edits are plain data: a range of the ORIGINAL text and what replaces it.
//
// N.B. the unit is a JS string index into text decoded as latin1, so one index is one byte of
// the file. tree-sitter reports UTF-16 indices; with latin1 decoding the two coincide.
import { Lines } from './lines.js';
import { ownString } from './own-string.js';

export interface Edit {
  /** Start index (latin1 char == byte) in the original text. */
  readonly start: number;
  /** End index, exclusive; start === end is an insertion. */
  readonly end: number;
  readonly text: string;
  /** Why: shown in conflicts and recorded in the manifest. */
  readonly reason: string;
}

export class EditConflictError extends Error {
  constructor(readonly a: Edit, readonly b: Edit) {
    super(`overlapping edits: ${a.reason} [${a.start},${a.end}) and ${b.reason} [${b.start},${b.end})`);
  }
}

const byPosition = (x: Edit, y: Edit): number => x.start - y.start || x.end - y.end;

/** Sorts edits by position; equal insertions keep plan order. Overlap is an error, never a skip. */
export function sortEdits(edits: readonly Edit[]): Edit[] {
  // Array.prototype.sort is stable (ES2019): equal edits stay in the order they came.
  const sorted = edits.slice().sort(byPosition);
  for (let k = 1; k < sorted.length; k++) {
    // Touching ranges are fine: start === previous end does not overlap.
    if (sorted[k].start < sorted[k - 1].end) throw new EditConflictError(sorted[k - 1], sorted[k]);
  }
  return sorted;
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = sortEdits(edits);
  const parts: string[] = [];
  let pos = 0;
  for (const e of sorted) {
    parts.push(text.slice(pos, e.start), e.text);
    pos = e.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/** True if `text` with `edits` applied ends with a line ending (or is empty), without applying them. */
export function endsWithEolAfter(text: string, edits: readonly Edit[]): boolean {
  const sorted = sortEdits(edits);
  let end = text.length;
  for (let k = sorted.length - 1; k >= 0; k--) {
    const e = sorted[k];
    // Text of the file itself follows the last edit: it ends the result.
    if (e.end < end) break;
    if (e.text.length > 0) return e.text.endsWith('\n');
    end = e.start;
  }
  return end === 0 || text.charCodeAt(end - 1) === 10;
}

/**
 * A region is what revert needs to undo a group of edits on a text the user may have changed
 * since: the whole lines as we left them (`after`), what they were before (`before`), and where
 * they stood (`line`, 1-based, in the instrumented text). Revert finds `after` again, at a line
 * start, nearest to `line`, and puts `before` back, as `patch` does with a hunk.
 */
export interface Region {
  readonly line: number;
  readonly before: string;
  readonly after: string;
}

const lineStartAt = (text: string, i: number): number => text.lastIndexOf('\n', i - 1) + 1;
const lineEndAt = (text: string, i: number): number => {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
};

/** Groups edits by the lines they touch and returns one Region per group. */
export function regionsOf(before: string, edits: readonly Edit[], lines = new Lines(before)): Region[] {
  const sorted = sortEdits(edits);
  const regions: Region[] = [];
  let linesAdded = 0; // newlines added by earlier groups: shifts line numbers in the result
  let k = 0;
  while (k < sorted.length) {
    const first = sorted[k];
    // A whole-line insertion (an #include) is a region of its own, so that the user's edits to
    // the neighbouring line never make it a conflict.
    const wholeLine = first.start === first.end && first.text.endsWith('\n') &&
      lineStartAt(before, first.start) === first.start;
    // An edit that ends right after a line ending (revert deleting an include line) touches the
    // lines up to there, not the next one.
    const endOf = (e: Edit) => (e.end > e.start && before.charCodeAt(e.end - 1) === 10 ? e.end : lineEndAt(before, e.end));
    const gStart = wholeLine ? first.start : lineStartAt(before, first.start);
    let gEnd = wholeLine ? first.start : endOf(first);
    let j = k + 1;
    // An edit at the very end joins a last line that has no line ending.
    const joins = (e: Edit) => e.start < gEnd || (e.start === gEnd && gEnd === before.length && before[gEnd - 1] !== '\n');
    while (!wholeLine && j < sorted.length && joins(sorted[j])) {
      gEnd = Math.max(gEnd, endOf(sorted[j]));
      j++;
    }
    let afterText = '';
    let pos = gStart;
    for (const e of sorted.slice(k, j)) {
      afterText += before.slice(pos, e.start) + e.text;
      pos = e.end;
    }
    afterText += before.slice(pos, gEnd);
    const beforeText = before.slice(gStart, gEnd);
    regions.push({ line: lines.lineOf(gStart) + 1 + linesAdded, before: ownString(beforeText), after: ownString(afterText) });
    linesAdded += countNewlines(afterText) - countNewlines(beforeText);
    k = j;
  }
  return regions;
}

export function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export interface RegionConflict {
  readonly region: Region;
  readonly reason: string;
}

/**
 * Undoes regions on `current`: each region's `after` text is searched at line starts, forward of
 * the previous match and nearest to where it should be. Missing regions are conflicts; with
 * `force` the others are still undone.
 */
export function revertRegions(
  current: string,
  regions: readonly Region[],
  lines = new Lines(current),
): { text: string; edits: Edit[]; conflicts: RegionConflict[] } {
  const edits: Edit[] = [];
  const conflicts: RegionConflict[] = [];
  let searchFrom = 0;
  let shift = 0; // lines the user added (or removed) before the previous match
  for (const r of regions) {
    const expectedLine = r.line + shift; // 1-based
    const expected = lines.startOf(Math.max(expectedLine - 1, 0)) ?? lines.startOf(lines.lineOf(current.length))!;
    const at = nearestAtLineStart(current, r.after, searchFrom, expected);
    if (at < 0) {
      conflicts.push({ region: r, reason: `line ${r.line} was changed since instrument: ${JSON.stringify(firstLine(r.after))} not found` });
      continue;
    }
    edits.push({ start: at, end: at + r.after.length, text: r.before, reason: `revert line ${r.line}` });
    searchFrom = at + r.after.length;
    shift = lines.lineOf(at) + 1 - r.line;
  }
  return { text: applyEdits(current, edits), edits, conflicts };
}

function nearestAtLineStart(text: string, needle: string, from: number, expected: number): number {
  if (needle.length === 0) return -1;
  // Where it should be, it usually is: found there, nothing can be nearer. (Searching on would
  // scan to the end of the file for each region: quadratic in the regions.)
  if (expected >= from && text.startsWith(needle, expected) && (expected === 0 || text.charCodeAt(expected - 1) === 10) &&
    (needle.endsWith('\n') || expected + needle.length === text.length)) return expected;
  let best = -1;
  for (let i = text.indexOf(needle, from); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (i !== 0 && text.charCodeAt(i - 1) !== 10) continue;
    // A region that ends without a newline must end the file, as it did.
    if (!needle.endsWith('\n') && i + needle.length !== text.length) continue;
    if (best < 0 || Math.abs(i - expected) < Math.abs(best - expected)) best = i;
    if (i > expected) break;
  }
  return best;
}


export const firstLine = (s: string): string => s.split('\n')[0].replace(/\r$/, '');
