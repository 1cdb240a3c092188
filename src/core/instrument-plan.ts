// The plan of `memcpy-debug instrument`, from what was loaded to what to write: the changes,
// the manifest around them, the patch texts and the report. Pure: every file it needs was read
// before (io/), and nothing is written here (io/commit.ts does).
import { basename, join } from 'node:path';
import { BuildFileError, identifierOf } from './build/build-edit.js';
import { detectTarget, planBuild, type BuildFiles, type BuildPlan } from './build/plan-build.js';
import { list } from './build/plan-kbuild.js';
import type { SiteKind } from './c/find-sites.js';
import { ExitCode, ToolError } from './errors.js';
import type { FileOutcome, SiteNote, SiteRecord } from './instrument-file.js';
import { KernelExclusions, type Exclusion, type ExclusionRule, type KbuildMakefiles } from './kernel/exclusions.js';
import { planTreeKconfig, planTreeMakefile } from './kernel/tree-runtime.js';
import { entryOf, manifestStep, type Manifest, type ManifestEntry, type TreeFolder } from './manifest.js';
import { rebaseEntry } from './revert-plan.js';
import { nextSteps, shellQuote, type ProjectFacts } from './next-steps.js';
import { modifyChange, sha256, type FileChange, type FileTexts } from './plan.js';
import { byPath } from './order.js';
import { addCounts, type BuildReport, type InstrumentReport } from './report.js';
import { fillTemplate, isOurRuntimeFile, ON_OVERLAP, renderRuntime, RUNTIME_FILES, TREE_CREATED, TREE_FILES, type OnOverlap, type Placement, type SamePointer, type Target, type Templates, type TreeTemplates } from './runtime.js';

/** The options of the run that shape the plan. */
export interface InstrumentChoices {
  readonly dir: string;
  readonly dryRun: boolean;
  readonly makefile?: boolean;
  readonly module?: string;
  readonly targetName?: string;
  readonly target?: Target;
  readonly onOverlap?: OnOverlap;
}

/** Everything the plan is made from, read before. */
export interface InstrumentInput {
  readonly o: InstrumentChoices;
  readonly where: { readonly placement: Placement; readonly root: string; readonly scope: string; readonly tree: { readonly rel: string } | null };
  /** Everything recorded at the root; the record this run continues (this folder's); the tree's folders. */
  readonly stored: Manifest | null;
  readonly previous: Manifest | null;
  readonly folders: readonly TreeFolder[];
  readonly resumed: boolean;
  readonly samePointer: SamePointer;
  readonly excludes: readonly string[];
  readonly buildFiles: BuildFiles;
  readonly scan: { readonly cFiles: readonly string[]; readonly symlinks: readonly string[]; readonly badNames: readonly string[]; readonly buildDirs: readonly string[] };
  readonly outcomes: readonly FileOutcome[];
  readonly makefiles: KbuildMakefiles;
  readonly templates: { readonly kernel: Templates; readonly user: Templates; readonly tree: TreeTemplates };
  /** The texts of the files the runtime may create or edit (null: absent), by path from the root. */
  readonly existing: ReadonlyMap<string, string | null>;
  /** Build files around the folder that compile it too. */
  readonly otherBuilders: readonly string[];
  readonly kernelTreeQuoted: { readonly top: string; readonly rel: string } | null;
  /** The texts now of the files a finished earlier run instrumented that have new calls to rename. */
  readonly instrumentedTexts: ReadonlyMap<string, string>;
  /** User space: the top of the folder's project, shell-quoted as the user would name it. */
  readonly project: ProjectFacts | null;
  readonly version: string;
  readonly now: string;
}

export interface InstrumentPlan {
  readonly changes: FileChange[];
  readonly patches: FileTexts[];
  readonly report: InstrumentReport;
  /** The manifest while writing and after; null when nothing is written. */
  readonly journal: { readonly writing: Manifest; readonly done: Manifest; readonly before: Manifest | null } | null;
}

/** The files the runtime may create or edit, to be read before planning. */
export function runtimePaths(placement: Placement): string[] {
  return placement === 'kernel-tree' ? [...TREE_CREATED, TREE_FILES.makefile, TREE_FILES.kconfig] : [...RUNTIME_FILES];
}

/** Kernel or user space: as recorded, as asked, or from what the files include (then the build file). */
export function chooseTarget(input: Pick<InstrumentInput, 'o' | 'where' | 'previous' | 'buildFiles' | 'outcomes'>): { target: Target; why: string } {
  const { o, where, previous } = input;
  if (previous) return { target: previous.options.target, why: 'as when instrumented' };
  if (o.target) return { target: o.target, why: '--target' };
  if (where.placement === 'kernel-tree') return { target: 'kernel', why: 'the folder is in a Linux source tree' };
  return detectTarget(input.buildFiles, input.outcomes.flatMap((r) => ('planned' in r ? [r.planned.includes] : [])));
}

export function planInstrument(input: InstrumentInput): InstrumentPlan {
  const { o, where, stored, previous, folders, resumed, samePointer, excludes, buildFiles, scan, outcomes } = input;
  const { root, scope } = where;
  const tree = where.placement === 'kernel-tree';
  // Kernel or user space: from what the files include; then the build file.
  const { target, why: targetWhy } = chooseTarget(input);
  const onOverlap = stored?.options.onOverlap ?? o.onOverlap ?? ON_OVERLAP[target][0];
  if (tree && stored && o.onOverlap !== undefined && o.onOverlap !== stored.options.onOverlap) {
    throw new ToolError(ExitCode.USAGE, `--on-overlap ${o.onOverlap}: this kernel tree's runtime was added with --on-overlap ${stored.options.onOverlap}`, [],
      'choose what an overlap does in menuconfig (Kernel hacking > Memory Debugging > On an overlap), and leave out --on-overlap');
  }

  // What a kernel run leaves out, by the tree's own makefiles (and paths it never links).
  const exclusions = target === 'kernel' ? new KernelExclusions(input.makefiles, where.tree ? (tree ? '' : where.tree.rel) : null) : null;
  if (!ON_OVERLAP[target].includes(onOverlap)) {
    throw new ToolError(ExitCode.USAGE, `--on-overlap ${onOverlap} is not available for the ${target} runtime (${targetWhy})`, [],
      `choose one of: ${ON_OVERLAP[target].join(', ')}${o.target ? '' : `, or say --target ${target === 'kernel' ? 'user' : 'kernel'}`}`);
  }
  let build: BuildPlan | null = null;
  const useBuild = !tree && (previous ? previous.options.buildFile !== null || previous.options.target === 'kernel' : o.makefile !== false);
  if (useBuild) {
    try {
      // A resumed run edits the build as the run it finishes did.
      const makefile = previous ? (previous.options.buildFile !== null ? true : undefined) : o.makefile;
      build = planBuild(buildFiles, target, scan.cFiles, { module: o.module, targetName: o.targetName, dirName: basename(root), makefile });
    } catch (e) {
      if (!(e instanceof BuildFileError)) throw e;
      throw new ToolError(ExitCode.PLAN, `cannot add the runtime to ${e.path === '.' ? o.dir : join(o.dir, e.path)}: ${e.problem}`, [], e.hint);
    }
  }
  const tag = previous?.options.tag ?? build?.tag ?? identifierOf(basename(root));
  const changes: FileChange[] = [];
  const patches: FileTexts[] = [];
  const problems: string[] = [];
  const sitesByKind: Partial<Record<SiteKind, number>> = {};
  const notes: SiteNote[] = [];
  const siteRecords: SiteRecord[] = [];
  const files: { path: string; renamed: number; includeAdded: boolean }[] = [];
  const excluded = new Map<ExclusionRule, { files: number; sites: number; sources: Set<string> }>();
  let parsed = 0;
  for (const r of outcomes) {
    if ('problem' in r) problems.push(`${r.path}: ${r.problem}`);
    if (!('planned' in r)) continue;
    parsed++;
    const p = r.planned;
    const out: Exclusion | null = exclusions === null || p.renamed === 0 ? null
      : exclusions.exclusionOf(p.path) ?? (p.includes.libc && !p.includes.kernel ? { rule: 'user-space-includes', source: 'its #include lines' } : null);
    if (out) {
      const e = excluded.get(out.rule) ?? { files: 0, sites: 0, sources: new Set<string>() };
      e.files++;
      e.sites += p.renamed;
      e.sources.add(out.source);
      excluded.set(out.rule, e);
      for (const s of p.sites) siteRecords.push(s.renamed ? { ...s, renamed: false, reason: `left out: ${out.source}` } : s);
      continue;
    }
    addCounts(sitesByKind, p.counts);
    for (const n of p.notes) notes.push(n);
    for (const s of p.sites) siteRecords.push(s);
    if (!p.change) continue;
    changes.push(p.change);
    files.push({ path: p.path, renamed: p.renamed, includeAdded: p.includeAdded });
    if (r.hunks !== null) patches.push({ path: p.path, hunks: r.hunks });
  }
  if (problems.length > 0) {
    throw new ToolError(ExitCode.PLAN, `cannot instrument ${o.dir}: ${problems.length === 1 ? 'a file is' : `${problems.length} files are`} unusable`, problems,
      'fix the permissions, or leave the files out with --exclude');
  }

  // No call to rename: nothing is written at all, not even the runtime or the manifest.
  const nothingToDo = files.length === 0 && !previous;
  if (nothingToDo) build = null;

  // The build file edits.
  const builds: BuildReport[] = [];
  const warnings: string[] = [
    ...scan.symlinks.map((p) => `${p} is a symbolic link: left alone`),
    ...scan.badNames.map((p) => `${p}: its name is not UTF-8, so it is left alone (rename it to instrument it)`),
  ];
  const notesOnBuild = nothingToDo ? [] : [...(build?.notes ?? [])];
  if (target === 'user' && files.length > 0) {
    const subs = scan.buildDirs.filter((d) => files.some((f) => f.path.startsWith(`${d}/`)));
    if (subs.length > 0) notesOnBuild.push(`${list(subs)} ${subs.length === 1 ? 'has a build file' : 'have build files'} of ${subs.length === 1 ? 'its' : 'their'} own: what ${subs.length === 1 ? 'it compiles' : 'they compile'} carries the check too`);
    const others = input.otherBuilders;
    if (others.length > 0) {
      notesOnBuild.push(`compiled from elsewhere too: ${list(others)} ${others.length === 1 ? 'names' : 'name'} this folder; the programs and tests they build from it carry the check as well`);
    }
  }
  for (const b of build?.edits ?? []) {
    const text = buildFiles[b.path as keyof BuildFiles] as string;
    builds.push({ path: b.path, line: b.line, added: b.edits.length > 0, note: b.note });
    if (b.edits.length === 0) continue;
    const { change, after } = modifyChange(b.path, text, b.edits);
    changes.push(change);
    if (o.dryRun) patches.push({ path: b.path, before: text, after, regions: change.regions });
  }

  // The runtime files: ours if the manifest says so or they are identical; anything else there is the user's.
  const record = tree ? stored : previous;
  const created: string[] = [];
  const runtime: { path: string; content: string }[] = [];
  if (!nothingToDo && tree) {
    const t = input.templates.tree;
    const params = { target, tag: 'kernel', onOverlap, samePointer, placement: 'kernel-tree' } as const;
    runtime.push({ path: TREE_FILES.header, content: fillTemplate(input.templates.kernel['memcpy_debug.h'], params) }, { path: TREE_FILES.source, content: fillTemplate(t.source, params) });
    for (const b of planTreeBuild(input.existing, root, record, fillTemplate(t.kconfig, params))) {
      builds.push(b.report);
      if (!b.change) continue;
      changes.push(b.change);
      if (o.dryRun) patches.push({ path: b.report.path, before: b.before, after: b.after, regions: b.change.regions });
    }
  } else if (!nothingToDo) {
    // memcpy_debug.c only goes where a build line compiles it; the header is the runtime.
    const withSource = (build?.edits.length ?? 0) > 0 || build?.globbed === true;
    runtime.push(...renderRuntime(input.templates[target], { target, tag, onOverlap, samePointer }).filter((f) => withSource || f.path !== 'memcpy_debug.c'));
  }
  for (const file of runtime) {
    const existing = input.existing.get(file.path) ?? null;
    const recorded = record?.files.find((f) => f.path === file.path && f.kind === 'create')?.after;
    if (existing !== null && isOurRuntimeFile(existing, recorded, file.content, sha256)) continue;
    if (existing !== null) {
      throw new ToolError(ExitCode.PLAN, `${tree ? join(root, file.path) : join(o.dir, file.path)} already exists and memcpy-debug did not create it`, [],
        'rename or remove it (it may be a memcpy_debug.c copied in by hand), then run instrument again');
    }
    changes.push({ kind: 'create', path: file.path, content: file.content, afterSha: sha256(file.content) });
    created.push(file.path);
    if (o.dryRun) patches.push({ path: file.path, before: null, after: file.content });
  }
  changes.sort(byPath);

  // A finished earlier run with new calls since (a debug memcpy written after instrument): they
  // are renamed too, and the entries of the files instrumented before undo both runs at once.
  const rebased = new Map<string, ManifestEntry>();
  const again = previous?.state === 'instrumented' && changes.length > 0;
  if (again && !o.dryRun) {
    const problems: string[] = [];
    for (const c of changes) {
      const entry = record?.files.find((f) => f.path === c.path);
      if (c.kind !== 'modify' || entry?.kind !== 'modify') continue;
      const text = input.instrumentedTexts.get(c.path);
      const r = text === undefined ? { problem: 'not read' } : rebaseEntry(entry, text, c.edits);
      if ('problem' in r) problems.push(`${c.path}: ${r.problem}`);
      else rebased.set(c.path, r.entry);
    }
    if (problems.length > 0) {
      throw new ToolError(ExitCode.PLAN, `${o.dir} is already instrumented, and the new memcpy calls in ${problems.length === 1 ? 'a file' : `${problems.length} files`} cannot be added to it`,
        problems.slice(0, 20), `run "memcpy-debug revert ${o.dir}", then instrument again`);
    }
  }
  const report: InstrumentReport = {
    command: 'instrument', dir: o.dir, dryRun: o.dryRun, target, targetWhy, tag, onOverlap, samePointer,
    scanned: scan.cFiles.length, parsed, renamed: files.reduce((n, f) => n + f.renamed, 0), sitesByKind,
    files, includesAdded: files.filter((f) => f.includeAdded).length, builds, created,
    notes, sites: siteRecords, buildNotes: notesOnBuild, warnings, alreadyInstrumented: previous?.state === 'instrumented' && !again, again, nothingToDo, resumed,
    placement: where.placement,
    runtimeAt: tree ? { header: TREE_FILES.header, source: TREE_FILES.source, kconfig: TREE_FILES.kconfig, option: 'CONFIG_MEMCPY_DEBUG', top: root, folder: scope }
      : null,
    excluded: [...excluded].map(([rule, e]) => ({ rule, files: e.files, sites: e.sites, sources: [...e.sources].sort() })),
    next: nextSteps({
      target, dir: shellQuote(o.dir), absDir: shellQuote(root), kernelTree: input.kernelTreeQuoted,
      buildFiles: Object.keys(buildFiles), onOverlap, placement: where.placement, project: input.project,
    }),
    seconds: 0,
  };

  const journal = o.dryRun || changes.length === 0 ? null : (() => {
    // Entries of an interrupted run that were already written stay recorded.
    // In a kernel tree, the other folders' entries stay too.
    const changed = new Set(changes.map((c) => c.path));
    const kept: ManifestEntry[] = ((tree ? stored : previous)?.files ?? []).filter((f) => !changed.has(f.path));
    const shared = new Set<string>(runtimePaths('kernel-tree'));
    const entryOf1 = (c: FileChange): ManifestEntry => rebased.get(c.path) ?? entryOf(c);
    const entry = (c: FileChange): ManifestEntry => (!tree ? entryOf1(c) : shared.has(c.path) ? { ...entryOf1(c), shared: true } : { ...entryOf1(c), folder: scope });
    const treeOptions = tree ? {
      placement: 'kernel-tree' as const,
      folders: folders.some((f) => f.path === scope) ? folders : [...folders, { path: scope, excludes: [...excludes] }],
    } : {};
    const manifest = (state: Manifest['state']): Manifest => ({
      format: 'memcpy-debug-manifest', version: 1, tool: `memcpy-debug ${input.version}`,
      createdAt: (tree ? stored : previous)?.createdAt ?? input.now, state,
      options: { target, tag, onOverlap, samePointer, buildFile: build ? (build.edits[0]?.path ?? null) : null, excludes: tree ? [] : [...excludes], ...treeOptions },
      files: [...kept, ...changes.map(entry)].sort(byPath),
    });

    const step = manifestStep(previous?.state ?? null, 'instrument');
    if ('finishWith' in step) throw new Error(`planned an instrument on a manifest in state ${previous?.state}`);
    return { writing: manifest(step.writing), done: manifest(step.done), before: tree ? stored : previous };
  })();
  return { changes, patches, report, journal };
}

interface TreeBuildEdit {
  readonly report: BuildReport;
  readonly change: ReturnType<typeof modifyChange>['change'] | null;
  readonly before: string;
  readonly after: string;
}

/** lib/Makefile and lib/Kconfig.debug of a kernel tree: their edits, unless done by an earlier run. */
function planTreeBuild(existing: ReadonlyMap<string, string | null>, root: string, record: Manifest | null, kconfigEntry: string): TreeBuildEdit[] {
  const out: TreeBuildEdit[] = [];
  const items = [
    { path: TREE_FILES.makefile, plan: planTreeMakefile, note: 'builds lib/memcpy_debug.c when CONFIG_MEMCPY_DEBUG=y: it says at boot that the checks are on', line: 'obj-$(CONFIG_MEMCPY_DEBUG) += memcpy_debug.o' },
    { path: TREE_FILES.kconfig, plan: (t: string) => planTreeKconfig(t, kconfigEntry), note: 'menuconfig: Kernel hacking > Memory Debugging > Check memcpy() calls for overlapping source and destination', line: 'config MEMCPY_DEBUG' },
  ];
  for (const item of items) {
    const text = existing.get(item.path) ?? null;
    if (text === null) throw new ToolError(ExitCode.PLAN, `${join(root, item.path)} is missing`, [], 'is this a complete Linux source tree?');
    const done = record?.files.find((f) => f.path === item.path && f.kind === 'modify' && f.after === sha256(text));
    if (done) {
      out.push({ report: { path: item.path, line: item.line, added: false, note: `${item.line}: already there` }, change: null, before: text, after: text });
      continue;
    }
    if (text.includes('memcpy-debug')) {
      throw new ToolError(ExitCode.PLAN, `${join(root, item.path)} already holds lines of memcpy-debug that no manifest records`, [],
        `run "memcpy-debug revert ${root}" (it removes them), then instrument again`);
    }
    let edit;
    try {
      edit = item.plan(text);
    } catch (e) {
      if (!(e instanceof BuildFileError)) throw e;
      throw new ToolError(ExitCode.PLAN, `cannot add the runtime to ${join(root, e.path)}: ${e.problem}`, [], e.hint);
    }
    const { change, after } = modifyChange(item.path, text, [edit]);
    out.push({ report: { path: item.path, line: item.line, added: true, note: item.note }, change, before: text, after });
  }
  return out;
}

