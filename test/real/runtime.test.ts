// The user-space runtime, compiled with the real gcc and run: overlaps are reported with the
// call site's file:line and function, clean copies are not, and results are memcpy's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir } from '../helpers/cli.js';
import { missing } from '../helpers/toolchain.js';

const REPORT = /^memcpy overlap detected: dst=(0x[0-9a-f]+|\(nil\)) src=(0x[0-9a-f]+) size=(\d+) delta=(-?\d+) at (\S+):(\d+) in (\w+)$/;
// The self-test copies a buffer onto itself on purpose (memcpy(b, b, n)): gcc's own -Wrestrict
// warns of it, instrumented or not (the runtime keeps that warning at the call site).
const WARNINGS = ['-Wall', '-Wextra', '-Werror', '-O2', '-Wno-restrict'];

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
  // The probe's overlaps are constants, which gcc's own -Wrestrict sees in the original program too.
  const cc = run('gcc', [...WARNINGS, '-Wno-restrict', ...flags, '-o', 'probe', 'overlaps.c'], dir);
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

const noGcc = missing('gcc');
describe('user-space runtime', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('reports forward, backward, identical and one-byte overlaps at their call sites, nothing else', { skip: noGcc }, async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'warn', []);
    const r = compileAndRun(dir, []);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^done$/m);
    assert.deepEqual(r.reports, expected);
  });

  test('runs clean under -fsanitize=undefined', { skip: noGcc }, async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'ubsan', []);
    const r = compileAndRun(dir, ['-fsanitize=undefined', '-fno-sanitize-recover=all', '-g']);
    assert.equal(r.status, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /runtime error/);
    assert.deepEqual(r.reports, expected);
  });

  test('--on-overlap abort stops at the first overlap', { skip: noGcc }, async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'abort', ['--on-overlap', 'abort']);
    const r = compileAndRun(dir, []);
    assert.equal(r.status, null, 'killed by SIGABRT');
    assert.deepEqual(r.reports, expected.slice(0, 1));
  });

  test('-DMEMCPY_DEBUG_DISABLE builds plain memcpy: no report, same results', { skip: noGcc }, async () => {
    const { dir } = await instrumentedProbe(tmp, 'disabled', []);
    // The probe's constant overlaps are what gcc's -Wrestrict sees once the checks are gone.
    const r = compileAndRun(dir, ['-DMEMCPY_DEBUG_DISABLE', '-Wno-restrict']);
    assert.equal(r.status, 0, r.stdout);
    assert.deepEqual(r.reports, []);
    assert.doesNotMatch(run('nm', ['probe'], dir).output, /memcpy_debug_report/);
  });

  test('the header alone is the runtime: nothing global, so two instrumented libraries cannot clash', { skip: noGcc }, async () => {
    const { dir, expected } = await instrumentedProbe(tmp, 'header-only', []);
    assert.ok(!existsSync(join(dir, 'memcpy_debug.c')), 'no build line asked for, no memcpy_debug.c');
    const cc = run('gcc', [...WARNINGS, '-Wno-restrict', '-o', 'probe', 'overlaps.c'], dir);
    assert.equal(cc.status, 0, cc.output);
    const r = run('./probe', [], dir);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.split('\n').filter((l) => REPORT.test(l)).length, expected.length);
    // Nothing global: two instrumented libraries in one program cannot clash.
    const globals = run('nm', ['-g', '--defined-only', 'probe'], dir).output;
    assert.doesNotMatch(globals, /memcpy_debug/);
  });
});

/** Instruments, builds and runs the self-test program; returns its stdout and stderr. */
async function selftest(tmp: string, name: string, args: readonly string[], flags: readonly string[] = []): Promise<{ stdout: string; stderr: string; status: number | null; dir: string }> {
  const dir = join(tmp, name);
  await copyTree(join(FIXTURES, 'overlap-selftest', 'user'), dir);
  const r = runCli(['instrument', name, '--target', 'user', '--no-makefile', ...args], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const cc = run('gcc', [...WARNINGS, ...flags, '-o', 'selftest', 'selftest.c'], dir);
  assert.equal(cc.status, 0, cc.output);
  const p = spawnSync('./selftest', [], { cwd: dir });
  return { stdout: p.stdout.toString(), stderr: p.stderr.toString(), status: p.status, dir };
}

const detected = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('memcpy overlap detected:'));
const at = (stderr: string, func: string) => detected(stderr).filter((l) => l.endsWith(` in ${func}`)).length;

describe('user-space runtime: modes, rate limit, same pointer', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('warn: reports, then copies with memcpy as the program asked, and goes on', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'warn', []);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /selftest: done/);
    assert.equal(at(r.stderr, 'shift_up'), 1);
  });

  test('memmove: reports, then leaves the buffer exactly as memmove does', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'memmove', ['--on-overlap', 'memmove']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the 171-byte shift left the data as memmove would/);
    assert.match(r.stderr, /^memcpy overlap detected: dst=0x[0-9a-f]+ src=0x[0-9a-f]+ size=171 delta=31 at selftest\.c:20 in shift_up$/m);
    assert.match(r.stdout, /selftest: done/);
  });

  test('the rate limit is per call site: a hot site does not hide a cold one, and says what it held back', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'burst', []);
    // 150 overlaps at shift_down: the first 10, then the 100th, with the 89 between counted.
    assert.equal(at(r.stderr, 'shift_down'), 11);
    assert.match(r.stderr, /^memcpy overlap suppressed: 89 at selftest\.c:25 in shift_down since the last report; 100 overlaps there so far$/m);
    // The sites after the hot one are still reported.
    assert.equal(at(r.stderr, 'self_copy'), 1);
    assert.equal(at(r.stderr, 'shift_up'), 1);
    assert.equal(at(r.stderr, 'clean'), 0);
  });

  test('warn-once: one report per call site', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'once', ['--on-overlap', 'warn-once']);
    assert.equal(at(r.stderr, 'shift_down'), 1);
    assert.equal(at(r.stderr, 'shift_up'), 1);
    assert.doesNotMatch(r.stderr, /suppressed/);
  });

  test('--same-pointer: memcpy(p, p, n) reported by default, ignored on request', { skip: noGcc }, async () => {
    assert.equal(at((await selftest(tmp, 'same-report', [])).stderr, 'self_copy'), 1);
    const ignored = await selftest(tmp, 'same-ignore', ['--same-pointer', 'ignore']);
    assert.equal(at(ignored.stderr, 'self_copy'), 0);
    assert.equal(at(ignored.stderr, 'shift_up'), 1, 'real overlaps are still reported');
    assert.match(await readFile(join(ignored.dir, 'memcpy_debug.h'), 'latin1'), /^#define MEMCPY_DEBUG_SAME_POINTER\t0$/m);
  });

  test('MEMCPY_DEBUG_LOG: the reports go to that file (test suites often hide stderr)', { skip: noGcc }, async () => {
    const dir = join(tmp, 'log');
    await copyTree(join(FIXTURES, 'overlap-selftest', 'user'), dir);
    assert.equal(runCli(['instrument', 'log', '--target', 'user'], { cwd: tmp }).status, 0);
    assert.equal(run('gcc', [...WARNINGS, '-o', 'selftest', 'selftest.c'], dir).status, 0);
    const p = spawnSync('./selftest', [], { cwd: dir, env: { ...process.env, MEMCPY_DEBUG_LOG: join(dir, 'overlaps.log') } });
    assert.equal(p.status, 0);
    assert.equal(p.stderr.toString(), '');
    const logged = await readFile(join(dir, 'overlaps.log'), 'latin1');
    assert.equal(at(logged, 'shift_up'), 1);
    assert.equal(at(logged, 'shift_down'), 11);
  });

  test('builds as strict C89, C99 and C11 with -pedantic (strict C89 has no function name)', { skip: noGcc }, async () => {
    const dir = join(tmp, 'std');
    await copyTree(join(FIXTURES, 'overlap-selftest', 'user'), dir);
    assert.equal(runCli(['instrument', 'std', '--target', 'user'], { cwd: tmp }).status, 0);
    for (const std of ['-std=c89', '-std=c99', '-std=gnu89', '-std=c11']) {
      const cc = run('gcc', [...WARNINGS, std, '-pedantic', '-o', 'selftest', 'selftest.c'], dir);
      assert.equal(cc.status, 0, `${std}: ${cc.output}`);
      const out = spawnSync('./selftest', [], { cwd: dir }).stderr.toString();
      if (std === '-std=c89') assert.equal(at(out, '?'), 13, out.slice(0, 300));
      else assert.equal(at(out, 'shift_up'), 1, `${std}: ${out.slice(0, 300)}`);
    }
  });

  test('abort: stops at the first overlap', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'abort', ['--on-overlap', 'abort']);
    assert.equal(r.status, null, 'killed by SIGABRT');
    assert.equal(detected(r.stderr).length, 1);
  });

  test('memcpy-debug report reads the program\'s stderr back: one row per site, lines of the original file', { skip: noGcc }, async () => {
    const r = await selftest(tmp, 'report', [], ['-rdynamic']);
    await writeFile(join(r.dir, 'err.log'), r.stderr);
    const j = runCli(['report', 'err.log', '--dir', '.', '--json'], { cwd: r.dir });
    assert.equal(j.status, 0, j.stderr);
    const out = JSON.parse(j.stdout.toString()) as { sites: { file: string; line: number; originalLine: number; func: string; overlaps: number; reports: number; size: { min: number; max: number }; delta: { min: number }; callers: { chain: string[] }[] }[] };
    assert.deepEqual(out.sites.map((s) => [s.func, s.line, s.originalLine, s.overlaps, s.reports]), [
      ['shift_down', 25, 24, 100, 11],
      ['shift_up', 20, 19, 1, 1],
      ['self_copy', 30, 29, 1, 1],
    ]);
    assert.deepEqual(out.sites[1].size, { min: 171, max: 171 });
    assert.equal(out.sites[1].delta.min, 31);
    assert.equal(out.sites[1].callers[0].chain[0], 'main', 'main is named with -rdynamic; the runtime and the site are skipped');
    const text = runCli(['report', 'err.log'], { cwd: r.dir });
    assert.match(text.stdout.toString(), /^memcpy-debug report: 3 call sites, at least 102 overlaps \(13 reported\) in err\.log$/m);
    assert.match(text.stdout.toString(), /^\s+>=100\s+11\s+16\s+-8\s+selftest\.c:25\s+shift_down\b/m);
  });
});
