// One run at a time on a folder: instrument and revert hold DIR/.memcpy-debug.lock, linked into
// place with the run's process id already in it (link is exclusive and never follows a link).
// A lock left by a run that was killed is taken over when its process is gone.
import { randomBytes } from 'node:crypto';
import { lstat, link, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExitCode, ToolError } from '../core/errors.js';
import { readBytesOrNull } from './files.js';

/** The process id a lock file holds; NaN when it holds none (or is not a regular file). */
const pidIn = (path: string): number => Number((readBytesOrNull(path)?.toString('latin1') ?? '').trim());

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
    try {
      const fh = await open(mine, 'wx', 0o644);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
    } catch (e) {
      await rm(mine, { force: true });
      throw cannotLock(e as NodeJS.ErrnoException, shown);
    }
    try {
      await link(mine, path);
      const lock = { release: () => rm(path, { force: true }) };
      // One lock for a whole tree: a run on a folder above this one holds this one too.
      const above = await liveLockAbove(root);
      if (above) {
        await lock.release();
        throw new ToolError(ExitCode.PLAN, `another memcpy-debug (process ${above.pid}) is working on ${above.dir}, which holds ${shown}`, [],
          'wait for it to finish, then run this again');
      }
      return lock;
    } catch (e) {
      if (e instanceof ToolError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await rm(mine, { force: true });
    }
    const st = await lstat(path).catch(() => null);
    if (st && !st.isFile()) {
      throw new ToolError(ExitCode.PLAN, `${join(shown, LOCK_NAME)} is not a regular file`, [],
        `memcpy-debug's lock is a file it creates; remove ${join(shown, LOCK_NAME)} (it may come from someone else's tarball)`);
    }
    const pid = pidIn(path);
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
    if (pidIn(aside) !== pid) await link(aside, path).catch(() => {});
    await rm(aside, { force: true });
  }
  throw new ToolError(ExitCode.PLAN, `cannot lock ${shown}: ${join(shown, LOCK_NAME)} keeps coming back`, [], 'is another memcpy-debug starting on the same folder?');
}

/** The nearest folder above `dir` whose lock a live run holds, or null. */
async function liveLockAbove(dir: string): Promise<{ dir: string; pid: number } | null> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const pid = pidIn(join(d, LOCK_NAME));
    if (pid > 0 && alive(pid)) return { dir: d, pid };
    if (d === dirname(d)) return null;
  }
  return null;
}

/** Why the lock could not be taken, for the user: a folder that cannot be written is exit 3, a write that failed exit 4. */
function cannotLock(e: NodeJS.ErrnoException, shown: string): Error {
  const why: Record<string, string> = {
    EROFS: 'the file system is read-only', EACCES: 'no permission to write in it', EPERM: 'no permission to write in it',
    ENOSPC: 'no space left on the device', EDQUOT: 'the disk quota is used up', EIO: 'an I/O error',
  };
  if (!e.code || !(e.code in why)) return e;
  const full = e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'EIO';
  return new ToolError(full ? ExitCode.IO : ExitCode.PLAN, `cannot lock ${shown}: ${why[e.code]}`, ['nothing was written'],
    full ? 'free some space, then run it again' : 'memcpy-debug writes into the folder: make it writable, or work on a writable copy');
}

/**
 * True if the process that wrote a lock still runs. A process killed a moment ago can stay a
 * zombie until its parent reaps it: it holds nothing any more (state Z in /proc).
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readBytesOrNull(`/proc/${pid}/stat`)?.toString('latin1');
  return !stat || !/^\d+ \(.*\) Z/s.test(stat);
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
