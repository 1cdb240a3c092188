// The one place that writes a plan, for every command. It owns the journal (the manifest's
// state while files are written), the temporary files and the renames, and it never writes
// outside the root or through a link:
// - every path is checked component by component with lstat (each folder before the first write
//   into it, each file right before its rename): no symbolic link, no '..';
// - files are read with O_NOFOLLOW; temporary files are created with O_EXCL under a random name
//   beside their target, with the target's mode and owner, flushed, then renamed over it;
// - right before each rename the target must still be the file that was read (inode, size,
//   mtime, ctime): an editor's save in between stops the run instead of being lost;
// - files with several hard links, or owned by another user when that owner cannot be kept,
//   are refused before the first write;
// - if a write fails, the files already written are put back and the manifest is as it was.
import { randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { applyEdits, revertRegions } from '../core/edit.js';
import { MANIFEST_PATH, serializeManifest, STATE_DIR, type Manifest } from '../core/manifest.js';
import { sha256, sha256Bytes, type FileChange } from '../core/plan.js';
import { byPath } from '../core/order.js';
import { isPlainRelativePath } from '../core/paths.js';
import { realFs, type FileSystem } from './fs.js';

/** A write failed; `rolledBack` says whether everything written before it was put back. */
export class CommitError extends Error {
  constructor(message: string, readonly path: string, readonly rolledBack: boolean) {
    super(message);
  }
}

/** A path that cannot be written safely: a link on the way, several hard links, not a file. */
export class UnsafePathError extends Error {
  constructor(readonly path: string, readonly why: string) {
    super(`${path}: ${why}`);
  }
}

/**
 * What the manifest is while the files are written, after, and after a rollback (null: none).
 * A structural revert has no manifest, so no journal.
 */
export interface Journal {
  readonly writing: Manifest;
  readonly done: Manifest | null;
  readonly before: Manifest | null;
}

const TEMP_SUFFIX = '.memcpy-debug.tmp';
/** Files worked on at once: a kernel tree's thousands of files wait on the disk, not the CPU. */
const IN_FLIGHT = 16;

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The absolute path of `rel` under `root`, after checking that no folder on the way is a
 * symbolic link (or not a folder). The file itself is checked by the caller.
 */
export async function insideRoot(root: string, rel: string, fs: FileSystem = realFs, seen?: Map<string, Promise<void>>): Promise<string> {
  if (!isPlainRelativePath(rel)) throw new UnsafePathError(rel, 'not a plain relative path');
  const parts = rel.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    let check = seen?.get(dir);
    if (!check) {
      check = checkFolder(root, rel, dir, fs);
      // Awaited below, and by every later file of that folder: each gets the failure.
      check.catch(() => {});
      seen?.set(dir, check);
    }
    await check;
  }
  return join(root, rel);
}

async function checkFolder(root: string, rel: string, dir: string, fs: FileSystem): Promise<void> {
  const st = await fs.lstat(dir).catch((e) => (isMissing(e) ? null : Promise.reject(e)));
  if (!st) throw new UnsafePathError(rel, `its folder ${dir.slice(root.length + 1)} does not exist`);
  if (st.isSymbolicLink()) throw new UnsafePathError(rel, `${dir.slice(root.length + 1)} is a symbolic link: memcpy-debug never writes through one`);
  if (!st.isDirectory()) throw new UnsafePathError(rel, `${dir.slice(root.length + 1)} is not a folder`);
}

/** The file at `abs` as it may be replaced: a regular file with one link; null when absent. */
async function fileStat(abs: string, rel: string, fs: FileSystem): Promise<BigIntStats | null> {
  const st = await fs.lstat(abs).catch((e) => (isMissing(e) ? null : Promise.reject(e)));
  if (!st) return null;
  // --exclude leaves out C files; a build file or the runtime can only be fixed in place.
  const orExclude = /\.[ch]$/.test(rel) ? ', or leave it out with --exclude' : '';
  if (st.isSymbolicLink()) throw new UnsafePathError(rel, `a symbolic link: memcpy-debug never writes through one (replace it with the file it points to${orExclude})`);
  if (!st.isFile()) throw new UnsafePathError(rel, 'not a regular file');
  if (st.nlink > 1n) throw new UnsafePathError(rel, `it has ${st.nlink} hard links: replacing it would leave the other names with the old text (break the links with "cp FILE FILE.new && mv FILE.new FILE"${orExclude})`);
  return st;
}

/** The owner to give a replacement: the original's, when it is not ours (root can keep it). */
function ownerOf(st: BigIntStats): { uid: number; gid: number } | undefined {
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  return process.getuid?.() === uid && process.getgid?.() === gid ? undefined : { uid, gid };
}

/** Problems that would stop the plan from being written, one line each; empty when none. */
export async function checkWritable(root: string, changes: readonly FileChange[], fs: FileSystem = realFs): Promise<string[]> {
  const problems: { path: string; why: string }[] = [];
  const root0 = process.getuid?.() === 0;
  // A check before the writes: each folder is looked at once (each write checks its path again).
  const folders = new Map<string, Promise<void>>();
  const writable = new Map<string, Promise<boolean>>();
  await eachInFlight(changes, async (c) => {
    try {
      const abs = await insideRoot(root, c.path, fs, folders);
      const st = await fileStat(abs, c.path, fs);
      // The temporary file goes beside the target.
      const dir = dirname(abs);
      if (!writable.has(dir)) writable.set(dir, access(dir, constants.W_OK | constants.X_OK).then(() => true, () => false));
      if (!(await writable.get(dir))) {
        problems.push({ path: c.path, why: `no permission to create files in ${dirname(c.path) === '.' ? 'the folder' : dirname(c.path)}` });
        return;
      }
      if (c.kind === 'create') {
        if (st) problems.push({ path: c.path, why: 'already exists' });
        return;
      }
      if (!st) {
        problems.push({ path: c.path, why: 'missing' });
        return;
      }
      // Read-only bits are the user's intent even for root, who could write anyway.
      if ((Number(st.mode) & 0o222) === 0) problems.push({ path: c.path, why: 'the file is read-only' });
      else if (!root0 && !(await access(abs, constants.W_OK).then(() => true, () => false))) problems.push({ path: c.path, why: 'no permission to write the file' });
      else if (!root0 && Number(st.uid) !== process.getuid?.()) {
        problems.push({ path: c.path, why: `owned by user ${st.uid}: its replacement would be yours (run as that user, or as root, which keeps the owner)` });
      } else if (!root0 && Number(st.gid) !== process.getgid?.() && !process.getgroups?.().includes(Number(st.gid))) {
        problems.push({ path: c.path, why: `its group (${st.gid}) is not one of yours: its replacement could not keep it (run as root, which keeps it, or chgrp the file)` });
      }
    } catch (e) {
      if (e instanceof UnsafePathError) problems.push({ path: c.path, why: e.why });
      else throw e;
    }
  });
  return problems.sort(byPath).map((p) => `${p.path}: ${p.why}`);
}

/**
 * Writes `changes` under `root` with the journal around them. `onWritten` runs after each file
 * (the kill test hook uses it).
 */
export async function commit(root: string, changes: readonly FileChange[], journal: Journal | null,
  o: { fs?: FileSystem; onWritten?: (count: number) => void } = {}): Promise<void> {
  const fs = o.fs ?? realFs;
  try {
    if (journal) await writeManifest(root, journal.writing, fs);
  } catch (e) {
    // Nothing was written yet: the manifest is as it was (a failed write leaves no temp).
    if (e instanceof UnsafePathError) throw e;
    throw new CommitError((e as Error).message, MANIFEST_PATH, true);
  }
  const done: FileChange[] = [];
  const originals = new Map<string, BigIntStats>();
  // Each folder on the way is checked before the first write into it; each file right before
  // its own rename.
  const w = writer(root, fs);
  let failed: FileChange | undefined;
  try {
    await eachInFlight(changes, async (c) => {
      try {
        await applyOne(root, c, w, originals);
      } catch (e) {
        failed ??= c;
        throw e;
      }
      done.push(c);
      o.onWritten?.(done.length);
    });
  } catch (e) {
    let rolledBack = true;
    for (const c of done.reverse()) {
      try {
        await undoOne(root, c, { ...w, folders: new Map() }, originals.get(c.path));
      } catch {
        rolledBack = false;
      }
    }
    if (rolledBack && journal) await writeManifest(root, journal.before, fs).catch(() => { rolledBack = false; });
    const why = e instanceof UnsafePathError ? e.why : (e as Error).message;
    throw new CommitError(why, failed?.path ?? '', rolledBack);
  }
  // The files are written; a manifest left at 'instrumenting' or 'reverting' lets a rerun finish.
  if (journal) await writeManifest(root, journal.done, fs).catch((e) => Promise.reject(new CommitError((e as Error).message, MANIFEST_PATH, false)));
}

/** Writes the manifest (null: removes it, and the state folder when empty). */
export async function writeManifest(root: string, m: Manifest | null, fs: FileSystem = realFs): Promise<void> {
  const dir = join(root, STATE_DIR);
  const st = await fs.lstat(dir).catch((e) => (isMissing(e) ? null : Promise.reject(e)));
  if (st && (st.isSymbolicLink() || !st.isDirectory())) throw new UnsafePathError(STATE_DIR, 'not a folder (a symbolic link?): memcpy-debug keeps its state only inside DIR; remove it');
  const abs = join(root, MANIFEST_PATH);
  if (m === null) {
    if (!st) return;
    await fs.unlink(abs).catch((e) => (isMissing(e) ? undefined : Promise.reject(e)));
    await fs.rmdir(dir).catch(() => {}); // only when empty
    return;
  }
  if (!st) await fs.mkdir(dir, 0o755);
  const current = await fileStat(abs, MANIFEST_PATH, fs);
  // JSON is UTF-8; the latin1 characters of the regions come back as the same code units.
  await replace(abs, Buffer.from(serializeManifest(m), 'utf8'), current, writer(root, fs), 0o644);
}

/**
 * Removes the temporary files a killed run may have left beside `paths`: ours by name, in the
 * folders of those files only.
 */
export async function removeTemps(root: string, paths: readonly string[], fs: FileSystem = realFs): Promise<void> {
  const byDir = new Map<string, Set<string>>();
  for (const p of [...paths, MANIFEST_PATH]) {
    const d = dirname(p);
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(basename(p));
  }
  await eachInFlight([...byDir], async ([d, names]) => {
    const abs = d === '.' ? root : await insideRoot(root, `${d}/x`, fs).then((p) => dirname(p)).catch(() => null);
    if (!abs) return;
    const entries = await fs.readdir(abs).catch(() => [] as string[]);
    for (const e of entries) {
      const m = /^\.(.+?)(?:\.[0-9a-f]{16})?\.memcpy-debug\.tmp$/.exec(e);
      if (m && names.has(m[1])) await fs.unlink(join(abs, e)).catch(() => {});
    }
  });
}

/** What the writes of one commit share: the file system, the folders checked, the temp names. */
interface Writer {
  readonly fs: FileSystem;
  readonly folders: Map<string, Promise<void>>;
  /**
   * Checks, right before a rename or an unlink in `dir`, that no folder between the root and it
   * is a symbolic link now: a folder checked before the first write into it can be swapped for
   * a link later in the run, and every later write into it would go through the link.
   */
  readonly stillInside: (dir: string) => Promise<void>;
}

function writer(root: string, fs: FileSystem): Writer {
  let realRoot: Promise<string> | undefined;
  return {
    fs, folders: new Map(),
    async stillInside(dir) {
      realRoot ??= fs.realpath(root);
      const expected = (await realRoot) + dir.slice(root.length);
      const real = await fs.realpath(dir).catch(() => null);
      if (real !== expected) throw new UnsafePathError(dir.slice(root.length + 1) || '.', 'became a symbolic link (or moved) while memcpy-debug was writing: nothing more is written through it');
    },
  };
}

/**
 * A name for a temporary file, 16 hex digits drawn at random each time: no one can plant a link
 * at a name they cannot guess from the names they see (O_EXCL refuses one anyway).
 */
const tempName = (): string => randomBytes(8).toString('hex');

async function applyOne(root: string, c: FileChange, w: Writer, originals: Map<string, BigIntStats>): Promise<void> {
  const { fs } = w;
  const abs = await insideRoot(root, c.path, fs, w.folders);
  const st = await fileStat(abs, c.path, fs);
  switch (c.kind) {
    case 'modify': {
      if (!st) throw new Error(`${c.path} disappeared while memcpy-debug was running`);
      if (c.beforeSha === '' || c.afterSha === '') throw new Error(`${c.path}: internal error: a dry run's plan (no hashes) given to commit`);
      const { bytes, stat } = await fs.read(abs);
      const sha = sha256Bytes(bytes);
      if (sha === c.afterSha) return; // already done (a resumed run)
      if (sha !== c.beforeSha) throw new Error(`${c.path} changed while memcpy-debug was running`);
      const after = Buffer.from(applyEdits(bytes.toString('latin1'), c.edits), 'latin1');
      if (sha256Bytes(after) !== c.afterSha) throw new Error(`${c.path}: internal error: the edits do not give the planned result`);
      originals.set(c.path, stat);
      await replace(abs, after, stat, w);
      return;
    }
    case 'create': {
      if (st) {
        const { bytes } = await fs.read(abs);
        if (sha256Bytes(bytes) === c.afterSha) return;
        throw new Error(`${c.path} appeared while memcpy-debug was running`);
      }
      await replace(abs, Buffer.from(c.content, 'latin1'), null, w, 0o644);
      return;
    }
    case 'delete': {
      if (!st) return;
      const { bytes, stat } = await fs.read(abs);
      if (sha256Bytes(bytes) !== c.beforeSha) throw new Error(`${c.path} changed while memcpy-debug was running`);
      originals.set(c.path, stat);
      await checkUnchanged(abs, c.path, stat, fs);
      await w.stillInside(dirname(abs));
      await fs.unlink(abs);
      return;
    }
  }
}

async function undoOne(root: string, c: FileChange, w: Writer, original: BigIntStats | undefined): Promise<void> {
  const { fs } = w;
  const abs = await insideRoot(root, c.path, fs, w.folders);
  switch (c.kind) {
    case 'modify': {
      const { bytes, stat } = await fs.read(abs);
      const { text, conflicts } = revertRegions(bytes.toString('latin1'), c.regions);
      if (conflicts.length > 0 || sha256(text) !== c.beforeSha) throw new Error(`cannot restore ${c.path}`);
      await replace(abs, Buffer.from(text, 'latin1'), stat, w);
      return;
    }
    case 'create':
      await fs.unlink(abs).catch((e) => (isMissing(e) ? undefined : Promise.reject(e)));
      return;
    case 'delete':
      await replace(abs, Buffer.from(c.content, 'latin1'), null, w, original ? Number(original.mode) & 0o7777 : 0o644, original && ownerOf(original));
      return;
  }
}

/**
 * Replaces `abs` (as read: `was`; null when it must not exist) with `bytes`: a new temporary
 * file beside it, with its mode and owner, then a rename, right after checking that the file
 * is still the one read.
 */
async function replace(abs: string, bytes: Buffer, was: BigIntStats | null, w: Writer, mode?: number, owner?: { uid: number; gid: number }): Promise<void> {
  const { fs } = w;
  const temp = join(dirname(abs), `.${basename(abs)}.${tempName()}${TEMP_SUFFIX}`);
  await w.stillInside(dirname(abs));
  try {
    await fs.create(temp, bytes, was ? Number(was.mode) & 0o7777 : (mode ?? 0o644), was ? ownerOf(was) : owner);
  } catch (e) {
    // A write or chown that failed leaves the file it created: it goes. (EEXIST: the name was
    // someone else's, and stays theirs.)
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await fs.unlink(temp).catch(() => {});
    throw e;
  }
  try {
    await checkUnchanged(abs, basename(abs), was, fs);
    await w.stillInside(dirname(abs));
    await fs.rename(temp, abs);
  } catch (e) {
    await fs.unlink(temp).catch(() => {});
    throw e;
  }
}

/** The file at `abs` is still `was` (null: still absent); else it changed under us. */
async function checkUnchanged(abs: string, shown: string, was: BigIntStats | null, fs: FileSystem): Promise<void> {
  const now = await fs.lstat(abs).catch((e) => (isMissing(e) ? null : Promise.reject(e)));
  const same = was === null ? now === null
    : now !== null && !now.isSymbolicLink() && now.ino === was.ino && now.dev === was.dev && now.size === was.size && now.mtimeNs === was.mtimeNs && now.ctimeNs === was.ctimeNs;
  if (!same) throw new Error(`${shown} changed while memcpy-debug was writing it (by another program, or it is the same file as another of this run, through a bind mount); nothing of it was lost`);
}

/** Runs `task` on every item, IN_FLIGHT at a time; stops starting new ones after a failure. */
async function eachInFlight<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, lane));
  const rejected = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (rejected) throw rejected.reason;
}
