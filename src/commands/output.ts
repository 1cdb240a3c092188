// What a command prints: the patch (--dry-run) or diffstat on stdout, the summary on stderr or
// as JSON on stdout, and the exit code.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { painter, type ColorMode, type Context } from '../cli/context.js';
import { ExitCode, type ExitCodeValue } from '../cli/errors.js';
import { colourPatch, diffstatOf, filePatch, renderDiffstat } from '../render/patch.js';

export interface OutputOptions {
  /** Show the change as a patch and write nothing. */
  readonly dryRun: boolean;
  /** The summary as JSON on stdout. */
  readonly json: boolean;
  /** A diffstat instead of the patch. */
  readonly stat: boolean;
  /** Write the patch to this file. */
  readonly output?: string;
  /** Exit 1 when there are changes. */
  readonly exitCode: boolean;
  readonly color: ColorMode;
}

export interface FileTexts {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** Paths are JS strings; the patch is latin1 text, so a path goes in as its UTF-8 bytes. */
const asBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

export function renderPatch(files: readonly FileTexts[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => filePatch(asBytes(f.path), f.before, f.after))
    .join('');
}

export async function emitChange(
  o: OutputOptions,
  ctx: Context,
  report: object,
  hasChanges: boolean,
  files: readonly FileTexts[],
  summary: (quote: (s: string) => string) => string,
): Promise<ExitCodeValue> {
  if (o.dryRun) {
    const patch = renderPatch(files);
    if (o.output !== undefined) await writeFile(resolve(ctx.cwd, o.output), Buffer.from(patch, 'latin1'));
    if (o.stat) {
      const stats = files.map((f) => diffstatOf(f.path, renderPatch([f]))).sort((a, b) => (a.path < b.path ? -1 : 1));
      ctx.stdout.write(renderDiffstat(stats));
    } else if (o.output === undefined && !o.json) {
      const paint = painter(o.color, ctx.stdout, ctx.env);
      ctx.stdout.write(Buffer.from(colourPatch(patch, paint), 'latin1'));
    }
  }
  if (o.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else ctx.stderr.write(summary(shellQuote));
  return o.exitCode && hasChanges ? ExitCode.CHANGES : ExitCode.OK;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
