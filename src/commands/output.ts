// What a command prints: the patch (--dry-run) or diffstat on stdout, the summary on stderr or
// as JSON on stdout, and the exit code.
import { stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { colours, painter, type ColorMode, type Context } from '../cli/context.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../cli/errors.js';
import { byPath, type FileTexts } from '../core/plan.js';
import { colourPatch, filePatch, renderDiffstat, statsOfChanges } from '../render/patch.js';
import type { FileChange } from '../core/plan.js';
import { now } from './clock.js';

export interface OutputOptions {
  /** Show the change as a patch and write nothing. */
  readonly dryRun: boolean;
  /** The summary as JSON on stdout. */
  readonly json: boolean;
  /** The summary as JSON in this file (the text summary still goes to stderr). */
  readonly jsonFile?: string;
  /** A diffstat instead of the patch. */
  readonly stat: boolean;
  /** Write the patch to this file. */
  readonly output?: string;
  /** Exit 1 when there are changes. */
  readonly exitCode: boolean;
  readonly color: ColorMode;
}

export function renderPatch(files: readonly FileTexts[], prefix: string): string {
  return [...files]
    .sort(byPath)
    .map((f) => ('patch' in f ? f.patch : filePatch(f.path, f.before, f.after, f.regions, prefix)))
    .join('');
}

/**
 * What the patch puts before the paths of the folder's files: the folder as seen from where the
 * command runs, as diff -ru and spatch do, so that git apply at the top of a repository and
 * patch -p1 where it was made both work. A folder outside the working folder: its own paths.
 */
export function patchPrefix(cwd: string, root: string): string {
  const rel = relative(cwd, root).split(sep).join('/');
  return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? '' : `${rel}/`;
}

/** Prints the patch and the report; `report.seconds` is set here, when all the work is done. */
export async function emitChange<R extends { seconds: number; dir: string }>(
  o: OutputOptions,
  ctx: Context,
  report: R,
  started: number,
  changes: readonly FileChange[],
  files: readonly FileTexts[],
  summary: (report: R, quote: (s: string) => string) => string,
  root: string = resolve(ctx.cwd, report.dir),
): Promise<ExitCodeValue> {
  // The paths of the plan are relative to its root: the folder, or the top of a kernel tree.
  const prefix = patchPrefix(ctx.cwd, root);
  // --stat: the diffstat, of what would change (--dry-run) or of what changed, as git prints.
  if (o.stat && !o.json) ctx.stdout.write(renderDiffstat(statsOfChanges(changes, prefix)));
  if (o.dryRun) {
    const patch = renderPatch(files, prefix);
    if (o.output !== undefined) await writeFile(resolve(ctx.cwd, o.output), Buffer.from(patch, 'latin1'));
    if (!o.stat && o.output === undefined && !o.json) {
      const shown = colours(o.color, ctx.stdout, ctx.env) ? colourPatch(patch, painter(o.color, ctx.stdout, ctx.env)) : patch;
      ctx.stdout.write(Buffer.from(shown, 'latin1'));
    }
  }
  const done = { ...report, seconds: (now() - started) / 1000 };
  if (o.jsonFile !== undefined) await writeFile(resolve(ctx.cwd, o.jsonFile), JSON.stringify(done, null, 2) + '\n');
  if (o.json) ctx.stdout.write(JSON.stringify(done, null, 2) + '\n');
  else ctx.stderr.write(summary(done, shellQuote));
  return o.exitCode && changes.length > 0 ? ExitCode.CHANGES : ExitCode.OK;
}

/**
 * --output and --json-file may not overwrite a file of the folder being instrumented (a dry
 * run writes nothing there): a new file, a patch or a JSON file there, or anything outside it.
 */
export async function checkOutputFiles(o: OutputOptions, ctx: Context, dir: string): Promise<void> {
  for (const file of [o.output, o.jsonFile]) if (file !== undefined) await checkOutputFile(ctx, dir, file);
}

async function checkOutputFile(ctx: Context, dir: string, file: string): Promise<void> {
  const abs = resolve(ctx.cwd, file);
  const rel = relative(resolve(ctx.cwd, dir), abs);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  if (!inside || /\.(patch|diff|json)$/.test(abs)) return;
  const st = await stat(abs).catch(() => null);
  if (st === null) return;
  throw new ToolError(ExitCode.USAGE, `${file} is a file of ${dir}: writing there would overwrite it`, [],
    'give a new file name (or a .patch, .diff or .json file), or one outside the folder');
}

import { shellQuote } from '../core/next-steps.js';
export { shellQuote };

export type { FileTexts } from '../core/plan.js';
