// The runtime files we drop in: templates/<target>/memcpy_debug.{h,c} with their parameters
// filled in. The header line `memcpy-debug runtime: target=... tag=... on-overlap=...` records
// the parameters, so a file can be recognised as ours even without a manifest.

export type Target = 'kernel' | 'user';
export type OnOverlap = 'warn' | 'warn-once' | 'bug' | 'abort';

export const RUNTIME_FILES = ['memcpy_debug.c', 'memcpy_debug.h'] as const;
export const RUNTIME_OBJECT = 'memcpy_debug.o';

/** What each target can do on an overlap; the first is the default. */
export const ON_OVERLAP: Record<Target, readonly OnOverlap[]> = {
  kernel: ['warn', 'warn-once', 'bug'],
  user: ['warn', 'abort'],
};

export interface RuntimeParams {
  readonly target: Target;
  /** A C identifier; the runtime's one global symbol is memcpy_debug_<tag>_report. */
  readonly tag: string;
  readonly onOverlap: OnOverlap;
}

/** The template texts of one target, by file name. */
export type Templates = Readonly<Record<(typeof RUNTIME_FILES)[number], string>>;

export function renderRuntime(templates: Templates, p: RuntimeParams): { path: string; content: string }[] {
  const fill = (t: string) =>
    t.replaceAll('@TAG@', p.tag)
      .replaceAll('@ON_OVERLAP_MACRO@', p.onOverlap.toUpperCase().replace('-', '_'))
      .replaceAll('@ON_OVERLAP@', p.onOverlap);
  return RUNTIME_FILES.map((path) => ({ path, content: fill(templates[path]) }));
}

/** The parameters a runtime file was rendered with, or null if it is not one of ours. */
export function runtimeParamsOf(text: string): RuntimeParams | null {
  const m = /memcpy-debug runtime: target=(kernel|user) tag=([A-Za-z_][A-Za-z0-9_]*) on-overlap=([a-z-]+)/.exec(text);
  if (!m) return null;
  const target = m[1] as Target;
  const onOverlap = m[3] as OnOverlap;
  return ON_OVERLAP[target].includes(onOverlap) ? { target, tag: m[2], onOverlap } : null;
}
