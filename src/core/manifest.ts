// The manifest: what instrument did, kept in the instrumented folder so that revert can undo
// exactly that. It doubles as the journal: its state says whether a run was cut off.
import type { Region } from './edit.js';
import { MANIFEST_FORMAT } from './manifest-schema.js';
import { validate as validateManifest } from './manifest-validate.js';
import { isPlainRelativePath } from './paths.js';
import type { FileChange } from './plan.js';
import type { OnOverlap, Placement, SamePointer, Target } from './runtime.js';

export const STATE_DIR = '.memcpy-debug';
export const MANIFEST_PATH = `${STATE_DIR}/manifest.json`;
export { MANIFEST_FORMAT };

/**
 * instrumenting: instrument is (or was, if cut off) writing files;
 * instrumented: done; reverting: revert is (or was) writing files.
 */
export type ManifestState = 'instrumenting' | 'instrumented' | 'reverting';

/** What a command does with the state it finds: go on (resuming a cut-off run of its own), or not. */
export interface GoOn { readonly resumes: boolean; readonly writing: ManifestState; readonly done: ManifestState }
export type ManifestStep = GoOn | { readonly finishWith: 'instrument' | 'revert' };

/**
 * The manifest's states, in one table: what `command` may do on a manifest found in `found`
 * (null: none), what the manifest says while it writes, and when it is done (revert: what is
 * left, if anything is). A cut-off run is finished by the command that was cut off: instrument
 * resumes its own; revert undoes whatever it finds, a cut-off instrument included; instrument
 * refuses a cut-off revert, and `another` run (a new folder of a kernel tree) refuses any.
 */
export function manifestStep(found: ManifestState | null, command: 'revert'): GoOn;
export function manifestStep(found: ManifestState | null, command: 'instrument', another?: boolean): ManifestStep;
export function manifestStep(found: ManifestState | null, command: 'instrument' | 'revert', another = false): ManifestStep {
  if (another && found !== null && found !== 'instrumented') return { finishWith: found === 'reverting' ? 'revert' : 'instrument' };
  if (command === 'instrument') {
    return found === 'reverting' ? { finishWith: 'revert' } : { resumes: found === 'instrumenting', writing: 'instrumenting', done: 'instrumented' };
  }
  return { resumes: found === 'reverting', writing: 'reverting', done: 'instrumented' };
}

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

/** Parses and checks a manifest: its schema, then the rules a schema cannot say; throws ManifestError with what is wrong. */
export function parseManifest(json: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch (e) {
    throw new ManifestError(`not valid JSON (${(e as Error).message})`);
  }
  const o = m as Partial<Manifest> | null;
  if (!o || typeof o !== 'object' || o.format !== MANIFEST_FORMAT) throw new ManifestError('not a memcpy-debug manifest');
  if (o.version !== 1) throw new ManifestError(`manifest version ${String(o.version)} is not supported by this memcpy-debug`);
  if (!validateManifest(m)) {
    const e = validateManifest.errors![0];
    const at = e.instancePath.slice(1).split('/').filter((p) => p !== '');
    if (e.keyword === 'required') at.push(e.params.missingProperty as string);
    const what = e.keyword === 'required' ? 'missing' : e.keyword === 'additionalProperties' ? `unknown field ${e.params.additionalProperty as string}` : e.message;
    throw new ManifestError(`${at.length === 0 ? 'the manifest' : at.join('.')}: ${what}`);
  }
  const manifest = m as Manifest;
  const bad = (where: string, what: string) => new ManifestError(`${where}: ${what}`);
  if (Number.isNaN(Date.parse(manifest.createdAt))) throw bad('createdAt', 'not a date');
  const { buildFile, folders = [] } = manifest.options;
  if (buildFile !== null && !isPlainRelativePath(buildFile)) throw bad('options.buildFile', OUTSIDE_FOLDER);
  folders.forEach((f, i) => {
    if (!isPlainRelativePath(f.path, true)) throw bad(`options.folders.${i}.path`, OUTSIDE_TREE);
  });
  const seen = new Set<string>();
  manifest.files.forEach((f, i) => {
    if (!isPlainRelativePath(f.path)) throw bad(`files.${i}.path`, OUTSIDE_FOLDER);
    if (seen.has(f.path)) throw bad(`files.${i}.path`, `${f.path} is listed twice`);
    seen.add(f.path);
    if (f.folder !== undefined && !isPlainRelativePath(f.folder, true)) throw bad(`files.${i}.folder`, OUTSIDE_TREE);
    if (f.kind === 'modify' && f.edits.some(([start, end]) => start > end)) throw bad(`files.${i}.edits`, 'an edit ends before it starts');
  });
  return manifest;
}

const OUTSIDE_FOLDER = 'not a plain relative path inside the folder';
const OUTSIDE_TREE = 'not a plain relative path inside the tree';

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 1) + '\n';
}

/** True when folder `a` holds `b` (or is it); '' (the top of a tree) holds everything. */
export const holds = (a: string, b: string): boolean => a === '' || a === b || b.startsWith(`${a}/`);
