// Finds the C files of a tree: *.c and *.h, sorted, as POSIX paths relative to the root.
// Skipped: hidden folders (.git, .tmp_versions, our own .memcpy-debug), build output folders,
// Kbuild's generated *.mod.c, symlinks (writing through one edits a file outside the tree),
// and whatever --exclude names.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_OUTPUT_DIRS, isBuildFileName } from '../core/build/build-files.js';
import { byCodeUnits } from '../core/order.js';
import { STATE_DIR } from '../core/manifest.js';
import { LOCK_NAME } from './lock.js';

export interface ScanResult {
  readonly cFiles: string[];
  /** Symlinked C files, left alone. */
  readonly symlinks: string[];
  /** Subfolders with a build file of their own (a separate module or project). */
  readonly buildDirs: string[];
  /** Folders that could not be read: their files cannot be planned. */
  readonly unreadable: string[];
  /** Files and folders whose names are not UTF-8: left alone. */
  readonly badNames: string[];
  /** Folders below the root instrumented on their own, or being worked on (they hold .memcpy-debug/ or its lock). */
  readonly stateDirs: string[];
}


/** Folders listed between two turns of the event loop. */
const YIELD_EVERY = 50;

/** A name that ends in .c or .h. */
function isCName(name: string): boolean {
  const n = name.length;
  const last = name.charCodeAt(n - 1);
  return n >= 2 && name.charCodeAt(n - 2) === 46 /* . */ && (last === 99 /* c */ || last === 104 /* h */);
}

/** `onFile` hears of each C file as it is found (a planner can start on it). */
export async function scanTree(root: string, excludes: readonly string[], alsoSkip: readonly string[] = [], onFile?: (path: string) => void): Promise<ScanResult> {
  // A pattern without a slash matches a name anywhere, as in .gitignore.
  const excluded = excludes.length > 0
    ? (await import('picomatch')).default(excludes as string[], { dot: true, basename: true })
    : () => false;
  const skip = new Set(alsoSkip);
  const cFiles: string[] = [];
  const symlinks: string[] = [];
  const buildDirs: string[] = [];
  const unreadable: string[] = [];
  const badNames: string[] = [];
  const stateDirs: string[] = [];
  // Synchronous: a promise for each of a kernel tree's thousands of folders costs more than
  // the reads themselves.
  const visit = (rel: string, subdirs: string[]): void => {
    let entries;
    try {
      entries = readdirSync(rel ? join(root, rel) : root, { withFileTypes: true });
    } catch (e) {
      if (!rel) throw e;
      unreadable.push(`${rel}/: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return;
    }
    if (rel) {
      let buildFile = false;
      let state = false;
      for (const e of entries) {
        // A CMake build folder inside the tree holds generated sources.
        if (e.name === 'CMakeCache.txt') return;
        if (e.name === STATE_DIR || e.name === LOCK_NAME) state = true;
        else if (isBuildFileName(e.name) && e.isFile()) buildFile = true;
      }
      if (buildFile) buildDirs.push(rel);
      if (state) stateDirs.push(rel);
    }
    for (const entry of entries) {
      const name = entry.name;
      // Only folders and C files matter: the path of anything else (most of a kernel tree's
      // 84,000 names) is not made.
      const folder = entry.isDirectory();
      if (!folder && !isCName(name)) continue;
      const path = rel ? `${rel}/${name}` : name;
      if (excluded(path) || skip.has(path)) continue;
      // A name that is not UTF-8 comes back with U+FFFD and cannot be opened by it.
      if (name.includes('\uFFFD')) {
        badNames.push(path);
        continue;
      }
      if (folder) {
        if (name.charCodeAt(0) !== 46 /* . */ && !BUILD_OUTPUT_DIRS.has(name)) subdirs.push(path);
      } else if (!name.endsWith('.mod.c')) {
        if (entry.isFile()) {
          cFiles.push(path);
          onFile?.(path);
        }
        else if (entry.isSymbolicLink()) symlinks.push(path);
      }
    }
  };
  // Depth first, in the order the folders are listed; a loop, not a recursion: the compiler's
  // code for a recursive function is thrown away at each level when it meets a new case.
  // Every so many folders the event loop gets a turn: planning workers that are fed as the
  // scan goes are heard, and fed again, before the scan ends.
  const stack = [''];
  const subdirs: string[] = [];
  for (let visited = 1; stack.length > 0; visited++) {
    visit(stack.pop()!, subdirs);
    while (subdirs.length > 0) stack.push(subdirs.pop()!);
    if (visited % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
  }
  return { cFiles: cFiles.sort(byCodeUnits), symlinks: symlinks.sort(byCodeUnits), buildDirs: buildDirs.sort(byCodeUnits), unreadable: unreadable.sort(byCodeUnits), badNames: badNames.sort(byCodeUnits), stateDirs: stateDirs.sort(byCodeUnits) };
}
