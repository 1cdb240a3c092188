// Writes a plan. Everything was checked before the first write; each file is replaced
// atomically and checked against the hash it was planned from. If a write fails, the files
// already written are put back, so the tree is as it was.
import { dirname, join } from 'node:path';
import { applyEdits, revertRegions } from '../core/edit.js';
import { byPath, sha256, type FileChange } from '../core/plan.js';
import { exists, readText, readTextIfExists, removeFile, tempPathFor, whyNotWritable, whyNotWritableDir, writeTextAtomic } from './files.js';

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

/** Files worked on at once: a kernel tree's thousands of files wait on the disk, not the CPU. */
const IN_FLIGHT = 16;

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

/** Problems that would stop the plan from being written, one line each; empty when none. */
export async function preflight(root: string, changes: readonly FileChange[]): Promise<string[]> {
  const problems: { path: string; why: string }[] = [];
  await eachInFlight(changes, async (c) => {
    const abs = join(root, c.path);
    const why = c.kind === 'create'
      ? (await exists(abs)) ? 'already exists' : await whyNotWritableDir(dirname(abs))
      : await whyNotWritable(abs);
    if (why) problems.push({ path: c.path, why });
  });
  return problems.sort(byPath).map((p) => `${p.path}: ${p.why}`);
}

/**
 * Applies `changes`, several at a time. `onWritten` runs after each file (the test hook that
 * simulates a kill uses it). A file found in neither its planned state nor its result stops
 * the run, and what was written is put back.
 */
export async function applyChanges(
  root: string,
  changes: readonly FileChange[],
  onWritten: (count: number) => void = () => {},
): Promise<void> {
  const done: FileChange[] = [];
  let failed: FileChange | undefined;
  try {
    await eachInFlight(changes, async (c) => {
      try {
        await applyOne(root, c);
      } catch (e) {
        failed ??= c;
        throw e;
      }
      done.push(c);
      onWritten(done.length);
    });
  } catch (e) {
    let rolledBack = true;
    for (const c of done.reverse()) {
      try {
        await undoOne(root, c);
      } catch {
        rolledBack = false;
      }
    }
    throw new ApplyError((e as Error).message, (failed as FileChange | undefined)?.path ?? '', rolledBack);
  }
}

/**
 * Removes the temporary files a killed run may have left beside `paths` (written, not yet
 * renamed into place).
 */
export async function removeTemps(root: string, paths: readonly string[]): Promise<void> {
  await eachInFlight(paths, (p) => removeFile(tempPathFor(join(root, p))));
}

async function applyOne(root: string, c: FileChange): Promise<void> {
  const abs = join(root, c.path);
  switch (c.kind) {
    case 'modify': {
      const text = await readText(abs);
      const sha = sha256(text);
      if (sha === c.afterSha) return; // already done (a resumed run)
      if (sha !== c.beforeSha) throw new Error(`${c.path} changed while memcpy-debug was running`);
      const after = applyEdits(text, c.edits);
      if (sha256(after) !== c.afterSha) throw new Error(`${c.path}: internal error: the edits do not give the planned result`);
      await writeTextAtomic(abs, after);
      return;
    }
    case 'create': {
      const current = await readTextIfExists(abs);
      if (current !== null) {
        if (sha256(current) === c.afterSha) return;
        throw new Error(`${c.path} appeared while memcpy-debug was running`);
      }
      await writeTextAtomic(abs, c.content, 0o644);
      return;
    }
    case 'delete': {
      const current = await readTextIfExists(abs);
      if (current === null) return;
      if (sha256(current) !== c.beforeSha) throw new Error(`${c.path} changed while memcpy-debug was running`);
      await removeFile(abs);
      return;
    }
  }
}

async function undoOne(root: string, c: FileChange): Promise<void> {
  const abs = join(root, c.path);
  switch (c.kind) {
    case 'modify': {
      const { text, conflicts } = revertRegions(await readText(abs), c.regions);
      if (conflicts.length > 0 || sha256(text) !== c.beforeSha) throw new Error(`cannot restore ${c.path}`);
      await writeTextAtomic(abs, text);
      return;
    }
    case 'create':
      await removeFile(abs);
      return;
    case 'delete':
      await writeTextAtomic(abs, c.content, 0o644);
      return;
  }
}
