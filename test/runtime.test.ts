// The user-space runtime, compiled with the real gcc and run: overlaps are reported with the
// call site's file:line and function, clean copies are not, and results are memcpy's.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir } from './helpers/cli.js';
import { missing } from './helpers/toolchain.js';

const REPORT = /^memcpy overlap detected: dst=(0x[0-9a-f]+|\(nil\)) src=(0x[0-9a-f]+) size=(\d+) delta=(-?\d+) at (\S+):(\d+) in (\w+)$/;
const WARNINGS = ['-Wall', '-Wextra', '-Werror', '-O2'];

interface Expected {
  line: number;
  func: string;
  delta: number;
}

/** Instruments a copy of the probe program; returns its folder and the reports it should give. */
async function instrumentedProbe(tmp: string, name: string, args: readonly string[]): Promise<{ dir: string; expected: Expected[] }> {
  const dir = join(tmp, name);
  await copyTree(join(FIXTURES, 'runtime-probe'), dir);
  const r = runCli(['instrument', name, '--target', 'user', '--no-makefile', ...args], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const lines = (await readFile(join(dir, 'overlaps.c'), 'latin1')).split('\n');
  const expected: Expected[] = [];
  lines.forEach((l, i) => {
    const m = /\/\* expect: (\w+) delta=(-?\d+) \*\//.exec(l);
    if (m) expected.push({ line: i + 1, func: m[1], delta: Number(m[2]) });
  });
  assert.equal(expected.length, 4);
  return { dir, expected };
}

function compileAndRun(dir: string, flags: readonly string[]): { status: number | null; stdout: string; reports: Expected[]; stderr: string } {
  const cc = run('gcc', [...WARNINGS, ...flags, '-o', 'probe', 'overlaps.c', 'memcpy_debug.c'], dir);
  assert.equal(cc.status, 0, cc.output);
  const r = run('./probe', [], dir);
  const out = r.output;
  const reports = out.split('\n').map((l) => REPORT.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => {
    assert.equal(m[5], 'overlaps.c');
    assert.equal(m[3], '8');
    assert.equal(BigInt(m[1]) - BigInt(m[2]), BigInt(m[4]), 'delta is dst - src');
    return { line: Number(m[6]), func: m[7], delta: Number(m[4]) };
  });
  return { status: r.status, stdout: out, reports, stderr: out };
}

describe('user-space runtime', { skip: missing('gcc') }, () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('reports forward, backward, identical and one-byte overlaps at their call sites, nothing else', async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'warn', []);
    const r = compileAndRun(dir, []);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^done$/m);
    assert.deepEqual(r.reports, expected);
  });

  test('runs clean under -fsanitize=undefined', async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'ubsan', []);
    const r = compileAndRun(dir, ['-fsanitize=undefined', '-fno-sanitize-recover=all', '-g']);
    assert.equal(r.status, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /runtime error/);
    assert.deepEqual(r.reports, expected);
  });

  test('--on-overlap abort stops at the first overlap', async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'abort', ['--on-overlap', 'abort']);
    const r = compileAndRun(dir, []);
    assert.equal(r.status, null, 'killed by SIGABRT');
    assert.deepEqual(r.reports, expected.slice(0, 1));
  });

  test('-DMEMCPY_DEBUG_DISABLE builds plain memcpy: no report, same results', async () => {
    const { dir } = await instrumentedProbe(tmp, 'disabled', []);
    // The probe's constant overlaps are what gcc's -Wrestrict sees once the checks are gone.
    const r = compileAndRun(dir, ['-DMEMCPY_DEBUG_DISABLE', '-Wno-restrict']);
    assert.equal(r.status, 0, r.stdout);
    assert.deepEqual(r.reports, []);
    assert.doesNotMatch(run('nm', ['probe'], dir).output, /memcpy_debug_\w+_report/);
  });
});
