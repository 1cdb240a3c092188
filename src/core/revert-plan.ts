// Revert, file by file: from a manifest entry and the file as it is now, what to write back.
// An unchanged file gets its original bytes; a file edited since gets our edits undone and the
// user's kept; a file where one of our lines was itself edited is a conflict.
import { revertRegions } from './edit.js';
import { Lines } from './lines.js';
import { join } from 'node:path';
import { ExitCode, ToolError } from './errors.js';
import { holds, regionsOf as manifestRegions, type Manifest, type ManifestEntry } from './manifest.js';
import { byPath, modifyChange, sha256, type FileChange } from './plan.js';
import type { RevertStatus } from './report.js';

export interface RevertFilePlan {
  readonly path: string;
  readonly status: RevertStatus;
  readonly reasons: string[];
  readonly change: FileChange | null;
  /** The text after the revert, for the patch; null when deleted or unchanged. */
  readonly after: string | null;
}

/** `currentSha`: the hash of `current`, when the caller has it from the bytes (cheaper). */
export function planRevertEntry(entry: ManifestEntry, current: string | null, force: boolean, currentSha?: string): RevertFilePlan {
  const path = entry.path;
  const none = (status: RevertStatus, reasons: string[] = []): RevertFilePlan => ({ path, status, reasons, change: null, after: null });
  if (entry.kind === 'create') {
    if (current === null) return none('already-original');
    const sha = currentSha ?? sha256(current);
    if (sha !== entry.after) {
      return none('kept', ['changed since instrument, so it may hold your work: remove it yourself when done']);
    }
    return { path, status: 'removed', reasons: [], change: { kind: 'delete', path, content: current, beforeSha: sha }, after: null };
  }
  if (current === null) return none('missing', ['deleted since instrument: nothing to undo']);
  const sha = currentSha ?? sha256(current);
  if (sha === entry.reverted) return none('reverted'); // done by a revert that was cut off
  if (sha === entry.before) return none('already-original');
  // One line index of the file serves the search for our lines and the change's regions.
  const lines = new Lines(current);
  const { text, edits, conflicts } = revertRegions(current, manifestRegions(entry), lines);
  const unchanged = sha === entry.after;
  if (unchanged && (conflicts.length > 0 || sha256(text) !== entry.before)) {
    // N.B. cannot happen unless the manifest was edited: the regions were made from this text.
    return none('conflict', ['the manifest does not match this file; restore it from version control']);
  }
  if (conflicts.length > 0 && !force) return none('conflict', conflicts.map((c) => c.reason));
  if (edits.length === 0) return none('conflict', conflicts.map((c) => c.reason));
  const status: RevertStatus = unchanged ? 'restored' : conflicts.length > 0 ? 'partly-reverted' : 'reverted';
  // Hashes known already: the file's, and, restored, the original's (checked just above).
  const { change, after } = modifyChange(path, current, edits, { beforeSha: sha, afterSha: unchanged ? entry.before : undefined, lines });
  return { path, status, reasons: conflicts.map((c) => `skipped: ${c.reason}`), change, after };
}

/**
 * The part of the manifest this revert undoes. A folder's own manifest: all of it. A kernel
 * tree's: the folders at or under `scope` ('' is the whole tree), and the shared runtime when
 * no other folder is left; a revert cut off midway takes up the entries it had marked.
 */
export function selectFolders(stored: Manifest, scope: string, shown: string, root: string): { manifest: Manifest; others: ManifestEntry[] } {
  if (stored.options.placement !== 'kernel-tree') return { manifest: stored, others: [] };
  const folders = stored.options.folders ?? [];
  let chosen: (e: ManifestEntry) => boolean;
  if (stored.state === 'reverting') {
    chosen = (e) => e.reverted !== undefined;
  } else {
    const mine = folders.filter((f) => holds(scope, f.path)).map((f) => f.path);
    if (folders.length === 0) {
      // Only the shared runtime is left (kept before because a call still needed it).
      chosen = () => true;
    } else if (mine.length === 0) {
      const by = folders.find((f) => holds(f.path, scope));
      throw new ToolError(ExitCode.PLAN, by ? `${shown} was instrumented as part of ${by.path || 'the whole tree'}` : `nothing is instrumented under ${shown} in this kernel tree`,
        folders.map((f) => `instrumented: ${f.path || '(the whole tree)'}`), by ? `revert that folder: memcpy-debug revert ${join(root, by.path)}` : 'nothing to do');
    } else {
      const last = folders.every((f) => mine.includes(f.path));
      chosen = (e) => (e.shared ? last : e.folder !== undefined && mine.includes(e.folder));
    }
  }
  return { manifest: { ...stored, files: stored.files.filter(chosen) }, others: stored.files.filter((e) => !chosen(e)) };
}

/**
 * What the manifest becomes after the revert (null: removed; else what is left: conflicts, the
 * other folders of a kernel tree), and the journal around the writes: each file marked with
 * what it becomes, so that a revert cut off midway can be finished. No journal without a manifest.
 */
export function revertJournal(stored: Manifest | null, changes: readonly FileChange[], leftEntries: readonly ManifestEntry[]): {
  final: Manifest | null;
  journal: { writing: Manifest; done: Manifest | null; before: Manifest } | null;
} {
  if (!stored) return { final: null, journal: null };
  const left = leftEntries.map(({ reverted: _, ...f }) => f as ManifestEntry).sort(byPath);
  // A folder stays listed while entries of it are left.
  const folders = stored.options.folders?.filter((f) => left.some((e) => e.folder === f.path));
  const final = left.length === 0 ? null : { ...stored, state: 'instrumented' as const, options: { ...stored.options, ...(folders ? { folders } : {}) }, files: left };
  const target = new Map(changes.map((c) => [c.path, c.kind === 'delete' ? '' : c.afterSha]));
  const writing = { ...stored, state: 'reverting' as const, files: stored.files.map((f) => (target.has(f.path) ? { ...f, reverted: target.get(f.path) } : f)) };
  return { final, journal: { writing, done: final, before: stored } };
}
