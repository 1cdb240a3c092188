// The instrumented kernel module builds with the real Kbuild of Debian's linux-headers, with no
// warning the original does not have; FORTIFY_SOURCE still sees through memcpy_debug(); two
// instrumented modules link together.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir } from './helpers/cli.js';
import { buildModule, missing } from './helpers/toolchain.js';

const FIXTURE = join(FIXTURES, 'kernel-module', 'before');
const skip = missing('kbuild');

describe('kernel module under real Kbuild', { skip }, () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('builds with no new warning, and FORTIFY_SOURCE still checks the copies', async () => {
    const plain = join(tmp, 'plain');
    const inst = join(tmp, 'mcdemo');
    await copyTree(FIXTURE, plain);
    await copyTree(FIXTURE, inst);
    const r = runCli(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);

    const a = buildModule(plain);
    const b = buildModule(inst);
    assert.equal(a.status, 0, a.output);
    assert.equal(b.status, 0, b.output);
    assert.deepEqual(b.warnings, a.warnings, 'no new warnings');
    assert.ok(existsSync(join(inst, 'mcdemo.ko')));
    const syms = run('nm', [join(inst, 'mcdemo.o')], inst).output;
    assert.match(syms, / T memcpy_debug_mcdemo_report$/m, 'the runtime is linked into the module');

    // An overflow of a struct field that FORTIFY_SOURCE finds at compile time: still found.
    await writeFile(join(inst, 'main.c'), (await readFile(join(inst, 'main.c'))).toString().replace('#ifdef MCDEMO_FORTIFY_PROBE', '#if 1'));
    const probe = buildModule(inst);
    assert.ok(probe.warnings.some((w) => /detected write beyond size of field/.test(w)), probe.output);
  });

  for (const mode of ['warn-once', 'bug']) {
    test(`--on-overlap ${mode} builds with no warning`, async () => {
      const dir = join(tmp, `mcdemo-${mode}`);
      await copyTree(FIXTURE, dir);
      const r = runCli(['instrument', `mcdemo-${mode}`, '--on-overlap', mode], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      const b = buildModule(dir);
      assert.equal(b.status, 0, b.output);
      assert.deepEqual(b.warnings, []);
      assert.match(await readFile(join(dir, 'memcpy_debug.h'), 'latin1'), new RegExp(`MEMCPY_DEBUG_ON_OVERLAP\tMEMCPY_DEBUG_${mode.toUpperCase().replace('-', '_')}$`, 'm'));
    });
  }

  test('two instrumented modules link into one image without duplicate symbols', async () => {
    for (const name of ['mod_a', 'mod_b']) {
      const dir = join(tmp, name);
      await copyTree(FIXTURE, dir);
      const mk = (await readFile(join(dir, 'Makefile'))).toString().replaceAll('mcdemo', name);
      await writeFile(join(dir, 'Makefile'), mk);
      const r = runCli(['instrument', name], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      const b = buildModule(dir);
      assert.equal(b.status, 0, b.output);
    }
    const objs = ['mod_a', 'mod_b'].map((n) => join(tmp, n, 'memcpy_debug.o'));
    const linked = run('ld', ['-r', '-o', join(tmp, 'both.o'), ...objs], tmp);
    assert.equal(linked.status, 0, linked.output);
    // The control: the same runtime twice does collide, so the check above means something.
    const twice = run('ld', ['-r', '-o', join(tmp, 'twice.o'), objs[0], objs[0]], tmp);
    assert.notEqual(twice.status, 0);
    assert.match(twice.output, /multiple definition of `memcpy_debug_mod_a_report'/);
  });
});
