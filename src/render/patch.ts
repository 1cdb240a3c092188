// The change as a patch in git's format, for `git apply` and `patch -p1` and for reading.
//
// N.B. texts are latin1-decoded file contents; the patch is too, so writing it as latin1
// reproduces the files' bytes exactly (non-UTF-8 bytes, CRLF and all).
import { formatPatch, structuredPatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { countNewlines, type Region } from '../core/edit.js';
import { Lines } from '../core/lines.js';
import type { FileChange } from '../core/plan.js';

export const CONTEXT_LINES = 3;

/** The new text of a change, or (with its regions) only whether it ends with a line ending. */
export type AfterText = string | { readonly endsWithEol: boolean };

/**
 * The patch of one file: `before` null for a new file, `after` null for a deleted one. With the
 * `regions` of a change (we know which lines changed), the hunks are built from them directly,
 * in one pass, instead of diffing the two texts again.
 */
export function filePatch(name: string, before: string | null, after: AfterText | null, regions?: readonly Region[], prefix = '', beforeLines?: Lines): string {
  // Paths are JS strings: jsdiff quotes a name that needs it as git does (C escapes, UTF-8
  // bytes in octal), so the header stays ASCII in the latin1 patch.
  const path = prefix + name;
  const old = before === null ? null : new LineAccess(beforeLines ?? new Lines(before));
  if (after !== null && typeof after !== 'string' && !(regions && old)) throw new Error('a patch without the new text needs the regions');
  const hunks = regions && old && after !== null ? hunksOf(old, after, regions) : null;
  // Most patches: a changed file whose name git prints as it is. Written here in one go, as
  // jsdiff's formatPatch and the headings would give it (a test holds the two together).
  if (hunks && old && PLAIN_NAME.test(path)) return modifyPatch(path, hunks, old);
  const p: StructuredPatch = hunks
    ? { oldFileName: `a/${path}`, newFileName: `b/${path}`, oldHeader: undefined, newHeader: undefined, hunks }
    : structuredPatch(`a/${path}`, `b/${path}`, before ?? '', (after as string | null) ?? '', undefined, undefined, { context: CONTEXT_LINES });
  p.isGit = true;
  if (before === null) {
    p.isCreate = true;
    p.newMode = '100644';
    p.oldFileName = '/dev/null';
  }
  if (after === null) {
    p.isDelete = true;
    p.oldMode = '100644';
    p.newFileName = '/dev/null';
  }
  let text = formatPatch(p);
  // As git does: a tab after a name with a space, so that patch(1) reads the whole name.
  if (/ /.test(path) && !/^"/.test(path)) text = text.replace(/^(---|\+\+\+) ([ab]\/.*)$/gm, '$1 $2\t');
  return old === null ? text : withHunkHeadings(text, old);
}

/**
 * Hunk headers with the function the hunk is in, as git's: the nearest line before the hunk
 * that starts with a letter, '_' or '$' (git's default, which fits C: the function's first line).
 */
function withHunkHeadings(patch: string, old: LineAccess): string {
  return patch.replace(/^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@$/gm, (header, start: string) => header + headingAt(old, Number(start)));
}

/** What follows the hunk header of a hunk whose old lines start at `start` (1-based): ` heading` or nothing. */
function headingAt(old: LineAccess, start: number): string {
  for (let i = start - 2; i >= 0; i--) {
    const line = old.at(i);
    if (/^[A-Za-z_$]/.test(line)) return ` ${line.replace(/\s+$/, '').slice(0, 80)}`;
  }
  return '';
}

/** A name git and jsdiff print unquoted, with no tab after it: printable ASCII but space, `"` and `\\`. */
const PLAIN_NAME = /^[!#-[\]-~]+$/;

/** The git patch of a changed file with a plain name: formatPatch's layout, hunk headings and all. */
function modifyPatch(path: string, hunks: readonly StructuredPatchHunk[], old: LineAccess): string {
  const out = [`diff --git a/${path} b/${path}`];
  // As git, jsdiff writes no ---/+++ lines for a patch without hunks.
  if (hunks.length > 0) out.push(`--- a/${path}`, `+++ b/${path}`);
  for (const h of hunks) {
    // The unified format's quirk: a hunk of no lines names the line before it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@${headingAt(old, oldStart)}`);
    for (const l of h.lines) out.push(l);
  }
  // Joined, the patch is one string of its own: pieces of the file's text (a heading is a
  // slice of it) would keep the whole text alive as long as the patch.
  return `${out.join('\n')}\n`;
}

const NO_EOL = '\\ No newline at end of file';

/** The lines of a text as linesOf() gives them (a final line ending makes no empty last line). */
class LineAccess {
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

/** Lines without their \n (a \r stays, as in jsdiff); a final line ending makes no empty line. */
function linesOf(s: string): string[] {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The hunks of a change given as regions (whole lines before and after, see edit.ts), with
 * `CONTEXT_LINES` of context, blocks closer than twice that merged into one hunk: the same
 * hunks `diff -u` and jsdiff give for such a change.
 */
export function hunksOf(before: string | LineAccess, after: AfterText, regions: readonly Region[]): StructuredPatchHunk[] {
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
  const hunks: StructuredPatchHunk[] = [];
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
    hunks.push({ oldStart: start, oldLines: oldCount, newStart: start + hunkDelta, newLines: newLinesCount, lines });
  }
  return hunks;
}

export interface Diffstat {
  readonly path: string;
  readonly added: number;
  readonly removed: number;
}

/** The + and - lines of each change, from what the plan knows (no patch needed): git's --stat after a real run. */
export function statsOfChanges(changes: readonly FileChange[], prefix: string): Diffstat[] {
  const lines = (s: string) => (s === '' ? 0 : countNewlines(s) + (s.endsWith('\n') ? 0 : 1));
  return changes.map((c) => {
    const path = prefix + c.path;
    if (c.kind === 'create') return { path, added: lines(c.content), removed: 0 };
    if (c.kind === 'delete') return { path, added: 0, removed: lines(c.content) };
    return { path, added: c.regions.reduce((n, r) => n + lines(r.after), 0), removed: c.regions.reduce((n, r) => n + lines(r.before), 0) };
  }).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `git diff --stat`'s layout: ` path | N ++--`, then the totals. */
export function renderDiffstat(stats: readonly Diffstat[], width = 80): string {
  if (stats.length === 0) return ' 0 files changed\n';
  const nameWidth = Math.max(...stats.map((s) => s.path.length));
  const maxChanges = Math.max(...stats.map((s) => s.added + s.removed));
  const countWidth = String(maxChanges).length;
  const barRoom = Math.max(10, width - nameWidth - countWidth - 6);
  const scale = maxChanges > barRoom ? barRoom / maxChanges : 1;
  const bar = (n: number) => (n === 0 ? 0 : Math.max(1, Math.round(n * scale)));
  const lines = stats.map((s) => {
    const total = s.added + s.removed;
    return ` ${s.path.padEnd(nameWidth)} | ${String(total).padStart(countWidth)} ${'+'.repeat(bar(s.added))}${'-'.repeat(bar(s.removed))}`;
  });
  const added = stats.reduce((n, s) => n + s.added, 0);
  const removed = stats.reduce((n, s) => n + s.removed, 0);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  let total = ` ${plural(stats.length, 'file')} changed`;
  if (added > 0) total += `, ${added} insertion${added === 1 ? '' : 's'}(+)`;
  if (removed > 0) total += `, ${removed} deletion${removed === 1 ? '' : 's'}(-)`;
  return `${lines.join('\n')}\n${total}\n`;
}

/** Colours a patch as git does: headers bold, hunk headers cyan, - red, + green. */
export function colourPatch(patch: string, paint: (style: 'bold' | 'cyan' | 'red' | 'green', s: string) => string): string {
  let inHunk = false;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git ')) inHunk = false;
      if (line.startsWith('@@')) {
        inHunk = true;
        return paint('cyan', line);
      }
      if (!inHunk) return line === '' ? line : paint('bold', line);
      if (line.startsWith('+')) return paint('green', line);
      if (line.startsWith('-')) return paint('red', line);
      return line;
    })
    .join('\n');
}
