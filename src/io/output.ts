// Writing what render/output.ts made: the files --output and --json-file name, then stdout and
// stderr; and the check, before any work, that those files may be written.
import { stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ExitCode, ToolError } from '../core/errors.js';
import type { Outputs, OutputOptions } from '../core/outputs.js';
import type { Context } from './context.js';

export async function writeOutputs(ctx: Context, out: Outputs): Promise<void> {
  for (const f of out.files) await writeFile(resolve(ctx.cwd, f.name), f.data);
  for (const b of out.stdout) ctx.stdout.write(b);
  if (out.stderr !== '') ctx.stderr.write(out.stderr);
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
