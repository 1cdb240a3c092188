// Which build file links the runtime in, and how: Kbuild for the kernel (a Kbuild file wins
// over a Makefile, as in Kbuild itself); for user space the make family and CMake, each present.
import { BuildFileError, identifierOf, type BuildEdit } from './build-edit.js';
import { planCMake } from './plan-cmake.js';
import { isKbuild, planKbuild } from './plan-kbuild.js';
import { planMake } from './plan-make.js';
import { RUNTIME_OBJECT, type Target } from '../runtime.js';

/** The build files a folder may have, in the order they are considered. */
export const BUILD_FILE_NAMES = ['Kbuild', 'Makefile', 'GNUmakefile', 'makefile', 'Makefile.in', 'Makefile.am', 'CMakeLists.txt'] as const;

export type BuildFiles = Readonly<Partial<Record<(typeof BUILD_FILE_NAMES)[number], string>>>;

export function detectTarget(files: BuildFiles): Target {
  if (files.Kbuild !== undefined) return 'kernel';
  return files.Makefile !== undefined && isKbuild(files.Makefile) ? 'kernel' : 'user';
}

export interface BuildPlan {
  readonly edits: BuildEdit[];
  /** Said in the summary: build files that needed no edit, and why. */
  readonly notes: string[];
  readonly tag: string;
}

export interface BuildOptions {
  readonly module?: string;
  readonly targetName?: string;
  /** The instrumented folder's name: the tag when no module or target names one. */
  readonly dirName: string;
}

export function planBuild(files: BuildFiles, target: Target, cFiles: readonly string[], o: BuildOptions): BuildPlan {
  if (target === 'kernel') {
    const name = files.Kbuild !== undefined ? 'Kbuild' : 'Makefile';
    const text = files[name];
    if (text === undefined) {
      throw new BuildFileError('.', 'there is no Kbuild or Makefile', 'use --no-makefile and link memcpy_debug.o yourself');
    }
    const edit = planKbuild(name, text, RUNTIME_OBJECT, o.module);
    return { edits: [edit], notes: [], tag: edit.tag };
  }
  const edits: BuildEdit[] = [];
  const notes: string[] = [];
  const make = (name: (typeof BUILD_FILE_NAMES)[number], required: boolean) => {
    const text = files[name];
    if (text === undefined) return;
    try {
      const e = planMake(name, text, cFiles, 'memcpy_debug', o.dirName);
      if (e) edits.push(e);
      else notes.push(`${name}: a $(wildcard *.c) already builds memcpy_debug.c; no edit needed`);
    } catch (err) {
      if (required || !(err instanceof BuildFileError)) throw err;
    }
  };
  if (files['Makefile.am'] !== undefined) make('Makefile.am', true); // Makefile.in and Makefile are generated from it
  else {
    const hasIn = files['Makefile.in'] !== undefined;
    make('Makefile.in', true);
    // The makefile make reads, in make's own order. Beside a Makefile.in it is configure's
    // output (or a stub): edited only if it lists the sources.
    const plain = (['GNUmakefile', 'makefile', 'Makefile'] as const).find((n) => files[n] !== undefined);
    if (plain) make(plain, !hasIn && files['CMakeLists.txt'] === undefined);
  }
  if (files['CMakeLists.txt'] !== undefined) {
    const e = planCMake('CMakeLists.txt', files['CMakeLists.txt'], cFiles, 'memcpy_debug.c', o.targetName);
    if (e) edits.push(e);
    else notes.push('CMakeLists.txt: a file(GLOB *.c) already builds memcpy_debug.c; no edit needed');
  }
  if (edits.length === 0 && notes.length === 0) {
    throw new BuildFileError('.', 'there is no build file here (Kbuild, Makefile, Makefile.in, Makefile.am, CMakeLists.txt)',
      'use --no-makefile and add memcpy_debug.c to your build yourself');
  }
  const cmake = edits.find((e) => e.path === 'CMakeLists.txt');
  return { edits, notes, tag: cmake?.tag ?? identifierOf(o.dirName) };
}
