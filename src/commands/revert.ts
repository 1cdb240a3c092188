// `memcpy-debug revert DIR`: undo what instrument recorded in the manifest, keeping later
// edits; without a manifest, a structural undo of exactly our forms.
import { statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILD_FILE_NAMES } from '../core/build/plan-build.js';
import { INCLUDES_HEADER } from '../core/c/plan-c-file.js';
import type { Edit } from '../core/edit.js';
import type { Manifest, ManifestEntry } from '../core/manifest.js';
import { byPath, modifyChange, sha256, sha256Bytes, type FileChange } from '../core/plan.js';
import type { RevertFileReport, RevertReport } from '../core/report.js';
import { planRevertEntry, revertJournal, selectFolders } from '../core/revert-plan.js';
import { fillTemplate, renderRuntime, runtimeParamsOf, RUNTIME_FILES } from '../core/runtime.js';
import { structuralRevertBuild, structuralRevertC } from '../core/structural-revert.js';
import type { Context } from '../cli/context.js';
import { ExitCode, type ExitCodeValue } from '../cli/errors.js';
import { commit, removeTemps, writeManifest } from '../io/commit.js';
import { committed, refuseBlocked } from './committed.js';
import { loadCParser, loadTemplates, loadTreeTemplates } from '../io/assets.js';
import { FileReader, readBytesIfExists, readBytesOrNull, readTextIfExists } from '../io/files.js';
import { readManifest } from '../io/manifest-store.js';
import { scanTree } from '../io/scan.js';
import { underLock } from '../io/lock.js';
import { list } from '../core/build/plan-kbuild.js';
import { revertSummary } from '../render/summary.js';
import { existingDir, killHook } from './instrument.js';
import { kernelTreeOf } from '../io/kernel-tree.js';
import { TREE_CREATED, TREE_FILES } from '../core/kernel/tree-runtime.js';
import { checkOutputFiles, emitChange, type FileTexts, type OutputOptions } from './output.js';
import { progressReporter, type Progress } from './progress.js';
import { now } from './clock.js';

export interface RevertOptions extends OutputOptions {
  readonly dir: string;
  readonly force: boolean;
}

interface Planned {
  readonly reports: RevertFileReport[];
  readonly changes: FileChange[];
  readonly texts: FileTexts[];
  /** Entries that stay in the manifest (conflicts). */
  readonly remaining: ManifestEntry[];
  renamedBack: number;
  readonly warnings: string[];
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
  await checkOutputFiles(o, ctx, o.dir);
  const stored = await readManifest(root);
  const progress = progressReporter(ctx);
  // In a kernel tree: the entries of the folders under DIR, and the shared runtime with the last.
  const { manifest, others } = stored ? selectFolders(stored, scope, o.dir, root) : { manifest: null, others: [] };
  const planned = manifest ? await planFromManifest(root, manifest, o.force, o.dryRun, progress) : await planStructural(root);
  const { reports, changes } = planned;
  changes.sort(byPath);

  const { final, journal } = revertJournal(manifest ? stored : null, changes, [...others, ...planned.remaining]);
  if (!o.dryRun && changes.length > 0) {
    await refuseBlocked(root, changes, 'make them writable (chmod u+w), then run revert again');
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
    resumed: manifest?.state === 'reverting', seconds: 0,
  };
  const code = await emitChange(o, ctx, report, started, changes, planned.texts, (r) => revertSummary(r), root);
  return reports.some((r) => r.status === 'conflict') ? ExitCode.CONFLICT : code;
}

async function planFromManifest(root: string, manifest: Manifest, force: boolean, withTexts: boolean, progress: Progress): Promise<Planned> {
  progress.phase('reading', manifest.files.length);
  const out: Planned = { reports: [], changes: [], texts: [], remaining: [], renamedBack: 0, warnings: [] };
  // Files are read a batch at a time: one by one, a kernel tree's thousands wait on each read.
  const BATCH = 32;
  // The files that still call memcpy_debug once reverted (calls written by hand since).
  const stillCalling = new Set<string>();
  for (let i = 0; i < manifest.files.length; i += BATCH) {
    const entries = manifest.files.slice(i, i + BATCH);
    const files = await Promise.all(entries.map((e) => readBytesIfExists(join(root, e.path))));
    progress.update(i + entries.length);
    entries.forEach((entry, k) => {
      const bytes = files[k];
      const current = bytes === null ? null : bytes.toString('latin1');
      const p = planRevertEntry(entry, current, force, bytes === null ? undefined : sha256Bytes(bytes));
      out.reports.push({ path: p.path, status: p.status, reasons: p.reasons });
      if (p.change) {
        out.changes.push(p.change);
        // Texts are kept only for the patch of a dry run.
        if (withTexts) out.texts.push({ path: p.path, before: current, after: p.after, regions: p.change.kind === 'modify' ? p.change.regions : undefined });
      }
      if (p.status === 'conflict') out.remaining.push(entry);
      // Only edits made since count: a file restored byte for byte is as it was before.
      const left = p.change ? p.after : current;
      const editedSince = p.status !== 'restored' && p.status !== 'already-original';
      if (entry.kind === 'modify' && editedSince && left !== null && usesRuntime(left)) stillCalling.add(entry.path);
    });
  }
  await keepRuntimeIfUsed(root, manifest, out, stillCalling);
  return out;
}

/**
 * The runtime header goes only when nothing calls memcpy_debug any more: a call written by hand
 * since instrument (or a file in conflict) would no longer build. Then the header (and the
 * source beside it) stay, the user is told where the calls are, and the manifest keeps them
 * for the next revert.
 */
/** True if the C text calls memcpy_debug or includes its header, outside comments. */
function usesRuntime(text: string): boolean {
  if (!text.includes('memcpy_debug')) return false;
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ');
  return /\bmemcpy_debug\s*\(/.test(code) || INCLUDES_HEADER.test(code);
}

async function keepRuntimeIfUsed(root: string, manifest: Manifest, out: Planned, users: Set<string>): Promise<void> {
  const runtimeFiles: readonly string[] = manifest.options.placement === 'kernel-tree' ? TREE_CREATED : RUNTIME_FILES;
  const deleting = out.changes.filter((c) => c.kind === 'delete' && runtimeFiles.includes(c.path));
  if (deleting.length === 0) return;
  const inManifest = new Set(manifest.files.map((f) => f.path));
  const since = Date.parse(manifest.createdAt);
  const scan = await scanTree(root, manifest.options.excludes, [...runtimeFiles]);
  for (const path of scan.cFiles) {
    if (inManifest.has(path)) continue;
    // A file not touched since instrument was as it is before it. Synchronous: a whole kernel
    // tree's 55,000 files are looked at in a fraction of a second, against seconds with a
    // promise for each.
    const st = statIfAny(join(root, path));
    if (!st || !(st.mtimeMs >= since)) continue;
    const bytes = readBytesOrNull(join(root, path));
    if (bytes && bytes.indexOf('memcpy_debug') >= 0 && usesRuntime(bytes.toString('latin1'))) users.add(path);
  }
  if (users.size === 0) return;
  const kept = new Set(deleting.map((c) => c.path));
  const shown = [...users].sort();
  const where = list(shown, 5);
  out.changes.splice(0, out.changes.length, ...out.changes.filter((c) => !kept.has(c.path)));
  out.texts.splice(0, out.texts.length, ...out.texts.filter((t) => !kept.has(t.path)));
  for (const r of out.reports) {
    if (!kept.has(r.path)) continue;
    Object.assign(r, { status: 'in-use', reasons: [`${where} still ${shown.length === 1 ? 'calls' : 'call'} memcpy_debug, and would not build without it; remove those calls (or rename them back to memcpy), then run revert again`] });
  }
  out.remaining.push(...manifest.files.filter((f) => kept.has(f.path)));
}

function statIfAny(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

async function planStructural(root: string): Promise<Planned> {
  const out: Planned = { reports: [], changes: [], texts: [], remaining: [], renamedBack: 0, warnings: [] };
  const add = (path: string, text: string, edits: Edit[]) => {
    if (edits.length === 0) return;
    const { change, after } = modifyChange(path, text, edits);
    out.changes.push(change);
    out.texts.push({ path, before: text, after, regions: change.regions });
    out.reports.push({ path, status: 'reverted', reasons: [] });
  };
  const scan = await scanTree(root, [], [...RUNTIME_FILES, ...TREE_CREATED]);
  const parser = await loadCParser();
  const reader = new FileReader();
  try {
    for (const path of scan.cFiles) {
      const bytes = reader.read(join(root, path));
      if (bytes.indexOf('memcpy_debug') < 0) continue;
      const text = bytes.toString('latin1');
      const r = structuralRevertC(path, text, parser);
      out.renamedBack += r.renamedBack;
      add(path, text, r.edits);
    }
  } finally {
    parser.delete();
  }
  // The folder's build files; at the top of a kernel tree, lib/'s Makefile and Kconfig.debug.
  for (const name of [...BUILD_FILE_NAMES, TREE_FILES.makefile, TREE_FILES.kconfig]) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null && text.includes('memcpy-debug')) add(name, text, structuralRevertBuild(text));
  }
  // Runtime files go only when they are exactly what we would have written.
  const tree = await loadTreeTemplates();
  for (const name of [...RUNTIME_FILES, ...TREE_CREATED]) {
    const text = await readTextIfExists(join(root, name));
    if (text === null) continue;
    const params = runtimeParamsOf(text);
    const expected = !params ? null
      : params.placement === 'kernel-tree' ? fillTemplate(name === TREE_FILES.header ? (await loadTemplates('kernel'))['memcpy_debug.h'] : tree.source, params)
        : renderRuntime(await loadTemplates(params.target), params).find((f) => f.path === name)?.content;
    const ours = expected === text && (params?.placement === 'kernel-tree') === TREE_CREATED.includes(name);
    if (!ours) {
      out.reports.push({ path: name, status: 'kept', reasons: ['not identical to the file memcpy-debug adds: remove it yourself when done'] });
      continue;
    }
    out.changes.push({ kind: 'delete', path: name, content: text, beforeSha: sha256(text) });
    out.texts.push({ path: name, before: text, after: null });
    out.reports.push({ path: name, status: 'removed', reasons: [] });
  }
  if (out.changes.length === 0) out.warnings.push('found nothing of memcpy-debug here');
  return out;
}
