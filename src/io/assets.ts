// The files memcpy-debug ships with: the C grammar and the runtime templates.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCParser, type CParser } from '../core/c/parse-c.js';
import { RUNTIME_FILES, type Target, type Templates } from '../core/runtime.js';

const require = createRequire(import.meta.url);

/** The package's root folder (this file is dist/src/io/assets.js). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function loadCParser(): Promise<CParser> {
  const wasm = await readFile(require.resolve('tree-sitter-c/tree-sitter-c.wasm'));
  return createCParser(wasm);
}

export async function loadTemplates(target: Target): Promise<Templates> {
  const entries = await Promise.all(
    RUNTIME_FILES.map(async (name) => [name, (await readFile(join(PACKAGE_ROOT, 'templates', target, name))).toString('latin1')] as const),
  );
  return Object.fromEntries(entries) as Templates;
}

export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
