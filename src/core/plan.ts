// A plan is the whole change as data: what each file becomes, and how to undo it. Dry-run
// renders it, apply writes it, the manifest records it; nothing else decides what changes.
import type { Hunk } from './hunks.js';
import { createHash } from 'node:crypto';
import { applyEdits, regionsOf, sortEdits, type Edit, type Region } from './edit.js';
import { Lines } from './lines.js';

/** A file changed in place: `edits` on the text whose hash is `beforeSha`. */
export interface ModifyChange {
  readonly kind: 'modify';
  /** POSIX path relative to the instrumented folder. */
  readonly path: string;
  /** Empty in a dry run's plan, which is never committed. */
  readonly beforeSha: string;
  readonly afterSha: string;
  readonly edits: readonly Edit[];
  /** Undoes the edits on the result, even after the user changed other lines (see edit.ts). */
  readonly regions: readonly Region[];
}

export interface CreateChange {
  readonly kind: 'create';
  readonly path: string;
  readonly content: string;
  readonly afterSha: string;
}

export interface DeleteChange {
  readonly kind: 'delete';
  readonly path: string;
  /** The content deleted: shown in the patch, and put back if an apply has to roll back. */
  readonly content: string;
  readonly beforeSha: string;
}

export type FileChange = ModifyChange | CreateChange | DeleteChange;

/** SHA-256 of a latin1 text, i.e. of the file's bytes. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

export interface ChangeOptions {
  /** The file's bytes, when at hand: hashed as they are, not converted back from the text. */
  readonly bytes?: Uint8Array;
  /** False for a dry run's plan, which is never committed nor recorded: no hashes. */
  readonly hashes?: boolean;
  /** The text's lines, when some were found already. */
  readonly lines?: Lines;
  /** The hashes, when the caller knows them already (revert: from the manifest). */
  readonly beforeSha?: string;
  readonly afterSha?: string;
}

/**
 * The change that `edits` make to `text`, and the text they give. Most of a file is hashed from
 * its bytes when they are given, before and after the edits, without converting the text back.
 */
export function modifyChange(path: string, text: string, edits: readonly Edit[], o: ChangeOptions = {}): { change: ModifyChange; after: string } {
  const after = applyEdits(text, edits);
  return { change: changeOf(path, text, edits, o, after), after };
}

/**
 * The change alone; `after`, the text it gives, when the caller has it (a worker does not, and
 * needs no more than the change).
 */
export function changeOf(path: string, text: string, edits: readonly Edit[], o: ChangeOptions = {}, after?: string): ModifyChange {
  const hashes = o.hashes ?? true;
  const beforeSha = !hashes ? '' : o.beforeSha ?? (o.bytes ? sha256Bytes(o.bytes) : sha256(text));
  const afterSha = !hashes ? '' : o.afterSha ?? (o.bytes ? sha256Edited(o.bytes, edits) : sha256(after ?? applyEdits(text, edits)));
  return { kind: 'modify', path, beforeSha, afterSha, edits, regions: regionsOf(text, edits, o.lines ?? new Lines(text)) };
}

/** SHA-256 of bytes. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of `bytes` with `edits` applied (the edits' texts are latin1, one byte a character). */
function sha256Edited(bytes: Uint8Array, edits: readonly Edit[]): string {
  const hash = createHash('sha256');
  let pos = 0;
  for (const e of sortEdits(edits)) {
    hash.update(bytes.subarray(pos, e.start));
    hash.update(e.text, 'latin1');
    pos = e.end;
  }
  return hash.update(bytes.subarray(pos)).digest('hex');
}


/** A file's change for the patch: its texts, or its hunks (computed where its text was read). */
export type FileTexts =
  | {
    readonly path: string;
    readonly before: string | null;
    readonly after: string | null;
    /** The changed lines, when known: the patch is then built from them instead of a diff. */
    readonly regions?: readonly Region[];
  }
  | { readonly path: string; readonly hunks: readonly Hunk[] };

