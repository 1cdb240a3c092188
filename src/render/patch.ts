// The change as a patch in git's format, for `git apply` and `patch -p1` and for reading.
//
// N.B. texts are latin1-decoded file contents; the patch is too, so writing it as latin1
// reproduces the files' bytes exactly (non-UTF-8 bytes, CRLF and all).
import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

export const CONTEXT_LINES = 3;

/** The patch of one file: `before` null for a new file, `after` null for a deleted one. */
export function filePatch(path: string, before: string | null, after: string | null): string {
  const p: StructuredPatch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after ?? '', undefined, undefined, {
    context: CONTEXT_LINES,
  });
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
  return formatPatch(p);
}

export interface Diffstat {
  readonly path: string;
  readonly added: number;
  readonly removed: number;
}

/** Counts the + and - lines of one file's patch. */
export function diffstatOf(path: string, patch: string): Diffstat {
  let added = 0;
  let removed = 0;
  let inHunk = false;
  for (const line of patch.split('\n')) {
    if (line.startsWith('@@')) inHunk = true;
    else if (!inHunk) continue;
    else if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { path, added, removed };
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
