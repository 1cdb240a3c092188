// What holds a site: the name of the function whose body it is in, or of the macro whose body
// it is in (null at file scope), for the per-site records of --json; and whether that function
// is marked noinstr. Lexical, from the item's head (the text before its first '{'), read once
// per site, as git's hunk headers and ctags do it.
import { directiveAt, itemAround, layoutOf, type Layout } from './layout.js';
import { ownString } from '../own-string.js';

/** Words that can stand before '(' in a function's head without being its name. */
const NOT_NAMES = new Set([
  '__attribute__', '__attribute', '__declspec', '__typeof__', '__typeof', 'typeof', 'sizeof', 'alignas', '_Alignas',
  '__aligned', '__section', '__printf', '__scanf', '__acquires', '__releases', '__must_hold', '__cond_acquires',
  'if', 'while', 'for', 'switch', 'return', 'void', 'int', 'char', 'long', 'short', 'unsigned', 'signed', 'const',
  'volatile', 'static', 'extern', 'inline', 'struct', 'union', 'enum',
]);

/** What holds a site: its function's (or macro's) name, and whether that function must not call out. */
export interface Holder {
  readonly name: string | null;
  readonly uninstrumented: boolean;
}

export function holderOf(text: string, layout: Layout, at: number): Holder {
  const d = directiveAt(layout, at);
  if (d) {
    const m = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)/.exec(text.slice(d.start, d.end));
    return { name: m ? ownString(m[1]) : null, uninstrumented: false };
  }
  const head = itemHead(text, layout, at);
  if (head !== null && EXTERN_C.test(head)) {
    // The file's items sit in an extern "C" { } block (zstd's headers open it under #ifdef
    // __cplusplus): the holder is the item in the block.
    const item = itemAround(layout, at, text.length);
    const from = text.indexOf('{', item.start) + 1;
    const inner = innerLayout(text, layout, from, item.end);
    return holderOf(inner.text, inner.layout, at - from);
  }
  const name = head === null ? null : nameIn(head);
  return { name: name === null ? null : ownString(name), uninstrumented: head !== null && NOT_INSTRUMENTED.test(head) };
}

const EXTERN_C = /\bextern\s*"C(\+\+)?"\s*$/;

/** The layouts of the extern "C" blocks of a file, made once per block. */
const blocks = new WeakMap<Layout, Map<number, { text: string; layout: Layout }>>();

function innerLayout(text: string, layout: Layout, from: number, to: number): { text: string; layout: Layout } {
  let m = blocks.get(layout);
  if (!m) blocks.set(layout, (m = new Map()));
  let b = m.get(from);
  if (!b) {
    const inner = text.slice(from, to);
    m.set(from, (b = { text: inner, layout: layoutOf(inner) }));
  }
  return b;
}

function nameIn(head: string): string | null {
  if (/=\s*$/.test(head)) {
    // An initializer at file scope: the variable's name.
    const v = /([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*=\s*$/.exec(head);
    return v ? v[1] : null;
  }
  for (const m of head.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
    if (!NOT_NAMES.has(m[1])) return m[1];
  }
  return null;
}

/**
 * The head of the top-level item (function) whose body holds `at`: its text before the first
 * '{', without comments and directives; null at file scope or in a directive.
 */
export function itemHead(text: string, layout: Layout, at: number): string | null {
  if (directiveAt(layout, at)) return null;
  const item = itemAround(layout, at, text.length);
  const brace = text.indexOf('{', item.start);
  if (brace < 0 || brace >= at) return null;
  return text.slice(item.start, brace).replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ').replace(/^[ \t]*#[^\n]*/gm, ' ');
}

/**
 * Attributes that keep a function away from instrumentation: noinstr (entry code, which objtool
 * checks never calls out) and the memory sanitizers' own opt-outs.
 */
const NOT_INSTRUMENTED = /\b(noinstr|__no_sanitize_address|__no_kmsan_checks|__no_sanitize_memory)\b/;
