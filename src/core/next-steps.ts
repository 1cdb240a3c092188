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
}

export interface NextSteps {
  /** kernel-tree: how to switch the check on. */
  readonly enable?: string;
  readonly build: string;
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
  const has = (n: string) => f.buildFiles.includes(n);
  const build = has('CMakeLists.txt') ? `cmake -S ${f.dir} -B ${f.dir}/build && cmake --build ${f.dir}/build`
    : has('Makefile.am') || has('Makefile.in') ? `(cd ${f.dir} && ./configure && make), or autoreconf first when Makefile.am changed`
      : has('Makefile') || has('GNUmakefile') || has('makefile') ? `make -C ${f.dir}`
        : 'rebuild the program as usual: every object that calls memcpy_debug carries its own check';
  return {
    build,
    reports: `on the program's stderr (or in the file $MEMCPY_DEBUG_LOG names): a line naming the call site, then a backtrace${after}`,
    read: `MEMCPY_DEBUG_LOG=$PWD/overlaps.log <run the program or its tests>; memcpy-debug report overlaps.log --dir ${f.dir}`,
    undo,
  };
}

/** A word for a POSIX shell: as it is when safe, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
