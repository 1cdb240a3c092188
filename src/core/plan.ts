// A plan is the whole change as data: what each file becomes, and how to undo it. Dry-run
// renders it, apply writes it, the manifest records it; nothing else decides what changes.
import { createHash } from 'node:crypto';
import { applyEdits, regionsOf, type Edit, type Region } from './edit.js';

/** A file changed in place: `edits` on the text whose hash is `beforeSha`. */
export interface ModifyChange {
  readonly kind: 'modify';
  /** POSIX path relative to the instrumented folder. */
  readonly path: string;
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

/** The change that `edits` make to `text`, and the text they give. */
export function modifyChange(path: string, text: string, edits: readonly Edit[]): { change: ModifyChange; after: string } {
  const after = applyEdits(text, edits);
  const change: ModifyChange = { kind: 'modify', path, beforeSha: sha256(text), afterSha: sha256(after), edits, regions: regionsOf(text, edits) };
  return { change, after };
}

export const byPath = (a: { path: string }, b: { path: string }): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** A file's change for the patch: its texts, or its patch already rendered (by a worker). */
export type FileTexts =
  | {
    readonly path: string;
    readonly before: string | null;
    readonly after: string | null;
    /** The changed lines, when known: the patch is then built from them instead of a diff. */
    readonly regions?: readonly Region[];
  }
  | { readonly path: string; readonly patch: string };

