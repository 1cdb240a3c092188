// The build files around an instrumented folder that compile its sources too: lz4's
// tests/Makefile builds ../lib/*.c, curl's src/ builds ../lib/dynbuf.c. Nothing needs fixing
// there (the header carries the check into their objects); the summary names them, so the user
// knows which programs and tests will report.
import { readdir } from 'node:fs/promises';
import { readBytesOrNull } from './files.js';
import { dirname, join, relative, sep } from 'node:path';
import { escapeRegExp } from '../core/order.js';
import { isBuildFileName, NOT_SOURCE_DIRS } from '../core/build/build-files.js';


/**
 * Build files outside `root`, in its parent folders up to the top of its project (a folder with
 * .git, configure or CMakeLists.txt, at most `up` levels) and their subfolders (`depth` levels
 * down), that name the instrumented folder by its path from theirs. Paths relative to the top.
 */
export async function otherBuilders(root: string, up = 3, depth = 3): Promise<{ top: string; files: string[] }> {
  let top = root;
  for (let d = dirname(root), k = 0; k < up && d !== dirname(d); d = dirname(d), k++) {
    const names = await readdir(d).catch(() => [] as string[]);
    if (!names.some((n) => isBuildFileName(n, true))) break;
    top = d;
    if (names.includes('.git') || names.includes('configure') || names.includes('configure.ac') || names.includes('CMakeLists.txt')) break;
  }
  if (top === root) return { top, files: [] };
  const found: string[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    if (dir === root) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (level < depth && !e.name.startsWith('.') && !NOT_SOURCE_DIRS.has(e.name)) await walk(path, level + 1);
      } else if (e.isFile() && isBuildFileName(e.name, true)) {
        const rel = relative(dir, root).split(sep).join('/');
        const text = readBytesOrNull(path)?.toString('latin1') ?? '';
        const named = new RegExp(`(^|[\\s=:(,'"])(\\./)?${escapeRegExp(rel)}(/|[\\s)'",]|$)`, 'm');
        if (named.test(text)) found.push(relative(top, path).split(sep).join('/'));
      }
    }
  };
  await walk(top, 0);
  return { top, files: found.sort() };
}
