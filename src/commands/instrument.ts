// `memcpy-debug instrument DIR`: load (the folder, its manifest, its files planned one by one),
// plan (core/instrument-plan.ts, pure), commit (io/commit.ts), render (the patch or summary).
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { BUILD_FILE_NAMES } from '../core/build/build-files.js';
import type { BuildFiles } from '../core/build/plan-build.js';
import { chooseTarget, planInstrument, runtimePaths } from '../core/instrument-plan.js';
import { holds, manifestStep, type Manifest, type TreeFolder } from '../core/manifest.js';
import { byPath } from '../core/order.js';
import { shellQuote } from '../core/next-steps.js';
import { RUNTIME_FILES, TREE_CREATED, type OnOverlap, type Placement, type SamePointer, type Target } from '../core/runtime.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../core/errors.js';
import type { Context } from '../io/context.js';
import { loadTemplates, loadTreeTemplates, toolVersion } from '../io/assets.js';
import { commit, removeTemps, writeManifest } from '../io/commit.js';
import { existingDir, readTextIfExists } from '../io/files.js';
import { KbuildMakefileReader } from '../io/kbuild-makefiles.js';
import { findKernelTree, kernelTreeOf, type KernelTree } from '../io/kernel-tree.js';
import { underLock } from '../io/lock.js';
import { readManifest, stateDirAt } from '../io/manifest-store.js';
import { otherBuilders, projectTop } from '../io/other-builders.js';
import { instrumentSarif } from '../render/sarif.js';
import type { FileOutcome } from '../core/instrument-file.js';
import { Planner } from '../io/planner.js';
import { scanTree } from '../io/scan.js';
import { instrumentSummary } from '../render/summary.js';
import { committed, killHook, refuseBlocked } from '../io/committed.js';
import type { OutputOptions } from '../core/outputs.js';
import { painter } from '../io/context.js';
import { checkOutputFiles, writeOutputs } from '../io/output.js';
import { renderChange } from '../render/output.js';
import { patchPrefix } from '../render/patch.js';
import { progressReporter } from '../io/progress.js';
import { now } from '../io/clock.js';

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
  /** Worker threads that plan the files (default: one per core). */
  readonly jobs?: number;
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
  const started = now();
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
  const step = manifestStep(previous.state, 'instrument', true);
  if ('finishWith' in step) {
    const last = folders[folders.length - 1]?.path ?? '';
    throw new ToolError(ExitCode.PLAN, `a run on ${last || 'the whole tree'} in this kernel tree was cut off`, [],
      `finish it first: memcpy-debug ${step.finishWith === 'revert' ? 'revert' : 'instrument --kernel-tree'} ${join(where.root, last)}`);
  }
  return { mine: null, folders };
}

async function runInstrumentLocked(where: Where, o: InstrumentOptions, ctx: Context, started: number): Promise<ExitCodeValue> {
  const { root, scope } = where;
  const tree = where.placement === 'kernel-tree';
  await checkOutputFiles(o, ctx, root, tree ? `the kernel tree ${root}` : o.dir);
  const stored = await readManifest(root);
  // previous: this folder's record (the run continues it); stored: everything recorded here.
  const { mine: previous, folders } = checkTreeState(where, stored, o.dir);
  await refuseNested(where, o.dir);
  if (!tree && where.tree && where.tree.rel !== '') await refuseInTreeFolder(where.tree, o.dir);
  const step = manifestStep(previous?.state ?? null, 'instrument');
  if ('finishWith' in step) {
    throw new ToolError(ExitCode.PLAN, `a revert of ${o.dir} was cut off`, [], `run "memcpy-debug revert ${o.dir}" to finish it`);
  }
  const resumed = step.resumes;

  const buildFiles = tree ? {} : await readBuildFiles(root);
  const samePointer: SamePointer = stored ? (stored.options.samePointer ?? 'report') : (o.samePointer ?? 'report');
  const excludes = previous ? (tree ? folders.find((f) => f.path === scope)?.excludes ?? [] : previous.options.excludes) : o.excludes;
  const under = scope === '' ? '' : `${scope}/`;
  const skip = tree ? TREE_CREATED.filter((p) => p.startsWith(under)).map((p) => p.slice(under.length)) : [...RUNTIME_FILES];
  // The C files are planned as the scan finds them: read, prefiltered by bytes, parsed only
  // where they mention memcpy and the tokens cannot tell.
  // The makefiles of the folders with calls to rename are read (and their rules with them) as the
  // files are planned beside the workers; they matter only if the runtime is the kernel's. A
  // whole kernel tree starts its workers at once: its 55,000 files are sure to need them.
  const makefiles = new KbuildMakefileReader(root);
  const planner = new Planner({ root, withHunks: o.dryRun, kernelTree: tree }, o.jobs,
    (outcomes) => makefiles.add(renamedIn(outcomes)), tree && scope === '');
  try {
    return await planAndCommit(where, o, ctx, started, planner, { stored, previous, folders, resumed, done: step.done, buildFiles, samePointer, excludes, under, skip, makefiles });
  } finally {
    planner.stop();
  }
}

/** What runInstrumentLocked has read before the scan. */
interface Loaded {
  readonly stored: Manifest | null;
  readonly previous: Manifest | null;
  readonly folders: readonly TreeFolder[];
  readonly resumed: boolean;
  /** What the manifest says once this run is done. */
  readonly done: Manifest['state'];
  readonly buildFiles: BuildFiles;
  readonly samePointer: SamePointer;
  readonly excludes: readonly string[];
  /** The folder in the tree, with a final '/': what the scan's paths get in front. */
  readonly under: string;
  readonly skip: readonly string[];
  readonly makefiles: KbuildMakefileReader;
}

/** The files of `outcomes` with calls to rename. */
const renamedIn = (outcomes: readonly FileOutcome[]): string[] => outcomes.flatMap((r) => ('planned' in r && r.planned.renamed > 0 ? [r.path] : []));

async function planAndCommit(where: Where, o: InstrumentOptions, ctx: Context, started: number, planner: Planner, loaded: Loaded): Promise<ExitCodeValue> {
  const { root, scope } = where;
  const { stored, previous, folders, resumed, done: doneState, buildFiles, samePointer, excludes, under, skip, makefiles } = loaded;
  const scanned = await scanTree(join(root, scope), excludes, skip, (p) => planner.add(under + p));
  const scan = under === '' ? scanned : {
    ...scanned, cFiles: scanned.cFiles.map((p) => under + p), symlinks: scanned.symlinks.map((p) => under + p), badNames: scanned.badNames.map((p) => under + p),
  };
  if (scanned.stateDirs.length > 0) {
    const one = scanned.stateDirs.length === 1;
    throw new ToolError(ExitCode.PLAN, `${one ? 'a folder' : `${scanned.stateDirs.length} folders`} under ${o.dir} ${one ? 'is' : 'are'} instrumented on ${one ? 'its' : 'their'} own (or being worked on)`,
      scanned.stateDirs.map((d) => `${under}${d}`), `revert ${one ? 'it' : 'them'} first (memcpy-debug revert FOLDER), or let the run on ${one ? 'it' : 'them'} finish, then instrument ${o.dir}`);
  }
  if (scan.unreadable.length > 0) {
    throw new ToolError(ExitCode.PLAN, `cannot instrument ${o.dir}: ${scan.unreadable.length === 1 ? 'a folder is' : `${scan.unreadable.length} folders are`} unreadable`, scan.unreadable,
      'fix the permissions, or leave them out with --exclude');
  }
  if (scan.cFiles.length === 0) {
    throw new ToolError(ExitCode.USAGE, `no C files (*.c, *.h) under ${o.dir}`, [], 'point memcpy-debug at the folder of a C project or kernel subsystem');
  }

  const progress = progressReporter(ctx);
  progress.phase('planning', scan.cFiles.length);
  const outcomes = (await planner.finish(progress.update)).sort(byPath);
  // The workers' memory is not needed while the plan is made and written.
  planner.stop();

  // Everything else the plan needs, read now; then the plan, pure.
  const placement = where.placement;
  const existing = new Map<string, string | null>();
  for (const p of runtimePaths(placement)) existing.set(p, await readTextIfExists(join(root, p)));
  const [kernel, user, treeTemplates] = await Promise.all([loadTemplates('kernel'), loadTemplates('user'), loadTreeTemplates()]);
  // Build files elsewhere that compile this folder: a user-space question (in a kernel tree the
  // walk up would read the whole tree).
  const { target } = chooseTarget({ o, where, previous, buildFiles, outcomes });
  const kernelTreeQuoted = await findKernelTree(join(root, scope), shellQuote);
  // A user-space folder of a kernel tree (tools/perf) builds on its own, not from the tree's top.
  const project = target === 'user' ? await projectTop(root, kernelTreeQuoted ? 0 : 4) : null;
  // Files instrumented before that have new calls since: their texts, to combine the two runs' edits.
  const instrumentedTexts = new Map<string, string>();
  if (previous?.state === 'instrumented' && !o.dryRun) {
    const recorded = new Set(previous.files.filter((f) => f.kind === 'modify').map((f) => f.path));
    for (const r of outcomes) {
      if ('planned' in r && r.planned.change && recorded.has(r.path)) instrumentedTexts.set(r.path, (await readFile(join(root, r.path))).toString('latin1'));
    }
  }
  const { changes, patches, report, journal } = planInstrument({
    instrumentedTexts,
    o, where, stored, previous, folders, resumed, samePointer, excludes, buildFiles, scan, outcomes,
    // Only the folders of files with calls to rename can have a rule that leaves one out.
    makefiles: target === 'kernel' ? (makefiles.add(renamedIn(outcomes)), makefiles.makefiles) : new Map(),
    templates: { kernel, user, tree: treeTemplates },
    existing,
    otherBuilders: project ? await otherBuilders(root, project.top) : [],
    project: project && { ...project, top: shellQuote(join(o.dir, relative(root, project.top))), absTop: shellQuote(project.top) },
    kernelTreeQuoted,
    version: await toolVersion(), now: new Date().toISOString(),
  });

  if (journal) {
    await refuseBlocked(root, changes, 'instrument');
    progress.phase('writing', changes.length);
    const kill = killHook(ctx);
    await committed(o.dir, 'instrument', () => commit(root, changes, journal, { onWritten: (n) => { progress.update(n); kill(n); } }));
  } else if (!o.dryRun && resumed && previous) {
    await committed(o.dir, 'instrument', () => writeManifest(root, { ...previous, state: doneState }));
  }
  if (!o.dryRun && resumed && previous) await removeTemps(root, previous.files.map((f) => f.path));
  progress.done();

  const done = { ...report, seconds: (now() - started) / 1000 };
  const outputs = renderChange(o, done, changes, patches, instrumentSummary, patchPrefix(ctx.cwd, root), painter(o.color, ctx.stdout, ctx.env));
  const sarif = o.sarifFile === undefined ? [] : [{ name: o.sarifFile, data: Buffer.from(instrumentSarif(done, root, await toolVersion())) }];
  await writeOutputs(ctx, o.dryRun, { ...outputs, files: [...outputs.files, ...sarif] });
  return o.exitCode && changes.length > 0 ? ExitCode.CHANGES : ExitCode.OK;
}

/**
 * Instrumentations do not nest: a folder above this one instrumented as a folder of its own
 * (its runtime and manifest would not know of this one), or, for a folder of a kernel tree,
 * the folder itself instrumented on its own. Folders below are refused after the scan.
 */
async function refuseNested(where: Where, shown: string): Promise<void> {
  const dir = join(where.root, where.scope);
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (d !== where.root && (await stateDirAt(d)) && (await readManifest(d).catch(() => null))?.options.placement !== 'kernel-tree') {
      throw new ToolError(ExitCode.PLAN, `${shown} is inside ${d}, which is instrumented on its own`, [],
        `instrument ${d} covers it already; or revert it first ("memcpy-debug revert ${d}")`);
    }
    if (d === dirname(d)) break;
  }
  if (where.placement === 'kernel-tree' && where.scope !== '' && (await stateDirAt(dir))) {
    throw new ToolError(ExitCode.PLAN, `${shown} is instrumented on its own, as a folder`, [],
      `revert it first ("memcpy-debug revert ${shown}"), then instrument it into the kernel tree`);
  }
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

async function readBuildFiles(root: string): Promise<BuildFiles> {
  const out: Record<string, string> = {};
  for (const name of BUILD_FILE_NAMES) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null) out[name] = text;
  }
  return out;
}
