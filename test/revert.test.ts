// revert: exact undo, the user's later edits kept, conflicts left alone and reported, the
// structural fallback without a manifest, and runs cut off by a kill finished by a re-run.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { BIN, copyTree, FIXTURES, readTree, removeTree, run, runCli, tempDir, treeDiff } from './helpers/cli.js';
import { missing } from './helpers/toolchain.js';

const BEFORE = join(FIXTURES, 'kernel-module', 'before');
const AFTER = join(FIXTURES, 'kernel-module', 'after');

let tmp: string;
let tree: string;
beforeEach(async () => {
  tmp = await tempDir();
  tree = join(tmp, 'mcdemo');
  await copyTree(BEFORE, tree);
});
afterEach(async () => {
  await removeTree(tmp);
});

const read = async (p: string) => (await readFile(join(tree, p))).toString('latin1');
const write = async (p: string, s: string) => writeFile(join(tree, p), Buffer.from(s, 'latin1'));
const instrument = (...args: string[]) => runCli(['instrument', 'mcdemo', ...args], { cwd: tmp });
const revert = (...args: string[]) => runCli(['revert', 'mcdemo', ...args], { cwd: tmp });

describe('revert', () => {
  test('keeps the edits made since, in instrumented files too', async () => {
    assert.equal(instrument().status, 0);
    const ring = await read('ring.c');
    const edited = ring
      .replace('\tunsigned int i;\n', '\tunsigned int i;\n\n\tpr_info("shift by %zu\\n", by);\n')
      .replace('/* Overlaps when by < MCDEMO_SLOT. */', '/* Overlaps when by < MCDEMO_SLOT: fix with memmove. */');
    assert.notEqual(edited, ring);
    await write('ring.c', edited);
    await write('Makefile', (await read('Makefile')) + 'ccflags-y += -DDEBUG\n');

    const r = revert();
    assert.equal(r.status, 0, r.stderr);
    const expected = (await readFile(join(BEFORE, 'ring.c'), 'latin1'))
      .replace('\tunsigned int i;\n', '\tunsigned int i;\n\n\tpr_info("shift by %zu\\n", by);\n')
      .replace('/* Overlaps when by < MCDEMO_SLOT. */', '/* Overlaps when by < MCDEMO_SLOT: fix with memmove. */');
    assert.equal(await read('ring.c'), expected);
    assert.equal(await read('Makefile'), (await readFile(join(BEFORE, 'Makefile'), 'latin1')) + 'ccflags-y += -DDEBUG\n');
    assert.match(r.stderr, /our edits undone, later edits kept/);
    assert.equal(existsSync(join(tree, 'memcpy_debug.c')), false);
    assert.equal(existsSync(join(tree, '.memcpy-debug')), false);
  });

  test('a file whose memcpy_debug line was edited (still calling it) is a conflict: untouched, reported, exit 5; the rest reverted', async () => {
    assert.equal(instrument().status, 0);
    const conflicted = (await read('ring.c')).replace('memcpy_debug(r->slots[0], r->slots[0] + by, MCDEMO_SLOT - by)', 'memcpy_debug(r->slots[0], r->slots[0] + by, MCDEMO_SLOT - by - 1)');
    await write('ring.c', conflicted);

    const r = revert();
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /ring\.c: CONFLICT, left as it is\n\s+line 20 was changed since instrument/);
    assert.equal(await read('ring.c'), conflicted, 'untouched');
    assert.equal(await read('stats.c'), await readFile(join(BEFORE, 'stats.c'), 'latin1'), 'others reverted');
    assert.ok(existsSync(join(tree, '.memcpy-debug/manifest.json')), 'the manifest keeps the conflict');

    // Again: still the same conflict, nothing else to do.
    const again = revert();
    assert.equal(again.status, 5);
    assert.match(again.stderr, /1 CONFLICT/);

    // --force undoes what it can and says what it skipped; the call left keeps the runtime.
    const forced = revert('--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stderr, /ring\.c: our edits undone but the include, still needed\n\s+skipped: line 20/);
    const ring = await read('ring.c');
    assert.match(ring, /memcpy_debug\(r->slots\[0\], r->slots\[0\] \+ by, MCDEMO_SLOT - by - 1\)/);
    assert.match(ring, /#include "memcpy_debug\.h"/, 'the include stays for the call left');
    assert.match(forced.stderr, /memcpy_debug\.h: kept: still used/);
  });

  test('lines of ours the user rewrote or deleted, with no memcpy_debug left (a memmove fix, an include taken out), are theirs: reverted, exit 0', async () => {
    assert.equal(instrument().status, 0);
    const fixed = (await read('ring.c')).replace('memcpy_debug(r->slots[0], r->slots[0] + by', 'memmove(r->slots[0], r->slots[0] + by');
    await write('ring.c', fixed);
    const noInclude = (await read('main.c')).replace('#include "memcpy_debug.h"\n', '');
    await write('main.c', noInclude);
    const r = revert();
    assert.equal(r.status, 0, r.stderr);
    const ring = await read('ring.c');
    assert.equal(ring, (await readFile(join(BEFORE, 'ring.c'), 'latin1')).replace('memcpy(r->slots[0], r->slots[0] + by', 'memmove(r->slots[0], r->slots[0] + by'), 'the fix kept, the rest original');
    assert.equal(await read('main.c'), await readFile(join(BEFORE, 'main.c'), 'latin1'));
    assert.equal(existsSync(join(tree, '.memcpy-debug')), false);
  });

  test('the runtime stays while a file still calls memcpy_debug (written by hand since): it would not build without it', async () => {
    assert.equal(instrument().status, 0);
    await write('extra.c', '#include "memcpy_debug.h"\nvoid extra(char *d, char *s) { memcpy_debug(d, s, 1); }\n');
    const r = revert();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /memcpy_debug\.h: kept: still used\n    extra\.c still calls memcpy_debug, and would not build without it/);
    assert.ok(existsSync(join(tree, 'memcpy_debug.h')));
    assert.ok(existsSync(join(tree, '.memcpy-debug/manifest.json')), 'kept for the next revert');
    await rm(join(tree, 'extra.c'));
    const again = revert();
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(await treeDiff(tree, BEFORE), []);
  });

  test('a runtime file changed since is kept and reported', async () => {
    assert.equal(instrument().status, 0);
    await write('memcpy_debug.c', (await read('memcpy_debug.c')) + '/* my note */\n');
    const r = revert();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /memcpy_debug\.c: kept: changed since instrument/);
    assert.ok(existsSync(join(tree, 'memcpy_debug.c')));
    assert.equal(existsSync(join(tree, 'memcpy_debug.h')), false);
  });

  test('without a manifest: a structural undo, said so, byte for byte', async () => {
    assert.equal(instrument().status, 0);
    await rm(join(tree, '.memcpy-debug'), { recursive: true });
    const r = revert();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no manifest, so a structural undo/);
    assert.deepEqual(await treeDiff(tree, BEFORE), []);
  });

  test('a tree instrumented from the dry-run patch (no manifest) reverts structurally too', { skip: missing('git') }, async () => {
    const patch = instrument('--dry-run').stdout;
    // The patch's paths start with the folder, as named where it was made: -p2 inside it.
    assert.equal(run('git', ['apply', '-p2', '-'], tree, patch).status, 0);
    assert.deepEqual(await treeDiff(tree, AFTER), []);
    assert.equal(revert().status, 0);
    assert.deepEqual(await treeDiff(tree, BEFORE), []);
  });

  test('--dry-run shows the revert as a patch and writes nothing; the patch gives the same tree', { skip: missing('git') }, async () => {
    assert.equal(instrument().status, 0);
    await write('main.c', (await read('main.c')).replace('static int __init', '/* mine */\nstatic int __init'));
    const snapshot = await readTree(tree);
    const dry = revert('--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout.toString(), /^deleted file mode 100644$/m);
    assert.deepEqual(await readTree(tree), snapshot, 'nothing written');
    assert.ok(existsSync(join(tree, '.memcpy-debug/manifest.json')));

    const copy = join(tmp, 'copy');
    await copyTree(tree, copy);
    assert.equal(run('git', ['apply', '-p2', '-'], copy, dry.stdout).status, 0);
    assert.equal(revert().status, 0);
    assert.deepEqual(await treeDiff(copy, tree), []);
  });

  test('instrument and revert started together: one waits its turn or is refused, the tree is always whole', async () => {
    const start = (command: string) => new Promise<{ status: number | null; stderr: string }>((done) => {
      const p = spawn(process.execPath, [BIN, command, 'mcdemo'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('close', (status) => done({ status, stderr }));
    });
    for (let round = 0; round < 8; round++) {
      const runs = await Promise.all([start('instrument'), start('revert'), start('instrument')]);
      for (const r of runs) {
        assert.ok(r.status === 0 || (r.status === 3 && /another memcpy-debug \(process \d+\) is working on mcdemo/.test(r.stderr)), r.stderr);
      }
      const before = await treeDiff(tree, BEFORE);
      const after = await treeDiff(tree, AFTER);
      assert.ok(before.length === 0 || after.length === 0, `round ${round}: neither untouched nor instrumented: ${before.join(', ')}`);
      assert.ok(!existsSync(join(tree, '.memcpy-debug.lock')), 'the lock is released');
    }
    assert.equal(revert().status, 0);
    assert.deepEqual(await treeDiff(tree, BEFORE), []);
  });

  for (const [command, killAfter] of [['instrument', 3], ['revert', 3]] as const) {
    test(`${command} killed after ${killAfter} files: every file old or new, a re-run finishes`, async () => {
      if (command === 'revert') assert.equal(instrument().status, 0);
      const from = command === 'instrument' ? BEFORE : AFTER;
      const to = command === 'instrument' ? AFTER : BEFORE;
      const killed = runCli([command, 'mcdemo'], { cwd: tmp, env: { MEMCPY_DEBUG_TEST_KILL_AFTER: String(killAfter) } });
      assert.equal(killed.status, null, 'killed');
      const [now, a, b] = await Promise.all([readTree(tree), readTree(from), readTree(to)]);
      let changed = 0;
      for (const path of new Set([...now.keys(), ...a.keys(), ...b.keys()])) {
        if (path.endsWith('.memcpy-debug.tmp')) continue; // written, not yet renamed: the re-run clears it
        if (path === '.memcpy-debug.lock') continue; // the killed run's: the re-run takes it over
        const cur = now.get(path);
        const isOld = cur === undefined ? !a.has(path) : a.get(path)?.equals(cur) === true;
        const isNew = cur === undefined ? !b.has(path) : b.get(path)?.equals(cur) === true;
        assert.ok(isOld || isNew, `${path} is either as before or as after`);
        if (!isOld) changed++;
      }
      // Files are written several at a time: those in flight at the kill may have landed too.
      assert.ok(changed >= killAfter && changed < killAfter + 16, `${changed} files changed`);

      assert.ok(existsSync(join(tree, '.memcpy-debug.lock')), 'the killed run left its lock');
      const again = runCli([command, 'mcdemo'], { cwd: tmp });
      assert.equal(again.status, 0, again.stderr);
      assert.ok(!existsSync(join(tree, '.memcpy-debug.lock')), 'a stale lock is taken over, then released');
      assert.deepEqual(await treeDiff(tree, to), []);
      if (command === 'instrument') {
        assert.equal(revert().status, 0);
        assert.deepEqual(await treeDiff(tree, BEFORE), []);
      } else {
        assert.equal(existsSync(join(tree, '.memcpy-debug')), false);
      }
    });
  }
});
