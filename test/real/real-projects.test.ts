// Real projects from Debian's source packages (scripts/fetch-sources.sh puts them in
// .cache/sources): zlib 1.2.13 and btrfs-progs 6.2 are instrumented, built with their own build
// systems, and their tests run; an overlapping copy added to zlib is reported by file:line and
// function; revert gives back the sources byte for byte.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, removeTree, runCli, sh, tempDir, treeDiff } from '../helpers/cli.js';
import { missing, SOURCES, unfetched } from '../helpers/toolchain.js';




const skipZlib = unfetched('zlib', 'zlib.h') ?? missing('gcc') ?? missing('cmake');
describe('zlib 1.2.13', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('instrumented: ./configure && make test passes with no overlap report; revert is exact', { skip: skipZlib }, async () => {
    const dir = join(tmp, 'zlib');
    await copyTree(join(SOURCES, 'zlib'), dir);
    const r = runCli(['instrument', 'zlib', '--json', '--makefile'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { renamed: number; sitesByKind: Record<string, number>; builds: { path: string }[] };
    assert.equal(report.sitesByKind.alias, 1, 'zutil.h: #define zmemcpy memcpy');
    assert.deepEqual(report.builds.map((b) => b.path), ['Makefile.in', 'CMakeLists.txt']);
    const out = sh(dir, './configure && make test');
    assert.match(out, /\*\*\* zlib test OK \*\*\*/);
    assert.match(out, /\*\*\* zlib shared test OK \*\*\*/);
    assert.doesNotMatch(out, /memcpy overlap/);
    assert.match(sh(dir, 'nm libz.a'), / r memcpy_debug_zlib_info$/m);
    sh(dir, 'make distclean');
    assert.equal(runCli(['revert', 'zlib'], { cwd: tmp }).status, 0);
    assert.deepEqual(await treeDiff(dir, join(SOURCES, 'zlib')), []);
  });

  test('instrumented: the CMake build and ctest pass', { skip: skipZlib }, async () => {
    const dir = join(tmp, 'zlib-cmake');
    await copyTree(join(SOURCES, 'zlib'), dir);
    // Debian's repack drops win32/, which zlib's CMakeLists.txt names on every platform.
    await mkdir(join(dir, 'win32'), { recursive: true });
    await writeFile(join(dir, 'win32', 'zlib1.rc'), '');
    assert.equal(runCli(['instrument', 'zlib-cmake', '--makefile'], { cwd: tmp }).status, 0);
    const out = sh(dir, 'cmake -S . -B build >/dev/null && cmake --build build -j2 2>&1 && cd build && ctest');
    assert.doesNotMatch(out, /warning:/);
    assert.match(out, /100% tests passed/);
    assert.match(sh(dir, 'nm build/libz.a'), / r memcpy_debug_zlib_info$/m, 'the tag is the CMake target');
  });

  test('an overlapping copy added to deflate.c is reported with deflate.c:line and the function', { skip: skipZlib }, async () => {
    const dir = join(tmp, 'zlib-bug');
    await copyTree(join(SOURCES, 'zlib'), dir);
    const anchor = '    s->pending_out = s->pending_buf;\n';
    const deflate = await readFile(join(dir, 'deflate.c'), 'latin1');
    assert.ok(deflate.includes(anchor));
    const bug = '    zmemcpy(s->pending_buf + 1, s->pending_buf, 16); /* overlapping, on purpose */\n';
    await writeFile(join(dir, 'deflate.c'), deflate.replace(anchor, anchor + bug), 'latin1');
    assert.equal(runCli(['instrument', 'zlib-bug'], { cwd: tmp }).status, 0);
    const line = (await readFile(join(dir, 'deflate.c'), 'latin1')).split('\n').findIndex((l) => l.includes('overlapping, on purpose')) + 1;
    const out = sh(dir, './configure >/dev/null && make test 2>&1');
    assert.match(out, new RegExp(`^memcpy overlap detected: dst=0x[0-9a-f]+ src=0x[0-9a-f]+ size=16 delta=1 at (\\S*/)?deflate\\.c:${line} in deflateResetKeep$`, 'm'));
    assert.match(out, /\*\*\* zlib test OK \*\*\*/, 'warn mode reports and goes on');
  });
});

const skipBtrfs = unfetched('btrfs-progs', 'btrfs.c') ?? missing('gcc');
describe('btrfs-progs 6.2', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('instrumented: builds with no warning, its self-tests and a mkfs/check round run clean; revert is exact', { skip: skipBtrfs }, async () => {
    const dir = join(tmp, 'btrfs-progs');
    await copyTree(join(SOURCES, 'btrfs-progs'), dir);
    const r = runCli(['instrument', 'btrfs-progs', '--json'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as { renamed: number; files: unknown[]; builds: { path: string; line: string }[]; warnings: string[]; target: string };
    assert.ok(report.renamed > 150, `${report.renamed} sites`);
    assert.equal(report.target, 'user');
    assert.deepEqual(report.builds, [], 'the header is the runtime: no build file edited');
    assert.deepEqual(report.warnings, []);

    const build = sh(dir, './autogen.sh >/dev/null 2>&1 && ./configure --disable-documentation --disable-convert --disable-python --disable-zoned >/dev/null && make -j2 2>&1');
    assert.doesNotMatch(build, /warning:/);
    assert.match(sh(dir, 'nm btrfs'), / t memcpy_debug_report$/m, 'the check is compiled into the objects that call it');
    const tests = sh(dir, [
      'make SHELL=/bin/bash test-string-table test-json 2>&1',
      'truncate -s 256M img && ./mkfs.btrfs -f -r Documentation img 2>&1',
      './btrfs check --check-data-csum img 2>&1',
      './btrfs inspect-internal dump-tree img 2>&1 | tail -3',
      './btrfs-image img img.dump 2>&1 && ./btrfs-image -r img.dump img2 2>&1 && ./btrfs check img2 2>&1',
    ].join(' && '));
    assert.doesNotMatch(tests, /memcpy overlap/);
    assert.match(tests, /no error found|found \d+ bytes used, no error found/);

    // autogen.sh rewrites files of the tree, so the exact revert is checked on a fresh copy.
    const rt = join(tmp, 'round-trip');
    await copyTree(join(SOURCES, 'btrfs-progs'), rt);
    assert.equal(runCli(['instrument', 'round-trip'], { cwd: tmp }).status, 0);
    assert.equal(runCli(['revert', 'round-trip'], { cwd: tmp }).status, 0);
    assert.deepEqual(await treeDiff(rt, join(SOURCES, 'btrfs-progs')), []);
  });
});
