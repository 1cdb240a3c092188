// The layout of a C file from one fast lexical pass, no parse: where its directive lines are,
// where its top-level items begin and end (brace depth 0), and which #include lines are at
// top level. It lets us parse only the items that hold a site, and place the include.
//
// N.B. indices are into latin1-decoded text (1 index == 1 byte).
import { lastAtOrBefore } from '../sorted.js';

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
/** The characters that can change the lexical state; everything between them is plain code. */
const SPECIAL = /[\n\/"'#{};\\]/g;

const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;

export function layoutOf(text: string): Layout {
  const directives: Directive[] = [];
  const boundaries: number[] = [0];
  const opens: number[] = [];
  let depth = 0;
  let ifDepth = 0;
  let balanced = true;
  let firstCode = -1;
  let lastCodeEnd = 0;
  const comments: number[] = [];
  const literals: number[] = [];
  let atLineStart = true; // only blanks (and comments) since the last newline
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Plain code up to the next special character: skipped in one regex step.
    SPECIAL.lastIndex = i;
    const m = SPECIAL.exec(text);
    const j = m ? m.index : n;
    if (j > i) {
      let k = i;
      while (k < j && isBlank(text.charCodeAt(k))) k++;
      if (k < j) {
        if (firstCode < 0) firstCode = k;
        atLineStart = false;
        let e = j;
        while (isBlank(text.charCodeAt(e - 1))) e--;
        lastCodeEnd = e;
      }
      i = j;
      if (i >= n) break;
    }
    const c = text.charCodeAt(i);
    if (c === 10) {
      atLineStart = true;
      i++;
      continue;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      comments.push(i, (i = close < 0 ? n : close + 2));
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      comments.push(i, (i = lineCommentEnd(text, i)));
      continue;
    }
    if (c === 92 /* \ */ && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
      i += text.charCodeAt(i + 1) === 10 ? 2 : 3;
      continue;
    }
    if (firstCode < 0) firstCode = i;
    if (c === 35 /* # */ && atLineStart) {
      const start = text.lastIndexOf('\n', i - 1) + 1;
      const end = directiveEnd(text, i);
      DIRECTIVE_NAME.lastIndex = i;
      const name = DIRECTIVE_NAME.exec(text)?.[1] ?? '';
      let at = ifDepth;
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') ifDepth++;
      else if (name === 'endif') at = ifDepth = Math.max(0, ifDepth - 1);
      else if (name === 'else' || name === 'elif' || name === 'elifdef' || name === 'elifndef') at = Math.max(0, ifDepth - 1);
      directives.push({ start, end, name, braceDepth: depth, ifDepth: at });
      if (depth === 0) boundaries.push(end);
      lastCodeEnd = end;
      i = end;
      atLineStart = true;
      continue;
    }
    atLineStart = false;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      literals.push(i, (i = literalEnd(text, i, c)));
      lastCodeEnd = i;
      continue;
    }
    lastCodeEnd = i + 1;
    if (c === 123 /* { */) {
      if (depth === 0) opens.push(i);
      depth++;
    }
    else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) {
        balanced = false;
        depth = 0;
      }
      if (depth === 0) boundaries.push(i + 1);
    } else if (c === 59 /* ; */ && depth === 0) boundaries.push(i + 1);
    i++;
  }
  if (depth !== 0) balanced = false;
  return { directives, boundaries, opens, balanced, firstCode: firstCode < 0 ? n : firstCode, lastCodeEnd, comments, literals };
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
  const d = layout.directives;
  let lo = 0;
  let hi = d.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (d[mid].end <= at) lo = mid + 1;
    else if (d[mid].start > at) hi = mid - 1;
    else return d[mid];
  }
  return undefined;
}

/** True if index `at` lies in one of the flat [start, end) ranges. */
export function inRanges(ranges: readonly number[], at: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[2 * mid + 1] <= at) lo = mid + 1;
    else if (ranges[2 * mid] > at) hi = mid - 1;
    else return true;
  }
  return false;
}
