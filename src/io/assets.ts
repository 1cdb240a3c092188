// The files memcpy-debug ships with: the C grammar and the runtime templates.
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCParser, WASM_FILES, type CParser } from '../core/c/parse-c.js';
import { RUNTIME_FILES, type Target, type Templates, type TreeTemplates } from '../core/runtime.js';


/** The package's root folder: the nearest above this file (built or bundled) with templates/. */
export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    if (dirname(dir) === dir) throw new Error(`memcpy-debug: no package root above ${from}`);
  }
}

/**
 * The C parser, from the two wasm modules scripts/bundle.ts copies beside the bundle: the
 * installed package has no dependency to find them in.
 */
export async function loadCParser(): Promise<CParser> {
  const [runtime, grammar] = await Promise.all(WASM_FILES.map((name) => readFile(join(PACKAGE_ROOT, 'dist', 'bundle', name))));
  return createCParser(runtime, grammar);
}

export async function loadTemplates(target: Target): Promise<Templates> {
  const entries = await Promise.all(
    RUNTIME_FILES.map(async (name) => [name, readFileSync(join(PACKAGE_ROOT, 'templates', target, name)).toString('latin1')] as const),
  );
  return Object.fromEntries(entries) as Templates;
}

/** What the kernel tree's runtime adds to the kernel templates: lib/memcpy_debug.c and the Kconfig entry. */
export async function loadTreeTemplates(): Promise<TreeTemplates> {
  const read = async (name: string) => readFileSync(join(PACKAGE_ROOT, 'templates', 'kernel-tree', name)).toString('latin1');
  const [source, kconfig] = await Promise.all([read('memcpy_debug.c'), read('Kconfig.debug')]);
  return { source, kconfig };
}

export async function toolVersion(): Promise<string> {
  // Small files of the package, read synchronously: no thread-pool round trip at start-up.
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
