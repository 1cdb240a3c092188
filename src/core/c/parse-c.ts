// The C parser: web-tree-sitter with the grammar that the tree-sitter-c package ships as wasm
// (no compiler needed at install time; trees are identical to the native binding's).
//
// N.B. text is a JS string decoded as latin1, so tree-sitter's indices (UTF-16 units) are bytes.
import type { Tree } from 'web-tree-sitter';

export interface CParser {
  /** Parses `text`; the caller must `delete()` the tree (the wasm heap never shrinks). */
  parse(text: string): Tree;
  delete(): void;
}

/** The wasm modules the parser is made of: web-tree-sitter's runtime, then the C grammar. */
export const WASM_FILES = ['tree-sitter.wasm', 'tree-sitter-c.wasm'] as const;

export class ParseError extends Error {}

/**
 * Thrown when a file needs the parser and none was given: most files are decided without one,
 * so the parser is loaded only when a file needs it, and that file planned again then.
 */
export class ParserNeeded extends Error {
  /** Thrown each time: a new error would capture a stack trace nobody reads. */
  static readonly instance = new ParserNeeded('this file needs the parser');
}

let initialised: Promise<typeof import('web-tree-sitter')> | undefined;

/**
 * Creates a parser from the bytes of tree-sitter's own wasm (web-tree-sitter's runtime) and of
 * tree-sitter-c.wasm (the grammar). web-tree-sitter is imported here, not at the top: a run
 * whose files need no parse never loads it.
 */
export async function createCParser(runtimeWasm: Uint8Array, grammarWasm: Uint8Array): Promise<CParser> {
  initialised ??= import('web-tree-sitter').then(async (m) => {
    // The runtime's bytes given, not looked for beside web-tree-sitter's file: that file is
    // bundled into the command (see scripts/bundle.ts).
    await m.Parser.init({ wasmBinary: runtimeWasm } as object as Parameters<typeof m.Parser.init>[0]);
    return m;
  });
  const { Language, Parser } = await initialised;
  const language = await Language.load(grammarWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(text: string): Tree {
      // A UTF-8 BOM decodes to three latin1 letters that start an ERROR; blank them (same length,
      // so every index stays put).
      const source = text.startsWith('\u00ef\u00bb\u00bf') ? '   ' + text.slice(3) : text;
      const tree = parser.parse(source);
      if (!tree) throw new ParseError('tree-sitter returned no tree');
      return tree;
    },
    delete(): void {
      parser.delete();
    },
  };
}
