// What a kernel run leaves uninstrumented, and why. Most of it is read from the tree's own
// makefiles, as Kbuild reads them: folders and objects kept away from the memory sanitizers
// (KASAN_SANITIZE := n, KMSAN_SANITIZE_foo.o := n), folders that replace the kernel's compiler
// flags (boot code, decompressors, vDSOs, purgatory, the EFI stub: KBUILD_CFLAGS := ...), UML's
// host-side objects (USER_OBJS) and programs built for the host or for user space (hostprogs,
// userprogs). A few paths the kernel never links into itself back that up (arch/*/boot, tools/,
// scripts/, usr/, ...). Pure: makefile texts in (folderRules), a classifier out.
import { assignments, makeLines, words } from '../build/make-lines.js';
import { escapeRegExp } from '../order.js';

export type ExclusionRule =
  | 'sanitizer-off'
  | 'own-compiler-flags'
  | 'host-side'
  | 'user-space-program'
  | 'outside-kernel-proper'
  | 'user-space-includes';

/** One line per rule, for the summary and --json. */
export const EXCLUSION_DESCRIPTIONS: Record<ExclusionRule, string> = {
  'sanitizer-off': 'kept away from the memory sanitizers by its makefile (KASAN_SANITIZE or KMSAN_SANITIZE := n)',
  'own-compiler-flags': 'built with compiler flags of its own, outside the kernel proper (KBUILD_CFLAGS :=): boot code, decompressors, vDSOs, purgatory, the EFI stub',
  'host-side': "UML's host-side objects (USER_OBJS), built against the C library",
  'user-space-program': 'a program built for the host or for user space (hostprogs, userprogs)',
  'outside-kernel-proper': 'a folder the kernel never links into itself (arch/*/boot, tools/, scripts/, usr/, ...)',
  'user-space-includes': "includes the C library's headers and no kernel-only header",
};

export interface Exclusion {
  readonly rule: ExclusionRule;
  /** Where the rule comes from: "arch/x86/entry/Makefile: KASAN_SANITIZE := n", or the path rule. */
  readonly source: string;
}

/** The rules of each folder's makefile (folderRules), by folder relative to the top of the kernel tree ('' for the top). */
export type KbuildMakefiles = ReadonlyMap<string, FolderRules>;

export interface FolderRules {
  readonly folder?: Exclusion;
  /** Object stem (a regular expression) to rule, for single objects. */
  readonly objects: { readonly stem: RegExp; readonly exclusion: Exclusion }[];
}

const SANITIZERS = /^(KASAN|KMSAN)_SANITIZE$/;
const SANITIZER_OBJECT = /^(KASAN|KMSAN)_SANITIZE_(.+)\.o$/;

/** Paths, relative to the top, that are never part of the kernel image or its modules. */
const OUTSIDE_PATHS: readonly [RegExp, string][] = [
  [/^arch\/[^/]+\/boot\//, 'arch/*/boot/'],
  [/^arch\/[^/]+\/(.+\/)?purgatory\//, 'arch/*/purgatory/'],
  [/^arch\/x86\/realmode\//, 'arch/x86/realmode/'],
  [/^arch\/[^/]+\/(.+\/)?vdso[^/]*\//, 'vDSO folders (arch/*/.../vdso*/)'],
  [/^drivers\/firmware\/efi\/libstub\//, 'drivers/firmware/efi/libstub/'],
  [/^(tools|scripts|usr|Documentation)\//, 'tools/, scripts/, usr/, Documentation/'],
];

export class KernelExclusions {
  /**
   * `rules`: the makefiles' rules by folder relative to the root the paths are given from; `treePrefix`: where that
   * root is in a kernel tree ('' at its top), null outside one (the path rules then do not apply).
   */
  constructor(private readonly rules: KbuildMakefiles, private readonly treePrefix: string | null) {}

  /**
   * Why the file at `path` stays uninstrumented, or null: the makefiles' rules first, the paths
   * the kernel never links into itself as the backstop.
   */
  exclusionOf(path: string): Exclusion | null {
    return this.byMakefile(path) ?? this.byPath(path);
  }

  private byMakefile(path: string): Exclusion | null {
    const slash = path.lastIndexOf('/');
    const r = this.rules.get(slash < 0 ? '' : path.slice(0, slash));
    if (!r) return null;
    if (r.folder) return r.folder;
    const name = path.slice(slash + 1);
    if (!name.endsWith('.c')) return null;
    const stem = name.slice(0, -2);
    return r.objects.find((o) => o.stem.test(stem))?.exclusion ?? null;
  }

  private byPath(path: string): Exclusion | null {
    if (this.treePrefix === null) return null;
    const inTree = this.treePrefix === '' ? path : `${this.treePrefix}/${path}`;
    const hit = OUTSIDE_PATHS.find(([re]) => re.test(inTree));
    return hit ? { rule: 'outside-kernel-proper', source: hit[1] } : null;
  }
}

/** What the makefile `name` (Kbuild or Makefile) of `folder` leaves out, and why. */
export function folderRules(folder: string, name: string, text: string): FolderRules {
  const where = folder === '' ? name : `${folder}/${name}`;
  const all = assignments(makeLines(text));
  const objects: FolderRules['objects'] = [];
  let whole: Exclusion | undefined;
  const add = (stems: readonly string[], rule: ExclusionRule, what: string) => {
    for (const s of stems) objects.push({ stem: stemPattern(s), exclusion: { rule, source: `${where}: ${what}` } });
  };
  // Variables of this makefile, to expand $(obj-y) and the like in USER_OBJS.
  const vars = new Map<string, string[]>();
  for (const a of all) {
    const known = a.op === '+=' ? vars.get(a.name) : undefined;
    if (known) known.push(...words(a.value));
    else vars.set(a.name, words(a.value));
  }
  const expand = (ws: readonly string[]): string[] => ws.flatMap((w) => {
    const m = /^\$[({]([^)}]+)[)}]$/.exec(w);
    return m && vars.has(m[1]) && m[1] !== 'USER_OBJS' ? vars.get(m[1])! : [w];
  });
  for (const a of all) {
    const value = a.value.trim();
    if (SANITIZERS.test(a.name) && value === 'n') whole ??= { rule: 'sanitizer-off', source: `${where}: ${a.name} := n` };
    const obj = SANITIZER_OBJECT.exec(a.name);
    if (obj && value === 'n') add([obj[2]], 'sanitizer-off', `${a.name} := n`);
    // "KBUILD_CFLAGS := ..." or "$(objs): KBUILD_CFLAGS := ...": this folder builds with flags of its own.
    if (a.name === 'KBUILD_CFLAGS' && a.op === ':=') whole ??= { rule: 'own-compiler-flags', source: `${where}: KBUILD_CFLAGS := ...` };
    if (a.name === 'USER_OBJS') add(objectStems(expand(words(a.value))), 'host-side', 'USER_OBJS');
    if (/^(hostprogs|userprogs)(-y|-always-y|-always-m)?$/.test(a.name)) {
      for (const prog of words(a.value)) {
        const parts = vars.get(`${prog}-objs`) ?? vars.get(`${prog}-y`);
        add(parts ? objectStems(parts) : [prog], 'user-space-program', `${a.name} ${prog}`);
      }
    }
  }
  // Target-specific assignments are not plain assignments: look for them in the text.
  if (!whole && /^[^#\n]*:\s*KBUILD_CFLAGS\s*:=/m.test(text)) whole = { rule: 'own-compiler-flags', source: `${where}: KBUILD_CFLAGS := ...` };
  return { folder: whole, objects };
}

function objectStems(ws: readonly string[]): string[] {
  return ws.filter((w) => w.endsWith('.o')).map((w) => w.slice(0, -2));
}

/** An object stem with make variables ($(BITS)) matching anything. */
function stemPattern(stem: string): RegExp {
  const parts = stem.split(/\$[({][^)}]*[)}]/).map(escapeRegExp);
  return new RegExp(`^${parts.join('[A-Za-z0-9_]*')}$`);
}
