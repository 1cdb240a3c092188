// Revert, planned: from the manifest's entries and the files as they are now, what to write
// back. An unchanged file gets its original bytes; a file edited since gets our edits undone and
// the user's kept; a file where one of our lines was itself edited is a conflict. Without a
// manifest, a structural undo of exactly our forms. commands/revert.ts reads, this decides.
import { join } from 'node:path';
import { list } from './build/plan-kbuild.js';
import type { CParser } from './c/parse-c.js';
import { INCLUDES_HEADER } from './c/plan-c-file.js';
import { firstLine, revertRegions, type Edit } from './edit.js';
import { ExitCode, ToolError } from './errors.js';
import { Lines } from './lines.js';
import { entryOf, holds, manifestStep, regionsOf as manifestRegions, type Manifest, type ManifestEntry, type ModifyEntry } from './manifest.js';
import { modifyChange, sha256, sha256Bytes, type FileChange, type FileTexts } from './plan.js';
import { byPath } from './order.js';
import type { RevertFileReport, RevertStatus } from './report.js';
import {
  DEBUG_NAME, fillTemplate, isOurRuntimeFile, renderRuntime, runtimeParamsOf, RUNTIME_FILES, TREE_CREATED, TREE_FILES,
  type Target, type Templates, type TreeTemplates,
} from './runtime.js';
import { structuralRevertBuild, structuralRevertC } from './structural-revert.js';

/** The whole revert, as it is planned file by file. */
export interface RevertPlan {
  readonly reports: RevertFileReport[];
  readonly changes: FileChange[];
  /** The texts of each change, for a dry run's patch. */
  readonly texts: FileTexts[];
  /** Entries that stay in the manifest (conflicts, a runtime still in use). */
  readonly remaining: ManifestEntry[];
  renamedBack: number;
  readonly warnings: string[];
}

export const emptyRevertPlan = (): RevertPlan => ({ reports: [], changes: [], texts: [], remaining: [], renamedBack: 0, warnings: [] });

/**
 * Adds one manifest entry's revert to `out`, from the file's bytes now (null: it is gone). A
 * file that still needs the runtime once reverted (a call written by hand since, or an include
 * left of one) goes into `stillCalling`.
 */
export function addEntryRevert(
  out: RevertPlan, entry: ManifestEntry, bytes: Buffer | null, o: { force: boolean; withTexts: boolean }, stillCalling: Map<string, RuntimeUse>,
): void {
  const current = bytes === null ? null : bytes.toString('latin1');
  const p = planRevertEntry(entry, current, o.force, bytes === null ? undefined : sha256Bytes(bytes));
  out.reports.push({ path: p.path, status: p.status, reasons: p.reasons });
  if (p.change) {
    out.changes.push(p.change);
    // Texts are kept only for the patch of a dry run.
    if (o.withTexts) out.texts.push({ path: p.path, before: current, after: p.after, regions: p.change.kind === 'modify' ? p.change.regions : undefined });
  }
  if (p.status === 'conflict') out.remaining.push(entry);
  if (p.keep) out.remaining.push({ ...p.keep, ...(entry.folder !== undefined ? { folder: entry.folder } : {}) });
  // Only edits made since count: a file restored byte for byte is as it was before.
  const left = p.change ? p.after : current;
  const editedSince = p.status !== 'restored' && p.status !== 'already-original';
  const use = entry.kind === 'modify' && editedSince && left !== null ? usesRuntime(left) : null;
  if (use) stillCalling.set(entry.path, use);
}

/** The C text without its comments. */
const codeOf = (text: string): string => text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ');

/** True if the C text calls memcpy_debug or includes its header, outside comments. */
export function usesRuntime(text: string): RuntimeUse | null {
  if (!text.includes(DEBUG_NAME)) return null;
  const code = codeOf(text);
  return /\bmemcpy_debug\s*\(/.test(code) ? 'calls' : INCLUDES_HEADER.test(code) ? 'includes' : null;
}

/** How a file written since instrument needs the runtime: it calls memcpy_debug, or only includes its header. */
export type RuntimeUse = 'calls' | 'includes';

/** True if the C text calls memcpy_debug, outside comments. */
function callsRuntime(text: string): boolean {
  return text.includes(DEBUG_NAME) && /\bmemcpy_debug\s*\(/.test(codeOf(text));
}

/**
 * The edits that take the text `edits` make of `current` back to `current` where `kept` stand:
 * each kept edit, moved to where it lands in the edited text, with the text it replaced.
 */
function inverse(current: string, edits: readonly Edit[], kept: readonly Edit[]): Edit[] {
  const out: Edit[] = [];
  let shift = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    if (kept.includes(e)) out.push({ start: e.start + shift, end: e.start + shift + e.text.length, text: current.slice(e.start, e.end), reason: 'include' });
    shift += e.text.length - (e.end - e.start);
  }
  return out;
}

/**
 * A file instrumented before, edited since, with new calls to rename now (a debug memcpy the
 * user wrote): the manifest entry that undoes both runs, from its text now and the new edits.
 * What revert would make of the file now (ours undone, the user's kept) becomes its original,
 * so a revert after this run, or after the user takes the debug call out again, gives back the
 * user's own text. A problem (our lines changed, a new call on a line we edited) is returned.
 */
export function rebaseEntry(entry: ModifyEntry, current: string, newEdits: readonly Edit[]): { entry: ManifestEntry } | { problem: string } {
  const { text: original, edits: undo, conflicts } = revertRegions(current, manifestRegions(entry));
  if (conflicts.length > 0) return { problem: conflicts[0].reason };
  const sorted = [...undo].sort((a, b) => a.start - b.start);
  const mapped: Edit[] = [];
  for (const e of newEdits) {
    let shift = 0;
    for (const u of sorted) {
      if (u.end <= e.start && (u.end > u.start || u.start < e.start)) shift += u.text.length - (u.end - u.start);
      else if (e.end <= u.start) break;
      else return { problem: `a new call on a line memcpy-debug edited (${firstLine(current.slice(u.start, u.end))})` };
    }
    mapped.push({ ...e, start: e.start + shift, end: e.end + shift });
  }
  const all = [...inverse(current, undo, undo), ...mapped].sort((a, b) => a.start - b.start || a.end - b.end);
  const redone = modifyChange(entry.path, original, all);
  if (redone.after !== modifyChange(entry.path, current, newEdits).after) return { problem: 'its edits could not be combined with the earlier ones' };
  return { entry: entryOf(redone.change) };
}

/** The runtime files of a manifest's placement. */
export const runtimeFilesOf = (manifest: Manifest): readonly string[] =>
  manifest.options.placement === 'kernel-tree' ? TREE_CREATED : RUNTIME_FILES;

/** The runtime files the plan deletes. */
export function runtimeDeletions(manifest: Manifest, out: RevertPlan): string[] {
  const runtime = runtimeFilesOf(manifest);
  return out.changes.filter((c) => c.kind === 'delete' && runtime.includes(c.path)).map((c) => c.path);
}

/**
 * The runtime header goes only when nothing calls memcpy_debug any more: a call written by hand
 * since instrument (or a file in conflict) would no longer build. Then the header (and the
 * source beside it) stay, the user is told where the calls are, and the manifest keeps them
 * for the next revert.
 */
export function keepRuntimeIfUsed(manifest: Manifest, out: RevertPlan, deleting: readonly string[], users: ReadonlyMap<string, RuntimeUse>): void {
  if (deleting.length === 0 || users.size === 0) return;
  const kept = new Set(deleting);
  const callers = [...users].filter(([, u]) => u === 'calls').map(([p]) => p).sort();
  const includers = [...users].filter(([, u]) => u === 'includes').map(([p]) => p).sort();
  const reasons = [
    ...(callers.length > 0 ? [`${list(callers, 5)} still ${callers.length === 1 ? 'calls' : 'call'} memcpy_debug, and would not build without it; remove those calls (or rename them back to memcpy), then run revert again`] : []),
    ...(includers.length > 0 ? [`${list(includers, 5)} still ${includers.length === 1 ? 'includes' : 'include'} memcpy_debug.h (with no call left), and would not build without it; remove the #include "memcpy_debug.h" line, then run revert again`] : []),
  ];
  out.changes.splice(0, out.changes.length, ...out.changes.filter((c) => !kept.has(c.path)));
  out.texts.splice(0, out.texts.length, ...out.texts.filter((t) => !kept.has(t.path)));
  for (const r of out.reports) {
    if (!kept.has(r.path)) continue;
    Object.assign(r, { status: 'in-use', reasons });
  }
  out.remaining.push(...manifest.files.filter((f) => kept.has(f.path)));
}

function addModify(out: RevertPlan, path: string, text: string, edits: Edit[]): void {
  if (edits.length === 0) return;
  const { change, after } = modifyChange(path, text, edits);
  out.changes.push(change);
  out.texts.push({ path, before: text, after, regions: change.regions });
  out.reports.push({ path, status: 'reverted', reasons: [] });
}

/** Structural undo of a C file that mentions memcpy_debug: calls renamed back, our include out. */
export function addStructuralC(out: RevertPlan, path: string, text: string, parser: CParser): void {
  const r = structuralRevertC(path, text, parser);
  out.renamedBack += r.renamedBack;
  addModify(out, path, text, r.edits);
}

/** Structural undo of a build file (one of BUILD_FILE_NAMES, or lib/'s Makefile and Kconfig.debug): our marked lines out. */
export function addStructuralBuild(out: RevertPlan, name: string, text: string): void {
  if (text.includes('memcpy-debug')) addModify(out, name, text, structuralRevertBuild(text));
}

/** Structural undo of a runtime file: removed only when it is exactly what we would have written. */
export function addStructuralRuntime(out: RevertPlan, name: string, text: string, templates: Readonly<Record<Target, Templates>> & { readonly tree: TreeTemplates }): void {
  const params = runtimeParamsOf(text);
  const tree = params?.placement === 'kernel-tree';
  const expected = !params ? undefined
    : tree ? fillTemplate(name === TREE_FILES.header ? templates.kernel['memcpy_debug.h'] : templates.tree.source, params)
      : renderRuntime(templates[params.target], params).find((f) => f.path === name)?.content;
  if (!isOurRuntimeFile(text, undefined, expected, sha256) || tree !== TREE_CREATED.includes(name)) {
    out.reports.push({ path: name, status: 'kept', reasons: ['not identical to the file memcpy-debug adds: remove it yourself when done'] });
    return;
  }
  out.changes.push({ kind: 'delete', path: name, content: text, beforeSha: sha256(text) });
  out.texts.push({ path: name, before: text, after: null });
  out.reports.push({ path: name, status: 'removed', reasons: [] });
}

export interface RevertFilePlan {
  readonly path: string;
  readonly status: RevertStatus;
  readonly reasons: string[];
  readonly change: FileChange | null;
  /** The text after the revert, for the patch; null when deleted or unchanged. */
  readonly after: string | null;
  /** What stays in the manifest of this file, to be undone by a later revert. */
  readonly keep?: ManifestEntry;
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
  // Lines of ours the user deleted or rewrote (took out a debug call, or made a call memmove):
  // when nothing of ours is left in what they became (no memcpy_debug call, no include of its
  // header), they are the user's now, and there is nothing there to undo.
  const gone = conflicts.length > 0 && !unchanged && usesRuntime(text) === null;
  if (conflicts.length > 0 && !force && !gone) return none('conflict', conflicts.map((c) => c.reason));
  const goneReasons = gone ? conflicts.map((c) => `${c.reason.replace(/ not found$/, '')}: changed or deleted since, with no memcpy_debug left in it: kept as it is`) : [];
  if (edits.length === 0) return gone ? none('reverted', goneReasons) : none('conflict', conflicts.map((c) => c.reason));
  const reasons = gone ? goneReasons : conflicts.map((c) => `skipped: ${c.reason}`);
  // A memcpy_debug call written by hand since instrument keeps its include: without it the file
  // would not build. What stays is recorded, for a revert once the call is gone. (A file not
  // edited since is as instrument left it: its calls, if any, were the original's.)
  if (!unchanged && callsRuntime(text)) {
    const stays = edits.filter((e) => INCLUDES_HEADER.test(current.slice(e.start, e.end)) && !INCLUDES_HEADER.test(e.text));
    if (stays.length > 0) {
      const undone = edits.filter((e) => !stays.includes(e));
      const { change, after } = modifyChange(path, current, undone, { beforeSha: sha, lines });
      reasons.push('its #include of memcpy_debug.h stays: a memcpy_debug call written since needs it; remove the call, then run revert again');
      return { path, status: 'include-kept', reasons, change, after, keep: entryOf(modifyChange(path, text, inverse(current, edits, stays)).change) };
    }
  }
  const status: RevertStatus = unchanged ? 'restored' : conflicts.length > 0 && !gone ? 'partly-reverted' : 'reverted';
  // Hashes known already: the file's, and, restored, the original's (checked just above).
  const { change, after } = modifyChange(path, current, edits, { beforeSha: sha, afterSha: unchanged ? entry.before : undefined, lines });
  return { path, status, reasons, change, after };
}

/**
 * The part of the manifest this revert undoes. A folder's own manifest: all of it. A kernel
 * tree's: the folders at or under `scope` ('' is the whole tree), and the shared runtime when
 * no other folder is left; a revert cut off midway takes up the entries it had marked.
 */
export function selectFolders(stored: Manifest, scope: string, shown: string, root: string): { manifest: Manifest; others: ManifestEntry[]; finishing: string[] } {
  if (stored.options.placement !== 'kernel-tree') return { manifest: stored, others: [], finishing: [] };
  const folders = stored.options.folders ?? [];
  let chosen: (e: ManifestEntry) => boolean;
  // A cut-off revert of other folders, which this run finishes instead of reverting `scope`.
  let finishing: string[] = [];
  if (stored.state === 'reverting') {
    chosen = (e) => e.reverted !== undefined;
    const cut = [...new Set(stored.files.filter(chosen).flatMap((e) => (e.folder !== undefined ? [e.folder] : [])))];
    if (!cut.some((f) => holds(scope, f))) finishing = cut;
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
  return { manifest: { ...stored, files: stored.files.filter(chosen) }, others: stored.files.filter((e) => !chosen(e)), finishing };
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
  const step = manifestStep(stored.state, 'revert');
  const final = left.length === 0 ? null : { ...stored, state: step.done, options: { ...stored.options, ...(folders ? { folders } : {}) }, files: left };
  const target = new Map(changes.map((c) => [c.path, c.kind === 'delete' ? '' : c.afterSha]));
  const writing = { ...stored, state: step.writing, files: stored.files.map((f) => (target.has(f.path) ? { ...f, reverted: target.get(f.path) } : f)) };
  return { final, journal: { writing, done: final, before: stored } };
}
