// Runs at once on a real tree (fs/btrfs of Debian's linux-source-6.1): instrument, revert and
// instrument started together; one of each works, the others are refused, and the tree is always
// whole. The link attacks are in ../trust.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { BIN, copyTree, removeTree, run, runCli, tempDir, treeDiff } from '../helpers/cli.js';
import { kernelSource, missing } from '../helpers/toolchain.js';

let tmp: string;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await removeTree(tmp);
});

describe('trust: runs at once on a real tree', { skip: missing('kernel-source') }, () => {
  test('instrument, revert and instrument started together on fs/btrfs, 6 times: the tree is always whole, revert restores it', async () => {
    const r = run('tar', ['-xJf', kernelSource()!, '-C', tmp, 'linux-source-6.1/fs/btrfs'], tmp);
    assert.equal(r.status, 0, r.output);
    const pristine = join(tmp, 'linux-source-6.1', 'fs', 'btrfs');
    const done = join(tmp, 'done');
    await copyTree(pristine, done);
    assert.equal(runCli(['instrument', 'done'], { cwd: tmp }).status, 0);
    const btrfs = join(tmp, 'btrfs');
    await copyTree(pristine, btrfs);
    const start = (command: string) => new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, command, 'btrfs'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('close', (status) => resolve({ status, stderr }));
    });
    for (let round = 0; round < 6; round++) {
      const runs = await Promise.all([start('instrument'), start('revert'), start('instrument')]);
      for (const x of runs) assert.ok(x.status === 0 || (x.status === 3 && /another memcpy-debug \(process \d+\) is working on btrfs/.test(x.stderr)), x.stderr);
      const [asBefore, asAfter] = await Promise.all([treeDiff(btrfs, pristine), treeDiff(btrfs, done)]);
      assert.ok(asBefore.length === 0 || asAfter.length === 0, `round ${round}: neither untouched nor instrumented (${asBefore.length} and ${asAfter.length} differences)`);
    }
    assert.equal(runCli(['revert', 'btrfs'], { cwd: tmp }).status, 0);
    assert.deepEqual(await treeDiff(btrfs, pristine), []);
  });
});
