// Classifies every whole-word occurrence of a name (memcpy) in one C file, following the rules
// of the project's c-rules: rename calls (in code, in macro bodies, in code tree-sitter could not
// parse) and object-like aliases; leave everything else, and say which of those matter.
import type { Node, Tree } from 'web-tree-sitter';
import { isIdentCharAt, skipTrivia, skipTriviaBack, tokenize, wordBefore, type Token } from './tokens.js';
import { spanAt } from '../sorted.js';

/** Renamed: a call in code, in a macro body, in unparsed code, or an alias `#define x memcpy`. */
export type RenameKind = 'call' | 'macro-call' | 'unparsed-call' | 'alias' | 'builtin-alias';
/** Left alone. The first three are noise; the others are reported with file:line. */
export type LeaveKind =
  | 'comment'
  | 'string'
  | 'member'
  | 'declaration'
  | 'redefinition'
  | 'bypass'
  | 'value'
  | 'noinstr'
  | 'unclassified'
  | 'builtin';
export type SiteKind = RenameKind | LeaveKind;

export interface Site {
  /** Index (latin1 char == byte) of the name in the file. */
  readonly start: number;
  readonly kind: SiteKind;
  readonly rename: boolean;
}

export const LEAVE_DESCRIPTIONS: Record<LeaveKind, string> = {
  comment: 'in a comment',
  string: 'in a string or #include',
  member: 'a struct member or designator',
  declaration: 'a declaration or definition of the function itself',
  redefinition: 'the file redefines or tests the macro (#define, #undef, #ifdef, defined())',
  bypass: '(memcpy)(...) deliberately bypasses the macro',
  value: 'used as a value, not called: this copy stays unchecked',
  noinstr: 'in a noinstr function (or one that opts out of KASAN/KMSAN): it must not call out',
  unclassified: 'could not be classified with certainty: left alone',
  builtin: '__builtin_memcpy, the compiler\'s own copy: not checked',
};

/** Words before a name that still make `name(` a call, not a declaration. */
export const CALL_KEYWORDS: ReadonlySet<string> = new Set(['return', 'else', 'do', 'case', 'sizeof', 'typeof', '__typeof__', 'void']);

const STRING_TYPES = new Set([
  'string_literal', 'string_content', 'char_literal', 'system_lib_string', 'raw_string_literal',
  'escape_sequence', 'concatenated_string', 'raw_string_content', 'character',
]);
const DECLARATOR_PARENTS = new Set([
  'function_declarator', 'init_declarator', 'declaration', 'pointer_declarator',
  'array_declarator', 'parameter_declaration', 'parenthesized_declarator', 'attributed_declarator',
]);

/** Classifies the occurrences of `name` that start at `starts`, with `tree` the parse of `text`. */
export function classifySites(text: string, tree: Tree, starts: readonly number[], name = 'memcpy'): Site[] {
  const bodyTokens = new Map<number, MacroBody>();
  const root = tree.rootNode;
  // #define/#undef of these names make a directive a redefinition: memcpy, and the name itself.
  const redefined = new Set(['memcpy', name]);
  return starts.map((start) => {
    const end = start + name.length;
    const node = root.descendantForIndex(start, end);
    const kind = node ? classify(text, node, start, end, name, redefined, bodyTokens) : 'unclassified';
    return site(start, kind);
  });
}

export function site(start: number, kind: SiteKind): Site {
  return { start, kind, rename: kind === 'call' || kind === 'macro-call' || kind === 'unparsed-call' || kind === 'alias' };
}

function classify(
  text: string, node: Node, start: number, end: number, name: string,
  redefined: Set<string>, bodyTokens: Map<number, MacroBody>,
): SiteKind {
  const type = node.type;
  if (type === 'comment') return 'comment';
  if (STRING_TYPES.has(type)) return 'string';
  if (type === 'preproc_arg') return classifyMacroText(text, node, start, redefined, bodyTokens);
  if (node.startIndex !== start || node.endIndex !== end) {
    // The word is part of a larger token: a directive's text, or raw ERROR text.
    if (type === 'ERROR' || type === 'preproc_directive') return classifyByTokens(text, start, end, 0, node);
    return 'unclassified';
  }
  if (type === 'field_identifier') return 'member';
  const parent = node.parent;
  if (!parent) return 'unclassified';
  const verdict = classifyNode(text, node, parent);
  // tree-sitter guesses when C is ambiguous without the macros' definitions: a statement
  // `memcpy((void __force *)to, from, n);` or one after `for_each_possible_cpu(cpu)` becomes a
  // declaration of memcpy. In a function body nobody declares memcpy after `;`, `{`, `}` or `)`,
  // so there the tokens decide.
  if (verdict !== 'call' && verdict !== 'member' && verdict !== 'bypass' && insideFunctionBody(parent) &&
    text[skipTrivia(text, end)] === '(') {
    const byTokens = classifyByTokens(text, start, end, 0, node);
    if (byTokens === 'unparsed-call') return byTokens;
  }
  return verdict;
}

function classifyNode(text: string, node: Node, parent: Node): SiteKind {
  const type = node.type;
  if (type === 'type_identifier' || type === 'statement_identifier') return 'value';
  if (type !== 'identifier') return 'unclassified';
  const ptype = parent.type;
  if (ptype === 'call_expression' && parent.childForFieldName('function')?.equals(node)) {
    // `memcpy(...) {` is a definition that tree-sitter took for a call (an unknown attribute
    // macro before it, for instance).
    const args = parent.childForFieldName('arguments');
    if (args && text[skipTrivia(text, args.endIndex)] === '{') return 'declaration';
    return insideError(parent) ? classifyByTokens(text, node.startIndex, node.endIndex, 0, node) : 'call';
  }
  if ((ptype === 'preproc_def' || ptype === 'preproc_function_def') && parent.childForFieldName('name')?.equals(node)) {
    return 'redefinition';
  }
  if (ptype === 'preproc_ifdef' || ptype === 'preproc_defined') return 'redefinition';
  if (DECLARATOR_PARENTS.has(ptype) && parent.childForFieldName('declarator')?.equals(node)) return 'declaration';
  if (ptype === 'parenthesized_expression') {
    const gp = parent.parent;
    if (gp?.type === 'call_expression' && gp.childForFieldName('function')?.equals(parent)) return 'bypass';
  }
  if (ptype === 'ERROR' || insideError(parent)) return classifyByTokens(text, node.startIndex, node.endIndex, 0, node);
  return 'value';
}

/**
 * True if `node` is (in) an ERROR node. Node.parent walks down from the root, so following
 * parents up would cost the depth squared (deeply nested braces): the ERROR nodes'
 * spans are collected once per tree instead, and most trees have none.
 */
function insideError(node: Node): boolean {
  const root = node.tree.rootNode;
  if (!root.hasError) return false;
  let spans = errorSpans.get(node.tree);
  if (!spans) {
    spans = [];
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.type === 'ERROR') spans.push([n.startIndex, n.endIndex]);
      else for (const c of n.children) if (c && c.hasError) stack.push(c);
    }
    errorSpans.set(node.tree, spans);
  }
  return spans.some(([s, e]) => s <= node.startIndex && node.endIndex <= e);
}
const errorSpans = new WeakMap<Tree, [number, number][]>();

/** True if the nearest scope around `node` is a function body (not file scope, not a struct). */
function insideFunctionBody(node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parent) {
    if (n.type === 'compound_statement') return true;
    if (n.type === 'translation_unit' || n.type === 'struct_specifier' || n.type === 'union_specifier') return false;
  }
  return false;
}

/**
 * Decides from the raw text around it what `name` at [start, end) is: used where tree-sitter
 * gave up (ERROR), where it guessed, and in macro bodies. A call is `name (` not after `.`/`->`,
 * and not after a type-like word, which would make it a declaration we must not rename.
 * `at` is the parse node there, if any: it lets comments and directive lines be skipped.
 */
function classifyByTokens(text: string, start: number, end: number, floor: number, at?: Node): SiteKind {
  const next = skipTrivia(text, end);
  const prevEnd = previousToken(text, start, floor, at);
  const prev = prevEnd > floor ? text[prevEnd - 1] : '';
  if (prev === '.' || (prev === '>' && text[prevEnd - 2] === '-')) return 'member';
  if (text[next] !== '(') return prev === '(' && text[next] === ')' ? 'bypass' : 'value';
  if (prev === '#') return 'value';
  if (prev !== '' && isIdentCharAt(text, prevEnd - 1)) {
    return CALL_KEYWORDS.has(wordBefore(text, prevEnd)) ? 'unparsed-call' : 'unclassified';
  }
  if (prev === '*') {
    // `void *memcpy(` declares; `= *memcpy(` would dereference a call (never seen, but a call).
    const beforeStar = skipTriviaBack(text, prevEnd - 1, floor);
    if (isIdentCharAt(text, beforeStar - 1) || text[beforeStar - 1] === '*') return 'unclassified';
  }
  return 'unparsed-call';
}

/**
 * Index just past the token before `i`, skipping blanks and comments; `floor` when there is
 * none, or when it ends a preprocessor line (`#endif`), which ends a statement as `;` does.
 */
function previousToken(text: string, i: number, floor: number, at?: Node): number {
  const root = at ? at.tree.rootNode : null;
  for (;;) {
    const p = skipTriviaBack(text, i, floor);
    if (p <= floor) return floor;
    if (root) {
      const n = root.descendantForIndex(p - 1, p);
      if (n && n.type === 'comment' && n.startIndex < p) {
        i = n.startIndex;
        continue;
      }
    }
    if (at && isDirectiveLine(text, p - 1) && !isDirectiveLine(text, i)) return floor;
    return p;
  }
}


/** True if the physical line holding index `i` starts with `#` (continued lines excluded). */
function isDirectiveLine(text: string, i: number): boolean {
  const ls = text.lastIndexOf('\n', i - 1) + 1;
  const first = skipBlanks(text, ls);
  return text[first] === '#';
}

function skipBlanks(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

/** A macro body's tokens, those that are code, and where each of those is in it. */
export interface MacroBody {
  readonly tokens: Token[];
  readonly code: Token[];
  readonly codeIndex: Map<Token, number>;
}

/** Tokenizes the body [start, end) of a #define once for all its sites. */
export function macroBodyOf(text: string, start: number, end: number): MacroBody {
  const tokens = tokenize(text, start, end);
  const code = tokens.filter((t) => t.kind !== 'comment');
  return { tokens, code, codeIndex: new Map(code.map((t, i) => [t, i])) };
}

/** A name inside raw directive text: a macro body, or the argument of #undef, #pragma, ... */
function classifyMacroText(
  text: string, arg: Node, start: number, redefined: Set<string>, bodyTokens: Map<number, MacroBody>,
): SiteKind {
  const directive = arg.parent;
  if (!directive) return 'unclassified';
  if (directive.type === 'preproc_call') {
    const d = directive.childForFieldName('directive')?.text.replace(/[#\s]/g, '');
    return d === 'undef' ? 'redefinition' : 'comment';
  }
  if (directive.type !== 'preproc_def' && directive.type !== 'preproc_function_def') return 'unclassified';
  const defined = directive.childForFieldName('name')?.text ?? '';
  if (redefined.has(defined)) return 'redefinition';
  let body = bodyTokens.get(arg.startIndex);
  if (!body) {
    body = macroBodyOf(text, arg.startIndex, arg.endIndex);
    bodyTokens.set(arg.startIndex, body);
  }
  return classifyInMacroBody(text, body, arg.startIndex, start, directive.type === 'preproc_def');
}

/**
 * The kind of the name at `start` in the body of a #define that starts at `bodyStart` (not one
 * of memcpy itself): an alias when it is an object-like macro's whole body, a call, or what the
 * tokens around it make it. Each body is tokenized once and each site found by binary search: a
 * macro of 10,000 lines with a call on each stays linear.
 */
export function classifyInMacroBody(text: string, body: MacroBody, bodyStart: number, start: number, objectLike: boolean): SiteKind {
  const at = spanAt(body.tokens, start);
  if (at < 0) return 'unclassified';
  const tok = body.tokens[at];
  if (tok.kind === 'comment') return 'comment';
  if (tok.kind === 'string' || tok.kind === 'char') return 'string';
  if (tok.kind !== 'ident' || tok.start !== start) return 'unclassified';
  const code = body.code;
  if (objectLike && code.length === 1) return 'alias';
  const i = body.codeIndex.get(tok)!;
  const prev = code[i - 1];
  const next = code[i + 1];
  const prevText = prev ? text.slice(prev.start, prev.end) : '';
  const nextText = next ? text.slice(next.start, next.end) : '';
  if (prevText === '##' || nextText === '##' || prevText === '#') return 'value';
  const kind = classifyByTokens(text, tok.start, tok.end, bodyStart);
  return kind === 'unparsed-call' ? 'macro-call' : kind;
}
