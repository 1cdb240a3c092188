// What to do after instrument: build, reproduce, read the reports, undo. Said at the end of the
// summary (and in --json), for the kind of build the folder has.
import type { OnOverlap, Placement, Target } from './runtime.js';

export interface NextStepFacts {
  readonly target: Target;
  /** The folder as the user named it, shell-quoted. */
  readonly dir: string;
  /** Its absolute path, shell-quoted (M= wants one). */
  readonly absDir: string;
  /** When the folder sits in a kernel source tree: the tree's top and the folder in it. */
  readonly kernelTree: { readonly top: string; readonly rel: string } | null;
  /** The build files found in the folder. */
  readonly buildFiles: readonly string[];
  readonly onOverlap: OnOverlap;
  readonly placement?: Placement;
  /** User space: the project the folder belongs to. */
  readonly project?: ProjectFacts | null;
}

/** The top of a user-space project (io/other-builders.ts finds it), its paths shell-quoted. */
export interface ProjectFacts {
  /** As the user would name it: the folder they named, or a folder above it. */
  readonly top: string;
  readonly absTop: string;
  readonly markers: readonly string[];
  readonly debianSource: string | null;
  readonly testTargets: readonly string[];
  readonly hasBuildDir: boolean;
}

export interface NextSteps {
  /** kernel-tree: how to switch the check on. */
  readonly enable?: string;
  readonly build: string;
  /** User space: the project's tests, when its build has a known way to run them. */
  readonly test?: string;
  readonly reports: string;
  readonly read: string;
  readonly undo: string;
}

export function nextSteps(f: NextStepFacts): NextSteps {
  const undo = `memcpy-debug revert ${f.dir}`;
  const after = f.onOverlap === 'memmove' ? ', then the copy is done as memmove, so the data stays right'
    : f.onOverlap === 'bug' ? ', then BUG()' : f.onOverlap === 'abort' ? ', then abort()'
      : f.onOverlap === 'warn-once' ? ' (the first overlap of each call site)' : '';
  if (f.target === 'kernel' && f.placement === 'kernel-tree' && f.kernelTree) {
    const top = f.kernelTree.top;
    return {
      enable: `make -C ${top} menuconfig: Kernel hacking > Memory Debugging > Check memcpy() calls for overlapping source and destination; or ${top}/scripts/config --file .config -e MEMCPY_DEBUG && make -C ${top} olddefconfig`,
      build: `make -C ${top} -j$(nproc) (the kernel and modules, as usual; with MEMCPY_DEBUG off, memcpy_debug() is plain memcpy())`,
      reports: `in the kernel log: "memcpy_debug: overlap checks on" at boot, then for each overlap a line naming the call site and a WARNING at it with its stack${after}`,
      read: `dmesg | memcpy-debug report --dir ${top}`,
      undo,
    };
  }
  if (f.target === 'kernel') {
    const build = f.kernelTree
      ? `make -C ${f.kernelTree.top} ${f.kernelTree.rel === '' ? '' : `${f.kernelTree.rel}/ `}(then the kernel or modules as usual)`
      : `make -C /lib/modules/$(uname -r)/build M=${f.absDir} modules`;
    return {
      build,
      reports: `in the kernel log: a line naming the call site, then a WARNING at it with its stack${after}`,
      read: `dmesg | memcpy-debug report --dir ${f.dir}`,
      undo,
    };
  }
  const { build, test, run } = userBuild(f);
  const log = 'export MEMCPY_DEBUG_LOG=$PWD/overlaps.log;';
  return {
    build,
    ...(test ? { test } : {}),
    reports: `on the program's stderr (or in the file $MEMCPY_DEBUG_LOG names): a line naming the call site, then a backtrace${after}`,
    read: `${log} ${test ?? run ?? '<run the program or its tests>'}; memcpy-debug report overlaps.log --dir ${f.dir}`,
    undo,
  };
}

/**
 * How a user-space project builds, from its top: a Debian source tree as Debian builds it (its
 * own makefiles may need what debian/rules passes them, as lua's need LIBTOOL); else a configured
 * tree with make, a configure script, autoreconf, CMake, meson, make; else nothing known.
 */
const AS_USUAL = 'rebuild the program as usual: every object that calls memcpy_debug carries its own check';

function userBuild(f: NextStepFacts): { build: string; test?: string; run?: string } {
  const p = f.project;
  if (!p) return { build: AS_USUAL };
  const top = p.top;
  if (p.debianSource) {
    const own = ownBuild(p);
    const also = own && !own.build.startsWith('make ') ? `; or the project's own build: ${own.build}` : '';
    // The build runs the tests, once: a second debian/rules build without a clean fails (lua's
    // makes debian/libtool), so it is the read line's command, with the log exported.
    return {
      build: `Debian's build of this source tree, which runs its tests too: the read line below, after its build dependencies (sudo apt-get build-dep ${p.absTop}); debian/rules clean before another${also}`,
      run: `(cd ${top} && debian/rules build)`,
    };
  }
  return ownBuild(p) ?? { build: AS_USUAL };
}

/** The project's own build, from its top, when it has one we know. */
function ownBuild(p: ProjectFacts): { build: string; test?: string } | null {
  const has = (n: string) => p.markers.includes(n);
  const top = p.top;
  const make = ['GNUmakefile', 'makefile', 'Makefile'].some(has);
  const automake = has('Makefile.am');
  const check = automake ? 'check' : p.testTargets[0];
  const makeTest = check ? `make -C ${top} ${check}` : undefined;
  if (make && has('config.status')) return { build: `make -C ${top} (configured already)`, ...(makeTest ? { test: makeTest } : {}) };
  if (has('configure')) return { build: `(cd ${top} && ./configure && make)`, ...(makeTest ? { test: makeTest } : {}) };
  if (has('configure.ac') || has('configure.in')) return { build: `(cd ${top} && autoreconf -fi && ./configure && make)`, ...(makeTest ? { test: makeTest } : {}) };
  const out = `${top}/${p.hasBuildDir ? '_build' : 'build'}`;
  if (has('CMakeLists.txt')) return { build: `cmake -S ${top} -B ${out} && cmake --build ${out}`, test: `ctest --test-dir ${out}` };
  if (has('meson.build')) return { build: `meson setup ${out} ${top} && meson compile -C ${out}`, test: `meson test -C ${out}` };
  if (make) return { build: `make -C ${top}`, ...(makeTest ? { test: makeTest } : {}) };
  return null;
}

/** A word for a POSIX shell: as it is when safe, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
