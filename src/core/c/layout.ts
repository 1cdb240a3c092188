// The layout of a C file from one fast lexical pass, no parse: where its directive lines are,
// where its top-level items begin and end (brace depth 0), and which #include lines are at
// top level. It lets us parse only the items that hold a site, and place the include.
//
// N.B. indices are into latin1-decoded text (1 index == 1 byte).
import { lastAtOrBefore, spanAt } from '../sorted.js';

export interface Directive {
  /** Start of the line (the `#` may be indented). */
  readonly start: number;
  /** Just past the line ending of its last physical line (or the end of the text). */
  readonly end: number;
  /** The directive's name: include, define, if, ifdef, ifndef, elif, else, endif, undef, ... */
  readonly name: string;
  /** Brace depth of the code around it. */
  readonly braceDepth: number;
  /** #if nesting depth around it (an #if line is at the outer depth, as its #endif). */
  readonly ifDepth: number;
}

export interface Layout {
  readonly directives: readonly Directive[];
  /**
   * Sorted indices where a top-level item may start: just past a `;` or `}` at brace depth 0,
   * just past a directive line at depth 0, and 0. The text between two boundaries is one item.
   */
  readonly boundaries: readonly number[];
  /**
   * Where each top-level brace pair opens: the `{` that takes the depth from 0 to 1, sorted.
   * An item with one holds everything up to its matching `}` in it (a function's body).
   */
  readonly opens: readonly number[];
  /** False when braces do not balance (an #ifdef'd `{`): items cannot be trusted. */
  readonly balanced: boolean;
  /** Index of the first character that is neither blank nor comment, or the text's length. */
  readonly firstCode: number;
  /** Index just past the last character that is neither blank nor comment. */
  readonly lastCodeEnd: number;
  /** Comments and literals outside directives, flat: start, end, start, end, ... sorted. */
  readonly comments: readonly number[];
  readonly literals: readonly number[];
}

const DIRECTIVE_NAME = /#[ \t]*([A-Za-z_]\w*)?/y;

const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;

/**
 * With `firstBranches`, the braces and `;` of an #elif or #else branch are not counted: the
 * structure is the one the first branch of each conditional gives, which balances in most files
 * whose braces do not (`#ifdef A` `if (a) {` `#else` `if (b) {` `#endif`). The first branch of
 * an `#if 0` is dead code (old code kept, often broken): the branch after it counts instead.
 */
export function layoutOf(text: string, firstBranches = false): Layout {
  const directives: Directive[] = [];
  const boundaries: number[] = [0];
  const opens: number[] = [];
  let depth = 0;
  let ifDepth = 0;
  let balanced = true;
  let firstCode = -1;
  const comments: number[] = [];
  const literals: number[] = [];
  // With firstBranches: for each open conditional, 1 once it is past its first branch; how many are.
  const pastFirst: number[] | null = firstBranches ? [] : null;
  let skipping = 0;
  const n = text.length;
  // Where the next of each special character is, from the last time it was looked for: plain
  // code up to the nearest is skipped. One indexOf per character met is five times quicker than
  // a regular expression's step over the same text (most stops are braces in function bodies).
  // Newlines are not special: whether a `#` starts a line is looked up when one is met. Written
  // out for each character, not called: a call per stop costs as much as the search.
  let slash = -1;
  let dquote = -1;
  let squote = -1;
  let hash = -1;
  let open = -1;
  let close = -1;
  let semi = -1;
  let i = 0;
  while (i < n) {
    if (slash < i && (slash = text.indexOf('/', i)) < 0) slash = n;
    if (dquote < i && (dquote = text.indexOf('"', i)) < 0) dquote = n;
    if (squote < i && (squote = text.indexOf("'", i)) < 0) squote = n;
    if (hash < i && (hash = text.indexOf('#', i)) < 0) hash = n;
    if (open < i && (open = text.indexOf('{', i)) < 0) open = n;
    if (close < i && (close = text.indexOf('}', i)) < 0) close = n;
    let j = slash < dquote ? slash : dquote;
    if (squote < j) j = squote;
    if (hash < j) j = hash;
    if (open < j) j = open;
    if (close < j) j = close;
    // Inside braces a `;` ends no item: there it is not one.
    if (depth === 0) {
      if (semi < i && (semi = text.indexOf(';', i)) < 0) semi = n;
      if (semi < j) j = semi;
    }
    if (firstCode < 0 && j > i) {
      const k = skipSpace(text, i, j);
      if (k < j) firstCode = k;
    }
    i = j;
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      comments.push(i, (i = close < 0 ? n : close + 2));
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      comments.push(i, (i = lineCommentEnd(text, i)));
      continue;
    }
    if (firstCode < 0) firstCode = i;
    if (c === 35 /* # */ && startsLine(text, i, comments)) {
      const start = text.lastIndexOf('\n', i - 1) + 1;
      const end = directiveEnd(text, i);
      DIRECTIVE_NAME.lastIndex = i;
      const name = DIRECTIVE_NAME.exec(text)?.[1] ?? '';
      let at = ifDepth;
      const conditional = name === 'if' || name === 'ifdef' || name === 'ifndef';
      const branches = name === 'else' || name === 'elif' || name === 'elifdef' || name === 'elifndef';
      if (conditional) ifDepth++;
      else if (name === 'endif') at = ifDepth = Math.max(0, ifDepth - 1);
      else if (branches) at = Math.max(0, ifDepth - 1);
      directives.push({ start, end, name, braceDepth: depth, ifDepth: at });
      skipping = branchesPast(pastFirst, name, conditional, branches, skipping, text, DIRECTIVE_NAME.lastIndex);
      if (depth === 0) boundaries.push(end);
      i = end;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      literals.push(i, (i = literalEnd(text, i, c)));
      continue;
    }
    // A brace or `;` in a branch that is skipped (branchesPast) is not counted. The test comes
    // after the character's, so that every compare here runs in every file: one first met in
    // the rare file that needs first branches would throw the compiled loop away (in each thread).
    if (c === 123 /* { */) {
      if (skipping === 0) {
        if (depth === 0) opens.push(i);
        depth++;
      }
    } else if (c === 125 /* } */) {
      if (skipping === 0) {
        depth--;
        if (depth < 0) {
          balanced = false;
          depth = 0;
        }
        if (depth === 0) boundaries.push(i + 1);
      }
    } else if (c === 59 /* ; */ && depth === 0 && skipping === 0) boundaries.push(i + 1);
    i++;
  }
  if (depth !== 0) balanced = false;
  const lastCodeEnd = codeEnd(text, directives, comments, literals);
  return { directives, boundaries, opens, balanced, firstCode: firstCode < 0 ? n : firstCode, lastCodeEnd, comments, literals };
}

/**
 * How many open conditionals skip the branch that follows directive `name`, tracked in
 * `pastFirst` (null: not tracked), one entry for each: 0 in its first branch, 1 past it, 2 in
 * the dead first branch of an `#if 0`, whose next branch is the one taken (`at`: just past the
 * directive's name). Out of layoutOf, and called for every directive: the compiler's code for
 * the loop then stays valid when the first file that needs it comes.
 */
function branchesPast(
  pastFirst: number[] | null, name: string, conditional: boolean, branches: boolean, skipping: number, text: string, at: number,
): number {
  if (!pastFirst) return 0;
  if (conditional) {
    IF_ZERO.lastIndex = at;
    const dead = name === 'if' && IF_ZERO.test(text);
    pastFirst.push(dead ? 2 : 0);
    return dead ? skipping + 1 : skipping;
  }
  if (name === 'endif') return skipping - ((pastFirst.pop() ?? 0) > 0 ? 1 : 0);
  if (branches && pastFirst.length > 0) {
    const top = pastFirst[pastFirst.length - 1];
    if (top === 0) {
      pastFirst[pastFirst.length - 1] = 1;
      return skipping + 1;
    }
    if (top === 2) {
      pastFirst[pastFirst.length - 1] = 0;
      return skipping - 1;
    }
  }
  return skipping;
}

/** `#if 0`, after the name: the condition is 0 and nothing else but a comment. */
const IF_ZERO = /[ \t]+0[ \t]*(?:\/[*/]|\r?\n|$)/y;

/** True at a backslash that continues its line. */
const continues = (text: string, i: number): boolean =>
  text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10);

/** Skips blanks, newlines and line continuations in [i, end). */
function skipSpace(text: string, i: number, end: number): number {
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isBlank(c) || c === 10) continue;
    if (c === 92 /* \ */ && continues(text, i)) continue;
    break;
  }
  return i;
}

/**
 * True if only blanks and comments stand between the start of the line and the `#` at `i`
 * (a continued line goes on the same line). `comments` holds those seen so far.
 */
function startsLine(text: string, i: number, comments: readonly number[]): boolean {
  let k = i - 1;
  let last = comments.length - 2;
  for (;;) {
    while (k >= 0 && isBlank(text.charCodeAt(k))) k--;
    if (k < 0) return true;
    const c = text.charCodeAt(k);
    if (c === 10) {
      const b = text.charCodeAt(k - 1) === 13 ? k - 2 : k - 1;
      if (b < 0 || text.charCodeAt(b) !== 92) return true;
      k = b - 1;
      continue;
    }
    if (last >= 0 && comments[last + 1] === k + 1) {
      k = comments[last] - 1;
      last -= 2;
      continue;
    }
    return false;
  }
}

/** Just past the last character of code: neither blank nor comment; a directive's whole line. */
function codeEnd(text: string, directives: readonly Directive[], comments: readonly number[], literals: readonly number[]): number {
  let e = text.length;
  for (;;) {
    while (e > 0 && (isBlank(text.charCodeAt(e - 1)) || text.charCodeAt(e - 1) === 10)) e--;
    if (e === 0) return 0;
    if (inRanges(comments, e - 1)) {
      e = rangeStart(comments, e - 1);
      continue;
    }
    if (inRanges(literals, e - 1)) return rangeEnd(literals, e - 1);
    const d = directives[directives.length - 1];
    if (d && d.start <= e - 1 && e - 1 < d.end) return d.end;
    if (text.charCodeAt(e - 1) === 92 && continues(text, e - 1)) {
      e--;
      continue;
    }
    return e;
  }
}

/** The end of a // comment: its line's end, with backslash-newline continuing it. */
function lineCommentEnd(text: string, i: number): number {
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    const back = text.charCodeAt(nl - 1) === 13 ? nl - 2 : nl - 1;
    if (text.charCodeAt(back) !== 92) return nl;
    i = nl + 1;
  }
}

/** Just past the line ending of a directive that starts at `i`, continuations and comments included. */
function directiveEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    DIRECTIVE_SPECIAL.lastIndex = i;
    if (!DIRECTIVE_SPECIAL.test(text)) return n;
    i = DIRECTIVE_SPECIAL.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (c === 10) return i + 1;
    if (c === 92 && text.charCodeAt(i + 1) === 10) i += 2;
    else if (c === 92 && text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10) i += 3;
    else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) i = lineCommentEnd(text, i);
    else if (c === 34 || c === 39) i = literalEnd(text, i, c);
    else i++;
  }
  return n;
}

/** What can end or extend a directive line. */
const DIRECTIVE_SPECIAL = /[\n\\/"']/g;

/** Just past a string or char literal starting at `i`; an unterminated one ends at its line. */
function literalEnd(text: string, i: number, quote: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === quote) return j + 1;
    if (c === 92) {
      j += text.charCodeAt(j + 1) === 13 ? 3 : 2;
      continue;
    }
    if (c === 10) return j;
    j++;
  }
  return n;
}

/** The item [start, end) holding index `at`: between the boundaries around it. */
export function itemAround(layout: Layout, at: number, textLength: number): { start: number; end: number } {
  const b = layout.boundaries;
  const i = lastAtOrBefore(b, at);
  return { start: b[i], end: i + 1 < b.length ? b[i + 1] : textLength };
}

/** The directive whose line holds index `at`, if any. */
export function directiveAt(layout: Layout, at: number): Directive | undefined {
  const i = spanAt(layout.directives, at);
  return i < 0 ? undefined : layout.directives[i];
}

/** True if index `at` lies in one of the flat [start, end) ranges. */
export function inRanges(ranges: readonly number[], at: number): boolean {
  return rangeAt(ranges, at) >= 0;
}

/** The start of the range that holds `at` (which one does). */
export function rangeStart(ranges: readonly number[], at: number): number {
  return ranges[rangeAt(ranges, at)];
}

function rangeEnd(ranges: readonly number[], at: number): number {
  return ranges[rangeAt(ranges, at) + 1];
}

/** The index in the flat array of the range that holds `at`, or -1. */
function rangeAt(ranges: readonly number[], at: number): number {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[2 * mid + 1] <= at) lo = mid + 1;
    else if (ranges[2 * mid] > at) hi = mid - 1;
    else return 2 * mid;
  }
  return -1;
}
