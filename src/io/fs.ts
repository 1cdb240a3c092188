// The file-system calls every write goes through: small, so that a test can replace it and fail
// any chosen call (ENOSPC on the manifest, EIO on the third rename...). None follows a symbolic
// link: files are opened with O_NOFOLLOW, created with O_EXCL, and paths are checked with lstat.
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, realpath, rename, rmdir, unlink, mkdir } from 'node:fs/promises';

export interface FileSystem {
  lstat(path: string): Promise<BigIntStats>;
  /** The bytes of a regular file, and its stat from the same open file; never through a link. */
  read(path: string): Promise<{ bytes: Buffer; stat: BigIntStats }>;
  /**
   * Creates `path` (which must not exist: O_EXCL) with `bytes`, then sets its mode and, when
   * given, its owner; the file is flushed to disk before this returns.
   */
  create(path: string, bytes: Buffer, mode: number, owner?: { uid: number; gid: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** The path with every symbolic link resolved (realpath(3)). */
  realpath(path: string): Promise<string>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  rmdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
}

export const realFs: FileSystem = {
  lstat: (path) => lstat(path, { bigint: true }),
  async read(path) {
    // O_NONBLOCK: a FIFO or device in a file's place must be refused, not waited on.
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stat = await fh.stat({ bigint: true });
      if (!stat.isFile()) throw Object.assign(new Error(`${path}: not a regular file (a FIFO, a device or a socket)`), { code: 'ENOTREG' });
      return { bytes: await fh.readFile(), stat };
    } finally {
      await fh.close();
    }
  },
  async create(path, bytes, mode, owner) {
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await fh.writeFile(bytes);
      // The owner first: chown clears the setuid and setgid bits, which the mode then puts back
      // (as it puts back what the umask cut).
      if (owner) await fh.chown(owner.uid, owner.gid);
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename: (from, to) => rename(from, to),
  realpath: (path) => realpath(path),
  unlink: (path) => unlink(path),
  mkdir: async (path, mode) => {
    await mkdir(path, { mode });
  },
  rmdir: (path) => rmdir(path),
  readdir: (path) => readdir(path),
};
