// What a command prints, as data: the patch (--dry-run) or diffstat for stdout, the summary for
// stderr or as JSON for stdout, and the files --output and --json-file ask for. io/output.ts
// writes it.
import type { FileChange, FileTexts } from '../core/plan.js';
import type { OutputOptions, Outputs, Paint } from '../core/outputs.js';
import { escapeControls } from '../core/display.js';
import { shellQuote } from '../core/next-steps.js';
import { colourPatch, renderDiffstat, renderPatch, statsOfChanges } from './patch.js';

/**
 * The outputs of a run: `prefix` goes before the plan's paths (see patchPrefix), `paint`
 * colours the patch (null: no colour).
 */
export function renderChange<R>(
  o: OutputOptions,
  report: R,
  changes: readonly FileChange[],
  files: readonly FileTexts[],
  summary: (report: R, quote: (s: string) => string) => string,
  prefix: string,
  paint: Paint | null,
): Outputs {
  const out: { files: { name: string; data: Buffer }[]; stdout: Buffer[]; stderr: string } = { files: [], stdout: [], stderr: '' };
  // --stat: the diffstat, of what would change (--dry-run) or of what changed, as git prints.
  if (o.stat && !o.json) out.stdout.push(Buffer.from(renderDiffstat(statsOfChanges(changes, prefix)), 'latin1'));
  if (o.dryRun) {
    const patch = renderPatch(files, prefix);
    if (o.output !== undefined) out.files.push({ name: o.output, data: Buffer.from(patch, 'latin1') });
    if (!o.stat && o.output === undefined && !o.json) out.stdout.push(Buffer.from(paint ? colourPatch(patch, paint) : patch, 'latin1'));
  }
  // The JSON only when asked for: a whole tree's is megabytes of site records.
  const json = o.json || o.jsonFile !== undefined ? Buffer.from(JSON.stringify(report, null, 2) + '\n') : null;
  if (json && o.jsonFile !== undefined) out.files.push({ name: o.jsonFile, data: json });
  if (json && o.json) out.stdout.push(json);
  else out.stderr = escapeControls(summary(report, shellQuote));
  return out;
}
