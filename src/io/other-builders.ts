// The project an instrumented folder belongs to: its top, for the next steps' build command,
// and the build files around the folder that compile its sources too: lz4's
// tests/Makefile builds ../lib/*.c, curl's src/ builds ../lib/dynbuf.c. Nothing needs fixing
// there (the header carries the check into their objects); the summary names them, so the user
// knows which programs and tests will report.
import { readdir } from 'node:fs/promises';
import { readBytesOrNull } from './files.js';
import { dirname, join, relative, sep } from 'node:path';
import { escapeRegExp } from '../core/order.js';
import { isBuildFileName, NOT_SOURCE_DIRS } from '../core/build/build-files.js';


/** What a project's top holds that says how it builds (see core/next-steps.ts). */
export interface ProjectTop {
  /** The top's absolute path (the instrumented folder itself when nothing above builds it). */
  readonly top: string;
  /** The build markers present there: configure, configure.ac, CMakeLists.txt, meson.build, Makefile... */
  readonly markers: readonly string[];
  /** The Source: of debian/control when the top is a Debian source tree (debian/rules). */
  readonly debianSource: string | null;
  /** The top Makefile's test targets (check, test), in that order. */
  readonly testTargets: readonly string[];
  /** A folder named build at the top (a cmake build folder must not be it). */
  readonly hasBuildDir: boolean;
}

const MARKERS = ['configure', 'configure.ac', 'configure.in', 'CMakeLists.txt', 'meson.build', 'Makefile', 'GNUmakefile', 'makefile', 'Makefile.am', 'Makefile.in', 'config.status'];
const declaresProject = (text: string): boolean => /^\s*project\s*\(/im.test(text);

async function markersAt(d: string): Promise<{ names: string[]; debian: boolean; git: boolean }> {
  const names = await readdir(d).catch(() => [] as string[]);
  return {
    names: MARKERS.filter((m) => names.includes(m)),
    debian: names.includes('debian') && (await readdir(join(d, 'debian')).catch(() => [] as string[])).includes('rules'),
    git: names.includes('.git'),
  };
}

/** A folder that is a project's top, not one of its parts: a configure script, a CMake or meson project, a Debian source tree. */
function isTop(d: string, m: { names: string[]; debian: boolean; git: boolean }): boolean {
  if (m.git || m.debian || m.names.some((n) => n.startsWith('config'))) return true;
  return ['CMakeLists.txt', 'meson.build'].some((n) => m.names.includes(n) && declaresProject(readBytesOrNull(join(d, n))?.toString('latin1') ?? ''));
}

/**
 * The top of the project `root` belongs to: `root`, or the folder above it (at most `up` levels)
 * whose build builds it, found by walking up while the folders above have build files, to the
 * first that is a project's top. Read only; nothing above `root` is written.
 */
export async function projectTop(root: string, up = 4): Promise<ProjectTop> {
  let top = root;
  let m = await markersAt(root);
  if (!isTop(root, m)) {
    for (let d = dirname(root), k = 0; k < up && d !== dirname(d); d = dirname(d), k++) {
      const above = await markersAt(d);
      if (above.names.length === 0 && !above.debian) break;
      top = d;
      m = above;
      if (isTop(d, above)) break;
    }
  }
  const control = m.debian ? readBytesOrNull(join(top, 'debian', 'control'))?.toString('latin1') ?? '' : '';
  // A configure script makes the Makefile from Makefile.in (zlib's Makefile only says to run it).
  const fromConfigure = m.names.includes('configure') ? readBytesOrNull(join(top, 'Makefile.in'))?.toString('latin1') : undefined;
  const makefile = ['GNUmakefile', 'makefile', 'Makefile'].find((n) => m.names.includes(n));
  const makeText = fromConfigure ?? (makefile ? readBytesOrNull(join(top, makefile))?.toString('latin1') ?? '' : '');
  return {
    top,
    markers: m.names,
    debianSource: m.debian ? (/^Source:\s*(\S+)/m.exec(control)?.[1] ?? null) : null,
    testTargets: ['check', 'test'].filter((t) => makeTargets(makeText).has(t)),
    hasBuildDir: (await readdir(join(top, 'build')).then(() => true, () => false)),
  };
}

/** The targets a makefile's rules name (`all check install:` names three), not its variables or recipes. */
function makeTargets(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^(?!\t)([\w.\-$() \t]+?)[ \t]*::?(?!=)/gm)) {
    for (const t of m[1].split(/[ \t]+/)) if (t !== '') out.add(t);
  }
  return out;
}

/**
 * Build files outside `root`, under the top of its project, (`depth` levels down), that compile
 * its sources: they name one of its C files or objects, or the folder itself (a SUBDIRS or
 * add_subdirectory entry, an -I), by its path from theirs (doc/man/Makefile's
 * ../../libarchive/archive_entry.3 is a manual page, not a build of the folder). Paths relative
 * to the top.
 */
export async function otherBuilders(root: string, top: string, depth = 3): Promise<string[]> {
  if (top === root) return [];
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
        const named = new RegExp(`(^|[\\s=:(,'"])(\\./)?${escapeRegExp(rel)}(/[^\\s)'",]*\\.(c|h|o|lo|obj)(?![\\w.])|/?(?=[\\s)'",]|$))`, 'm');
        if (named.test(text)) found.push(relative(top, path).split(sep).join('/'));
      }
    }
  };
  await walk(top, 0);
  return found.sort();
}
