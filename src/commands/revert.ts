// `memcpy-debug revert DIR`: undo what instrument recorded in the manifest, keeping later
// edits; without a manifest, a structural undo of exactly our forms.
import { join, resolve } from 'node:path';
import { BUILD_FILE_NAMES } from '../core/build/plan-build.js';
import type { Edit } from '../core/edit.js';
import type { Manifest, ManifestEntry } from '../core/manifest.js';
import { byPath, modifyChange, sha256, type FileChange } from '../core/plan.js';
import type { RevertFileReport, RevertReport } from '../core/report.js';
import { planRevertEntry } from '../core/revert-plan.js';
import { renderRuntime, runtimeParamsOf, RUNTIME_FILES } from '../core/runtime.js';
import { structuralRevertBuild, structuralRevertC } from '../core/structural-revert.js';
import type { Context } from '../cli/context.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../cli/errors.js';
import { applyChanges, ApplyError, preflight, removeTemps } from '../io/apply.js';
import { loadCParser, loadTemplates } from '../io/assets.js';
import { readText, readTextIfExists } from '../io/files.js';
import { readManifest, removeManifest, writeManifest } from '../io/manifest-store.js';
import { scanTree } from '../io/scan.js';
import { revertSummary } from '../render/summary.js';
import { existingDir, killHook } from './instrument.js';
import { emitChange, type FileTexts, type OutputOptions } from './output.js';
import { progressReporter, type Progress } from './progress.js';

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

export async function runRevert(o: RevertOptions, ctx: Context): Promise<ExitCodeValue> {
  const started = performance.now();
  const root = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
  const manifest = await readManifest(root);
  const progress = progressReporter(ctx);
  const planned = manifest ? await planFromManifest(root, manifest, o.force, o.dryRun, progress) : await planStructural(root);
  const { reports, changes } = planned;
  changes.sort(byPath);

  if (!o.dryRun && changes.length > 0) {
    const blockers = await preflight(root, changes);
    if (blockers.length > 0) {
      throw new ToolError(ExitCode.PLAN, `cannot write ${blockers.length === 1 ? 'a file' : `${blockers.length} files`}`, blockers,
        'make them writable (chmod u+w), then run revert again');
    }
    // The journal: what each file becomes, so that a revert cut off midway can be finished.
    if (manifest) {
      const target = new Map(changes.map((c) => [c.path, c.kind === 'delete' ? '' : c.afterSha]));
      await writeManifest(root, {
        ...manifest, state: 'reverting',
        files: manifest.files.map((f) => (target.has(f.path) ? { ...f, reverted: target.get(f.path) } : f)),
      });
    }
    try {
      progress.phase('writing', changes.length);
      const kill = killHook(ctx);
      await applyChanges(root, changes, (n) => { progress.update(n); kill(n); });
    } catch (e) {
      if (!(e instanceof ApplyError)) throw e;
      if (manifest && e.rolledBack) await writeManifest(root, manifest);
      throw new ToolError(ExitCode.IO, `writing ${e.path} failed: ${e.message}`,
        [e.rolledBack ? 'the files written before it were put back; the tree is as it was' : 'run revert again to finish']);
    }
  }
  progress.done();
  let manifestRemoved = false;
  if (!o.dryRun && manifest && manifest.state !== 'instrumented') await removeTemps(root, manifest.files.map((f) => f.path));
  if (!o.dryRun && manifest) {
    if (planned.remaining.length === 0) {
      await removeManifest(root);
      manifestRemoved = true;
    } else {
      await writeManifest(root, { ...manifest, state: 'instrumented', files: planned.remaining.map(({ reverted: _, ...f }) => f as ManifestEntry) });
    }
  }
  const report: RevertReport = {
    command: 'revert', dir: o.dir, dryRun: o.dryRun, mode: manifest ? 'manifest' : 'structural',
    files: reports, renamedBack: planned.renamedBack, manifestRemoved, warnings: planned.warnings,
    resumed: manifest?.state === 'reverting', seconds: 0,
  };
  const code = await emitChange(o, ctx, report, started, changes, planned.texts, (r) => revertSummary(r));
  return reports.some((r) => r.status === 'conflict') ? ExitCode.CONFLICT : code;
}

async function planFromManifest(root: string, manifest: Manifest, force: boolean, withTexts: boolean, progress: Progress): Promise<Planned> {
  progress.phase('reading', manifest.files.length);
  const out: Planned = { reports: [], changes: [], texts: [], remaining: [], renamedBack: 0, warnings: [] };
  // Files are read a batch at a time: one by one, a kernel tree's thousands wait on each read.
  const BATCH = 32;
  for (let i = 0; i < manifest.files.length; i += BATCH) {
    const entries = manifest.files.slice(i, i + BATCH);
    const texts = await Promise.all(entries.map((e) => readTextIfExists(join(root, e.path))));
    progress.update(i + entries.length);
    entries.forEach((entry, k) => {
      const current = texts[k];
      const p = planRevertEntry(entry, current, force);
      out.reports.push({ path: p.path, status: p.status, reasons: p.reasons });
      if (p.change) {
        out.changes.push(p.change);
        // Texts are kept only for the patch of a dry run.
        if (withTexts) out.texts.push({ path: p.path, before: current, after: p.after, regions: p.change.kind === 'modify' ? p.change.regions : undefined });
      }
      if (p.status === 'conflict') out.remaining.push(entry);
    });
  }
  return out;
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
  const scan = await scanTree(root, [], [...RUNTIME_FILES]);
  const parser = await loadCParser();
  try {
    for (const path of scan.cFiles) {
      const text = await readText(join(root, path));
      if (!text.includes('memcpy_debug')) continue;
      const r = structuralRevertC(path, text, parser);
      out.renamedBack += r.renamedBack;
      add(path, text, r.edits);
    }
  } finally {
    parser.delete();
  }
  for (const name of BUILD_FILE_NAMES) {
    const text = await readTextIfExists(join(root, name));
    if (text !== null) add(name, text, structuralRevertBuild(text));
  }
  // Runtime files go only when they are exactly what we would have written.
  for (const name of RUNTIME_FILES) {
    const text = await readTextIfExists(join(root, name));
    if (text === null) continue;
    const params = runtimeParamsOf(text);
    const ours = params && renderRuntime(await loadTemplates(params.target), params).find((f) => f.path === name)?.content === text;
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
