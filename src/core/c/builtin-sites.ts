// __builtin_memcpy: the compiler's own copy, which no renamed memcpy reaches. zstd sends most of
// its copies through `#define ZSTD_memcpy(d,s,l) __builtin_memcpy((d),(s),(l))` under GCC, so
// renaming memcpy alone leaves them unchecked. In user space such an alias (a function-like
// macro whose whole body is that one call) is renamed to memcpy_debug like a memcpy alias; every
// other __builtin_memcpy, and all of them in kernel code (where a builtin is used on purpose:
// boot code, the arch string.h), is left alone and said, with file:line.
import { directiveAt, inRanges, type Layout } from './layout.js';
import type { Site } from './find-sites.js';
import { isIdentCharAt } from './tokens.js';

export const BUILTIN = '__builtin_memcpy';

/** The whole-word __builtin_memcpy sites of `text` outside comments and strings, classified. */
export function builtinSites(text: string, layout: Layout, userSpace: boolean): Site[] {
  const out: Site[] = [];
  for (let at = text.indexOf(BUILTIN); at >= 0; at = text.indexOf(BUILTIN, at + BUILTIN.length)) {
    if (isIdentCharAt(text, at - 1) || isIdentCharAt(text, at + BUILTIN.length)) continue;
    if (inRanges(layout.comments, at) || inRanges(layout.literals, at)) continue;
    const d = directiveAt(layout, at);
    if (d && inDirectiveComment(text, d.start, at)) continue;
    const alias = userSpace && d !== undefined && isAliasBody(text.slice(d.start, d.end), at - d.start);
    out.push({ start: at, kind: alias ? 'builtin-alias' : 'builtin', rename: alias });
  }
  return out;
}

/** True if index `at` of a directive's text (from `from`) is inside a comment of it. */
function inDirectiveComment(text: string, from: number, at: number): boolean {
  const head = text.slice(from, at);
  const open = head.lastIndexOf('/*');
  return (open >= 0 && head.indexOf('*/', open) < 0) || head.includes('//');
}

/**
 * True if the directive `#define NAME(params) __builtin_memcpy(...)` is a function-like macro
 * (not memcpy itself) whose body is the one call at `offset`, in parentheses or not.
 */
function isAliasBody(directive: string, offset: number): boolean {
  const m = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^()]*)\)/.exec(directive);
  if (!m || m[1] === 'memcpy' || m[1] === '__builtin_memcpy') return false;
  if (offset < m[0].length) return false;
  const body = directive.slice(m[0].length).replace(/\\\r?\n/g, ' ');
  const before = directive.slice(m[0].length, offset).replace(/\\\r?\n/g, ' ');
  if (!/^[\s(]*$/.test(before)) return false;
  // The call runs to its closing parenthesis; nothing but closing parentheses may follow.
  let depth = 0;
  let i = body.indexOf('(', before.length + BUILTIN.length);
  if (i < 0 || body.slice(before.length + BUILTIN.length, i).trim() !== '') return false;
  for (; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')' && --depth === 0) break;
  }
  return depth === 0 && /^[\s)]*$/.test(body.slice(i + 1));
}
