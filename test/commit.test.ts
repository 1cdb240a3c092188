// The commit layer over a file system that fails on purpose: a write that fails at any point puts
// the tree back (exit 4 in the CLI), an editor's save between the read and the rename stops the
// run without losing the save, and nothing is ever written through a link or left behind.
import assert from 'node:assert/strict';
import { chmod, chown, link, mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeTree, tempDir } from './helpers/cli.js';
import { checkWritable, commit, CommitError, UnsafePathError, type Journal } from '../src/io/commit.js';
import { realFs, type FileSystem } from '../src/io/fs.js';
import { modifyChange, sha256, type FileChange } from '../src/core/plan.js';
import type { Manifest } from '../src/core/manifest.js';

const FILES = ['a.c', 'b.c', 'sub/c.c', 'sub/d.c', 'e.c'];
const text = (name: string) => `/* ${name} */\nvoid f(void *d, const void *s) { memcpy(d, s, 4); }\n`;

/** A real file system whose `op` fails on its nth call (1-based) with `code`. */
function failing(op: keyof FileSystem, nth: number, code = 'EIO', hook?: (args: unknown[]) => Promise<void>): FileSystem {
  let calls = 0;
  return new Proxy(realFs, {
    get(target, name: keyof FileSystem) {
      const real = target[name] as (...a: unknown[]) => Promise<unknown>;
      if (name !== op) return real;
      return async (...args: unknown[]) => {
        calls++;
        if (hook && calls === nth) await hook(args);
        else if (calls === nth) throw Object.assign(new Error(`${code}: injected failure of ${op}`), { code });
        return real(...args);
      };
    },
  });
}

const manifest = (state: Manifest['state']): Manifest => ({
  format: 'memcpy-debug-manifest', version: 1, tool: 'memcpy-debug test', createdAt: new Date(0).toISOString(), state,
  options: { target: 'kernel', tag: 't', onOverlap: 'warn', samePointer: 'report', buildFile: null, excludes: [] }, files: [],
});
const JOURNAL: Journal = { writing: manifest('instrumenting'), done: manifest('instrumented'), before: null };

async function tree(root: string): Promise<FileChange[]> {
  await mkdir(join(root, 'sub'), { recursive: true });
  const changes: FileChange[] = [];
  for (const f of FILES) {
    await writeFile(join(root, f), text(f));
    const t = text(f);
    const at = t.indexOf('memcpy');
    changes.push(modifyChange(f, t, [{ start: at, end: at + 6, text: 'memcpy_debug', reason: 'call' }]).change);
  }
  changes.push({ kind: 'create', path: 'memcpy_debug.h', content: '/* runtime */\n', afterSha: sha256('/* runtime */\n') });
  return changes;
}

/** Every file of the tree with its bytes, temporary files and the state folder included. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath ?? e.path, e.name).slice(root.length + 1)] = (await readFile(join(e.parentPath ?? e.path, e.name))).toString('latin1');
  }
  return out;
}

describe('commit', () => {
  let tmp: string;
  let n = 0;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });
  const fresh = async () => {
    const root = join(tmp, `t${n++}`);
    const changes = await tree(root);
    return { root, changes, before: await snapshot(root) };
  };

  const points: [string, keyof FileSystem, number, string][] = [
    ['the manifest cannot be written (ENOSPC): nothing else is tried', 'create', 1, 'ENOSPC'],
    ['the first file fails', 'rename', 2, 'EIO'],
    ['the fourth file fails, three are put back', 'rename', 5, 'EIO'],
    ['the disk fills up on the last file', 'create', 7, 'ENOSPC'],
    ['the final manifest write fails', 'rename', 8, 'EIO'],
  ];
  for (const [what, op, nth, code] of points) {
    test(`a failure at a chosen point puts the tree back: ${what}`, async () => {
      const { root, changes, before: was } = await fresh();
      await assert.rejects(commit(root, changes, JOURNAL, { fs: failing(op, nth, code) }), (e: unknown) => {
        assert.ok(e instanceof CommitError, String(e));
        assert.equal(e.rolledBack, nth < 8, e.message);
        assert.match(e.message, new RegExp(code));
        return true;
      });
      if (nth < 8) assert.deepEqual(await snapshot(root), was, 'every file as it was, no temporary file, no state folder');
    });
  }

  for (const [what, code] of [['the disk fills up while a file is written', 'ENOSPC'], ['its owner cannot be set (chown)', 'EPERM']]) {
    test(`a temporary file half made is removed with the rest: ${what}`, async () => {
      const { root, changes, before: was } = await fresh();
      // The third file's temporary file is created, then the write (or chown) fails: as the
      // real create does when the disk is full.
      let calls = 0;
      const fs = new Proxy(realFs, {
        get(target, name: keyof FileSystem) {
          const real = target[name] as (...a: unknown[]) => Promise<unknown>;
          if (name !== 'create') return real;
          return async (...args: unknown[]) => {
            if (++calls !== 3) return real(...args);
            await writeFile(args[0] as string, 'half');
            throw Object.assign(new Error(`${code}: injected failure`), { code });
          };
        },
      });
      await assert.rejects(commit(root, changes, JOURNAL, { fs }), (e: unknown) => e instanceof CommitError && e.rolledBack);
      assert.deepEqual(await snapshot(root), was, 'every file as it was, no temporary file, no state folder');
    });
  }

  test('temporary names cannot be foretold from the ones seen: a file planted at the next name in sequence stops nothing', async () => {
    const { root, changes } = await fresh();
    // Who sees the first temporary file plants a file at the names that would follow it if the
    // names were a run's prefix and a counter.
    let planted = 0;
    const fs = new Proxy(realFs, {
      get(target, name: keyof FileSystem) {
        const real = target[name] as (...a: unknown[]) => Promise<unknown>;
        if (name !== 'create') return real;
        return async (...args: unknown[]) => {
          const m = /^(.*\/)\.([^/]+)\.([0-9a-f]{12})([0-9a-f]{4})\.memcpy-debug\.tmp$/.exec(args[0] as string);
          if (m && planted === 0) {
            for (const f of FILES) {
              for (let k = 1; k <= 12; k++) {
                const guess = join(root, `${dirname(f)}/.${basename(f)}.${m[3]}${(parseInt(m[4], 16) + k).toString(16).padStart(4, '0')}.memcpy-debug.tmp`);
                await writeFile(guess, 'planted').then(() => planted++, () => {});
              }
            }
          }
          return real(...args);
        };
      },
    });
    await commit(root, changes, null, { fs });
    assert.ok(planted > 0);
    for (const f of FILES) assert.match(await readFile(join(root, f), 'latin1'), /memcpy_debug\(/, f);
  });

  test('a save by an editor between the read and the rename stops the run; the save is kept, the rest put back', async () => {
    const { root, changes, before: was } = await fresh();
    // The third temporary file (b.c's... whichever comes third) is written: the user saves its target.
    let target = '';
    const fs = failing('create', 3, 'EIO', async (args) => {
      const temp = String(args[0]);
      target = join(temp, '..', temp.split('/').pop()!.replace(/^\./, '').replace(/\.[0-9a-f]{16}\.memcpy-debug\.tmp$/, ''));
      await writeFile(target, 'saved by the editor\n');
    });
    await assert.rejects(commit(root, changes, JOURNAL, { fs }), /changed while memcpy-debug was writing it/);
    const now = await snapshot(root);
    const rel = target.slice(root.length + 1);
    assert.equal(now[rel], 'saved by the editor\n');
    assert.deepEqual({ ...now, [rel]: was[rel] }, was, 'every other file as it was');
  });

  test('no write through a symbolic link on the way, or at the target', async () => {
    const { root, changes } = await fresh();
    const outside = join(tmp, `outside${n}`);
    await mkdir(outside);
    await writeFile(join(outside, '.bashrc'), 'keep\n');
    await symlink(outside, join(root, 'cfg'));
    const evil: FileChange = { kind: 'delete', path: 'cfg/.bashrc', content: 'keep\n', beforeSha: sha256('keep\n') };
    assert.deepEqual(await checkWritable(root, [evil]), ['cfg/.bashrc: cfg is a symbolic link: memcpy-debug never writes through one']);
    await assert.rejects(commit(root, [...changes, evil], JOURNAL), (e: unknown) => e instanceof CommitError && e.rolledBack);
    assert.equal(await readFile(join(outside, '.bashrc'), 'utf8'), 'keep\n');

    await symlink(join(outside, '.bashrc'), join(root, 'link.c'));
    const viaLink = modifyChange('link.c', 'keep\n', [{ start: 0, end: 0, text: 'x', reason: 'call' }]).change;
    assert.match((await checkWritable(root, [viaLink]))[0], /link\.c: a symbolic link/);
    await assert.rejects(commit(root, [viaLink], null), (e: unknown) => e instanceof CommitError && /symbolic link/.test(e.message));
    assert.equal(await readFile(join(outside, '.bashrc'), 'utf8'), 'keep\n');

    // A state folder that is a link.
    const other = join(tmp, `state${n}`);
    await mkdir(other);
    await symlink(other, join(root, '.memcpy-debug'));
    await assert.rejects(commit(root, changes, JOURNAL), (e: unknown) => e instanceof UnsafePathError);
    assert.deepEqual(await readdir(other), []);
  });

  test('a folder swapped for a link to an identical copy outside, after it was checked: nothing is written through it', async () => {
    const { root, changes } = await fresh();
    const outside = join(tmp, `outside${n}`);
    await mkdir(outside);
    for (const f of ['c.c', 'd.c']) await writeFile(join(outside, f), text(`sub/${f}`));
    const inodes = async () => Promise.all((await readdir(outside)).sort().map(async (f) => `${f} ${(await stat(join(outside, f))).ino}`));
    const outsideBefore = await snapshot(outside);
    const inodesBefore = await inodes();
    // When sub/d.c is about to be looked at (its folder already checked for sub/c.c), sub becomes
    // a link to the copy outside.
    let swapped = false;
    const fs = new Proxy(realFs, {
      get(target, name: keyof FileSystem) {
        const real = target[name] as (...a: unknown[]) => Promise<unknown>;
        if (name !== 'lstat') return real;
        return async (path: string) => {
          if (!swapped && path === join(root, 'sub', 'd.c')) {
            swapped = true;
            await rename(join(root, 'sub'), join(root, 'sub-moved'));
            await symlink(outside, join(root, 'sub'));
          }
          return real(path);
        };
      },
    });
    const sub = changes.filter((c) => c.path.startsWith('sub/'));
    await assert.rejects(commit(root, sub, null, { fs }), CommitError);
    assert.ok(swapped);
    // Not written, nor written and put back: the same files, with the same inodes.
    assert.deepEqual(await inodes(), inodesBefore, 'nothing outside was replaced');
    assert.deepEqual(await snapshot(outside), outsideBefore, 'nothing outside was written');
  });

  test('hard links are refused before any write; mode and owner are kept', async () => {
    const { root, changes } = await fresh();
    await link(join(root, 'a.c'), join(root, 'a-twin.c'));
    assert.match((await checkWritable(root, changes)).join('\n'), /a\.c: it has 2 hard links/);
    const { root: r2, changes: c2 } = await fresh();
    await chmod(join(r2, 'b.c'), 0o640);
    const root0 = process.getuid?.() === 0;
    if (root0) await chown(join(r2, 'b.c'), 1234, 4321);
    await commit(r2, c2, JOURNAL);
    const st = await stat(join(r2, 'b.c'));
    assert.equal(st.mode & 0o7777, 0o640);
    if (root0) assert.deepEqual([st.uid, st.gid], [1234, 4321]);
    assert.match(await readFile(join(r2, 'b.c'), 'latin1'), /memcpy_debug\(d, s, 4\)/);
    assert.deepEqual((await readdir(r2, { recursive: true })).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  });
});
