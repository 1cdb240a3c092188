// Planning one C file from its bytes: the prefilter, the plan, and (for a dry run) its hunks.
// Pure: the planner (io/planner.ts) reads the bytes, in this thread or a worker.
import { ParseError, ParserNeeded, type CParser } from './c/parse-c.js';
import { hunksOf, LineAccess } from './hunks.js';
import { instrumentFile, type FileOutcome } from './instrument-file.js';

/** The name looked for in each file's bytes, as bytes: a string would be encoded for each file. */
export const MEMCPY = Buffer.from('memcpy', 'latin1');

/** What planFile gives for a file that needs the parser when it was given none. */
export const NEEDS_PARSER = 'needs-parser';

export interface PlanFileOptions {
  /** Compute each changed file's hunks (for --dry-run's patch). */
  readonly withHunks: boolean;
  /** Include <linux/memcpy_debug.h> (the runtime in the kernel tree), not the folder's header. */
  readonly kernelTree?: boolean;
  /** Where memcpy first is in the bytes, when the reader found it; else it is looked for here. */
  readonly from?: number;
}

/**
 * Plans one file; null when it does not mention memcpy (most files), NEEDS_PARSER when it
 * needs a parse and `parser` is null. Every failure is a problem to report, never a throw.
 */
export function planFile(path: string, bytes: Buffer, parser: CParser | null, o: PlanFileOptions): FileOutcome | null | typeof NEEDS_PARSER {
  const from = o.from ?? bytes.indexOf(MEMCPY);
  if (from < 0) return null;
  if (bytes.indexOf(0) >= 0) return { path, problem: 'not a text file (it holds NUL bytes)' };
  const text = bytes.toString('latin1');
  let result;
  try {
    result = instrumentFile(path, text, parser, { kernelTree: o.kernelTree, bytes, hashes: !o.withHunks, from });
  } catch (e) {
    if (e instanceof ParseError) return { path, problem: `cannot parse: ${e.message}` };
    if (e instanceof ParserNeeded) return NEEDS_PARSER;
    throw e;
  }
  const { afterEndsWithEol, lines, ...planned } = result;
  const hunks = o.withHunks && afterEndsWithEol !== null && planned.change
    ? hunksOf(new LineAccess(lines), { endsWithEol: afterEndsWithEol }, planned.change.regions) : null;
  return { path, planned, hunks };
}
