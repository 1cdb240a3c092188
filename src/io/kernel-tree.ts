// Whether a folder sits in a kernel source tree: its top has the kernel's Makefile (VERSION =,
// PATCHLEVEL =), Kconfig and Kbuild.
import { stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { readRegular } from './files.js';

export interface KernelTree {
  /** The top of the tree, absolute. */
  readonly top: string;
  /** The folder in it, POSIX, '' for the top itself. */
  readonly rel: string;
}

export async function kernelTreeOf(dir: string): Promise<KernelTree | null> {
  for (let d = dir; ; d = dirname(d)) {
    if (await isKernelTop(d)) return { top: d, rel: relative(d, dir).split(sep).join('/') };
    if (dirname(d) === d) return null;
  }
}

/** The same, shell-quoted for the commands the summary suggests. */
export async function findKernelTree(dir: string, quote: (s: string) => string): Promise<{ top: string; rel: string } | null> {
  const t = await kernelTreeOf(dir);
  return t && { top: quote(t.top), rel: quote(t.rel).replace(/^''$/, '') };
}

async function isKernelTop(d: string): Promise<boolean> {
  try {
    if (!(await stat(join(d, 'Kconfig'))).isFile() || !(await stat(join(d, 'Kbuild'))).isFile()) return false;
    const mk = readRegular(join(d, 'Makefile')).toString('latin1');
    return /^VERSION = \d+$/m.test(mk) && /^PATCHLEVEL = \d+$/m.test(mk);
  } catch {
    return false;
  }
}
