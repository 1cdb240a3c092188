// Bad input gets a clear message, a non-zero exit, and no write at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { BIN, copyTree, FIXTURES, readTree, removeTree, runCliHere, tempDir } from './helpers/cli.js';

let tmp: string;
let tree: string;
beforeEach(async () => {
  tmp = await tempDir();
  tree = join(tmp, 'mcdemo');
  await copyTree(join(FIXTURES, 'kernel-module', 'before'), tree);
});
afterEach(async () => {
  await chmod(join(tree, 'ring.c'), 0o644).catch(() => {});
  await removeTree(tmp);
});

/** Runs instrument and checks the exit code, the message, and that the tree did not change. */
async function refuses(args: readonly string[], code: number, message: RegExp): Promise<string> {
  const snapshot = await readTree(tmp);
  const r = (await runCliHere(['instrument', ...args], { cwd: tmp }));
  assert.equal(r.status, code, r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stdout.length, 0);
  assert.deepEqual(await readTree(tmp), snapshot, 'nothing written');
  return r.stderr;
}

describe('bad input', () => {
  test('a missing folder, a file, a folder without C files', async () => {
    await refuses(['nowhere'], 2, /error: nowhere: no such directory\nhint: /);
    await refuses(['mcdemo/main.c'], 2, /error: mcdemo\/main\.c is not a directory/);
    await mkdir(join(tmp, 'empty'));
    await writeFile(join(tmp, 'empty', 'README'), 'no C here\n');
    await refuses(['empty'], 2, /error: no C files \(\*\.c, \*\.h\) under empty/);
  });

  test('a read-only file that would change: named, with the fix', async () => {
    await chmod(join(tree, 'ring.c'), 0o444);
    await refuses(['mcdemo'], 3, /error: cannot write a file\n  ring\.c: the file is read-only\nhint: make them writable \(chmod u\+w\) or leave them out with --exclude, then run instrument again/);
    // Left out, the rest is instrumented.
    const r = (await runCliHere(['instrument', 'mcdemo', '--exclude', 'ring.c'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
  });

  const asNobody = process.getuid?.() !== 0 ? 'runs as root to drop to another user'
    : spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv (util-linux) is not installed' : undefined;
  test('an unreadable file', { skip: asNobody }, async () => {
    // Root reads everything, so this runs as nobody on a tree nobody may write but not read in part.
    await chmod(tmp, 0o777);
    await chmod(tree, 0o777);
    for (const p of ['main.c', 'ring.c', 'ring.h', 'stats.c', 'Makefile']) await chmod(join(tree, p), 0o666);
    await chmod(join(tree, 'lib'), 0o777);
    await chmod(join(tree, 'lib', 'copy.c'), 0o666);
    // The bytes before, read while they are readable: the check after must not depend on it.
    const snapshot = await readTree(tree);
    await chmod(join(tree, 'ring.c'), 0o000);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'instrument', 'mcdemo'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 3, r.stderr.toString());
    assert.match(r.stderr.toString(), /error: cannot instrument mcdemo: a file is unusable\n  ring\.c: cannot read: EACCES/);
    await chmod(join(tree, 'ring.c'), 0o644);
    assert.deepEqual(await readTree(tree), snapshot, 'nothing written');
  });

  test('a binary file that mentions memcpy', async () => {
    await writeFile(join(tree, 'blob.c'), Buffer.from('memcpy\0\x01\x02\0binary', 'latin1'));
    await refuses(['mcdemo'], 3, /blob\.c: not a text file \(it holds NUL bytes\)/);
  });

  test('a runtime file name already taken', async () => {
    await writeFile(join(tree, 'memcpy_debug.c'), '/* my own */\n');
    await refuses(['mcdemo'], 3, /error: mcdemo\/memcpy_debug\.c already exists and memcpy-debug did not create it\nhint: rename or remove it/);
  });

  test('a Kbuild makefile with several modules needs no --module; a --module it does not build is refused', async () => {
    await writeFile(join(tree, 'Makefile'), 'obj-m += a.o b.o\na-y := main.o\nb-y := ring.o\n');
    await refuses(['mcdemo', '--module', 'c'], 3, /no composite object named c \(composite objects here: a, b\)/);
    assert.equal((await runCliHere(['instrument', 'mcdemo', '--module', 'b', '--dry-run'], { cwd: tmp })).status, 0);
    const several = (await runCliHere(['instrument', 'mcdemo', '--dry-run', '--stat'], { cwd: tmp }));
    assert.equal(several.status, 0, several.stderr);
    assert.match(several.stderr, /Makefile: it builds several composite objects: a, b; no build line is needed/);
    assert.doesNotMatch(several.stdout.toString(), /Makefile|memcpy_debug\.c/);

    await writeFile(join(tree, 'Makefile'), 'obj-m += mcdemo.o\n');
    const single = (await runCliHere(['instrument', 'mcdemo', '--dry-run', '--stat'], { cwd: tmp }));
    assert.equal(single.status, 0, single.stderr);
    assert.match(single.stderr, /its modules are single-file objects \(mcdemo\.o\); no build line is needed/);
  });

  test('a user-space makefile without a list of sources, when --makefile asks for the line', async () => {
    await writeFile(join(tree, 'Makefile'), 'all:\n\t$(CC) -o demo *.c\n');
    await refuses(['mcdemo', '--target', 'user', '--makefile'], 3, /found no variable that lists the C sources[^\n]*\nhint: add memcpy_debug\.c to the sources yourself and use --no-makefile/);
    const plain = (await runCliHere(['instrument', 'mcdemo', '--target', 'user', '--dry-run', '--stat'], { cwd: tmp }));
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stderr, /no build file edited; no build line is needed/);
  });

  test('git\'s spellings: --no-color, and --stat after a real run', async () => {
    const r = (await runCliHere(['instrument', 'mcdemo', '--stat', '--no-color'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /^ mcdemo\/main\.c +\| +\d+ [+-]+$/m);
    assert.match(r.stdout.toString(), /^ \d+ files changed, \d+ insertions\(\+\), \d+ deletions\(-\)$/m);
    assert.equal((await runCliHere(['revert', 'mcdemo'], { cwd: tmp })).status, 0);
  });

  test('a folder where a file is expected, an unreadable folder: a clear error, exit 3, nothing written', async () => {
    await mkdir(join(tree, 'memcpy_debug.h'));
    await refuses(['mcdemo'], 3, /error: cannot read .*memcpy_debug\.h: a folder, where a file was expected\nhint: rename or remove it/);
    await rm(join(tree, 'memcpy_debug.h'), { recursive: true });
    await rm(join(tree, 'Makefile'));
    await mkdir(join(tree, 'Makefile'));
    await refuses(['mcdemo'], 3, /error: cannot read .*Makefile: a folder, where a file was expected/);
  });

  test('an unreadable subfolder', { skip: asNobody }, async () => {
    await chmod(tmp, 0o777);
    await chmod(tree, 0o777);
    await chmod(join(tree, 'lib'), 0o000);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'instrument', 'mcdemo'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
    await chmod(join(tree, 'lib'), 0o755);
    assert.equal(r.status, 3, r.stderr.toString());
    assert.match(r.stderr.toString(), /error: cannot instrument mcdemo: a folder is unreadable\n  lib\/: cannot read the folder \(EACCES\)/);
  });

  test('a file name that is not UTF-8 is left alone with a warning; the rest is instrumented', async () => {
    // café.c in Latin-1: the byte 0xe9 alone is not UTF-8.
    await writeFile(Buffer.concat([Buffer.from(`${tree}/`), Buffer.from('caf\xe9.c', 'latin1')]), 'void f(char *d, char *s) { memcpy(d, s, 1); }\n');
    const r = (await runCliHere(['instrument', 'mcdemo'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: caf\uFFFD\.c: its name is not UTF-8, so it is left alone/);
    assert.match(r.stderr, /7 call sites renamed/);
  });

  test('a manifest entry with an empty path is a damaged manifest (exit 3)', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const path = join(tree, '.memcpy-debug', 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8')) as { files: { path: string }[] };
    m.files[0].path = '';
    await writeFile(path, JSON.stringify(m));
    const r = (await runCliHere(['revert', 'mcdemo'], { cwd: tmp }));
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /manifest\.json is damaged: files\.0\.path: not a plain relative path inside the folder/);
    // Bad regions or edits: the same, never a crash.
    for (const bad of [{ regions: [[0, 'a']] }, { regions: [['1', 'a', 'b']] }, { edits: [[5, 2, 'x']] }, { regions: 'x' }]) {
      const m2 = JSON.parse(await readFile(path, 'utf8')) as { files: Record<string, unknown>[] };
      m2.files[0].path = 'ring.c';
      const modify = m2.files.find((f) => f.kind === 'modify')!;
      Object.assign(modify, bad);
      await writeFile(path, JSON.stringify(m2));
      const b = (await runCliHere(['revert', 'mcdemo'], { cwd: tmp }));
      assert.equal(b.status, 3, `${JSON.stringify(bad)}: ${b.stderr}`);
      assert.match(b.stderr, /manifest\.json is damaged: files\.\d+\.(regions|edits)/);
    }
  });

  test('every malformed manifest field is a damaged manifest (exit 3), named, never a crash', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const path = join(tree, '.memcpy-debug', 'manifest.json');
    const good = await readFile(path, 'utf8');
    type M = { options: Record<string, unknown>; files: Record<string, unknown>[] } & Record<string, unknown>;
    const cases: [string, (m: M) => void, RegExp][] = [
      ['options of the wrong type', (m) => { m.options = [] as unknown as M['options']; }, /options: /],
      ['excludes [5]', (m) => { m.options.excludes = [5]; }, /options\.excludes\.0: /],
      ['excludes null', (m) => { m.options.excludes = null; }, /options\.excludes: /],
      ['target missing', (m) => { delete m.options.target; }, /options\.target: /],
      ['folders not an array', (m) => { m.options.placement = 'kernel-tree'; m.options.folders = 'fs'; }, /options\.folders: /],
      ['a NUL in a path', (m) => { m.files[0].path = 'ring\0.c'; }, /files\.0\.path: not a plain relative path/],
      ['a name over 255 bytes', (m) => { m.files[0].path = `${'x'.repeat(256)}.c`; }, /files\.0\.path: not a plain relative path/],
      ['a path out of the folder', (m) => { m.files[0].path = '../outside.c'; }, /files\.0\.path: not a plain relative path/],
      ['files not an array', (m) => { m.files = {} as M['files']; }, /files: /],
      ['state unknown', (m) => { m.state = 'done'; }, /state: /],
    ];
    for (const [what, spoil, message] of cases) {
      const m = JSON.parse(good) as M;
      spoil(m);
      await writeFile(path, JSON.stringify(m));
      for (const command of ['revert', 'instrument']) {
        const r = await runCliHere([command, 'mcdemo'], { cwd: tmp });
        assert.equal(r.status, 3, `${what}, ${command}: ${r.stderr}`);
        assert.match(r.stderr, /manifest\.json is damaged: /, what);
        assert.match(r.stderr, message, what);
      }
    }
  });

  test('200,000 calls in one function: no stack overflow', async () => {
    await writeFile(join(tree, 'big.c'), `void big(char *d, char *s)\n{\n${'\tmemcpy(d, s, 1);\n'.repeat(200000)}}\n`);
    const r = (await runCliHere(['instrument', 'mcdemo', '--dry-run', '--stat'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /200007 call sites would be renamed/);
  });

  test('--dry-run --output never overwrites a file of the folder', async () => {
    const before = await readTree(tree);
    await refuses(['mcdemo', '--dry-run', '--output', 'mcdemo/main.c'], 2, /error: mcdemo\/main\.c is a file of mcdemo: writing there would overwrite it/);
    assert.deepEqual(await readTree(tree), before);
    const ok = (await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', 'mcdemo/change.patch'], { cwd: tmp }));
    assert.equal(ok.status, 0, ok.stderr);
  });

  test('nothing to do is not an error: a folder without memcpy calls, with or without a build file', async () => {
    const empty = join(tmp, 'quiet');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'a.c'), '/* memcpy is mentioned only here */\nint f(void) { return 0; }\n');
    for (const makefile of [null, 'obj-m += a.o\n', 'all:\n\tcc -o a a.c\n']) {
      if (makefile) await writeFile(join(empty, 'Makefile'), makefile);
      const r = (await runCliHere(['instrument', 'quiet'], { cwd: tmp }));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^memcpy-debug: nothing to do in quiet: no memcpy call to rename \(1 C file scanned, 1 mention memcpy; left alone: 1 in a comment\); nothing written$/m);
      assert.deepEqual((await readdir(empty)).sort(), makefile ? ['Makefile', 'a.c'] : ['a.c']);
    }
  });

  test('a damaged manifest', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    await writeFile(join(tree, '.memcpy-debug', 'manifest.json'), '{ "format": "memcpy-debug-manifest", ');
    const r = (await runCliHere(['revert', 'mcdemo'], { cwd: tmp }));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /error: \.memcpy-debug\/manifest\.json is damaged: not valid JSON/);
  });

  test('usage errors', async () => {
    for (const [args, message] of [
      [['instrument'], /error: instrument needs a folder: memcpy-debug instrument DIR/],
      [['instrument', 'mcdemo', '--frobnicate'], /error: unknown option: --frobnicate$/m],
      [['instrument', 'mcdemo', '--dryrun'], /error: unknown option: --dryrun \(did you mean --dry-run\?\)$/m],
      [['instrument', 'mcdemo', '--dry-rn'], /error: unknown option: --dry-rn \(did you mean --dry-run\?\)$/m],
      [['instrument', 'mcdemo', 'extra'], /error: unknown argument: extra$/m],
      [['instrument', 'mcdemo', '--dry-run', '--json'], /error: --json and the dry-run patch would both go to stdout: add --output FILE for the patch$/m],
      [['instrument', 'mcdemo', '--dry-run', '--json', '--stat', '--output', 'p.patch'], /error: --json and the dry-run diffstat would both go to stdout: drop --stat$/m],
      [['instrumnet', 'mcdemo'], /error: unknown command instrumnet: did you mean instrument\?/],
      [['instrument', 'mcdemo', '--output'], /error: --output needs a value/],
      [['instrument', 'mcdemo', '--module'], /error: --module needs a value/],
      [['instrument', 'mcdemo', '--exclude'], /error: --exclude needs a value/],
      [['instrument', 'mcdemo', '--module', ''], /error: --module needs a name/],
      [['instrument', 'mcdemo', '--output', 'x.patch'], /--output goes with --dry-run/],
      [['instrument', 'mcdemo', '--exit-code'], /--exit-code goes with --dry-run/],
      [['instrument', '--', '-x'], /error: -x: no such directory/],
      [['instrument', 'mcdemo', '--target', 'user', '--on-overlap', 'bug'], /--on-overlap bug is not available for the user runtime/],
    ] as const) {
      const r = (await runCliHere(args, { cwd: tmp }));
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe('names from the tree never reach the terminal raw', () => {
  test('a file whose name holds terminal escapes is named with them written as \\033 in the summary', async () => {
    const tmp = await tempDir();
    try {
      const dir = join(tmp, 'evil');
      await mkdir(dir);
      await writeFile(join(dir, 'a\x1b]0;owned\x07.c'), 'void *memcpy(void *d, const void *s, unsigned long n);\nvoid f(char *a) { memcpy(a, a + 1, 1); }\n');
      const r = await runCliHere(['instrument', 'evil', '--dry-run', '--target', 'user', '--output', 'p.patch'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      assert.match(r.stderr, /a\\033\]0;owned\\a\.c:1: /);
    } finally {
      await removeTree(tmp);
    }
  });
});

describe('messages say what happened', () => {
  test('revert of a folder never instrumented: nothing to revert, not "reverted"', async () => {
    const tmp = await tempDir();
    try {
      await copyTree(join(FIXTURES, 'kernel-module', 'before'), join(tmp, 'plain'));
      const r = await runCliHere(['revert', 'plain'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^memcpy-debug: nothing to revert in plain: it has no manifest, and nothing of memcpy-debug is in it/);
      assert.doesNotMatch(r.stderr, /reverted plain/);
    } finally {
      await removeTree(tmp);
    }
  });
});
