// The change as a patch in git's format, for `git apply` and `patch -p1` and for reading.
//
// N.B. texts are latin1-decoded file contents; the patch is too, so writing it as latin1
// reproduces the files' bytes exactly (non-UTF-8 bytes, CRLF and all).
import { relative, isAbsolute, sep } from 'node:path';
import { formatPatch, structuredPatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { countNewlines, type Region } from '../core/edit.js';
import { CONTEXT_LINES, headingAt, hunksOf, LineAccess, type AfterText, type Hunk } from '../core/hunks.js';
import { Lines } from '../core/lines.js';
import { byPath } from '../core/order.js';
import type { FileChange, FileTexts } from '../core/plan.js';

/**
 * The patch of one file: `before` null for a new file, `after` null for a deleted one. With the
 * `regions` of a change (we know which lines changed), the hunks are built from them directly,
 * in one pass, instead of diffing the two texts again.
 */
export function filePatch(name: string, before: string | null, after: AfterText | null, regions?: readonly Region[], prefix = '', beforeLines?: Lines): string {
  const old = before === null ? null : new LineAccess(beforeLines ?? new Lines(before));
  if (after !== null && typeof after !== 'string' && !(regions && old)) throw new Error('a patch without the new text needs the regions');
  if (regions && old && after !== null) return hunkedPatch(prefix + name, hunksOf(old, after, regions));
  // Paths are JS strings: jsdiff quotes a name that needs it as git does (C escapes, UTF-8
  // bytes in octal), so the header stays ASCII in the latin1 patch.
  const path = prefix + name;
  const p = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', (after as string | null) ?? '', undefined, undefined, { context: CONTEXT_LINES });
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
  const headings = old === null ? [] : p.hunks.map((h) => headingAt(old, h.oldLines === 0 ? h.oldStart - 1 : h.oldStart));
  return gitFormat(p, path, headings);
}

/** The git patch of a changed file from its hunks (see core/hunks.ts), as planned where its text was. */
export function hunkedPatch(path: string, hunks: readonly Hunk[]): string {
  // Most patches: a name git prints as it is. Written here in one go, as jsdiff's formatPatch
  // and the headings would give it (test/patch.test.ts holds the two together).
  if (PLAIN_NAME.test(path)) return plainPatch(path, hunks);
  const structured: StructuredPatchHunk[] = hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines: h.body.split('\n') }));
  const p: StructuredPatch = { oldFileName: `a/${path}`, newFileName: `b/${path}`, oldHeader: undefined, newHeader: undefined, hunks: structured, isGit: true };
  return gitFormat(p, path, hunks.map((h) => h.heading));
}

/** jsdiff's git patch, with git's tab after a name with a space and its hunk headings. */
function gitFormat(p: StructuredPatch, path: string, headings: readonly string[]): string {
  let text = formatPatch(p);
  // As git does: a tab after a name with a space, so that patch(1) reads the whole name.
  if (/ /.test(path) && !/^"/.test(path)) text = text.replace(/^(---|\+\+\+) ([ab]\/.*)$/gm, '$1 $2\t');
  let i = 0;
  return text.replace(/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@$/gm, (header) => header + (headings[i++] ?? ''));
}

/** A name git and jsdiff print unquoted, with no tab after it: printable ASCII but space, `"` and `\\`. */
const PLAIN_NAME = /^[!#-[\]-~]+$/;

/** The git patch of a changed file with a plain name: formatPatch's layout, hunk headings and all. */
function plainPatch(path: string, hunks: readonly Hunk[]): string {
  const out = [`diff --git a/${path} b/${path}`];
  // As git, jsdiff writes no ---/+++ lines for a patch without hunks.
  if (hunks.length > 0) out.push(`--- a/${path}`, `+++ b/${path}`);
  for (const h of hunks) {
    // The unified format's quirk: a hunk of no lines names the line before it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@${h.heading}`, h.body);
  }
  return `${out.join('\n')}\n`;
}

/** The whole patch of a plan's files, in path order. */
export function renderPatch(files: readonly FileTexts[], prefix: string): string {
  return [...files]
    .sort(byPath)
    .map((f) => ('hunks' in f ? hunkedPatch(prefix + f.path, f.hunks) : filePatch(f.path, f.before, f.after, f.regions, prefix)))
    .join('');
}

/**
 * What the patch puts before the paths of the folder's files: the folder as seen from where the
 * command runs, as diff -ru and spatch do, so that git apply at the top of a repository and
 * patch -p1 where it was made both work. A folder outside the working folder: its own paths.
 */
export function patchPrefix(cwd: string, root: string): string {
  const rel = relative(cwd, root).split(sep).join('/');
  return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? '' : `${rel}/`;
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
  }).sort(byPath);
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
