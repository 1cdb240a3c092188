// One run at a time on a folder: instrument and revert hold DIR/.memcpy-debug.lock, created
// exclusively (O_EXCL, never through a link), holding the run's process id. A lock left by a
// run that was killed is taken over when its process is gone.
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, ToolError } from '../cli/errors.js';

export const LOCK_NAME = '.memcpy-debug.lock';

export interface Lock {
  release(): Promise<void>;
}

export async function lockFolder(root: string, shown: string): Promise<Lock> {
  const path = join(root, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid > 0 && alive(pid)) {
        throw new ToolError(ExitCode.PLAN, `another memcpy-debug (process ${pid}) is working on ${shown}`, [],
          `wait for it to finish; if no memcpy-debug is running, remove ${join(shown, LOCK_NAME)}`);
      }
      // The run that held it is gone (killed): its lock is stale.
      await rm(path, { force: true });
    }
  }
  throw new ToolError(ExitCode.PLAN, `cannot lock ${shown}: ${join(shown, LOCK_NAME)} keeps coming back`, [], 'is another memcpy-debug starting on the same folder?');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the folder's lock; a dry run (`dryRun`), which writes nothing, takes none. */
export async function underLock<T>(root: string, shown: string, dryRun: boolean, fn: () => Promise<T>): Promise<T> {
  if (dryRun) return fn();
  const lock = await lockFolder(root, shown);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
