// One run at a time on a folder: instrument and revert hold DIR/.memcpy-debug.lock, linked into
// place with the run's process id already in it (link is exclusive and never follows a link).
// A lock left by a run that was killed is taken over when its process is gone.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, ToolError } from '../core/errors.js';

export const LOCK_NAME = '.memcpy-debug.lock';

export interface Lock {
  release(): Promise<void>;
}

export async function lockFolder(root: string, shown: string): Promise<Lock> {
  const path = join(root, LOCK_NAME);
  for (let attempt = 0; attempt < 20; attempt++) {
    // The lock appears with its content: written to a file of our own, then linked into place
    // (link fails if the lock exists, and never follows a link there). Another run never reads
    // a lock that is still empty and takes it for a stale one.
    const mine = join(root, `.memcpy-debug.lock.${process.pid}.${randomBytes(6).toString('hex')}`);
    const fh = await open(mine, 'wx', 0o644);
    try {
      await fh.writeFile(`${process.pid}\n`);
    } finally {
      await fh.close();
    }
    try {
      await link(mine, path);
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await rm(mine, { force: true });
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!(pid > 0)) {
      // Gone between the two calls (released just now), or not ours to judge: try again.
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (alive(pid)) {
      throw new ToolError(ExitCode.PLAN, `another memcpy-debug (process ${pid}) is working on ${shown}`, [],
        `wait for it to finish; if no memcpy-debug is running, remove ${join(shown, LOCK_NAME)}`);
    }
    // The run that held it is gone (killed): its lock is stale. Moved aside first, so that only
    // one of several runs that saw it takes it over.
    const aside = `${path}.stale.${randomBytes(6).toString('hex')}`;
    if (!(await rename(path, aside).then(() => true, () => false))) continue;
    // Another run may have taken it over and locked again in between: then its lock goes back.
    if (Number((await readFile(aside, 'utf8').catch(() => '')).trim()) !== pid) await link(aside, path).catch(() => {});
    await rm(aside, { force: true });
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
