// The manifest on disk: DIR/.memcpy-debug/manifest.json, replaced atomically.
import { readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_PATH, ManifestError, parseManifest, serializeManifest, STATE_DIR, type Manifest } from '../core/manifest.js';
import { ExitCode, ToolError } from '../cli/errors.js';
import { writeTextAtomic } from './files.js';

export async function readManifest(root: string): Promise<Manifest | null> {
  let json: string;
  try {
    json = await readFile(join(root, MANIFEST_PATH), 'utf8');
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

export async function writeManifest(root: string, m: Manifest): Promise<void> {
  // JSON is UTF-8; the latin1 characters of the regions come back as the same code units.
  await writeTextAtomic(join(root, MANIFEST_PATH), Buffer.from(serializeManifest(m), 'utf8').toString('latin1'), 0o644);
}

export async function removeManifest(root: string): Promise<void> {
  await rm(join(root, MANIFEST_PATH), { force: true });
  await rmdir(join(root, STATE_DIR)).catch(() => {}); // only when empty
}
