// The runtime files we drop in: templates/<target>/memcpy_debug.{h,c} with their parameters
// filled in. The header line `memcpy-debug runtime: target=... tag=... on-overlap=...` records
// the parameters, so a file can be recognised as ours even without a manifest.

export type Target = 'kernel' | 'user';
export type OnOverlap = 'warn' | 'warn-once' | 'memmove' | 'bug' | 'abort';
/** memcpy(p, p, n): reported (memcpy's ranges must not overlap) or let pass (as ASan does). */
export type SamePointer = 'report' | 'ignore';
export const SAME_POINTER: readonly SamePointer[] = ['report', 'ignore'];

// The runtime's names: this is their one home.
/** What a renamed call site calls. */
export const DEBUG_NAME = 'memcpy_debug';
/** The header a folder's C files include (folder placement). */
export const HEADER_NAME = 'memcpy_debug.h';
/** The header every instrumented file includes in the kernel tree placement. */
export const TREE_HEADER = '<linux/memcpy_debug.h>';
/** The files a folder's runtime is made of. */
export const RUNTIME_FILES = ['memcpy_debug.c', HEADER_NAME] as const;
export const RUNTIME_OBJECT = 'memcpy_debug.o';
/** A kernel tree's runtime and the build files it is switched in. */
export const TREE_FILES = {
  header: 'include/linux/memcpy_debug.h',
  source: 'lib/memcpy_debug.c',
  makefile: 'lib/Makefile',
  kconfig: 'lib/Kconfig.debug',
} as const;
/** The files the tree's runtime creates, which no folder run may rename or scan as the user's. */
export const TREE_CREATED: readonly string[] = [TREE_FILES.header, TREE_FILES.source];

/**
 * The rule that a runtime file found in the tree is ours (to keep, replace or remove), its one
 * home: the manifest recorded creating it and it still has that hash, or it is byte for byte
 * the file we would write now. Anything else there is the user's.
 */
export function isOurRuntimeFile(text: string, recordedSha: string | undefined, expected: string | undefined, sha: (t: string) => string): boolean {
  return (recordedSha !== undefined && sha(text) === recordedSha) || (expected !== undefined && text === expected);
}

/** What each target can do on an overlap; the first is the default. */
export const ON_OVERLAP: Record<Target, readonly OnOverlap[]> = {
  kernel: ['warn', 'warn-once', 'memmove', 'bug'],
  user: ['warn', 'warn-once', 'memmove', 'abort'],
};

/**
 * folder: memcpy_debug.h (and .c) in the instrumented folder, always on;
 * kernel-tree: <linux/memcpy_debug.h> in the kernel tree, switched by CONFIG_MEMCPY_DEBUG.
 */
export type Placement = 'folder' | 'kernel-tree';

export interface RuntimeParams {
  readonly target: Target;
  /** Absent: folder. */
  readonly placement?: Placement;
  /** A C identifier naming the instrumented module or project in the runtime's files. */
  readonly tag: string;
  readonly onOverlap: OnOverlap;
  readonly samePointer: SamePointer;
}

/** The kernel tree's own templates (its header is the kernel one): lib/memcpy_debug.c, the Kconfig entry. */
export interface TreeTemplates {
  readonly source: string;
  readonly kconfig: string;
}

/** The template texts of one target, by file name. */
export type Templates = Readonly<Record<(typeof RUNTIME_FILES)[number], string>>;

export function renderRuntime(templates: Templates, p: RuntimeParams): { path: string; content: string }[] {
  return RUNTIME_FILES.map((path) => ({ path, content: fillTemplate(templates[path], p) }));
}

const MACRO = (o: OnOverlap) => `MEMCPY_DEBUG_${o.toUpperCase().replace('-', '_')}`;

/** The kernel contexts that build outside the kernel proper: the check stays out of them. */
export const OUTSIDE_KERNEL_PROPER = ['__DISABLE_EXPORTS', '__NO_FORTIFY', 'BUILD_VDSO'] as const;

/** A template with the parameters filled in. */
export function fillTemplate(t: string, p: RuntimeParams): string {
  const tree = p.placement === 'kernel-tree';
  const select = tree
    ? (['memmove', 'warn-once', 'bug'] as const).map((o, i) => `#${i === 0 ? 'if' : 'elif'} defined(CONFIG_MEMCPY_DEBUG_ON_OVERLAP_${o.toUpperCase().replace('-', '_')})\n#define MEMCPY_DEBUG_ON_OVERLAP\t${MACRO(o)}`).join('\n') +
      `\n#else\n#define MEMCPY_DEBUG_ON_OVERLAP\t${MACRO('warn')}\n#endif`
    : `#define MEMCPY_DEBUG_ON_OVERLAP\t${MACRO(p.onOverlap)}`;
  const switchDoc = tree
    ? ' * The check is on with CONFIG_MEMCPY_DEBUG (menuconfig: Kernel hacking > Memory Debugging). With it\n' +
      ' * off, and in code built outside the kernel proper (boot code, the EFI stub, vDSOs, purgatory:\n' +
      ` * they define ${OUTSIDE_KERNEL_PROPER.join(', ')}), memcpy_debug() is plain memcpy().\n`
    : ' * Build with -DMEMCPY_DEBUG_DISABLE to turn every memcpy_debug() back into plain memcpy().\n';
  const sw = tree
    ? `\n#if !defined(CONFIG_MEMCPY_DEBUG) || ${OUTSIDE_KERNEL_PROPER.map((m) => `defined(${m})`).join(' || ')}\n#ifndef MEMCPY_DEBUG_DISABLE\n#define MEMCPY_DEBUG_DISABLE\n#endif\n#else\n#define MEMCPY_DEBUG_SITE_TABLE\n#endif\n`
    : '';
  const early = tree
    ? '\n/*\n * Some of the headers below include headers that call memcpy_debug() themselves (<linux/string.h>).\n' +
      ' * Until this header is complete, such a call goes to lib/memcpy_debug.c, which checks and reports\n' +
      ' * it the same way, naming the call site.\n */\n' +
      'extern void *__memcpy_debug_early(void *dst, const void *src, __SIZE_TYPE__ size,\n\t\t\t\t  const char *file, int line, const char *func);\n' +
      '#define memcpy_debug(d, s, n) __memcpy_debug_early(d, s, n, __FILE__, __LINE__, __func__)\n'
    : '';
  return t.replaceAll('@TAG@', p.tag)
    .replaceAll('@EARLY@', early)
    .replaceAll('@EARLY_END@', tree ? '#undef memcpy_debug\n' : '')
    .replaceAll('@PLACEMENT@', tree ? ' placement=kernel-tree' : '')
    .replaceAll('@SWITCH_DOC@', switchDoc)
    .replaceAll('@SWITCH@', sw)
    .replaceAll('@ON_OVERLAP_SELECT@', select)
    .replaceAll('@ON_OVERLAP_MACRO@', p.onOverlap.toUpperCase().replace('-', '_'))
    .replaceAll('@ON_OVERLAP_CONFIG@', `MEMCPY_DEBUG_ON_OVERLAP_${p.onOverlap.toUpperCase().replace('-', '_')}`)
    .replaceAll('@ON_OVERLAP@', p.onOverlap)
    .replaceAll('@SAME_POINTER_VALUE@', tree ? 'IS_ENABLED(CONFIG_MEMCPY_DEBUG_SAME_POINTER)' : p.samePointer === 'report' ? '1' : '0')
    .replaceAll('@SAME_POINTER_DEFAULT@', p.samePointer === 'report' ? 'y' : 'n')
    .replaceAll('@SAME_POINTER@', p.samePointer);
}

/** The parameters a runtime file was rendered with, or null if it is not one of ours. */
export function runtimeParamsOf(text: string): RuntimeParams | null {
  const m = /memcpy-debug runtime: target=(kernel|user) tag=([A-Za-z_][A-Za-z0-9_]*) on-overlap=([a-z-]+) same-pointer=(report|ignore)( placement=kernel-tree)?/.exec(text);
  if (!m) return null;
  const target = m[1] as Target;
  const onOverlap = m[3] as OnOverlap;
  return ON_OVERLAP[target].includes(onOverlap)
    ? { target, tag: m[2], onOverlap, samePointer: m[4] as SamePointer, ...(m[5] ? { placement: 'kernel-tree' as const } : {}) }
    : null;
}
