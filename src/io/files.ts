// Reading files as the bytes they are: latin1 text (1 char == 1 byte). Every write goes through
// the commit layer (commit.ts).
import { readFileSync } from 'node:fs';

export async function readText(path: string): Promise<string> {
  return readFileSync(path).toString('latin1');
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
