// `memcpy-debug instrument DIR`: plan every change (renames, includes, build line, runtime
// files), check that all of it can be written, then write it, or show it with --dry-run.
import { mkdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BuildFileError, identifierOf } from '../core/build/build-edit.js';
import { BUILD_FILE_NAMES, detectTarget, planBuild, type BuildFiles, type BuildPlan } from '../core/build/plan-build.js';
import type { SiteKind } from '../core/c/find-sites.js';
import type { SiteNote, SiteRecord } from '../core/instrument-file.js';
import { entryOf, STATE_DIR, type Manifest, type ManifestEntry } from '../core/manifest.js';
import { byPath, modifyChange, sha256, type FileChange } from '../core/plan.js';
import { addCounts, type BuildReport, type InstrumentReport } from '../core/report.js';
import { ON_OVERLAP, renderRuntime, RUNTIME_FILES, type OnOverlap, type SamePointer, type Target } from '../core/runtime.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../cli/errors.js';
import type { Context } from '../cli/context.js';
import { applyChanges, ApplyError, preflight, removeTemps } from '../io/apply.js';
import { loadTemplates, toolVersion } from '../io/assets.js';
import { readTextIfExists } from '../io/files.js';
import { planFiles } from '../io/plan-files.js';
import { progressReporter } from './progress.js';
import { readManifest, removeManifest, writeManifest } from '../io/manifest-store.js';
import { scanTree } from '../io/scan.js';
import { underLock } from '../io/lock.js';
import { checkOutputFiles, emitChange, patchPrefix, shellQuote, type FileTexts, type OutputOptions } from './output.js';
import { nextSteps } from '../core/next-steps.js';
import { findKernelTree } from '../io/kernel-tree.js';
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
}

/** A run that writes holds the folder's lock (see io/lock.ts). */
export async function runInstrument(o: InstrumentOptions, ctx: Context): Promise<ExitCodeValue> {
  const started = performance.now();
  const root = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
  return underLock(root, o.dir, o.dryRun, () => runInstrumentLocked(root, o, ctx, started));
}

async function runInstrumentLocked(root: string, o: InstrumentOptions, ctx: Context, started: number): Promise<ExitCodeValue> {
  await checkOutputFiles(o, ctx, o.dir);
  const previous = await readManifest(root);
  if (previous?.state === 'reverting') {
    throw new ToolError(ExitCode.PLAN, `a revert of ${o.dir} was cut off`, [], `run "memcpy-debug revert ${o.dir}" to finish it`);
  }
  const resumed = previous?.state === 'instrumenting';

  const buildFiles = await readBuildFiles(root);
  const samePointer: SamePointer = previous ? (previous.options.samePointer ?? 'report') : (o.samePointer ?? 'report');
  const excludes = previous?.options.excludes ?? o.excludes;
  const scan = await scanTree(root, excludes, [...RUNTIME_FILES]);
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
  const outcomes = await planFiles({ root, paths: scan.cFiles, withPatch: o.dryRun, prefix: patchPrefix(ctx.cwd, root) }, progress.update);

  // Kernel or user space: from what the files include; then the build file.
  const detected = detectTarget(buildFiles, outcomes.flatMap((r) => ('planned' in r ? [r.planned.includes] : [])));
  const target = previous?.options.target ?? o.target ?? detected.target;
  const targetWhy = previous ? 'as when instrumented' : o.target ? '--target' : detected.why;
  const onOverlap = previous?.options.onOverlap ?? o.onOverlap ?? ON_OVERLAP[target][0];
  if (!ON_OVERLAP[target].includes(onOverlap)) {
    throw new ToolError(ExitCode.USAGE, `--on-overlap ${onOverlap} is not available for the ${target} runtime (${targetWhy})`, [],
      `choose one of: ${ON_OVERLAP[target].join(', ')}${o.target ? '' : `, or say --target ${target === 'kernel' ? 'user' : 'kernel'}`}`);
  }
  let build: BuildPlan | null = null;
  const useBuild = previous ? previous.options.buildFile !== null || previous.options.target === 'kernel' : o.makefile !== false;
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
  let parsed = 0;
  for (const r of outcomes) {
    if ('problem' in r) problems.push(`${r.path}: ${r.problem}`);
    if (!('planned' in r)) continue;
    parsed++;
    const p = r.planned;
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
  const templates = await loadTemplates(target);
  const created: string[] = [];
  // memcpy_debug.c only goes where a build line compiles it; the header is the runtime.
  const withSource = (build?.edits.length ?? 0) > 0 || build?.globbed === true;
  const runtime = nothingToDo ? [] : renderRuntime(templates, { target, tag, onOverlap, samePointer });
  for (const file of runtime.filter((f) => withSource || f.path !== 'memcpy_debug.c')) {
    const existing = await readTextIfExists(join(root, file.path));
    const ours = previous?.files.some((f) => f.path === file.path && f.kind === 'create' && existing !== null && sha256(existing) === f.after);
    if (existing !== null && (ours || existing === file.content)) continue;
    if (existing !== null) {
      throw new ToolError(ExitCode.PLAN, `${join(o.dir, file.path)} already exists and memcpy-debug did not create it`, [],
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
    next: nextSteps({
      target, dir: shellQuote(o.dir), absDir: shellQuote(root), kernelTree: await findKernelTree(root, shellQuote),
      buildFiles: Object.keys(buildFiles), onOverlap,
    }),
    seconds: 0,
  };

  if (!o.dryRun && changes.length > 0) {
    const blockers = await preflight(root, changes);
    if (blockers.length > 0) {
      throw new ToolError(ExitCode.PLAN, `cannot write ${blockers.length === 1 ? 'a file' : `${blockers.length} files`}`, blockers,
        'make them writable (chmod u+w), or leave them out with --exclude');
    }
    const version = await toolVersion();
    // Entries of an interrupted run that were already written stay recorded.
    const kept: ManifestEntry[] = (previous?.files ?? []).filter((f) => !changes.some((c) => c.path === f.path));
    const manifest = (state: Manifest['state']): Manifest => ({
      format: 'memcpy-debug-manifest', version: 1, tool: `memcpy-debug ${version}`,
      createdAt: previous?.createdAt ?? new Date().toISOString(), state,
      options: { target, tag, onOverlap, samePointer, buildFile: build ? (build.edits[0]?.path ?? null) : null, excludes: [...excludes] },
      files: [...kept, ...changes.map(entryOf)].sort(byPath),
    });
    await mkdir(join(root, STATE_DIR), { recursive: true });
    await writeManifest(root, manifest('instrumenting'));
    try {
      progress.phase('writing', changes.length);
      const kill = killHook(ctx);
      await applyChanges(root, changes, (n) => { progress.update(n); kill(n); });
    } catch (e) {
      if (!(e instanceof ApplyError)) throw e;
      if (e.rolledBack && !previous) await removeManifest(root);
      throw new ToolError(ExitCode.IO, `writing ${e.path} failed: ${e.message}`,
        [e.rolledBack ? 'the files written before it were put back; the tree is as it was' : `some files could not be put back: run "memcpy-debug revert ${o.dir}"`]);
    }
    await writeManifest(root, manifest('instrumented'));
  } else if (!o.dryRun && resumed && previous) {
    await writeManifest(root, { ...previous, state: 'instrumented' });
  }
  if (!o.dryRun && resumed && previous) await removeTemps(root, previous.files.map((f) => f.path));
  progress.done();

  return emitChange(o, ctx, report, started, changes, patches,
    (r, quote) => instrumentSummary(r, quote));
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
