// One table of exit codes, and the one error type that carries them.
import { escapeControls } from './display.js';

export const ExitCode = {
  /** Done, including "nothing to do". */
  OK: 0,
  /** --exit-code: there are (or would be) changes, as `git diff --exit-code`. */
  CHANGES: 1,
  /** Bad command line or bad input: a missing folder, no C files. */
  USAGE: 2,
  /** The change could not be planned (a file unreadable or read-only, a build file not understood, a name taken); nothing was written. */
  PLAN: 3,
  /** A write failed; what was written has been put back. */
  IO: 4,
  /** revert: some files conflict with edits made since instrument; they were left as they are. */
  CONFLICT: 5,
  /** A bug in memcpy-debug. */
  INTERNAL: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error for the user: what went wrong, the files concerned, and how to fix it. */
export class ToolError extends Error {
  constructor(
    readonly code: ExitCodeValue,
    readonly title: string,
    readonly details: readonly string[] = [],
    readonly hint?: string,
  ) {
    super(title);
  }
}

/** `memcpy-debug: error: <title>`, the details indented, then the hint. */
export function formatError(e: ToolError): string {
  const lines = [`memcpy-debug: error: ${e.title}`];
  const shown = e.details.slice(0, 50);
  for (const d of shown) lines.push(`  ${d}`);
  if (e.details.length > shown.length) lines.push(`  ... and ${e.details.length - shown.length} more`);
  if (e.hint) lines.push(`hint: ${e.hint}`);
  return escapeControls(lines.join('\n')) + '\n';
}
