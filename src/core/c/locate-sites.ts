// Finds and classifies the sites of a name in a C file. Comments and strings are known from the
// lexical pass; plain calls in function bodies and sites in #define bodies are decided from
// tokens (plain-call.ts). The parser gets only what holds one of the other sites: its directive
// line, or its top-level item (function, declaration, macro invocation): few files need a parse
// at all, and then a small part of them (docs/performance.md has the counts). Files whose braces
// balance in no way (not even in the first branch of each #if) are parsed whole.
import { ParserNeeded, type CParser } from './parse-c.js';
import { classifySites, site, type Site } from './find-sites.js';
import { isIdentCharAt } from './tokens.js';
import { directiveAt, inRanges, itemAround, layoutOf, type Layout } from './layout.js';
import { isPlainCall, macroSiteKind, type BodyCache, type MacroCache } from './plain-call.js';

/**
 * With `fastPath` false every site is given to the parser: the oracle the fast path is tested
 * against. Without a parser (not loaded yet), a file that needs one throws ParserNeeded. `from`:
 * no occurrence of `name` is before it.
 */
export function locateSites(text: string, given: Layout, parser: CParser | null, name = 'memcpy', fastPath = true, from = 0): Site[] {
  const starts = wordsOf(text, name, from);
  if (starts.length === 0) return [];
  // Braces that balance only in the first branch of each #if: the items that branch gives (a
  // whole-file parse of these files took three quarters of all parsing in Linux).
  const layout = !given.balanced && fastPath ? layoutOf(text, true) : given;
  if (!layout.balanced) return parseAndClassify(text, 0, text.length, starts, parser, name);
  const out: Site[] = [];
  const spans = new Map<number, { end: number; starts: number[] }>();
  const bodies: BodyCache = new Map();
  const macros: MacroCache = new Map();
  for (const s of starts) {
    const directive = directiveAt(layout, s);
    if (directive && fastPath) {
      const kind = macroSiteKind(text, directive, s, name, macros);
      if (kind) {
        out.push(site(s, kind));
        continue;
      }
    }
    if (!directive) {
      if (inRanges(layout.comments, s)) {
        out.push(site(s, 'comment'));
        continue;
      }
      if (inRanges(layout.literals, s)) {
        out.push(site(s, 'string'));
        continue;
      }
    }
    if (!directive && fastPath && isPlainCall(text, layout, s, s + name.length, bodies)) {
      out.push(site(s, 'call'));
      continue;
    }
    const span = directive ?? itemAround(layout, s, text.length);
    const group = spans.get(span.start);
    if (group) group.starts.push(s);
    else spans.set(span.start, { end: span.end, starts: [s] });
  }
  // One push per site: a spread of 200,000 sites would overflow the stack.
  for (const [start, g] of spans) for (const s of parseAndClassify(text, start, g.end, g.starts, parser, name)) out.push(s);
  return out.sort((a, b) => a.start - b.start);
}

function parseAndClassify(text: string, start: number, end: number, starts: readonly number[], parser: CParser | null, name: string): Site[] {
  if (!parser) throw ParserNeeded.instance;
  const part = start === 0 && end === text.length ? text : text.slice(start, end);
  const tree = parser.parse(part);
  try {
    return classifySites(part, tree, starts.map((s) => s - start), name).map((s) => site(s.start + start, s.kind));
  } finally {
    tree.delete();
  }
}

/** Where `name` stands as a whole word (not in `__memcpy`, `memcpy_toio`). */
function wordsOf(text: string, name: string, from: number): number[] {
  const out: number[] = [];
  for (let at = text.indexOf(name, from); at >= 0; at = text.indexOf(name, at + 1)) {
    if (!isIdentCharAt(text, at - 1) && !isIdentCharAt(text, at + name.length)) out.push(at);
  }
  return out;
}
