// The manifest: what instrument did, kept in the instrumented folder so that revert can undo
// exactly that. It doubles as the journal: its state says whether a run was cut off.
import type { Region } from './edit.js';
import type { FileChange } from './plan.js';
import type { OnOverlap, Placement, SamePointer, Target } from './runtime.js';

export const STATE_DIR = '.memcpy-debug';
export const MANIFEST_PATH = `${STATE_DIR}/manifest.json`;
export const MANIFEST_FORMAT = 'memcpy-debug-manifest';

/**
 * instrumenting: instrument is (or was, if cut off) writing files;
 * instrumented: done; reverting: revert is (or was) writing files.
 */
export type ManifestState = 'instrumenting' | 'instrumented' | 'reverting';

export interface ManifestOptions {
  readonly target: Target;
  readonly tag: string;
  readonly onOverlap: OnOverlap;
  /** Absent in manifests of 0.1.0, whose runtime always reported it. */
  readonly samePointer?: SamePointer;
  readonly buildFile: string | null;
  readonly excludes: readonly string[];
  /** Absent: folder (the manifest of one folder, in it). */
  readonly placement?: Placement;
  /** kernel-tree: the folders instrumented in the tree (relative to its top, '' for all of it), in order. */
  readonly folders?: readonly TreeFolder[];
}

export interface TreeFolder {
  readonly path: string;
  readonly excludes: readonly string[];
}

export interface ModifyEntry {
  readonly path: string;
  readonly kind: 'modify';
  readonly before: string;
  readonly after: string;
  /** [start, end, text] on the original. */
  readonly edits: readonly (readonly [number, number, string])[];
  /** [line, before, after]: see Region. */
  readonly regions: readonly (readonly [number, string, string])[];
  /** Set while reverting: the hash this file gets, '' when it is deleted. */
  readonly reverted?: string;
  readonly folder?: string;
  readonly shared?: true;
}

export interface CreateEntry {
  readonly path: string;
  readonly kind: 'create';
  readonly after: string;
  readonly reverted?: string;
  /** kernel-tree: the instrumented folder this file belongs to. */
  readonly folder?: string;
  /** kernel-tree: part of the runtime all folders share (removed with the last of them). */
  readonly shared?: true;
}

export type ManifestEntry = ModifyEntry | CreateEntry;

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: 1;
  readonly tool: string;
  readonly createdAt: string;
  readonly state: ManifestState;
  readonly options: ManifestOptions;
  readonly files: readonly ManifestEntry[];
}

export function entryOf(change: FileChange): ManifestEntry {
  switch (change.kind) {
    case 'modify':
      return {
        path: change.path,
        kind: 'modify',
        before: change.beforeSha,
        after: change.afterSha,
        edits: change.edits.map((e) => [e.start, e.end, e.text] as const),
        regions: change.regions.map((r) => [r.line, r.before, r.after] as const),
      };
    case 'create':
      return { path: change.path, kind: 'create', after: change.afterSha };
    case 'delete':
      throw new Error('instrument never deletes a file');
  }
}

export function regionsOf(entry: ModifyEntry): Region[] {
  return entry.regions.map(([line, before, after]) => ({ line, before, after }));
}

export class ManifestError extends Error {}

/** Parses and checks a manifest; throws ManifestError with what is wrong. */
export function parseManifest(json: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch (e) {
    throw new ManifestError(`not valid JSON (${(e as Error).message})`);
  }
  const o = m as Partial<Manifest> | null;
  if (!o || o.format !== MANIFEST_FORMAT) throw new ManifestError('not a memcpy-debug manifest');
  if (o.version !== 1) throw new ManifestError(`manifest version ${String(o.version)} is not supported by this memcpy-debug`);
  if (!['instrumenting', 'instrumented', 'reverting'].includes(o.state as string)) throw new ManifestError('unknown state');
  if (!o.options || !Array.isArray(o.files)) throw new ManifestError('options or files missing');
  if (o.options.placement === 'kernel-tree' && (!Array.isArray(o.options.folders) || !o.options.folders.every((f) => typeof f?.path === 'string' && Array.isArray(f.excludes) && safeRelative(f.path, true)))) {
    throw new ManifestError('bad folder list');
  }
  for (const f of o.files) {
    const ok = typeof f?.path === 'string' && safeRelative(f.path, false) &&
      typeof f.after === 'string' &&
      (f.kind === 'create' || (f.kind === 'modify' && typeof f.before === 'string' && Array.isArray(f.regions) && Array.isArray(f.edits) &&
        f.regions.every((r: unknown) => Array.isArray(r) && r.length === 3 && Number.isInteger(r[0]) && r[0] >= 1 && typeof r[1] === 'string' && typeof r[2] === 'string') &&
        f.edits.every((e: unknown) => Array.isArray(e) && e.length === 3 && Number.isInteger(e[0]) && Number.isInteger(e[1]) && 0 <= e[0] && e[0] <= e[1] && typeof e[2] === 'string')));
    if (!ok) throw new ManifestError(`bad entry ${JSON.stringify(f).slice(0, 120)}`);
  }
  return o as Manifest;
}

/** A relative POSIX path that stays inside its root: no '..', '.', empty or absolute parts. */
function safeRelative(path: string, emptyOk: boolean): boolean {
  if (path === '') return emptyOk;
  return !path.startsWith('/') && !path.split('/').some((p) => p === '..' || p === '' || p === '.');
}

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 1) + '\n';
}

/** True when folder `a` holds `b` (or is it); '' (the top of a tree) holds everything. */
export const holds = (a: string, b: string): boolean => a === '' || a === b || b.startsWith(`${a}/`);
