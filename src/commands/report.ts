// `memcpy-debug report LOG...`: reads the runtime's reports back from kernel logs or a
// program's stderr (- or no LOG: standard input) and prints one row per call site.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { changedLine, entryForLoggedPath, originalLine, parseOverlapLog, summarizeOverlaps, tableSummary, withPaths } from '../core/overlap-log.js';
import type { ModifyEntry } from '../core/manifest.js';
import type { Context } from '../io/context.js';
import { ExitCode, ToolError, type ExitCodeValue } from '../core/errors.js';
import { readManifest } from '../io/manifest-store.js';
import { overlapTable, type Coverage, type MappedSite } from '../render/overlap-table.js';
import { existingDir } from '../io/files.js';
import { checkOutputFiles, writeOutputs } from '../io/output.js';
import { toolVersion } from '../io/assets.js';
import { overlapSarif } from '../render/sarif.js';
import { DEBUG_NAME } from '../core/runtime.js';

export interface ReportOptions {
  readonly logs: readonly string[];
  /** The instrumented folder: its manifest maps each line back to the original file. */
  readonly dir?: string;
  readonly json: boolean;
  /** Also write the overlaps as SARIF 2.1.0 to this file. */
  readonly sarifFile?: string;
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
  // With --dir: the manifest maps each logged line back to the original file, and tells how many
  // call sites instrument renamed, for the site table's coverage.
  let entries: ModifyEntry[] | null = null;
  let base: string | null = null;
  if (o.dir !== undefined) {
    const root = await existingDir(resolve(ctx.cwd, o.dir), o.dir);
    await checkOutputFiles({ sarifFile: o.sarifFile }, ctx, root, o.dir);
    const manifest = await readManifest(root);
    if (!manifest) {
      // Reverted (revert removes the manifest) or never instrumented: the lines stay as logged.
      ctx.stderr.write(`memcpy-debug report: ${o.dir} is not instrumented now (no manifest: a revert removes it), so the lines are shown as logged, `
        + 'in the instrumented files: where memcpy-debug added an include above a call, the original line is one less\n');
    } else {
      base = root;
      entries = manifest.files.filter((f): f is ModifyEntry => f.kind === 'modify');
    }
  }
  const logs = texts.map(parseOverlapLog);
  // Each logged path is looked up in the manifest once (a whole kernel has thousands of entries).
  const entryCache = new Map<string, ModifyEntry | null>();
  const folder = entries;
  const entryOf = (f: string): ModifyEntry | null => {
    if (!folder) return null;
    if (!entryCache.has(f)) entryCache.set(f, entryForLoggedPath(f, folder));
    return entryCache.get(f)!;
  };
  // One call site compiled by two paths (lz4.c, ../lib/lz4.c) is one site of the folder, named
  // as it was first logged.
  const firstName = new Map<string, string>();
  const nameOf = (f: string) => {
    const e = entryOf(f);
    if (!e) return f;
    if (!firstName.has(e.path)) firstName.set(e.path, f);
    return firstName.get(e.path)!;
  };
  const summary = summarizeOverlaps(folder ? logs.map((l) => withPaths(l, nameOf)) : logs);
  let sites: MappedSite[] = [...summary.sites];
  let table = summary.table;
  let coverage: Coverage | undefined;
  if (folder) {
    const instrumented = folder.reduce((n, e) => n + e.edits.filter((x) => x[2] === DEBUG_NAME).length, 0);
    sites = sites.map((s) => {
      const e = entryOf(s.file);
      return e ? { ...s, originalLine: originalLine(s.line, e.regions), path: e.path } : { ...s, originalLine: s.line };
    });
    // Coverage: the folder's sites that ran, of those instrumented. A row elsewhere than at a
    // renamed call is the use of a macro (or alias) renamed in its #define.
    if (table) {
      table = tableSummary(table.rows.filter((r) => entryOf(r.file)));
      const ran = table.rows.filter((r) => changedLine(r.line, entryOf(r.file)!.regions)).length;
      coverage = { renamed: instrumented, ran, expanded: table.ran - ran };
    }
  }
  const result = { ...summary, sites, table };
  const files = o.sarifFile === undefined ? [] : [{
    name: o.sarifFile,
    data: Buffer.from(overlapSarif(sites, base, await toolVersion())),
  }];
  await writeOutputs(ctx, false, {
    files,
    stdout: [Buffer.from(o.json ? JSON.stringify({ command: 'report', logs: sources, ...result, ...(coverage ? { coverage } : {}) }, null, 2) + '\n' : overlapTable(result, sources, coverage))],
    stderr: '',
  });
  return ExitCode.OK;
}
