// Reading the manifest: DIR/.memcpy-debug/manifest.json (written by the commit layer). A state
// folder or manifest that is a symbolic link is refused: the state stays inside DIR.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_PATH, ManifestError, parseManifest, STATE_DIR, type Manifest } from '../core/manifest.js';
import { ExitCode, ToolError } from '../core/errors.js';
import { realFs } from './fs.js';

/** True if `dir` holds memcpy-debug's state folder (as a folder, not through a link). */
export async function stateDirAt(dir: string): Promise<boolean> {
  return (await lstat(join(dir, STATE_DIR)).catch(() => null))?.isDirectory() === true;
}

export async function readManifest(root: string): Promise<Manifest | null> {
  for (const p of [STATE_DIR, MANIFEST_PATH]) {
    const st = await lstat(join(root, p)).catch(() => null);
    if (!st) return null;
    if (st.isSymbolicLink()) {
      throw new ToolError(ExitCode.PLAN, `${p} is a symbolic link`, [], `memcpy-debug keeps its state only inside the folder; remove the link (it may come from someone else's tarball)`);
    }
  }
  let json: string;
  try {
    json = (await realFs.read(join(root, MANIFEST_PATH))).bytes.toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ToolError(ExitCode.PLAN, `cannot read ${MANIFEST_PATH}: ${(e as Error).message}`);
  }
  try {
    return parseManifest(json);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    throw new ToolError(ExitCode.PLAN, `${MANIFEST_PATH} is damaged: ${e.message}`, [],
      `restore it (from a backup or git), or remove it: revert then undoes the instrumentation structurally`);
  }
}
