// The instrumented kernel module builds with the real Kbuild of Debian's linux-headers, with no
// warning the original does not have; FORTIFY_SOURCE still sees through memcpy_debug(); two
// instrumented modules link together.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir, treeDiff } from '../helpers/cli.js';
import { buildModule, kbuildDir, missing } from '../helpers/toolchain.js';

const FIXTURE = join(FIXTURES, 'kernel-module', 'before');
const skip = missing('kbuild');

describe('kernel module under real Kbuild', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('builds with no new warning, and FORTIFY_SOURCE still checks the copies', { skip }, async () => {
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
    // memcpy_debug.o marks the module; modinfo reads .modinfo, as strings does here.
    assert.match(run('strings', [join(inst, 'mcdemo.ko')], inst).output, /^memcpy_debug=on-overlap=warn same-pointer=report$/m);

    // An overflow of a struct field that FORTIFY_SOURCE finds at compile time: still found.
    await writeFile(join(inst, 'main.c'), (await readFile(join(inst, 'main.c'))).toString().replace('#ifdef MCDEMO_FORTIFY_PROBE', '#if 1'));
    const probe = buildModule(inst);
    assert.ok(probe.warnings.some((w) => /detected write beyond size of field/.test(w)), probe.output);
  });

  for (const mode of ['warn-once', 'memmove', 'bug']) {
    test(`--on-overlap ${mode} builds with no warning`, { skip }, async () => {
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

  test('a folder that builds several modules, a single-file one and a subfolder\'s: every module links, no build file edited', { skip }, async () => {
    const plain = join(tmp, 'multi-plain');
    const dir = join(tmp, 'multi');
    await copyTree(join(FIXTURES, 'kbuild-multi', 'before'), plain);
    await copyTree(join(FIXTURES, 'kbuild-multi', 'before'), dir);
    const r = runCli(['instrument', 'multi', '--json'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { renamed: number; builds: unknown[]; created: string[] };
    assert.deepEqual([report.renamed, report.builds, report.created], [10, [], ['memcpy_debug.h']]);
    const a = buildModule(plain);
    const b = buildModule(dir);
    assert.equal(b.status, 0, b.output);
    assert.deepEqual(b.warnings, a.warnings, 'no new warnings');
    for (const ko of ['mcd_core.ko', 'mcd_extra.ko', 'mcd_single.ko', 'sub/mcd_sub.ko']) {
      assert.ok(existsSync(join(dir, ko)), ko);
      assert.match(run('nm', [join(dir, ko)], dir).output, / b __memcpy_debug_count\.\d+$/m, `${ko} carries the check`);
    }
    run('make', ['-C', kbuildDir()!, `M=${dir}`, 'clean'], dir);
    assert.equal(runCli(['revert', 'multi'], { cwd: tmp }).status, 0);
    assert.deepEqual(await treeDiff(dir, join(FIXTURES, 'kbuild-multi', 'before')), []);
  });

  test('the header is the whole runtime: without memcpy_debug.o the module links, and defines no global symbol of ours', { skip }, async () => {
    const dir = join(tmp, 'nomk');
    await copyTree(FIXTURE, dir);
    const r = runCli(['instrument', 'nomk', '--no-makefile'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const b = buildModule(dir);
    assert.equal(b.status, 0, b.output);
    assert.deepEqual(b.warnings, []);
    assert.doesNotMatch(b.output, /undefined/);
    // Two instrumented modules built into one image cannot clash: nothing global is ours.
    const globals = run('nm', ['-g', '--defined-only', join(dir, 'mcdemo.ko')], dir).output;
    assert.doesNotMatch(globals, /memcpy_debug/);
    // Each call site carries its own count.
    assert.match(run('nm', [join(dir, 'mcdemo.ko')], dir).output, / b __memcpy_debug_count\.\d+$/m);
  });
});
