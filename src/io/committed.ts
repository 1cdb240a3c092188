// What both commands say when the commit layer refuses or fails: the blockers before the first
// write (exit 3), a failed write and whether the tree was put back (exit 4).
import type { FileChange } from '../core/plan.js';
import { ExitCode, ToolError } from '../core/errors.js';
import type { Context } from './context.js';
import { checkWritable, CommitError, UnsafePathError } from './commit.js';

/**
 * Refuses the run, before any write, when a file of the plan cannot be written safely. The hint
 * fits the problems: chmod only for permissions, --exclude only where instrument can leave the
 * files out (C files).
 */
export async function refuseBlocked(root: string, changes: readonly FileChange[], command: 'instrument' | 'revert'): Promise<void> {
  const blockers = await checkWritable(root, changes);
  if (blockers.length === 0) return;
  const permissions = blockers.every((b) => /: (the file is read-only|no permission to)/.test(b));
  const cFiles = command === 'instrument' && blockers.every((b) => /^[^:]*\.[ch]: /.test(b));
  throw new ToolError(ExitCode.PLAN, `cannot write ${blockers.length === 1 ? 'a file' : `${blockers.length} files`}`, blockers,
    `${permissions ? 'make them writable (chmod u+w)' : 'do what each line says'}${cFiles ? ' or leave them out with --exclude' : ''}, then run ${command} again`);
}

/** Runs a commit step, turning its failures into the errors the user reads. */
export async function committed<T>(dir: string, command: 'instrument' | 'revert', step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof UnsafePathError) {
      throw new ToolError(ExitCode.PLAN, `cannot write ${e.path}: ${e.why}`, ['nothing was written']);
    }
    if (!(e instanceof CommitError)) throw e;
    throw new ToolError(ExitCode.IO, `writing ${e.path} failed: ${e.message}`,
      [e.rolledBack ? 'the files written before it were put back; the tree is as it was'
        : command === 'instrument' ? `some files could not be put back: run "memcpy-debug revert ${dir}"` : 'run revert again to finish']);
  }
}

/** Test hook: MEMCPY_DEBUG_TEST_KILL_AFTER=N kills the process (SIGKILL) after N files are written. */
export function killHook(ctx: Context): (count: number) => void {
  const n = Number(ctx.env.MEMCPY_DEBUG_TEST_KILL_AFTER ?? 0);
  return n > 0 ? (count) => { if (count >= n) process.kill(process.pid, 'SIGKILL'); } : () => {};
}
