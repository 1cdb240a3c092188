// Which build file links the runtime in, and how: Kbuild for the kernel (a Kbuild file wins
// over a Makefile, as in Kbuild itself); for user space the make family and CMake, each present.
import { BuildFileError, identifierOf, type BuildEdit } from './build-edit.js';
import { planCMake } from './plan-cmake.js';
import { isKbuild, planKbuild } from './plan-kbuild.js';
import { planMake } from './plan-make.js';
import { RUNTIME_OBJECT, type Target } from '../runtime.js';
import type { IncludeSignals } from '../instrument-file.js';

import { BUILD_FILE_NAMES } from './build-files.js';

export type BuildFiles = Readonly<Partial<Record<(typeof BUILD_FILE_NAMES)[number], string>>>;

export interface TargetChoice {
  readonly target: Target;
  /** Why, for the summary. */
  readonly why: string;
}

/**
 * Kernel or user space, from what the instrumented files include (kernel-only headers such as
 * <linux/slab.h>, or the C library's), the build file deciding only when the includes do not:
 * busybox has Kbuild files and user-space code, UML's os-Linux has a Kbuild makefile and libc.
 */
export function detectTarget(files: BuildFiles, includes: readonly IncludeSignals[]): TargetChoice {
  const kernel = includes.filter((i) => i.kernel && !i.libc).length;
  const libc = includes.filter((i) => i.libc && !i.kernel).length;
  const kbuild = files.Kbuild !== undefined || (files.Makefile !== undefined && isKbuild(files.Makefile));
  const by = kbuild ? 'Kbuild makefile' : 'build file';
  if (kernel > libc) return { target: 'kernel', why: `${kernel} of the files include kernel headers${libc > 0 ? `, ${libc} the C library's` : ''}` };
  if (libc > kernel) return { target: 'user', why: `${libc} of the files include the C library's headers${kernel > 0 ? `, ${kernel} kernel headers` : ''}` };
  return kbuild ? { target: 'kernel', why: `the folder has a ${by}` } : { target: 'user', why: 'the folder has no Kbuild makefile and its files no kernel headers' };
}

export interface BuildPlan {
  readonly edits: BuildEdit[];
  /** Said in the summary: build files that needed no edit, and why. */
  readonly notes: string[];
  readonly tag: string;
  /** A $(wildcard *.c) or file(GLOB) compiles memcpy_debug.c without an edit. */
  readonly globbed?: boolean;
}

export interface BuildOptions {
  readonly module?: string;
  readonly targetName?: string;
  /** The instrumented folder's name: the tag when no module or target names one. */
  readonly dirName: string;
  /** User space: true when asked for with --makefile (the line only marks the binary). */
  readonly makefile?: boolean;
}

/** Why no build line is needed: the header carries the check into every object that calls it. */
const NO_LINK_NEEDED = 'no build line is needed: every object that calls memcpy_debug carries its own check';

export function planBuild(files: BuildFiles, target: Target, cFiles: readonly string[], o: BuildOptions): BuildPlan {
  if (target === 'kernel') {
    const name = files.Kbuild !== undefined ? 'Kbuild' : 'Makefile';
    const text = files[name];
    if (text === undefined) return { edits: [], notes: [`there is no Kbuild makefile here; ${NO_LINK_NEEDED}`], tag: identifierOf(o.dirName) };
    // One composite module gets "mod-y += memcpy_debug.o", which marks it (modinfo); any other
    // layout needs nothing, unless --module names the module to mark.
    try {
      const edit = planKbuild(name, text, RUNTIME_OBJECT, o.module);
      return { edits: [edit], notes: [], tag: edit.tag };
    } catch (e) {
      if (!(e instanceof BuildFileError) || o.module !== undefined) throw e;
      return { edits: [], notes: [`${name}: ${e.problem}; ${NO_LINK_NEEDED} (each module it builds is checked)`], tag: identifierOf(o.dirName) };
    }
  }
  if (o.makefile !== true) {
    return {
      edits: [], tag: identifierOf(o.dirName),
      notes: [`no build file edited; ${NO_LINK_NEEDED}, in whatever program, library or test compiles it (--makefile adds memcpy_debug.c to the build, to mark the binary)`],
    };
  }
  const edits: BuildEdit[] = [];
  const notes: string[] = [];
  let globbed = false;
  const make = (name: (typeof BUILD_FILE_NAMES)[number], required: boolean) => {
    const text = files[name];
    if (text === undefined) return;
    try {
      const e = planMake(name, text, cFiles, 'memcpy_debug', o.dirName);
      if (e) edits.push(e);
      else {
        globbed = true;
        notes.push(`${name}: a $(wildcard *.c) already builds memcpy_debug.c; no edit needed`);
      }
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
    else {
      globbed = true;
      notes.push('CMakeLists.txt: a file(GLOB *.c) already builds memcpy_debug.c; no edit needed');
    }
  }
  if (edits.length === 0 && notes.length === 0) {
    throw new BuildFileError('.', 'there is no build file here (Kbuild, Makefile, Makefile.in, Makefile.am, CMakeLists.txt)',
      'use --no-makefile and add memcpy_debug.c to your build yourself');
  }
  const cmake = edits.find((e) => e.path === 'CMakeLists.txt');
  return { edits, notes, tag: cmake?.tag ?? identifierOf(o.dirName), globbed };
}
