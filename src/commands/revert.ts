// `memcpy-debug revert DIR`: undo what instrument recorded in the manifest, keeping later
// edits; without a manifest, a structural undo of exactly our forms.
import { statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILD_FILE_NAMES } from '../core/build/build-files.js';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { manifestStep, type Manifest } from '../core/manifest.js';
import type { OutputOptions } from '../core/outputs.js';
import { byPath } from '../core/order.js';
import type { RevertReport } from '../core/report.js';
import {
  addEntryRevert, addStructuralBuild, addStructuralC, addStructuralRuntime, emptyRevertPlan, keepRuntimeIfUsed, revertJournal,
  runtimeDeletions, runtimeFilesOf, selectFolders, usesRuntime, type RevertPlan, type RuntimeUse,
} from '../core/revert-plan.js';
import { DEBUG_NAME, RUNTIME_FILES, TREE_CREATED, TREE_FILES } from '../core/runtime.js';
import { loadCParser, loadTemplates, loadTreeTemplates } from '../io/assets.js';
import { now } from '../io/clock.js';
import { commit, removeTemps, writeManifest } from '../io/commit.js';
import { committed, killHook, refuseBlocked } from '../io/committed.js';
import { painter, type Context } from '../io/context.js';
import { existingDir, FileReader, readBytesIfExists, readTextIfExists } from '../io/files.js';
import { kernelTreeOf } from '../io/kernel-tree.js';
import { underLock } from '../io/lock.js';
import { readManifest } from '../io/manifest-store.js';
import { checkOutputFiles, writeOutputs } from '../io/output.js';
import { progressReporter, type Progress } from '../io/progress.js';
import { scanTree } from '../io/scan.js';
import { renderChange } from '../render/output.js';
import { patchPrefix } from '../render/patch.js';
import { revertSummary } from '../render/summary.js';

export interface RevertOptions extends OutputOptions {
  readonly dir: string;
  readonly force: boolean;
}

/**
 * A run that writes holds the lock of its root (see io/lock.ts): the folder, or the kernel tree
 * whose manifest records the folder.
 */
export async function runRevert(o: RevertOptions, ctx: Context): Promise<ExitCodeValue> {
  const started = now();
  const dir = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
  const tree = (await readManifest(dir).catch(() => null)) ? null : await kernelTreeOf(dir);
  const inTree = tree && tree.rel !== '' && (await readManifest(tree.top))?.options.placement === 'kernel-tree' ? tree : null;
  const root = inTree ? inTree.top : dir;
  return underLock(root, inTree ? root : o.dir, o.dryRun, () => runRevertLocked(root, inTree?.rel ?? '', o, ctx, started));
}

async function runRevertLocked(root: string, scope: string, o: RevertOptions, ctx: Context, started: number): Promise<ExitCodeValue> {
  await checkOutputFiles(o, ctx, root, root === resolve(ctx.cwd, o.dir) ? o.dir : `the kernel tree ${root}`);
  const stored = await readManifest(root);
  const progress = progressReporter(ctx);
  // In a kernel tree: the entries of the folders under DIR, and the shared runtime with the last.
  const { manifest, others, finishing } = stored ? selectFolders(stored, scope, o.dir, root) : { manifest: null, others: [], finishing: [] };
  const planned = manifest ? await planFromManifest(root, manifest, o.force, o.dryRun, progress) : await planStructural(root);
  const { reports, changes } = planned;
  changes.sort(byPath);

  const { final, journal } = revertJournal(manifest ? stored : null, changes, [...others, ...planned.remaining]);
  if (!o.dryRun && changes.length > 0) {
    await refuseBlocked(root, changes, 'revert');
    progress.phase('writing', changes.length);
    const kill = killHook(ctx);
    await committed(o.dir, 'revert', () => commit(root, changes, journal, { onWritten: (n) => { progress.update(n); kill(n); } }));
  } else if (!o.dryRun && manifest && stored) {
    await committed(o.dir, 'revert', () => writeManifest(root, final));
  }
  progress.done();
  const manifestRemoved = !o.dryRun && manifest !== null && final === null;
  if (!o.dryRun && manifest && manifest.state !== 'instrumented') await removeTemps(root, manifest.files.map((f) => f.path));
  const report: RevertReport = {
    command: 'revert', dir: o.dir, dryRun: o.dryRun, mode: manifest ? 'manifest' : 'structural',
    files: reports, renamedBack: planned.renamedBack, manifestRemoved, warnings: planned.warnings,
    resumed: manifest !== null && manifestStep(manifest.state, 'revert').resumes, finishedOthers: finishing, seconds: 0,
  };
  const done = { ...report, seconds: (now() - started) / 1000 };
  await writeOutputs(ctx, o.dryRun, renderChange(o, done, changes, planned.texts, revertSummary, patchPrefix(ctx.cwd, root), painter(o.color, ctx.stdout, ctx.env)));
  if (reports.some((r) => r.status === 'conflict')) return ExitCode.CONFLICT;
  return o.exitCode && changes.length > 0 ? ExitCode.CHANGES : ExitCode.OK;
}

async function planFromManifest(root: string, manifest: Manifest, force: boolean, withTexts: boolean, progress: Progress): Promise<RevertPlan> {
  progress.phase('reading', manifest.files.length);
  const out = emptyRevertPlan();
  // Files are read a batch at a time: one by one, a kernel tree's thousands wait on each read.
  const BATCH = 32;
  // The files that still call memcpy_debug once reverted (calls written by hand since).
  const stillCalling = new Map<string, RuntimeUse>();
  for (let i = 0; i < manifest.files.length; i += BATCH) {
    const entries = manifest.files.slice(i, i + BATCH);
    const files = await Promise.all(entries.map((e) => readBytesIfExists(join(root, e.path))));
    progress.update(i + entries.length);
    entries.forEach((entry, k) => addEntryRevert(out, entry, files[k], { force, withTexts }, stillCalling));
  }
  const deleting = runtimeDeletions(manifest, out);
  if (deleting.length > 0) keepRuntimeIfUsed(manifest, out, deleting, await findRuntimeUsers(root, manifest, stillCalling));
  return out;
}

/**
 * The files outside the manifest that call memcpy_debug (calls written by hand since
 * instrument), added to `users`. Decided by their content, never by their modification time,
 * which cp -p and tar keep from an older file. Only a file written (or created, or renamed)
 * since instrument can hold such a call, and its change time (ctime, which no tool sets back)
 * says so: the others, most of a kernel tree, are not read.
 */
async function findRuntimeUsers(root: string, manifest: Manifest, users: Map<string, RuntimeUse>): Promise<Map<string, RuntimeUse>> {
  const inManifest = new Set(manifest.files.map((f) => f.path));
  // A second's slack for file systems that keep coarse times.
  const since = Date.parse(manifest.createdAt) - 1000;
  const scan = await scanTree(root, manifest.options.excludes, [...runtimeFilesOf(manifest)]);
  const reader = new FileReader();
  const name = Buffer.from(DEBUG_NAME, 'latin1');
  for (const path of scan.cFiles) {
    if (inManifest.has(path)) continue;
    // Synchronous, into one buffer: a promise and a buffer each for a whole kernel tree's files
    // cost more than the calls.
    const st = statIfAny(join(root, path));
    if (!st || st.ctimeMs < since) continue;
    let bytes: Buffer;
    try {
      bytes = reader.read(join(root, path), (b) => b.indexOf(name) >= 0);
    } catch {
      continue;
    }
    const use = bytes.indexOf(name) >= 0 ? usesRuntime(bytes.toString('latin1')) : null;
    if (use) users.set(path, use);
  }
  return users;
}

function statIfAny(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}


async function planStructural(root: string): Promise<RevertPlan> {
  const out = emptyRevertPlan();
  const scan = await scanTree(root, [], [...RUNTIME_FILES, ...TREE_CREATED]);
  const parser = await loadCParser();
  const reader = new FileReader();
  try {
    for (const path of scan.cFiles) {
      const bytes = reader.read(join(root, path));
      if (bytes.indexOf(DEBUG_NAME) >= 0) addStructuralC(out, path, bytes.toString('latin1'), parser);
    }
  } finally {
    parser.delete();
  }
  // The folder's build files; at the top of a kernel tree, lib/'s Makefile and Kconfig.debug.
  for (const name of [...BUILD_FILE_NAMES, TREE_FILES.makefile, TREE_FILES.kconfig]) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null) addStructuralBuild(out, name, text);
  }
  // Runtime files go only when they are exactly what we would have written.
  const templates = { kernel: await loadTemplates('kernel'), user: await loadTemplates('user'), tree: await loadTreeTemplates() };
  for (const name of [...RUNTIME_FILES, ...TREE_CREATED]) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null) addStructuralRuntime(out, name, text, templates);
  }
  if (out.changes.length === 0) out.warnings.push('found nothing of memcpy-debug here');
  return out;
}
