// Reading files as the bytes they are: latin1 text (1 char == 1 byte). Every write goes through
// the commit layer (commit.ts).
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ExitCode, ToolError } from '../core/errors.js';

/** `abs`, the folder a command is given (shown to the user as `shown`); a usage error if it is none. */
export async function existingDir(abs: string, shown: string): Promise<string> {
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new ToolError(ExitCode.USAGE, `${shown}: no such directory`, [], 'give the folder of a C project or kernel subsystem, e.g. fs/btrfs');
  }
  if (!st.isDirectory()) throw new ToolError(ExitCode.USAGE, `${shown} is not a directory`, [], 'give the folder that holds the C files');
  return abs;
}

/** A file that cannot be read as one (a folder of that name, a FIFO or device, no permission). */
export class UnreadableError extends Error {
  /** Why, without the path. */
  readonly why: string;
  constructor(readonly path: string, readonly code: string) {
    const why = `${code === 'EISDIR' ? 'a folder, where a file was expected' : code === 'EACCES' ? 'not readable (permission denied)'
      : code === NOT_REGULAR ? 'not a regular file (a FIFO, a device or a socket): memcpy-debug reads only regular files'
        : code === 'EFBIG' ? 'larger than 512 MiB, more than memcpy-debug reads (a C file that size is not a source)' : code}`;
    super(`${path}: ${why}`);
    this.why = why;
  }
}

/** The code of UnreadableError for a FIFO, a device or a socket. */
export const NOT_REGULAR = 'ENOTREG';

/**
 * The largest file read: its text must fit in one JavaScript string (V8's limit is just under
 * 512 MiB of latin1 characters). No C source or build file comes near it.
 */
export const MAX_FILE = 512 * 1024 * 1024 - 64;

/**
 * Opens a file for reading only if it is a regular file. O_NONBLOCK: opening a FIFO (or a
 * device) for reading would otherwise wait for a writer, for ever; a regular file reads the same.
 */
function openRegular(path: string): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnreadableError(path, st.isDirectory() ? 'EISDIR' : NOT_REGULAR);
    if (st.size > MAX_FILE) throw new UnreadableError(path, 'EFBIG');
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The bytes of a regular file (see openRegular). */
export function readRegular(path: string): Buffer {
  const fd = openRegular(path);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Like readText, but null when the file does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  return (await readBytesIfExists(path))?.toString('latin1') ?? null;
}

/**
 * The file's bytes, or null when it does not exist. Read synchronously: a command reads a few
 * small files (build files, templates, the manifest) or one after the other, and a promise for
 * each costs a round trip through Node's thread pool.
 */
export async function readBytesIfExists(path: string): Promise<Buffer | null> {
  try {
    return readRegular(path);
  } catch (e) {
    if (e instanceof UnreadableError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR' || code === 'EACCES' || code === 'ELOOP') throw new UnreadableError(path, code);
    throw e;
  }
}

/**
 * Reads whole files into one buffer, reused from file to file: most files are read only to learn
 * that they do not mention memcpy, and a new buffer for each (1.2 GB for a kernel tree) costs
 * more than the reading itself.
 */
export class FileReader {
  private buffer = Buffer.allocUnsafe(1 << 20);
  /**
   * The file's bytes: a view of the buffer, valid until the next read. With `wanted`, a first
   * read shorter than asked for (a regular file's read comes back short only at its end) is
   * taken as the whole file when `wanted` says no to it: the read that would confirm the end,
   * one of the four system calls a file takes, is made only for the files that go on to be
   * planned, which are read to their end as every file is without `wanted`.
   */
  read(path: string, wanted?: (bytes: Buffer) => boolean): Buffer {
    // O_NONBLOCK: the scan saw a regular file, but a FIFO put in its place must not hang the run.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      let n = 0;
      for (;;) {
        if (n === this.buffer.length) {
          if (n >= MAX_FILE) throw new UnreadableError(path, 'EFBIG');
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger);
          this.buffer = bigger;
        }
        const asked = this.buffer.length - n;
        const got = readSync(fd, this.buffer, n, asked, null);
        if (got === 0) return this.buffer.subarray(0, n);
        n += got;
        if (n === got && got < asked && wanted) {
          const bytes = this.buffer.subarray(0, n);
          if (!wanted(bytes)) return bytes;
        }
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The file's bytes; null if it cannot be read, for whatever reason (missing, a folder, no permission). */
export function readBytesOrNull(path: string): Buffer | null {
  try {
    return readRegular(path);
  } catch {
    return null;
  }
}
