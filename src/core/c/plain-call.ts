// The fast path. Most sites are plain calls: `memcpy(` in a function's body, after `;`, `{`,
// `}`, `)`, `,`, `=`, `return` or an operator. The lexical layout already knows everything that
// decides those (comments, strings, directives, the function's braces), so they are decided here
// without a parse; so are the sites in a plain #define's body, whose tokens the parser's path
// reads anyway. The parser is asked only about the rest (file scope, members, declarations,
// other directives, anything unusual). In a function body the classifier trusts these tokens
// over the parser's guess anyway (find-sites.ts), so both ways give the same decision:
// test/oracle.test.ts checks it on the fixtures and on a real tree.
import { CALL_KEYWORDS, classifyInMacroBody, macroBodyOf, type MacroBody, type SiteKind } from './find-sites.js';
import { directiveAt, inRanges, itemAround, rangeStart, type Directive, type Layout } from './layout.js';
import { firstAtOrAfter } from '../sorted.js';
import { isIdentCharAt, skipTrivia, wordBefore } from './tokens.js';

/** What is known of each top-level brace pair: is it a function's body, with only statements in it? */
export type BodyCache = Map<number, boolean>;

/** True if the name at [start, end) is certainly a call in a function's body. */
export function isPlainCall(text: string, layout: Layout, start: number, end: number, bodies: BodyCache): boolean {
  if (!layout.balanced) return false;
  const item = itemAround(layout, start, text.length);
  const open = layout.opens[firstAtOrAfter(layout.opens, item.start)];
  // The item's first brace opens before the name: the name is inside that pair, which ends the item.
  if (open === undefined || open >= start) return false;
  let body = bodies.get(open);
  if (body === undefined) {
    body = isFunctionBody(text, layout, item.start, open, item.end);
    bodies.set(open, body);
  }
  if (!body) return false;
  if (text[skipTrivia(text, end)] !== '(') return false;
  const prevEnd = previousToken(text, layout, start, open);
  // After a directive line: a statement starts, as after `;`.
  if (prevEnd < 0) return true;
  const prev = text[prevEnd - 1];
  if (prev === '.' || prev === '#' || (prev === '>' && text[prevEnd - 2] === '-')) return false;
  if (isIdentCharAt(text, prevEnd - 1)) return CALL_KEYWORDS.has(wordBefore(text, prevEnd));
  if (prev === '*') {
    // `void *memcpy(` declares.
    const beforeStar = previousToken(text, layout, prevEnd - 1, open);
    return beforeStar >= 0 && !isIdentCharAt(text, beforeStar - 1) && text[beforeStar - 1] !== '*';
  }
  return true;
}

/**
 * A function definition's body: the head before the brace ends with `)` (`f(void)`, also
 * `SYSCALL_DEFINE3(...)`), and no struct, union or enum body is declared inside, where a `;` or
 * `{` would not start a statement.
 */
function isFunctionBody(text: string, layout: Layout, itemStart: number, open: number, itemEnd: number): boolean {
  const headEnd = previousToken(text, layout, open, itemStart);
  if (headEnd <= itemStart || text[headEnd - 1] !== ')') return false;
  return !declaresType(text, open + 1, itemEnd);
}

/**
 * True if `struct`, `union` or `enum` opens a body in [from, to), as /\b(?:struct|union|enum)\b[\s\w]*\{/
 * would find in that slice: looked for before each `{` only (a regular expression tries at each
 * s, u and e of the text, and kernel functions are full of `struct x *p`).
 */
function declaresType(text: string, from: number, to: number): boolean {
  for (let b = text.indexOf('{', from); b >= 0 && b < to; b = text.indexOf('{', b + 1)) {
    let q = b;
    while (q > from && isWordOrSpace(text.charCodeAt(q - 1))) q--;
    if (q < b && TYPE_WORD.test(text.slice(q, b))) return true;
  }
  return false;
}

const TYPE_WORD = /\b(?:struct|union|enum)\b/;

/** \w or \s of a regular expression, on latin1 text. */
const isWordOrSpace = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 9 && c <= 13) || c === 32 || c === 0xa0;

/**
 * Index just past the token before `i`, skipping blanks and comments; -1 when that token ends a
 * directive line; `floor` when nothing is left.
 */
function previousToken(text: string, layout: Layout, i: number, floor: number): number {
  for (;;) {
    let p = i;
    while (p > floor && BLANK.has(text[p - 1])) p--;
    if (p <= floor) return floor;
    if (inRanges(layout.comments, p - 1)) {
      i = rangeStart(layout.comments, p - 1);
      continue;
    }
    if (directiveAt(layout, p - 1)) return -1;
    return p;
  }
}

/** Blanks, and the backslash of a continued line. */
const BLANK = new Set([' ', '\t', '\n', '\r', '\f', '\v', '\\']);

/** A #define as the fast path reads it, or null when the parser must read it. */
export interface MacroDefinition {
  /** Where its body starts: the first token after the name and parameters. */
  readonly bodyStart: number;
  readonly objectLike: boolean;
  readonly body: MacroBody;
}
export type MacroCache = Map<number, MacroDefinition | null>;

/**
 * The kind of a site in a #define's body, decided without a parse as the parser's path decides
 * it (classifyMacroText in find-sites.ts), or null when the parser must look: any other
 * directive, the site in the name or parameters, a definition of memcpy or `name` itself, and
 * what tree-sitter reads in ways of its own (a comment in the directive, a `/` at a line's end, a
 * backslash before blanks).
 */
export function macroSiteKind(
  text: string, directive: Directive, start: number, name: string, macros: MacroCache,
): SiteKind | null {
  if (directive.name !== 'define') return null;
  let macro = macros.get(directive.start);
  if (macro === undefined) {
    macro = readDefine(text, directive, name);
    macros.set(directive.start, macro);
  }
  if (!macro || start < macro.bodyStart) return null;
  return classifyInMacroBody(text, macro.body, macro.bodyStart, start, macro.objectLike);
}

/** `#define NAME` with `(parameters)` right after the name (a function-like macro) or not. */
const DEFINE_HEAD = /[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\((?:[\w \t,.]|\\\r?\n)*\))?/y;
/** What tree-sitter reads in a directive's body in ways of its own. */
const UNUSUAL = /\/\*|\/\r?\n|\\[ \t]+\r?\n/;

function readDefine(text: string, directive: Directive, name: string): MacroDefinition | null {
  DEFINE_HEAD.lastIndex = directive.start;
  const head = DEFINE_HEAD.exec(text);
  if (!head || head[1] === 'memcpy' || head[1] === name) return null;
  // Parameters the pattern does not take (`X(a[2])`), a name it read only in part (`X$`).
  if (head[2] === undefined && !/[ \t\\\r\n]/.test(text[DEFINE_HEAD.lastIndex] ?? '\n')) return null;
  // The body's end: the directive's last line, without its newline (a \r stays, as in tree-sitter).
  const end = text[directive.end - 1] === '\n' ? directive.end - 1 : directive.end;
  if (UNUSUAL.test(text.slice(directive.start, directive.end))) return null;
  let i = DEFINE_HEAD.lastIndex;
  for (;;) {
    if (text[i] === ' ' || text[i] === '\t') i++;
    else if (text[i] === '\\' && text[i + 1] === '\n') i += 2;
    else if (text[i] === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') i += 3;
    else break;
  }
  // An empty body, or one that starts with a blank tree-sitter would not skip the same way.
  if (i >= end || /\s/.test(text[i])) return null;
  return { bodyStart: i, objectLike: head[2] === undefined, body: macroBodyOf(text, i, end) };
}
