// The transform of one C file: rename the memcpy call sites, add the include. Pure: text in,
// edits and the classified sites out.
import type { Edit } from '../edit.js';
import type { Site } from './find-sites.js';
import { layoutOf, type Layout } from './layout.js';
import { locateSites } from './locate-sites.js';
import { holderOf } from './enclosing.js';
import type { CParser } from './parse-c.js';
import { DEBUG_NAME } from '../runtime.js';
import { BUILTIN, builtinSites } from './builtin-sites.js';


export interface CFilePlan {
  /** Every whole-word occurrence of the name, classified. */
  readonly sites: readonly Site[];
  /** Renames, then the include insertion if any. Indices into the original text. */
  readonly edits: readonly Edit[];
  readonly includeAdded: boolean;
  /** The function (or macro) that holds each site, in the order of `sites`; null at file scope. */
  readonly holders: readonly (string | null)[];
  readonly layout: Layout;
}

/** The kernel tree's header, for files instrumented in kernel-tree placement. */

/**
 * Plans the memcpy → memcpy_debug renames in `text`, and the `#include <header>` that makes
 * `memcpy_debug` visible. `header` is `"memcpy_debug.h"` relative to the file's folder
 * (`"../memcpy_debug.h"` one folder down), or TREE_HEADER. `from`: where memcpy first appears,
 * when known (the text before it is not searched again).
 */
export function planCFile(text: string, parser: CParser | null, header: string, from = 0, userSpace: (layout: Layout) => boolean = () => false): CFilePlan {
  const layout = layoutOf(text);
  const sites: Site[] = [];
  const holders: (string | null)[] = [];
  const edits: Edit[] = [];
  // One loop, not a chain of map and filter: each closure would be compiled on its own, in
  // each thread that plans.
  // __builtin_memcpy, in the few files that hold it: with the memcpy sites, in the text's order.
  const located: Iterable<Site> = text.includes(BUILTIN, from)
    ? [...locateSites(text, layout, parser, 'memcpy', true, from), ...builtinSites(text, layout, userSpace(layout))].sort((a, b) => a.start - b.start)
    : locateSites(text, layout, parser, 'memcpy', true, from);
  for (const found of located) {
    const holder = holderOf(text, layout, found.start);
    // Calls in functions that must not call out stay plain memcpy.
    const s: Site = found.rename && (found.kind === 'call' || found.kind === 'unparsed-call') && holder.uninstrumented
      ? { ...found, kind: 'noinstr', rename: false } : found;
    sites.push(s);
    holders.push(holder.name);
    if (s.rename) edits.push({ start: s.start, end: s.start + (s.kind === 'builtin-alias' ? BUILTIN : 'memcpy').length, text: DEBUG_NAME, reason: s.kind });
  }
  const includeAdded = edits.length > 0 && !includesHeader(text, layout);
  if (includeAdded) {
    const at = includePoint(text, layout, edits[0].start);
    const eol = lineEnding(text);
    const line = `#include ${header}`;
    // At the end of a file without a final newline the new line must not add one either.
    const insert = at === text.length && !text.endsWith('\n') && at > 0 ? eol + line : line + eol;
    edits.push({ start: at, end: at, text: insert, reason: 'include' });
  }
  return { sites, edits, includeAdded, holders, layout };
}
/**
 * True if the file already includes memcpy_debug.h, by any relative path, or
 * <linux/memcpy_debug.h>: on an #include line, not in a comment.
 */
export function includesHeader(text: string, layout: Layout): boolean {
  return includeLines(text, layout).some((line) => INCLUDES_HEADER.test(line));
}

/** The text of the file's #include lines (whole, continued lines joined as they are). */
export function includeLines(text: string, layout: Layout): string[] {
  return layout.directives.filter((d) => d.name === 'include').map((d) => text.slice(d.start, d.end));
}

/** An #include line of the runtime header: ours in a folder or in the kernel tree. */
export const INCLUDES_HEADER = /^[ \t]*#[ \t]*include[ \t]*(?:"(?:[^"\n]*\/)?memcpy_debug\.h"|<linux\/memcpy_debug\.h>)/m;

/** The file's line ending: that of its first line, else \n. */
export function lineEnding(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * Where the include goes: after the last top-level #include that precedes the first renamed
 * site; top level means not inside #if, except a header's include guard, which counts as top
 * level. Without such an include: after the guard's #define, or before the first line of code.
 */
function includePoint(text: string, layout: Layout, firstSite: number): number {
  const guard = includeGuard(text, layout);
  const level = guard ? 1 : 0;
  let after = -1;
  for (const d of layout.directives) {
    if (d.end > firstSite) break;
    if (d.name === 'include' && d.braceDepth === 0 && d.ifDepth === level) after = d.end;
  }
  if (after < 0 && guard) after = guard.defineEnd;
  if (after >= 0) return after;
  const start = Math.min(layout.firstCode, firstSite);
  const at = text.lastIndexOf('\n', start - 1) + 1;
  // A UTF-8 byte order mark stays the file's first bytes: the compiler skips it only there.
  return at === 0 && text.startsWith(UTF8_BOM) ? UTF8_BOM.length : at;
}

/** The UTF-8 byte order mark, as latin1 text (one character per byte). */
const UTF8_BOM = '\xef\xbb\xbf';

/**
 * A header's include guard: `#ifndef X` as its first code, `#define X` next, and the `#endif`
 * that closes it as its last code. Returns the end of the #define line.
 */
function includeGuard(text: string, layout: Layout): { defineEnd: number } | null {
  const [first, second] = layout.directives;
  if (!first || !second || first.name !== 'ifndef' || second.name !== 'define') return null;
  if (text.lastIndexOf('\n', layout.firstCode - 1) + 1 !== first.start) return null;
  const name = /#\s*ifndef\s+(\w+)/.exec(text.slice(first.start, first.end))?.[1];
  if (!name || /#\s*define\s+(\w+)/.exec(text.slice(second.start, second.end))?.[1] !== name) return null;
  const close = layout.directives.find((d) => d.name === 'endif' && d.ifDepth === 0);
  if (!close || close.end < layout.lastCodeEnd) return null;
  return { defineEnd: second.end };
}
