// The Kbuild makefiles of the folders that hold the files to plan: a folder's Kbuild, else its
// Makefile (as Kbuild reads them).
import { dirname } from 'node:path/posix';
import { join } from 'node:path';
import type { KbuildMakefiles } from '../core/kernel/exclusions.js';
import { readTextIfExists } from './files.js';

export async function readKbuildMakefiles(root: string, paths: readonly string[]): Promise<KbuildMakefiles> {
  const folders = [...new Set(paths.map((p) => (p.includes('/') ? dirname(p) : '')))];
  const out = new Map<string, { name: string; text: string }>();
  const BATCH = 64;
  for (let i = 0; i < folders.length; i += BATCH) {
    await Promise.all(folders.slice(i, i + BATCH).map(async (f) => {
      for (const name of ['Kbuild', 'Makefile']) {
        const text = await readTextIfExists(join(root, f, name)).catch(() => null);
        if (text !== null) {
          out.set(f, { name, text });
          return;
        }
      }
    }));
  }
  return out;
}
