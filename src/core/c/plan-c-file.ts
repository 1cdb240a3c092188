// The transform of one C file: rename the memcpy call sites, add the include. Pure: text and
// its parse tree in, edits and the classified sites out.
import type { Node, Tree } from 'web-tree-sitter';
import type { Edit } from '../edit.js';
import { findSites, type Site } from './find-sites.js';

export const DEBUG_NAME = 'memcpy_debug';
export const HEADER_NAME = 'memcpy_debug.h';

export interface CFilePlan {
  /** Every whole-word occurrence of the name, classified. */
  readonly sites: readonly Site[];
  /** Renames, then the include insertion if any. Indices into the original text. */
  readonly edits: readonly Edit[];
  /** 1-based line (in the original text) after which the include goes, 0 for the top; null if none. */
  readonly includeLine: number | null;
}

/**
 * Plans `from` → `to` renames in `text` (memcpy → memcpy_debug when instrumenting), and the
 * `#include "<includePath>"` that makes `memcpy_debug` visible. `includePath` is relative to
 * the file's folder (`../memcpy_debug.h` one folder down).
 */
export function planCFile(text: string, tree: Tree, includePath: string): CFilePlan {
  const sites = findSites(text, tree, 'memcpy');
  const renames = sites.filter((s) => s.rename);
  const edits: Edit[] = renames.map((s) => ({
    start: s.start,
    end: s.start + 'memcpy'.length,
    text: DEBUG_NAME,
    reason: s.kind,
  }));
  let includeLine: number | null = null;
  if (renames.length > 0 && !includesHeader(text)) {
    const at = includePoint(text, tree.rootNode, renames[0].start);
    const eol = lineEnding(text);
    const line = `#include "${includePath}"`;
    // At the end of a file without a final newline the new line must not add one either.
    const insert = at.needsLeadingEol ? eol + line : line + eol;
    edits.push({ start: at.index, end: at.index, text: insert, reason: 'include' });
    includeLine = lineOf(text, at.index) - (at.needsLeadingEol ? 0 : 1);
  }
  return { sites, edits, includeLine };
}

/** True if the file already includes memcpy_debug.h, by any relative path. */
export function includesHeader(text: string): boolean {
  return /^[ \t]*#[ \t]*include[ \t]*"(?:[^"\n]*\/)?memcpy_debug\.h"/m.test(text);
}

/** The file's line ending: that of its first line, else \n. */
export function lineEnding(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

interface IncludePoint {
  readonly index: number;
  /** The point is the end of a last line that has no line ending. */
  readonly needsLeadingEol: boolean;
}

/**
 * Where the include goes: after the last top-level #include that precedes the first renamed
 * site; top level means not inside #if, except a header's include guard, which counts as top
 * level. Without such an include: after the guard's #define, or before the first top-level
 * construct that is not a comment.
 */
function includePoint(text: string, root: Node, firstSite: number): IncludePoint {
  const container = includeGuard(root) ?? root;
  let after: Node | null = null;
  for (const child of container.namedChildren) {
    if (!child || child.startIndex >= firstSite) break;
    if (child.type === 'preproc_include' && child.endIndex <= firstSite) after = child;
  }
  if (!after && container !== root) after = container.namedChildren.find((c) => c?.type === 'preproc_def') ?? null;
  if (after) {
    // tree-sitter's directive nodes include their line ending, unless the file ends without one.
    const end = after.endIndex;
    if (text[end - 1] === '\n') return { index: end, needsLeadingEol: false };
    const nl = text.indexOf('\n', end);
    return nl < 0 ? { index: text.length, needsLeadingEol: true } : { index: nl + 1, needsLeadingEol: false };
  }
  const first = root.namedChildren.find((c) => c && c.type !== 'comment');
  const start = first ? Math.min(first.startIndex, firstSite) : firstSite;
  return { index: text.lastIndexOf('\n', start - 1) + 1, needsLeadingEol: false };
}

/**
 * The `#ifndef X` / `#define X` ... `#endif` node that wraps a whole header, if the file is one:
 * its only top-level construct apart from comments.
 */
function includeGuard(root: Node): Node | null {
  const significant = root.namedChildren.filter((c) => c && c.type !== 'comment') as Node[];
  if (significant.length !== 1) return null;
  const guard = significant[0];
  if (guard.type !== 'preproc_ifdef' || !/^#\s*ifndef\b/.test(guard.text)) return null;
  const name = guard.childForFieldName('name')?.text;
  const def = guard.namedChildren.find((c) => c && c.type !== 'comment' && c.type !== 'identifier');
  if (!name || def?.type !== 'preproc_def' || def.childForFieldName('name')?.text !== name) return null;
  return guard;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
