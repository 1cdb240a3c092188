// `memcpy-debug instrument DIR`: plan every change (renames, includes, build line, runtime
// files), check that all of it can be written, then write it, or show it with --dry-run.
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BuildFileError, identifierOf } from '../core/build/build-edit.js';
import { BUILD_FILE_NAMES, detectTarget, planBuild, type BuildFiles, type BuildPlan } from '../core/build/plan-build.js';
import type { SiteKind } from '../core/c/find-sites.js';
import type { SiteNote, SiteRecord } from '../core/instrument-file.js';
import { entryOf, type Manifest, type ManifestEntry, type TreeFolder } from '../core/manifest.js';
import { byPath, modifyChange, sha256, type FileChange } from '../core/plan.js';
import { addCounts, type BuildReport, type InstrumentReport } from '../core/report.js';
import { fillTemplate, ON_OVERLAP, renderRuntime, RUNTIME_FILES, type OnOverlap, type Placement, type SamePointer, type Target } from '../core/runtime.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../cli/errors.js';
import type { Context } from '../cli/context.js';
import { commit, removeTemps, writeManifest } from '../io/commit.js';
import { committed, refuseBlocked } from './committed.js';
import { loadTemplates, loadTreeTemplates, toolVersion } from '../io/assets.js';
import { readTextIfExists } from '../io/files.js';
import { planFiles } from '../io/plan-files.js';
import { progressReporter } from './progress.js';
import { readManifest } from '../io/manifest-store.js';
import { scanTree } from '../io/scan.js';
import { underLock } from '../io/lock.js';
import { checkOutputFiles, emitChange, patchPrefix, shellQuote, type FileTexts, type OutputOptions } from './output.js';
import { nextSteps } from '../core/next-steps.js';
import { findKernelTree, kernelTreeOf, type KernelTree } from '../io/kernel-tree.js';
import { KernelExclusions, type Exclusion, type ExclusionRule } from '../core/kernel/exclusions.js';
import { planTreeKconfig, planTreeMakefile, TREE_CREATED, TREE_FILES } from '../core/kernel/tree-runtime.js';
import { readKbuildMakefiles } from '../io/kbuild-makefiles.js';
import { otherBuilders } from '../io/other-builders.js';
import { list } from '../core/build/plan-kbuild.js';
import { instrumentSummary } from '../render/summary.js';

export interface InstrumentOptions extends OutputOptions {
  readonly dir: string;
  readonly excludes: readonly string[];
  /** undefined: the default (kernel: the line for one composite module; user space: none). */
  readonly makefile?: boolean;
  readonly module?: string;
  readonly targetName?: string;
  readonly target?: Target;
  readonly onOverlap?: OnOverlap;
  readonly samePointer?: SamePointer;
  /** true: the runtime goes into the kernel tree around DIR; undefined: when DIR is the top of one. */
  readonly kernelTree?: boolean;
}

/** Where a run writes: the folder, or the kernel tree around it (then `scope` is the folder in it). */
export interface Where {
  readonly placement: Placement;
  /** Absolute: where the manifest and the lock are, and paths are relative to. */
  readonly root: string;
  /** The instrumented folder relative to root: '' in folder placement, and for a whole tree. */
  readonly scope: string;
  /** The kernel tree the folder sits in, if any. */
  readonly tree: KernelTree | null;
}

/** A run that writes holds the lock of its root: the folder, or the kernel tree (see io/lock.ts). */
export async function runInstrument(o: InstrumentOptions, ctx: Context): Promise<ExitCodeValue> {
  const started = performance.now();
  const dir = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
  const where = await placementOf(dir, o.dir, o.kernelTree);
  if (where.placement === 'kernel-tree' && o.target === 'user') {
    throw new ToolError(ExitCode.USAGE, '--target user does not go with the kernel tree placement', [], 'leave out --target, or say --no-kernel-tree');
  }
  return underLock(where.root, where.scope === '' ? o.dir : where.root, o.dryRun, () => runInstrumentLocked(where, o, ctx, started));
}

/** The placement a run uses: --kernel-tree, or the top of a kernel tree; else the folder. */
export async function placementOf(dir: string, shown: string, asked: boolean | undefined): Promise<Where> {
  const tree = await kernelTreeOf(dir);
  if (asked === true && !tree) {
    throw new ToolError(ExitCode.USAGE, `${shown} is not inside a Linux source tree`, [], 'leave out --kernel-tree: the runtime then goes into the folder');
  }
  const inTree = tree !== null && (asked ?? tree.rel === '');
  return inTree ? { placement: 'kernel-tree', root: tree.top, scope: tree.rel, tree } : { placement: 'folder', root: dir, scope: '', tree };
}

/** True when folder `a` holds `b` (or is it); '' holds everything. */
export const holds = (a: string, b: string): boolean => a === '' || a === b || b.startsWith(`${a}/`);

/** The manifest the run continues from: the folder's own, or the tree's when it lists this folder. */
function checkTreeState(where: Where, previous: Manifest | null, shown: string): { mine: Manifest | null; folders: readonly TreeFolder[] } {
  if (where.placement === 'folder' || !previous) return { mine: previous, folders: [] };
  if (previous.options.placement !== 'kernel-tree') {
    throw new ToolError(ExitCode.PLAN, `the top of this kernel tree was instrumented as a plain folder`, [], `run "memcpy-debug revert ${where.root}" first`);
  }
  const folders = previous.options.folders ?? [];
  if (folders.some((f) => f.path === where.scope)) return { mine: previous, folders };
  const other = folders.find((f) => holds(f.path, where.scope) || holds(where.scope, f.path));
  if (other) {
    throw new ToolError(ExitCode.PLAN, `${shown} overlaps ${other.path || 'the whole tree'}, which is instrumented in this kernel tree`, [],
      `revert it first ("memcpy-debug revert ${join(where.root, other.path)}"), then instrument the folder you want`);
  }
  if (previous.state !== 'instrumented') {
    const last = folders[folders.length - 1]?.path ?? '';
    throw new ToolError(ExitCode.PLAN, `a run on ${last || 'the whole tree'} in this kernel tree was cut off`, [],
      `finish it first: memcpy-debug ${previous.state === 'reverting' ? 'revert' : 'instrument --kernel-tree'} ${join(where.root, last)}`);
  }
  return { mine: null, folders };
}

async function runInstrumentLocked(where: Where, o: InstrumentOptions, ctx: Context, started: number): Promise<ExitCodeValue> {
  const { root, scope } = where;
  const tree = where.placement === 'kernel-tree';
  await checkOutputFiles(o, ctx, o.dir);
  const stored = await readManifest(root);
  // previous: this folder's record (the run continues it); stored: everything recorded here.
  const { mine: previous, folders } = checkTreeState(where, stored, o.dir);
  if (!tree && where.tree && where.tree.rel !== '') await refuseInTreeFolder(where.tree, o.dir);
  if (previous?.state === 'reverting') {
    throw new ToolError(ExitCode.PLAN, `a revert of ${o.dir} was cut off`, [], `run "memcpy-debug revert ${o.dir}" to finish it`);
  }
  const resumed = previous?.state === 'instrumenting';

  const buildFiles = tree ? {} : await readBuildFiles(root);
  const samePointer: SamePointer = stored ? (stored.options.samePointer ?? 'report') : (o.samePointer ?? 'report');
  const excludes = previous ? (tree ? folders.find((f) => f.path === scope)?.excludes ?? [] : previous.options.excludes) : o.excludes;
  const under = scope === '' ? '' : `${scope}/`;
  const skip = tree ? TREE_CREATED.filter((p) => p.startsWith(under)).map((p) => p.slice(under.length)) : [...RUNTIME_FILES];
  const scanned = await scanTree(join(root, scope), excludes, skip);
  const scan = under === '' ? scanned : {
    ...scanned, cFiles: scanned.cFiles.map((p) => under + p), symlinks: scanned.symlinks.map((p) => under + p), badNames: scanned.badNames.map((p) => under + p),
  };
  if (tree && scanned.stateDirs.length > 0) {
    throw new ToolError(ExitCode.PLAN, `${scanned.stateDirs.length === 1 ? 'a folder' : `${scanned.stateDirs.length} folders`} under ${o.dir} ${scanned.stateDirs.length === 1 ? 'is' : 'are'} instrumented on ${scanned.stateDirs.length === 1 ? 'its' : 'their'} own`,
      scanned.stateDirs.map((d) => `${under}${d}`), 'revert them first (memcpy-debug revert FOLDER), then instrument the tree');
  }
  if (scan.unreadable.length > 0) {
    throw new ToolError(ExitCode.PLAN, `cannot instrument ${o.dir}: ${scan.unreadable.length === 1 ? 'a folder is' : `${scan.unreadable.length} folders are`} unreadable`, scan.unreadable,
      'fix the permissions, or leave them out with --exclude');
  }
  if (scan.cFiles.length === 0) {
    throw new ToolError(ExitCode.USAGE, `no C files (*.c, *.h) under ${o.dir}`, [], 'point memcpy-debug at the folder of a C project or kernel subsystem');
  }

  // The C files: read, prefilter by bytes, parse only those that mention memcpy.
  const progress = progressReporter(ctx);
  progress.phase('planning', scan.cFiles.length);
  const outcomes = await planFiles({ root, paths: scan.cFiles, withPatch: o.dryRun, prefix: patchPrefix(ctx.cwd, root), kernelTree: tree }, progress.update);

  // Kernel or user space: from what the files include; then the build file.
  const detected = tree ? { target: 'kernel' as const, why: 'the folder is in a Linux source tree' }
    : detectTarget(buildFiles, outcomes.flatMap((r) => ('planned' in r ? [r.planned.includes] : [])));
  const target = previous?.options.target ?? o.target ?? detected.target;
  const targetWhy = previous ? 'as when instrumented' : o.target ? '--target' : detected.why;
  const onOverlap = stored?.options.onOverlap ?? o.onOverlap ?? ON_OVERLAP[target][0];
  if (tree && stored && o.onOverlap !== undefined && o.onOverlap !== stored.options.onOverlap) {
    throw new ToolError(ExitCode.USAGE, `--on-overlap ${o.onOverlap}: this kernel tree's runtime was added with --on-overlap ${stored.options.onOverlap}`, [],
      'choose what an overlap does in menuconfig (Kernel hacking > Memory Debugging > On an overlap), and leave out --on-overlap');
  }

  // What a kernel run leaves out, by the tree's own makefiles (and paths it never links).
  const exclusions = target === 'kernel' ? new KernelExclusions(await readKbuildMakefiles(root, scan.cFiles), where.tree ? (tree ? '' : where.tree.rel) : null) : null;
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
    if (r.patch !== null) patches.push({ path: p.path, patch: r.patch });
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
    const others = await otherBuilders(root);
    if (others.files.length > 0) {
      notesOnBuild.push(`compiled from elsewhere too: ${list(others.files)} ${others.files.length === 1 ? 'names' : 'name'} this folder; the programs and tests they build from it carry the check as well`);
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
    const t = await loadTreeTemplates();
    const params = { target, tag: 'kernel', onOverlap, samePointer, placement: 'kernel-tree' } as const;
    runtime.push({ path: TREE_FILES.header, content: fillTemplate(t.header, params) }, { path: TREE_FILES.source, content: fillTemplate(t.source, params) });
    for (const b of await planTreeBuild(root, record, fillTemplate(t.kconfig, params))) {
      builds.push(b.report);
      if (!b.change) continue;
      changes.push(b.change);
      if (o.dryRun) patches.push({ path: b.report.path, before: b.before, after: b.after, regions: b.change.regions });
    }
  } else if (!nothingToDo) {
    // memcpy_debug.c only goes where a build line compiles it; the header is the runtime.
    const withSource = (build?.edits.length ?? 0) > 0 || build?.globbed === true;
    runtime.push(...renderRuntime(await loadTemplates(target), { target, tag, onOverlap, samePointer }).filter((f) => withSource || f.path !== 'memcpy_debug.c'));
  }
  for (const file of runtime) {
    const existing = await readTextIfExists(join(root, file.path));
    const ours = record?.files.some((f) => f.path === file.path && f.kind === 'create' && existing !== null && sha256(existing) === f.after);
    if (existing !== null && (ours || existing === file.content)) continue;
    if (existing !== null) {
      throw new ToolError(ExitCode.PLAN, `${tree ? join(root, file.path) : join(o.dir, file.path)} already exists and memcpy-debug did not create it`, [],
        'rename or remove it (it may be a memcpy_debug.c copied in by hand), then run instrument again');
    }
    changes.push({ kind: 'create', path: file.path, content: file.content, afterSha: sha256(file.content) });
    created.push(file.path);
    if (o.dryRun) patches.push({ path: file.path, before: null, after: file.content });
  }
  changes.sort(byPath);

  // A finished earlier run: nothing more to do, or new calls that need a fresh start.
  if (previous?.state === 'instrumented' && changes.length > 0) {
    throw new ToolError(ExitCode.PLAN, `${o.dir} is already instrumented, and ${files.length} file(s) have new memcpy calls since`,
      files.slice(0, 20).map((f) => `${f.path}: ${f.renamed} call site(s)`), `run "memcpy-debug revert ${o.dir}", then instrument again`);
  }
  const report: InstrumentReport = {
    command: 'instrument', dir: o.dir, dryRun: o.dryRun, target, targetWhy, tag, onOverlap, samePointer,
    scanned: scan.cFiles.length, parsed, renamed: files.reduce((n, f) => n + f.renamed, 0), sitesByKind,
    files, includesAdded: files.filter((f) => f.includeAdded).length, builds, created,
    notes, sites: siteRecords, buildNotes: notesOnBuild, warnings, alreadyInstrumented: previous?.state === 'instrumented', nothingToDo, resumed,
    placement: where.placement,
    runtimeAt: tree ? { header: TREE_FILES.header, source: TREE_FILES.source, kconfig: TREE_FILES.kconfig, option: 'CONFIG_MEMCPY_DEBUG', top: root, folder: scope }
      : null,
    excluded: [...excluded].map(([rule, e]) => ({ rule, files: e.files, sites: e.sites, sources: [...e.sources].sort() })),
    next: nextSteps({
      target, dir: shellQuote(o.dir), absDir: shellQuote(root), kernelTree: await findKernelTree(join(root, scope), shellQuote),
      buildFiles: Object.keys(buildFiles), onOverlap, placement: where.placement,
    }),
    seconds: 0,
  };

  if (!o.dryRun && changes.length > 0) {
    await refuseBlocked(root, changes, 'make them writable (chmod u+w), or leave them out with --exclude');
    const version = await toolVersion();
    // Entries of an interrupted run that were already written stay recorded.
    // In a kernel tree, the other folders' entries stay too.
    const kept: ManifestEntry[] = ((tree ? stored : previous)?.files ?? []).filter((f) => !changes.some((c) => c.path === f.path));
    const shared = new Set<string>([...TREE_CREATED, TREE_FILES.makefile, TREE_FILES.kconfig]);
    const entry = (c: FileChange): ManifestEntry => (!tree ? entryOf(c) : shared.has(c.path) ? { ...entryOf(c), shared: true } : { ...entryOf(c), folder: scope });
    const treeOptions = tree ? {
      placement: 'kernel-tree' as const,
      folders: folders.some((f) => f.path === scope) ? folders : [...folders, { path: scope, excludes: [...excludes] }],
    } : {};
    const manifest = (state: Manifest['state']): Manifest => ({
      format: 'memcpy-debug-manifest', version: 1, tool: `memcpy-debug ${version}`,
      createdAt: (tree ? stored : previous)?.createdAt ?? new Date().toISOString(), state,
      options: { target, tag, onOverlap, samePointer, buildFile: build ? (build.edits[0]?.path ?? null) : null, excludes: tree ? [] : [...excludes], ...treeOptions },
      files: [...kept, ...changes.map(entry)].sort(byPath),
    });
    progress.phase('writing', changes.length);
    const kill = killHook(ctx);
    await committed(o.dir, 'instrument', () => commit(root, changes,
      { writing: manifest('instrumenting'), done: manifest('instrumented'), before: tree ? stored : previous },
      { onWritten: (n) => { progress.update(n); kill(n); } }));
  } else if (!o.dryRun && resumed && previous) {
    await committed(o.dir, 'instrument', () => writeManifest(root, { ...previous, state: 'instrumented' }));
  }
  if (!o.dryRun && resumed && previous) await removeTemps(root, previous.files.map((f) => f.path));
  progress.done();

  return emitChange(o, ctx, report, started, changes, patches,
    (r, quote) => instrumentSummary(r, quote));
}

/** A folder inside a kernel tree whose own runtime would clash with the tree's: refused. */
async function refuseInTreeFolder(tree: KernelTree, shown: string): Promise<void> {
  const m = await readManifest(tree.top).catch(() => null);
  if (m?.options.placement !== 'kernel-tree') return;
  const by = (m.options.folders ?? []).find((f) => holds(f.path, tree.rel) || holds(tree.rel, f.path));
  if (by) {
    throw new ToolError(ExitCode.PLAN, `${shown} is instrumented in its kernel tree (with ${by.path || 'the whole tree'})`, [],
      `use --kernel-tree to add folders to it, or "memcpy-debug revert ${join(tree.top, by.path)}" first`);
  }
}

interface TreeBuildEdit {
  readonly report: BuildReport;
  readonly change: ReturnType<typeof modifyChange>['change'] | null;
  readonly before: string;
  readonly after: string;
}

/** lib/Makefile and lib/Kconfig.debug of a kernel tree: their edits, unless done by an earlier run. */
async function planTreeBuild(root: string, record: Manifest | null, kconfigEntry: string): Promise<TreeBuildEdit[]> {
  const out: TreeBuildEdit[] = [];
  const items = [
    { path: TREE_FILES.makefile, plan: planTreeMakefile, note: 'builds lib/memcpy_debug.c when CONFIG_MEMCPY_DEBUG=y: it says at boot that the checks are on', line: 'obj-$(CONFIG_MEMCPY_DEBUG) += memcpy_debug.o' },
    { path: TREE_FILES.kconfig, plan: (t: string) => planTreeKconfig(t, kconfigEntry), note: 'menuconfig: Kernel hacking > Memory Debugging > Check memcpy() calls for overlapping source and destination', line: 'config MEMCPY_DEBUG' },
  ];
  for (const item of items) {
    const text = await readTextIfExists(join(root, item.path));
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

async function readBuildFiles(root: string): Promise<BuildFiles> {
  const out: Record<string, string> = {};
  for (const name of BUILD_FILE_NAMES) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null) out[name] = text;
  }
  return out;
}

export async function existingDir(abs: string, shown: string): Promise<string> {
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new ToolError(ExitCode.USAGE, `${shown}: no such directory`, [], 'give the folder of a C project or kernel subsystem, e.g. fs/btrfs');
  }
  if (!st.isDirectory()) throw new ToolError(ExitCode.USAGE, `${shown} is not a directory`, [], 'give the folder that holds the C files');
  return abs;
}

/** Test hook: MEMCPY_DEBUG_TEST_KILL_AFTER=N kills the process (SIGKILL) after N files are written. */
export function killHook(ctx: Context): (count: number) => void {
  const n = Number(ctx.env.MEMCPY_DEBUG_TEST_KILL_AFTER ?? 0);
  return n > 0 ? (count) => { if (count >= n) process.kill(process.pid, 'SIGKILL'); } : () => {};
}
