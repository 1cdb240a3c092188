// Hostile trees and arguments, round 3: a FIFO where a file is read, outputs aimed into the tree,
// special bits, a full or read-only file system. Each is refused clearly, with the README's exit
// code and nothing written, or kept as it was; none hangs and none is exit 70.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { copyTree, FIXTURES, readTree, removeTree, run, runCli, runCliHere, tempDir } from './helpers/cli.js';

let tmp: string;
let tree: string;
beforeEach(async () => {
  tmp = await tempDir();
  tree = join(tmp, 'mcdemo');
  await copyTree(join(FIXTURES, 'kernel-module', 'before'), tree);
});
afterEach(async () => {
  await removeTree(tmp);
});

const mkfifo = (path: string) => assert.equal(run('mkfifo', [path], '.').status, 0, `mkfifo ${path}`);
/** No run may hang: a spawned run is killed after this long, and its status is then null. */
const HANG = 20_000;

describe('a FIFO or device where a file is read: refused, never waited on', () => {
  for (const [what, name, command] of [
    ['the build file', 'Makefile', 'instrument'],
    ['the runtime header', 'memcpy_debug.h', 'instrument'],
    ['the lock', '.memcpy-debug.lock', 'instrument'],
  ] as const) {
    test(`${what} (${name}) is a FIFO: exit 3, nothing written`, async () => {
      await rm(join(tree, name), { force: true });
      mkfifo(join(tree, name));
      const before = await readTree(tree);
      const r = runCli([command, 'mcdemo'], { cwd: tmp, timeout: HANG });
      assert.equal(r.status, 3, `${r.status === null ? 'hung' : r.stderr}`);
      assert.match(r.stderr, /not a regular file/);
      assert.deepEqual(await readTree(tree), before);
    });
  }

  test('the manifest is a FIFO: revert exits 3, nothing written', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const manifest = join(tree, '.memcpy-debug', 'manifest.json');
    await rm(manifest);
    mkfifo(manifest);
    const before = await readTree(tree);
    const r = runCli(['revert', 'mcdemo'], { cwd: tmp, timeout: HANG });
    assert.equal(r.status, 3, `${r.status === null ? 'hung' : r.stderr}`);
    assert.match(r.stderr, /not a regular file/);
    assert.deepEqual(await readTree(tree), before);
  });

  for (const name of ['lib/Kconfig.debug', 'include/linux/memcpy_debug.h']) {
    test(`a kernel tree's ${name} is a FIFO: exit 3, nothing written`, async () => {
      const top = join(tmp, 'linux');
      await copyTree(join(FIXTURES, 'kernel-tree', 'before'), top);
      await rm(join(top, name), { force: true });
      await mkdir(join(top, name, '..'), { recursive: true });
      mkfifo(join(top, name));
      const before = await readTree(top);
      const r = runCli(['instrument', 'linux'], { cwd: tmp, timeout: HANG });
      assert.equal(r.status, 3, `${r.status === null ? 'hung' : r.stderr}`);
      assert.match(r.stderr, /not a regular file/);
      assert.deepEqual(await readTree(top), before);
    });
  }
});

describe('--output and --json-file never touch the tree or its state', () => {
  test('DIR/..x.c is inside the folder: an existing source there is refused', async () => {
    await writeFile(join(tree, '..x.c'), 'int x;\n');
    const r = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', 'mcdemo/..x.c'], { cwd: tmp });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /mcdemo\/\.\.x\.c is a file of mcdemo: writing there would overwrite it/);
    assert.equal(await readFile(join(tree, '..x.c'), 'utf8'), 'int x;\n');
  });

  test('a symbolic link to a file of the folder is not written through', async () => {
    await symlink(join(tree, 'ring.c'), join(tmp, 'out.patch'));
    const before = await readFile(join(tree, 'ring.c'));
    const r = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', 'out.patch'], { cwd: tmp });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /out.patch is a symbolic link into mcdemo/);
    assert.deepEqual(await readFile(join(tree, 'ring.c')), before);
  });

  test('the manifest cannot be named, not even with --dry-run', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const manifest = join(tree, '.memcpy-debug', 'manifest.json');
    const before = await readFile(manifest);
    for (const args of [['revert', 'mcdemo', '--dry-run', '--json-file', 'mcdemo/.memcpy-debug/manifest.json'], ['revert', 'mcdemo', '--json-file', 'mcdemo/.memcpy-debug/manifest.json']]) {
      const r = await runCliHere(args, { cwd: tmp });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /memcpy-debug's own state/);
      assert.deepEqual(await readFile(manifest), before);
    }
  });

  test('a kernel tree\'s lib/Kconfig.debug is a file of the tree, even from a folder of it', async () => {
    const top = join(tmp, 'linux');
    await copyTree(join(FIXTURES, 'kernel-tree', 'before'), top);
    const kconfig = join(top, 'lib', 'Kconfig.debug');
    const before = await readFile(kconfig);
    const r = await runCliHere(['instrument', 'linux/fs/demo', '--kernel-tree', '--dry-run', '--output', 'linux/lib/Kconfig.debug'], { cwd: tmp });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /linux\/lib\/Kconfig\.debug is a file of the kernel tree .*linux: writing there/);
    assert.deepEqual(await readFile(kconfig), before);
  });

  test('a patch written there before is written again; a new file there is fine', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', 'mcdemo/change.patch', '--json-file', 'mcdemo/run.json'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.match(await readFile(join(tree, 'change.patch'), 'latin1'), /^diff --git /);
  });

  test('a folder, a missing folder, a full device: exit 2 or 4 with the reason, never 70', async () => {
    const folder = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', tmp], { cwd: tmp });
    assert.equal(folder.status, 2, folder.stderr);
    assert.match(folder.stderr, /is a folder/);
    const missing = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--json-file', 'no/such/x.json', '--output', 'p.patch'], { cwd: tmp });
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /no\/such\/x.json is in a folder that does not exist/);
    const full = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--output', '/dev/full'], { cwd: tmp });
    assert.equal(full.status, 4, full.stderr);
    assert.match(full.stderr, /cannot write \/dev\/full: no space left on the device\n {2}nothing else was written/);
  });
});

describe('special bits', () => {
  test('setuid and setgid bits are kept by instrument and by revert', async () => {
    await chmod(join(tree, 'ring.c'), 0o6755);
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    assert.equal((await stat(join(tree, 'ring.c'))).mode & 0o7777, 0o6755, 'after instrument');
    assert.equal((await runCliHere(['revert', 'mcdemo'], { cwd: tmp })).status, 0);
    assert.equal((await stat(join(tree, 'ring.c'))).mode & 0o7777, 0o6755, 'after revert');
  });
});

/** A tmpfs of `kb` KiB mounted at `dir`, or why not (mount needs root, and a kernel that lets it). */
function tmpfs(dir: string, kb: number): string | undefined {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]);
  if (r.status === 0) return undefined;
  const why = `cannot mount a tmpfs here (${r.stderr.toString().trim()})`;
  if (process.env.CI) throw new Error(why);
  return why;
}

describe('a file system that will not take the lock', () => {
  test('read-only: exit 3, with the reason; no space: exit 4; nothing written, nothing left', async (t) => {
    const mnt = join(tmp, 'mnt');
    await mkdir(mnt);
    const why = tmpfs(mnt, 256);
    if (why) return t.skip(why);
    try {
      await copyTree(join(FIXTURES, 'kernel-module', 'before'), join(mnt, 'mcdemo'));
      const before = await readTree(join(mnt, 'mcdemo'));
      // Full: the rest of the space taken.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=4k']);
      const full = runCli(['instrument', 'mcdemo'], { cwd: mnt, timeout: HANG });
      assert.equal(full.status, 4, full.stderr);
      assert.match(full.stderr, /cannot lock mcdemo: no space left on the device\n {2}nothing was written/);
      assert.deepEqual(await readTree(join(mnt, 'mcdemo')), before);
      await rm(join(mnt, 'fill'));
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
      const ro = runCli(['instrument', 'mcdemo'], { cwd: mnt, timeout: HANG });
      assert.equal(ro.status, 3, ro.stderr);
      assert.match(ro.stderr, /cannot lock mcdemo: the file system is read-only/);
      assert.deepEqual(await readTree(join(mnt, 'mcdemo')), before);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe('instrumentations do not nest, and one run at a time holds a whole tree', () => {
  test('a folder, then the folder above it: refused, the folder\'s runtime untouched', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo/lib', '--target', 'user'], { cwd: tmp })).status, 0);
    const before = await readTree(tree);
    const r = await runCliHere(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /a folder under mcdemo is instrumented on its own \(or being worked on\)\n {2}lib\n/);
    assert.deepEqual(await readTree(tree), before);
  });

  test('a folder, then a folder inside it: refused', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const before = await readTree(tree);
    const r = await runCliHere(['instrument', 'mcdemo/lib', '--target', 'user'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /mcdemo\/lib is inside .*mcdemo, which is instrumented on its own/);
    assert.deepEqual(await readTree(tree), before);
  });

  test('a folder of a kernel tree on its own, then into the tree: refused', async () => {
    const top = join(tmp, 'linux');
    await copyTree(join(FIXTURES, 'kernel-tree', 'before'), top);
    assert.equal((await runCliHere(['instrument', 'linux/fs/demo', '--no-kernel-tree'], { cwd: tmp })).status, 0);
    const before = await readTree(top);
    const r = await runCliHere(['instrument', 'linux/fs/demo', '--kernel-tree'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /linux\/fs\/demo is instrumented on its own, as a folder/);
    assert.deepEqual(await readTree(top), before);
  });

  test('a run on the folder above, or on a folder below, holds this one: refused while it runs', async () => {
    // A live run's lock: this test's own process id.
    await writeFile(join(tree, '.memcpy-debug.lock'), `${process.pid}\n`);
    const below = await runCliHere(['instrument', 'mcdemo/lib', '--target', 'user'], { cwd: tmp });
    assert.equal(below.status, 3, below.stderr);
    assert.match(below.stderr, new RegExp(`another memcpy-debug \\(process ${process.pid}\\) is working on .*mcdemo, which holds mcdemo/lib`));
    await rm(join(tree, '.memcpy-debug.lock'));
    await writeFile(join(tree, 'lib', '.memcpy-debug.lock'), `${process.pid}\n`);
    const above = await runCliHere(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(above.status, 3, above.stderr);
    assert.match(above.stderr, /a folder under mcdemo is instrumented on its own \(or being worked on\)\n {2}lib\n/);
  });
});

describe('revert leaves code that builds, deciding by content', () => {
  const gccSyntax = (dir: string, file: string) => run('gcc', ['-fsyntax-only', '-Wall', '-Werror', '-I.', file], dir);
  const hasGcc = run('gcc', ['--version'], '.').status === 0;

  test('a memcpy_debug call written by hand in an instrumented file keeps its include; a second revert, once it is gone, undoes the rest', async () => {
    const app = join(tmp, 'app');
    await copyTree(join(FIXTURES, 'user-make', 'before'), app);
    const original = await readTree(app);
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    const ring = join(app, 'ring.c');
    const instrumented = await readFile(ring, 'latin1');
    const withCall = instrumented.replace('\tr->len -= n;\n', '\tmemcpy_debug(r->data, r->data + 1, 0); /* added while debugging */\n\tr->len -= n;\n');
    assert.notEqual(withCall, instrumented);
    await writeFile(ring, withCall, 'latin1');
    const r = await runCliHere(['revert', 'app'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /ring\.c: our edits undone but the include, still needed\n\s+its #include of memcpy_debug\.h stays/);
    const after = await readFile(ring, 'latin1');
    assert.match(after, /#include "memcpy_debug\.h"/, 'the include stays');
    assert.match(after, /\tmemcpy\(r->data, r->data \+ n, r->len - n\);/, 'our rename is undone');
    assert.ok((await stat(join(app, 'memcpy_debug.h'))).isFile(), 'the runtime stays');
    if (hasGcc) assert.equal(gccSyntax(app, 'ring.c').status, 0, gccSyntax(app, 'ring.c').output);
    // The call goes: the next revert takes the include and the runtime, and the tree is as it was.
    await writeFile(ring, after.replace('\tmemcpy_debug(r->data, r->data + 1, 0); /* added while debugging */\n', ''), 'latin1');
    const again = await runCliHere(['revert', 'app'], { cwd: tmp });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(await readTree(app), original);
  });

  test('a file that calls memcpy_debug with an old modification time (cp -p, tar) keeps the runtime', async () => {
    const app = join(tmp, 'app');
    await copyTree(join(FIXTURES, 'user-make', 'before'), app);
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    await writeFile(join(app, 'extra.c'), '#include <string.h>\n#include "memcpy_debug.h"\nvoid extra(char *a) { memcpy_debug(a, a + 1, 1); }\n');
    assert.equal(run('touch', ['-d', '2001-01-01', join(app, 'extra.c')], tmp).status, 0);
    const r = await runCliHere(['revert', 'app'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /memcpy_debug\.h: kept: still used\n\s+extra\.c still calls memcpy_debug/);
    assert.ok((await stat(join(app, 'memcpy_debug.h'))).isFile(), 'the runtime stays');
    if (hasGcc) assert.equal(gccSyntax(app, 'extra.c').status, 0, gccSyntax(app, 'extra.c').output);
  });
});

/** Why a run as nobody (setpriv, from util-linux) cannot happen here, or undefined. */
const asNobody = process.getuid?.() !== 0 ? 'needs root, to run as nobody' : run('setpriv', ['--version'], '.').status !== 0 ? 'setpriv (util-linux) is not installed' : undefined;
const runAsNobody = (args: string[], cwd: string) => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(FIXTURES, '..', 'dist', 'bundle', 'memcpy-debug.js'), ...args],
    { cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: HANG });
  return { status: r.status, stderr: r.stderr.toString() };
};

describe('runs that cannot keep what they find, or cannot write at all', () => {
  test('a file whose group the user is not in: refused before any write (exit 3), nothing left', { skip: asNobody }, async () => {
    await chmod(tmp, 0o755);
    spawnSync('chown', ['-R', '65534:0', tree]);
    await chmod(tree, 0o775);
    const before = await readTree(tree);
    const r = runAsNobody(['instrument', 'mcdemo'], tmp);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /its group \(0\) is not one of yours/);
    assert.deepEqual(await readTree(tree), before);
    assert.deepEqual((await readdir(tree)).filter((f) => f.includes('.tmp') || f.includes('.lock')), []);
  });

  test('a folder the user may not write in: the lock says so, exit 3', { skip: asNobody }, async () => {
    await chmod(tmp, 0o755);
    const r = runAsNobody(['instrument', 'mcdemo'], tmp);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /cannot lock mcdemo: no permission to write in it\n {2}nothing was written/);
  });

  test('a C file over 512 MiB is a file it cannot plan (exit 3), not a crash', async () => {
    const big = join(tree, 'big.c');
    await writeFile(big, 'void big(char *a) { memcpy(a, a + 1, 1); }\n');
    assert.equal(run('truncate', ['-s', '513M', big], tmp).status, 0);
    const r = await runCliHere(['instrument', 'mcdemo', '--dry-run', '--stat'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /big\.c: cannot read: larger than 512 MiB/);
  });

  test('a lock left by a run killed a moment ago (a zombie until reaped) is taken over at once', async () => {
    // A process that has exited but is not reaped: the child of a shell that then becomes sleep.
    const zombie = spawnSync('bash', ['-c', 'sh -c "exit 0" & echo $!; exec sleep 2'], { timeout: 10_000 });
    const pid = Number(zombie.stdout.toString().trim());
    assert.ok(pid > 0);
    await writeFile(join(tree, '.memcpy-debug.lock'), `${pid}\n`);
    const r = runCli(['instrument', 'mcdemo', '--exit-code', '--dry-run'], { cwd: tmp });
    assert.equal(r.status, 1, r.stderr);
  });
});

describe('messages that fit what happened', () => {
  test('a symbolic link as build file: no chmod, no --exclude (which leaves out C files only)', async () => {
    await rename(join(tree, 'Makefile'), join(tmp, 'Makefile.real'));
    await symlink(join(tmp, 'Makefile.real'), join(tree, 'Makefile'));
    const r = await runCliHere(['instrument', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /Makefile: a symbolic link: memcpy-debug never writes through one \(replace it with the file it points to\)\n/);
    assert.doesNotMatch(r.stderr, /chmod|--exclude/);
  });

  test('a manifest that lists a file twice is damaged (exit 3), not "saved by an editor"', async () => {
    assert.equal((await runCliHere(['instrument', 'mcdemo'], { cwd: tmp })).status, 0);
    const path = join(tree, '.memcpy-debug', 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8')) as { files: unknown[] };
    m.files.push(m.files[0]);
    await writeFile(path, JSON.stringify(m));
    const r = await runCliHere(['revert', 'mcdemo'], { cwd: tmp });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /manifest\.json is damaged: files\.\d+\.path: .* is listed twice/);
    assert.doesNotMatch(r.stderr, /editor/);
  });

  test('revert A that finishes the cut-off revert of B says so, and that A is still to do', async () => {
    const top = join(tmp, 'linux');
    await copyTree(join(FIXTURES, 'kernel-tree', 'before'), top);
    assert.equal((await runCliHere(['instrument', 'linux/fs/demo/sub', '--kernel-tree'], { cwd: tmp })).status, 0);
    assert.equal((await runCliHere(['instrument', 'linux/kernel', '--kernel-tree'], { cwd: tmp })).status, 0);
    const killed = runCli(['revert', 'linux/kernel'], { cwd: tmp, env: { MEMCPY_DEBUG_TEST_KILL_AFTER: '1' } });
    assert.equal(killed.status, null, killed.stderr);
    const r = await runCliHere(['revert', 'linux/fs/demo/sub'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^memcpy-debug: finished the revert of kernel that was cut off; linux\/fs\/demo\/sub itself is not reverted yet/);
    assert.doesNotMatch(r.stderr, /reverted linux\/fs\/demo\/sub/);
    const again = await runCliHere(['revert', 'linux/fs/demo/sub'], { cwd: tmp });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /^memcpy-debug: reverted linux\/fs\/demo\/sub/);
  });
});
