// A minimal C token scanner. tree-sitter gives macro bodies as raw text (preproc_arg) and
// recovers from unparsable kernel macros with ERROR nodes; in both places we still need to
// tell a call (`memcpy (`) from a comment, a string, a member (`->memcpy`) or a value.
//
// N.B. all offsets are JS string indices into text decoded as latin1, so 1 index == 1 byte.

export type TokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct' | 'comment';

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
}

const isIdentStart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
const isIdentChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);
export const isIdentCharAt = (text: string, i: number): boolean =>
  i >= 0 && i < text.length && isIdentChar(text.charCodeAt(i));

/** The identifier that ends at `end`. */
export function wordBefore(text: string, end: number): string {
  let i = end;
  while (isIdentCharAt(text, i - 1)) i--;
  return text.slice(i, end);
}

/** Skips blanks, line continuations and comments forward from `i`; returns the next index. */
export function skipTrivia(text: string, i: number, end = text.length): number {
  while (i < end) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') i++;
    else if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) i += 2;
    else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 || close + 2 > end ? end : close + 2;
    } else if (c === '/' && text[i + 1] === '/') {
      // A // comment ends at a newline that is not escaped.
      let j = i + 2;
      while (j < end && !(text[j] === '\n' && text[j - 1] !== '\\')) j++;
      i = j;
    } else break;
  }
  return i;
}

/**
 * Skips blanks and block comments backward from `i` (exclusive); returns the index just after
 * the previous significant character, or `start` if none. Line comments cannot be recognised
 * backward cheaply; callers only use this within one line or a macro body, where that is fine.
 */
export function skipTriviaBack(text: string, i: number, start = 0): number {
  while (i > start) {
    const c = text[i - 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\\') i--;
    else if (c === '/' && text[i - 2] === '*') {
      const open = text.lastIndexOf('/*', i - 3);
      i = open < start ? start : open;
    } else break;
  }
  return i;
}

/** Tokenizes `text[start, end)` (a macro body), comments and literals included as tokens. */
export function tokenize(text: string, start: number, end: number): Token[] {
  const out: Token[] = [];
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') { i++; continue; }
    if (ch === '\\' && (text[i + 1] === '\n' || text[i + 1] === '\r')) { i += text[i + 1] === '\r' ? 3 : 2; continue; }
    if (ch === '/' && (text[i + 1] === '*' || text[i + 1] === '/')) {
      const j = Math.min(skipTrivia(text, i, end), end);
      out.push({ kind: 'comment', start: i, end: j });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < end && isIdentChar(text.charCodeAt(j))) j++;
      // A string or char prefix (L"x", u8"x") belongs to the literal that follows.
      if (j < end && (text[j] === '"' || text[j] === "'") && /^(L|u|U|u8)$/.test(text.slice(i, j))) {
        i = j;
        continue;
      }
      out.push({ kind: 'ident', start: i, end: j });
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < end && (isIdentChar(text.charCodeAt(j)) || text[j] === '.')) j++;
      out.push({ kind: 'number', start: i, end: j });
      i = j;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < end && text[j] !== ch && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      j = Math.min(j + 1, end);
      out.push({ kind: ch === '"' ? 'string' : 'char', start: i, end: j });
      i = j;
      continue;
    }
    // Multi-character punctuators that matter to us: -> and ##.
    const two = text.slice(i, i + 2);
    const len = two === '->' || two === '##' ? 2 : 1;
    out.push({ kind: 'punct', start: i, end: i + len });
    i += len;
  }
  return out;
}
