// Writes a plan. Everything was checked before the first write; each file is replaced
// atomically and checked against the hash it was planned from. If a write fails, the files
// already written are put back, so the tree is as it was.
import { join } from 'node:path';
import { applyEdits, revertRegions } from '../core/edit.js';
import { sha256, type FileChange } from '../core/plan.js';
import { readText, readTextIfExists, removeFile, whyNotWritable, whyNotWritableDir, writeTextAtomic, exists } from './files.js';
import { dirname } from 'node:path';

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly rolledBack: boolean,
  ) {
    super(message);
  }
}

/** Problems that would stop the plan from being written, one line each; empty when none. */
export async function preflight(root: string, changes: readonly FileChange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of changes) {
    const abs = join(root, c.path);
    if (c.kind === 'create') {
      if (await exists(abs)) problems.push(`${c.path}: already exists`);
      else {
        const why = await whyNotWritableDir(dirname(abs));
        if (why) problems.push(`${c.path}: ${why}`);
      }
    } else {
      const why = await whyNotWritable(abs);
      if (why) problems.push(`${c.path}: ${why}`);
    }
  }
  return problems;
}

/**
 * Applies `changes` in order. `onWritten` runs after each file (the test hook that simulates
 * a kill uses it). A file found in neither its planned state nor its result stops the run.
 */
export async function applyChanges(
  root: string,
  changes: readonly FileChange[],
  onWritten: (count: number) => void = () => {},
): Promise<void> {
  const done: FileChange[] = [];
  try {
    for (const c of changes) {
      await applyOne(root, c);
      done.push(c);
      onWritten(done.length);
    }
  } catch (e) {
    const failed = changes[done.length];
    let rolledBack = true;
    for (const c of done.reverse()) {
      try {
        await undoOne(root, c);
      } catch {
        rolledBack = false;
      }
    }
    throw new ApplyError((e as Error).message, failed?.path ?? '', rolledBack);
  }
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
