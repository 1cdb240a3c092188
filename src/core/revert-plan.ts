// Revert, file by file: from a manifest entry and the file as it is now, what to write back.
// An unchanged file gets its original bytes; a file edited since gets our edits undone and the
// user's kept; a file where one of our lines was itself edited is a conflict.
import { revertRegions } from './edit.js';
import { regionsOf as manifestRegions, type ManifestEntry } from './manifest.js';
import { modifyChange, sha256, type FileChange } from './plan.js';
import type { RevertStatus } from './report.js';

export interface RevertFilePlan {
  readonly path: string;
  readonly status: RevertStatus;
  readonly reasons: string[];
  readonly change: FileChange | null;
  /** The text after the revert, for the patch; null when deleted or unchanged. */
  readonly after: string | null;
}

export function planRevertEntry(entry: ManifestEntry, current: string | null, force: boolean): RevertFilePlan {
  const path = entry.path;
  const none = (status: RevertStatus, reasons: string[] = []): RevertFilePlan => ({ path, status, reasons, change: null, after: null });
  if (entry.kind === 'create') {
    if (current === null) return none('already-original');
    const sha = sha256(current);
    if (sha !== entry.after) {
      return none('kept', ['changed since instrument, so it may hold your work: remove it yourself when done']);
    }
    return { path, status: 'removed', reasons: [], change: { kind: 'delete', path, content: current, beforeSha: sha }, after: null };
  }
  if (current === null) return none('missing', ['deleted since instrument: nothing to undo']);
  const sha = sha256(current);
  if (sha === entry.reverted) return none('reverted'); // done by a revert that was cut off
  if (sha === entry.before) return none('already-original');
  const { text, edits, conflicts } = revertRegions(current, manifestRegions(entry));
  const unchanged = sha === entry.after;
  if (unchanged && (conflicts.length > 0 || sha256(text) !== entry.before)) {
    // N.B. cannot happen unless the manifest was edited: the regions were made from this text.
    return none('conflict', ['the manifest does not match this file; restore it from version control']);
  }
  if (conflicts.length > 0 && !force) return none('conflict', conflicts.map((c) => c.reason));
  if (edits.length === 0) return none('conflict', conflicts.map((c) => c.reason));
  const status: RevertStatus = unchanged ? 'restored' : conflicts.length > 0 ? 'partly-reverted' : 'reverted';
  const { change, after } = modifyChange(path, current, edits);
  return { path, status, reasons: conflicts.map((c) => `skipped: ${c.reason}`), change, after };
}
