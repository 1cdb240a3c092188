// The fixtures are the spec: fixtures/<case>/before is instrumented and must give exactly
// fixtures/<case>/after; the dry-run patch must give the same through git apply and patch -p1;
// a second run changes nothing; revert gives back before, byte for byte.
// UPDATE_FIXTURES=1 rewrites the after trees (review the diff before committing it).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCliHere, tempDir, treeDiff } from './helpers/cli.js';
import { missingAny } from './helpers/toolchain.js';

const cases = readdirSync(FIXTURES).filter((c) => existsSync(join(FIXTURES, c, 'before')) && existsSync(join(FIXTURES, c, 'args.json')));

for (const name of cases) {
  const dir = join(FIXTURES, name);
  const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];

  describe(`fixture ${name}`, () => {
    test('instrument gives the after tree, byte for byte', async () => {
      const tmp = await tempDir();
      try {
        await copyTree(join(dir, 'before'), join(tmp, name));
        const r = (await runCliHere(['instrument', name, ...args], { cwd: tmp }));
        assert.equal(r.status, 0, r.stderr);
        if (process.env.UPDATE_FIXTURES) {
          await removeTree(join(dir, 'after'));
          await copyTree(join(tmp, name), join(dir, 'after'));
          await removeTree(join(dir, 'after', '.memcpy-debug'));
        }
        assert.deepEqual(await treeDiff(join(tmp, name), join(dir, 'after')), []);

        const again = (await runCliHere(['instrument', name, ...args], { cwd: tmp }));
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stderr, /already instrumented/);
        assert.deepEqual(await treeDiff(join(tmp, name), join(dir, 'after')), []);

        const back = (await runCliHere(['revert', name], { cwd: tmp }));
        assert.equal(back.status, 0, back.stderr);
        assert.deepEqual(await treeDiff(join(tmp, name), join(dir, 'before')), []);
        assert.equal(existsSync(join(tmp, name, '.memcpy-debug')), false, 'the state folder is gone');
      } finally {
        await removeTree(tmp);
      }
    });

    test('the dry-run patch applies with git apply and patch -p1 where it was made, and gives the same tree', { skip: missingAny('git', 'patch') }, async () => {
      const tmp = await tempDir();
      try {
        await copyTree(join(dir, 'before'), join(tmp, name));
        const r = (await runCliHere(['instrument', name, '--dry-run', ...args], { cwd: tmp }));
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(await treeDiff(join(tmp, name), join(dir, 'before')), [], 'dry run wrote nothing');
        // Its paths start with the folder as named from where the command ran (a/<name>/...).
        assert.match(r.stdout.toString(), new RegExp(`^diff --git a/${name}/`, 'm'));
        for (const [tool, toolArgs] of [['git', ['apply', '-']], ['patch', ['-p1', '-s']]] as const) {
          const copy = join(tmp, tool, name);
          await copyTree(join(dir, 'before'), copy);
          const applied = run(tool, toolArgs, join(tmp, tool), r.stdout);
          assert.equal(applied.status, 0, `${tool}: ${applied.output}`);
          assert.deepEqual(await treeDiff(copy, join(dir, 'after')), [], tool);
        }
      } finally {
        await removeTree(tmp);
      }
    });
  });
}
