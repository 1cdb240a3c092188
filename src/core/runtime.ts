// The runtime files we drop in: templates/<target>/memcpy_debug.{h,c} with their parameters
// filled in. The header line `memcpy-debug runtime: target=... tag=... on-overlap=...` records
// the parameters, so a file can be recognised as ours even without a manifest.

export type Target = 'kernel' | 'user';
export type OnOverlap = 'warn' | 'warn-once' | 'memmove' | 'bug' | 'abort';
/** memcpy(p, p, n): reported (memcpy's ranges must not overlap) or let pass (as ASan does). */
export type SamePointer = 'report' | 'ignore';
export const SAME_POINTER: readonly SamePointer[] = ['report', 'ignore'];

export const RUNTIME_FILES = ['memcpy_debug.c', 'memcpy_debug.h'] as const;
export const RUNTIME_OBJECT = 'memcpy_debug.o';

/** What each target can do on an overlap; the first is the default. */
export const ON_OVERLAP: Record<Target, readonly OnOverlap[]> = {
  kernel: ['warn', 'warn-once', 'memmove', 'bug'],
  user: ['warn', 'warn-once', 'memmove', 'abort'],
};

export interface RuntimeParams {
  readonly target: Target;
  /** A C identifier naming the instrumented module or project in the runtime's files. */
  readonly tag: string;
  readonly onOverlap: OnOverlap;
  readonly samePointer: SamePointer;
}

/** The template texts of one target, by file name. */
export type Templates = Readonly<Record<(typeof RUNTIME_FILES)[number], string>>;

export function renderRuntime(templates: Templates, p: RuntimeParams): { path: string; content: string }[] {
  const fill = (t: string) =>
    t.replaceAll('@TAG@', p.tag)
      .replaceAll('@ON_OVERLAP_MACRO@', p.onOverlap.toUpperCase().replace('-', '_'))
      .replaceAll('@ON_OVERLAP@', p.onOverlap)
      .replaceAll('@SAME_POINTER_VALUE@', p.samePointer === 'report' ? '1' : '0')
      .replaceAll('@SAME_POINTER@', p.samePointer);
  return RUNTIME_FILES.map((path) => ({ path, content: fill(templates[path]) }));
}

/** The parameters a runtime file was rendered with, or null if it is not one of ours. */
export function runtimeParamsOf(text: string): RuntimeParams | null {
  const m = /memcpy-debug runtime: target=(kernel|user) tag=([A-Za-z_][A-Za-z0-9_]*) on-overlap=([a-z-]+) same-pointer=(report|ignore)/.exec(text);
  if (!m) return null;
  const target = m[1] as Target;
  const onOverlap = m[3] as OnOverlap;
  return ON_OVERLAP[target].includes(onOverlap) ? { target, tag: m[2], onOverlap, samePointer: m[4] as SamePointer } : null;
}
