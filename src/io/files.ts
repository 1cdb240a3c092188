// Reading files as the bytes they are: latin1 text (1 char == 1 byte). Every write goes through
// the commit layer (commit.ts).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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

/** A file that cannot be read as one (a folder of that name, no permission). */
export class UnreadableError extends Error {
  constructor(readonly path: string, readonly code: string) {
    super(`${path}: ${code === 'EISDIR' ? 'a folder, where a file was expected' : code === 'EACCES' ? 'not readable (permission denied)' : code}`);
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
    return readFileSync(path);
  } catch (e) {
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
    const fd = openSync(path, 'r');
    try {
      let n = 0;
      for (;;) {
        if (n === this.buffer.length) {
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
    return readFileSync(path);
  } catch {
    return null;
  }
}
