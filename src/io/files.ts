// Reading and writing files as the bytes they are: latin1 text (1 char == 1 byte), atomic
// replacement (temporary file in the same folder, then rename), the file's mode kept.
import { constants } from 'node:fs';
import { access, chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_SUFFIX = '.memcpy-debug.tmp';

export async function readText(path: string): Promise<string> {
  return (await readFile(path)).toString('latin1');
}

/** A file that cannot be read as one (a folder of that name, no permission). */
export class UnreadableError extends Error {
  constructor(readonly path: string, readonly code: string) {
    super(`${path}: ${code === 'EISDIR' ? 'a folder, where a file was expected' : code === 'EACCES' ? 'not readable (permission denied)' : code}`);
  }
}

/** Like readText, but null when the file does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readText(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR' || code === 'EACCES' || code === 'ELOOP') throw new UnreadableError(path, code);
    throw e;
  }
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_SUFFIX}`);
}

/**
 * Replaces (or creates) `path` with `text` atomically: a process killed at any point leaves
 * either the old file or the new one. An existing file's mode is kept.
 */
export async function writeTextAtomic(path: string, text: string, mode?: number): Promise<void> {
  const temp = tempPathFor(path);
  const fileMode = mode ?? (await stat(path).then((s) => s.mode & 0o7777, () => 0o644));
  await writeFile(temp, Buffer.from(text, 'latin1'), { mode: fileMode });
  await chmod(temp, fileMode); // the umask may have cut the mode down
  await rename(temp, path);
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Why `path` cannot be replaced in place, or null if it can. */
export async function whyNotWritable(path: string): Promise<string | null> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    return `cannot stat: ${(e as Error).message}`;
  }
  // Read-only bits are the user's intent even for root, who could write anyway.
  if ((st.mode & 0o222) === 0) return 'the file is read-only';
  try {
    await access(path, constants.W_OK);
  } catch {
    return 'no permission to write the file';
  }
  return whyNotWritableDir(dirname(path));
}

/** Why no file can be created in `dir` (we write a temporary file there), or null. */
export async function whyNotWritableDir(dir: string): Promise<string | null> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
    return null;
  } catch {
    return `no permission to create files in ${dir}`;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
