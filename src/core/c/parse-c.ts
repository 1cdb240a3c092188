// The C parser: web-tree-sitter with the grammar that the tree-sitter-c package ships as wasm
// (no compiler needed at install time; trees are identical to the native binding's).
//
// N.B. text is a JS string decoded as latin1, so tree-sitter's indices (UTF-16 units) are bytes.
import { Language, Parser, type Tree } from 'web-tree-sitter';

export interface CParser {
  /** Parses `text`; the caller must `delete()` the tree (the wasm heap never shrinks). */
  parse(text: string): Tree;
  delete(): void;
}

export class ParseError extends Error {}

let initialised: Promise<void> | undefined;

/** Creates a parser from the bytes of tree-sitter-c.wasm. */
export async function createCParser(grammarWasm: Uint8Array): Promise<CParser> {
  initialised ??= Parser.init();
  await initialised;
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
