// A tree from someone else's tarball can carry links meant to make a tool write elsewhere: a
// symlinked folder under a manifest entry, a link planted at a temporary file's name, a
// symlinked state folder or build file, hard links. None of them gets a write; each is refused
// clearly (exit 3) before anything is written.
import assert from 'node:assert/strict';
import { link, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { copyTree, FIXTURES, readTree, removeTree, runCli, tempDir } from './helpers/cli.js';
import { sha256 } from '../src/core/plan.js';

let tmp: string;
let tree: string;
let outside: string;
beforeEach(async () => {
  tmp = await tempDir();
  tree = join(tmp, 'mcdemo');
  outside = join(tmp, 'outside');
  await copyTree(join(FIXTURES, 'kernel-module', 'before'), tree);
  await mkdir(outside);
  await writeFile(join(outside, 'key'), 'secret\n');
});
afterEach(async () => {
  await removeTree(tmp);
});

const outsideIntact = async () => assert.equal(await readFile(join(outside, 'key'), 'utf8'), 'secret\n');

describe('trust: links and hard links', () => {
  test('revert never follows a manifest entry through a symlinked folder', async () => {
    assert.equal(runCli(['instrument', 'mcdemo'], { cwd: tmp }).status, 0);
    await symlink('../outside', join(tree, 'cfg'));
    const path = join(tree, '.memcpy-debug', 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8')) as { files: { path: string; kind: string; after: string }[] };
    m.files.push({ path: 'cfg/key', kind: 'create', after: sha256('secret\n') });
    await writeFile(path, JSON.stringify(m));
    const before = await readTree(tree);
    const r = runCli(['revert', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /cfg\/key: cfg is a symbolic link: memcpy-debug never writes through one/);
    await outsideIntact();
    assert.deepEqual(await readTree(tree), before, 'nothing written');
  });

  test('a link planted at the old temporary file name is never written through', async () => {
    await symlink('../outside/key', join(tree, '.ring.c.memcpy-debug.tmp'));
    const r = runCli(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    await outsideIntact();
    assert.match(await readFile(join(tree, 'ring.c'), 'latin1'), /memcpy_debug\(/);
  });

  test('a symlinked state folder is refused by instrument and revert', async () => {
    await symlink('../outside', join(tree, '.memcpy-debug'));
    const snapshot = await readTree(tmp);
    for (const command of ['instrument', 'revert']) {
      const r = runCli([command, 'mcdemo'], { cwd: tmp });
      assert.equal(r.status, 3, r.stderr);
      assert.match(r.stderr, /\.memcpy-debug is (a symbolic link|not a folder)/);
    }
    assert.deepEqual(await readTree(tmp), snapshot);
  });

  test('a build file that is a symbolic link is refused, not replaced by a plain file', async () => {
    await rename(join(tree, 'Makefile'), join(outside, 'Makefile'));
    await symlink('../outside/Makefile', join(tree, 'Makefile'));
    const snapshot = await readTree(tmp);
    const r = runCli(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /Makefile: a symbolic link: memcpy-debug never writes through one/);
    assert.deepEqual(await readTree(tmp), snapshot, 'nothing written');
    // Without the build line, the folder is instrumented and the link untouched.
    assert.equal(runCli(['instrument', 'mcdemo', '--no-makefile'], { cwd: tmp }).status, 0);
    assert.equal(await readFile(join(outside, 'Makefile'), 'latin1'), snapshot.get('outside/Makefile')!.toString('latin1'));
  });

  test('a file with several hard links is refused before any write', async () => {
    await link(join(tree, 'ring.c'), join(outside, 'ring-twin.c'));
    const snapshot = await readTree(tmp);
    const r = runCli(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /ring\.c: it has 2 hard links/);
    assert.deepEqual(await readTree(tmp), snapshot, 'nothing written');
  });
});
