// `memcpy-debug report LOG...`: reads the runtime's reports back from kernel logs or a
// program's stderr (- or no LOG: standard input) and prints one row per call site.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { entryForLoggedPath, originalLine, parseOverlapLog, summarizeOverlaps } from '../core/overlap-log.js';
import type { ModifyEntry } from '../core/manifest.js';
import type { Context } from '../io/context.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../core/errors.js';
import { readManifest } from '../io/manifest-store.js';
import { overlapTable, type MappedSite } from '../render/overlap-table.js';
import { existingDir } from '../io/files.js';

export interface ReportOptions {
  readonly logs: readonly string[];
  /** The instrumented folder: its manifest maps each line back to the original file. */
  readonly dir?: string;
  readonly json: boolean;
  /** Standard input, read when a LOG is - (or none is given). */
  readonly stdin: () => Promise<Buffer>;
}

export async function runReport(o: ReportOptions, ctx: Context): Promise<ExitCodeValue> {
  const sources = o.logs.length === 0 ? ['-'] : o.logs;
  const texts: string[] = [];
  for (const src of sources) {
    try {
      // Logs are bytes: latin1 keeps any of them, and the report lines are ASCII.
      texts.push((src === '-' ? await o.stdin() : await readFile(resolve(ctx.cwd, src))).toString('latin1'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new ToolError(ExitCode.USAGE, `cannot read ${src}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.message}`, [],
        'give the kernel log (dmesg > log, or the console) or the program\'s stderr; - reads standard input');
    }
  }
  const summary = summarizeOverlaps(texts.map(parseOverlapLog));
  let sites: MappedSite[] = [...summary.sites];
  if (o.dir !== undefined) {
    const root = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
    const manifest = await readManifest(root);
    if (!manifest) {
      // Reverted (revert removes the manifest) or never instrumented: the lines stay as logged.
      ctx.stderr.write(`memcpy-debug report: ${o.dir} is not instrumented now (no manifest: a revert removes it), so the lines are shown as logged, `
        + 'in the instrumented files: where memcpy-debug added an include above a call, the original line is one less\n');
    } else {
      const entries = manifest.files.filter((f): f is ModifyEntry => f.kind === 'modify');
      sites = sites.map((s) => {
        const e = entryForLoggedPath(s.file, entries);
        return { ...s, originalLine: e ? originalLine(s.line, e.regions) : s.line };
      });
    }
  }
  const result = { ...summary, sites };
  if (o.json) ctx.stdout.write(JSON.stringify({ command: 'report', logs: sources, ...result }, null, 2) + '\n');
  else ctx.stdout.write(overlapTable(result, sources));
  return ExitCode.OK;
}
