// Whether a folder sits in a kernel source tree: its top has the kernel's Makefile (VERSION =,
// PATCHLEVEL =), Kconfig and Kbuild.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export async function findKernelTree(dir: string, quote: (s: string) => string): Promise<{ top: string; rel: string } | null> {
  for (let d = dir; ; d = dirname(d)) {
    if (await isKernelTop(d)) return { top: quote(d), rel: quote(relative(d, dir).split(sep).join('/')).replace(/^''$/, '') };
    if (dirname(d) === d) return null;
  }
}

async function isKernelTop(d: string): Promise<boolean> {
  try {
    if (!(await stat(join(d, 'Kconfig'))).isFile() || !(await stat(join(d, 'Kbuild'))).isFile()) return false;
    const mk = await readFile(join(d, 'Makefile'), 'latin1');
    return /^VERSION = \d+$/m.test(mk) && /^PATCHLEVEL = \d+$/m.test(mk);
  } catch {
    return false;
  }
}
