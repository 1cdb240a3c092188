// What every build-file planner returns: one new, marked line, or the reason it cannot place one.
import type { Edit } from '../edit.js';
import { lineEnding } from '../c/plan-c-file.js';
import type { MakeLine } from './make-lines.js';

/** Marks the lines we add, so revert (even without a manifest) finds exactly them. */
export const MARKER = "memcpy-debug: 'memcpy-debug revert' removes this line";

export interface BuildEdit {
  /** The build file, relative to the instrumented folder. */
  readonly path: string;
  /** The line as added, without its line ending. */
  readonly line: string;
  /** The insertions; none when the runtime is already in the build. */
  readonly edits: readonly Edit[];
  /** The name the runtime's symbols derive from (module or target). */
  readonly tag: string;
  /** Said in the summary, e.g. which module was picked. */
  readonly note: string;
}

/** The build file was not understood; nothing is written. `line` is what to add by hand. */
export class BuildFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** An edit that inserts `line` (with the file's line ending) after the logical line `after`. */
export function insertLineAfter(text: string, after: MakeLine | null, line: string, reason: string): Edit {
  const eol = lineEnding(text);
  const at = after ? after.end : 0;
  // A last line without a line ending gets one first, so the new line stands on its own.
  if (at === text.length && at > 0 && text[at - 1] !== '\n') {
    return { start: at, end: at, text: eol + line, reason };
  }
  return { start: at, end: at, text: line + eol, reason };
}

/** A C identifier made of `name` (module names may contain '-'). */
export function identifierOf(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id || 'dir';
}
