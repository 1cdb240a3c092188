// Kernel-tree placement: the runtime in include/linux and lib/, CONFIG_MEMCPY_DEBUG in
// lib/Kconfig.debug, folders added one after another and reverted one by one or all at once. The
// header built by real Kbuild: real/kernel-tree-kbuild.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir, treeDiff } from './helpers/cli.js';
import { missing } from './helpers/toolchain.js';

const TREE = join(FIXTURES, 'kernel-tree', 'before');

interface Manifest {
  options: { placement?: string; folders?: { path: string }[] };
  files: { path: string; folder?: string; shared?: true }[];
}
const manifestOf = async (top: string) => JSON.parse(await readFile(join(top, '.memcpy-debug', 'manifest.json'), 'utf8')) as Manifest;

describe('kernel-tree placement', () => {
  let tmp: string;
  let top: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });
  const fresh = async (name: string) => {
    top = join(tmp, name);
    await copyTree(TREE, top);
    return top;
  };

  test('folders one after another: one runtime, one Kconfig entry; revert one keeps it, the last removes it', async () => {
    await fresh('two');
    const a = runCli(['instrument', 'two/fs/demo/sub', '--kernel-tree'], { cwd: tmp });
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stderr, /switched by CONFIG_MEMCPY_DEBUG/);
    assert.match(a.stderr, /enable: +make -C .* menuconfig: Kernel hacking > Memory Debugging/);
    assert.match(await readFile(join(top, 'fs/demo/sub/b.c'), 'latin1'), /^#include <linux\/memcpy_debug\.h>$/m);
    assert.equal(existsSync(join(top, 'fs/demo/sub/memcpy_debug.h')), false, 'no runtime in the folder');
    assert.equal(existsSync(join(top, 'fs/demo/sub/.memcpy-debug')), false, 'the record is at the top of the tree');
    const kconfig = await readFile(join(top, 'lib/Kconfig.debug'), 'latin1');
    assert.match(kconfig, /^config MEMCPY_DEBUG\n\tbool "Check memcpy\(\) calls/m);
    assert.ok(kconfig.indexOf('config MEMCPY_DEBUG') < kconfig.indexOf('endmenu # "Memory Debugging"'), 'inside Memory Debugging');
    assert.match(await readFile(join(top, 'lib/Makefile'), 'latin1'), /^obj-\$\(CONFIG_MEMCPY_DEBUG\) \+= memcpy_debug\.o {2}# memcpy-debug/m);

    const b = runCli(['instrument', 'two/kernel', '--kernel-tree'], { cwd: tmp });
    assert.equal(b.status, 0, b.stderr);
    assert.doesNotMatch(b.stderr, /lib\/Kconfig\.debug: .*added/, 'the entry is there already');
    const m = await manifestOf(top);
    assert.deepEqual(m.options.folders?.map((f) => f.path), ['fs/demo/sub', 'kernel']);
    assert.equal(m.files.filter((f) => f.shared).length, 4);
    assert.equal((kconfig.match(/config MEMCPY_DEBUG$/gm) ?? []).length, 1);

    // A folder that holds an instrumented one, or inside one, is refused.
    const overlap = runCli(['instrument', 'two/fs', '--kernel-tree'], { cwd: tmp });
    assert.equal(overlap.status, 3, overlap.stderr);
    assert.match(overlap.stderr, /overlaps fs\/demo\/sub, which is instrumented/);
    const plain = runCli(['instrument', 'two/fs/demo/sub'], { cwd: tmp });
    assert.equal(plain.status, 3, plain.stderr);
    assert.match(plain.stderr, /is instrumented in its kernel tree/);

    const r1 = runCli(['revert', 'two/kernel'], { cwd: tmp });
    assert.equal(r1.status, 0, r1.stderr);
    assert.ok(existsSync(join(top, 'include/linux/memcpy_debug.h')), 'the runtime stays for fs/demo/sub');
    assert.deepEqual((await manifestOf(top)).options.folders?.map((f) => f.path), ['fs/demo/sub']);
    assert.equal(await readFile(join(top, 'kernel/fork.c'), 'latin1'), await readFile(join(TREE, 'kernel/fork.c'), 'latin1'));

    const inside = runCli(['revert', 'two/fs/demo/sub'], { cwd: tmp });
    assert.equal(inside.status, 0, inside.stderr);
    assert.deepEqual(await treeDiff(top, TREE), [], 'the last folder takes the runtime and the Kconfig entry along');
  });

  test('the whole tree: instrument the top, revert a folder in it is refused, revert the top restores it; structural revert too', async () => {
    await fresh('whole');
    const r = runCli(['instrument', 'whole', '--json'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as { placement: string; runtimeAt: { header: string; option: string }; excluded: { rule: string; files: number; sources: string[] }[]; next: { enable: string } };
    assert.equal(j.placement, 'kernel-tree');
    assert.equal(j.runtimeAt.header, 'include/linux/memcpy_debug.h');
    assert.equal(j.runtimeAt.option, 'CONFIG_MEMCPY_DEBUG');
    assert.match(j.next.enable, /scripts\/config --file \.config -e MEMCPY_DEBUG/);
    const rules = Object.fromEntries(j.excluded.map((e) => [e.rule, e.sources]));
    assert.deepEqual(rules['sanitizer-off'], ['arch/x86/entry/Makefile: KASAN_SANITIZE := n', 'kernel/Makefile: KASAN_SANITIZE_kcov.o := n', 'lib/Makefile: KASAN_SANITIZE_string.o := n']);
    assert.deepEqual(rules['host-side'], ['arch/um/os-Linux/Makefile: USER_OBJS']);
    assert.deepEqual(rules['user-space-program'], ['lib/Makefile: hostprogs gen_table']);
    assert.ok(rules['outside-kernel-proper'].length > 0);
    // Left out: these keep memcpy.
    for (const f of ['arch/x86/boot/main.c', 'arch/x86/entry/common.c', 'arch/um/os-Linux/file.c', 'kernel/kcov.c', 'lib/string.c', 'lib/gen_table.c', 'tools/demo/demo.c', 'scripts/mod.c']) {
      assert.equal(await readFile(join(top, f), 'latin1'), await readFile(join(TREE, f), 'latin1'), f);
    }
    assert.match(await readFile(join(top, 'fs/demo/a.c'), 'latin1'), /noinstr void item_copy_early[^}]*\n\tmemcpy\(to, from/, 'a noinstr function keeps memcpy');

    const part = runCli(['revert', 'whole/fs/demo'], { cwd: tmp });
    assert.equal(part.status, 3, part.stderr);
    assert.match(part.stderr, /was instrumented as part of the whole tree/);

    const back = runCli(['revert', 'whole'], { cwd: tmp });
    assert.equal(back.status, 0, back.stderr);
    assert.deepEqual(await treeDiff(top, TREE), []);

    // Without the manifest: the same, from our marks alone.
    assert.equal(runCli(['instrument', 'whole'], { cwd: tmp }).status, 0);
    await rm(join(top, '.memcpy-debug'), { recursive: true });
    const structural = runCli(['revert', 'whole'], { cwd: tmp });
    assert.equal(structural.status, 0, structural.stderr);
    assert.deepEqual(await treeDiff(top, TREE), []);
  });

  test('the dry-run patch of a folder in the tree applies where it was made and gives what instrument writes', { skip: missing('git') }, async () => {
    await fresh('patch');
    const dry = runCli(['instrument', 'patch/fs/demo', '--kernel-tree', '--dry-run'], { cwd: tmp });
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout.toString(), /^diff --git a\/patch\/fs\/demo\/a\.c b\/patch\/fs\/demo\/a\.c$/m);
    assert.match(dry.stdout.toString(), /^diff --git a\/patch\/lib\/Kconfig\.debug b\/patch\/lib\/Kconfig\.debug$/m);
    const stat = runCli(['instrument', 'patch/fs/demo', '--kernel-tree', '--dry-run', '--stat'], { cwd: tmp });
    assert.match(stat.stdout.toString(), /^ patch\/include\/linux\/memcpy_debug\.h +\| /m);
    const applied = join(tmp, 'applied');
    await copyTree(TREE, join(applied, 'patch'));
    assert.equal(run('git', ['apply', '-'], applied, dry.stdout).status, 0);
    assert.equal(runCli(['instrument', 'patch/fs/demo', '--kernel-tree'], { cwd: tmp }).status, 0);
    assert.deepEqual(await treeDiff(join(applied, 'patch'), top), []);
  });

  test('--kernel-tree outside a kernel tree, --target user with it: clear errors, nothing written', async () => {
    const plain = join(tmp, 'plain');
    await copyTree(join(TREE, 'fs/demo'), plain);
    const r = runCli(['instrument', 'plain', '--kernel-tree'], { cwd: tmp });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /plain is not inside a Linux source tree/);
    await fresh('user');
    const u = runCli(['instrument', 'user/fs/demo', '--kernel-tree', '--target', 'user'], { cwd: tmp });
    assert.equal(u.status, 2, u.stderr);
    assert.deepEqual(await treeDiff(top, TREE), []);
  });
});
