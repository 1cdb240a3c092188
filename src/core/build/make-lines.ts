// GNU make's logical lines: backslash-newline joins physical lines (outside recipes it stands for
// one space), `#` starts a comment, and ifeq/ifdef ... endif nest. Enough of make to find
// variable assignments and a safe place for one more line; nothing is ever rewritten.

export interface MakeLine {
  /** Index of the first character of the first physical line. */
  readonly start: number;
  /** Index just past the line ending of the last physical line (or the end of the text). */
  readonly end: number;
  /** 1-based numbers of the first and the last physical line. */
  readonly line: number;
  readonly lastLine: number;
  /** The logical line: continuations joined with one space, comment removed, trimmed. */
  readonly code: string;
  /** Conditional nesting depth at this line (an `ifeq` line itself is at the outer depth). */
  readonly depth: number;
  /** True for a recipe line (starts with a tab after a rule). */
  readonly recipe: boolean;
}

export interface Assignment {
  readonly name: string;
  readonly op: string;
  readonly value: string;
  readonly at: MakeLine;
}

const CONDITIONAL = /^(ifeq|ifneq|ifdef|ifndef)\b/;
const ASSIGNMENT = /^(?:(?:override|export|private)\s+)*([^\s:#=+?!]+)\s*(\+=|:=|::=|:::=|\?=|!=|=)\s*(.*)$/;

export function makeLines(text: string): MakeLine[] {
  const out: MakeLine[] = [];
  let depth = 0;
  let inRule = false;
  let pos = 0;
  let lineNo = 1;
  while (pos < text.length) {
    const start = pos;
    const first = lineNo;
    const parts: string[] = [];
    for (;;) {
      const nl = text.indexOf('\n', pos);
      const lineEnd = nl < 0 ? text.length : nl;
      let content = text.slice(pos, lineEnd);
      if (content.endsWith('\r')) content = content.slice(0, -1);
      pos = nl < 0 ? text.length : nl + 1;
      lineNo++;
      if (content.endsWith('\\') && pos < text.length) {
        parts.push(content.slice(0, -1));
        continue;
      }
      parts.push(content);
      break;
    }
    const raw = parts.join(' ');
    const recipe = inRule && raw.startsWith('\t');
    const code = recipe ? raw.trim() : stripComment(raw).trim();
    let lineDepth = depth;
    if (!recipe) {
      if (CONDITIONAL.test(code)) depth++;
      else if (/^endif\b/.test(code)) lineDepth = depth = Math.max(0, depth - 1);
      else if (/^else\b/.test(code)) lineDepth = depth - 1;
      if (code !== '') inRule = isRuleLine(code);
    }
    out.push({ start, end: pos, line: first, lastLine: lineNo - 1, code, depth: lineDepth, recipe });
  }
  return out;
}

function stripComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '#') return s.slice(0, i);
  }
  return s;
}

function isRuleLine(code: string): boolean {
  if (ASSIGNMENT.test(code) || CONDITIONAL.test(code) || /^(else|endif|include|-include|sinclude|define|endef|export|unexport|vpath)\b/.test(code)) return false;
  return /^[^=]*[^:=]:(?!=)/.test(code) || /^[^=]*::(?!=)/.test(code);
}

/** Every variable assignment outside recipes, in order. */
export function assignments(lines: readonly MakeLine[]): Assignment[] {
  const out: Assignment[] = [];
  for (const at of lines) {
    if (at.recipe) continue;
    const m = ASSIGNMENT.exec(at.code);
    if (m) out.push({ name: m[1], op: m[2], value: m[3], at });
  }
  return out;
}

/**
 * Where a new line may go so that it follows `after`: just past it, or, when it sits inside a
 * conditional, just past the `endif` that closes the outermost one around it.
 */
export function insertionPointAfter(lines: readonly MakeLine[], after: MakeLine): MakeLine {
  const i = lines.indexOf(after);
  if (after.depth === 0) return after;
  for (let j = i + 1; j < lines.length; j++) {
    if (!lines[j].recipe && lines[j].depth === 0 && /^endif\b/.test(lines[j].code)) return lines[j];
  }
  return lines[lines.length - 1];
}

/** The words of a make value, variable references kept whole. */
export function words(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let paren = 0;
  for (const c of value) {
    if (c === '(' || c === '{') paren++;
    else if ((c === ')' || c === '}') && paren > 0) paren--;
    if (paren === 0 && (c === ' ' || c === '\t')) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}
