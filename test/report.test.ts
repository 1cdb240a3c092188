// `memcpy-debug report` on real logs: the consoles and dmesg of user-mode Linux running the
// instrumented self-test module (fixtures/overlap-logs, kept by scripts/uml-selftest.sh), the
// same lines as journalctl -k and dmesg -T print them, and the core's pieces on small inputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { entryForLoggedPath, messageOf, originalLine, parseDetected, parseOverlapLog, parseSuppressed, summarizeOverlaps } from '../src/core/overlap-log.js';
import { BIN, copyTree, FIXTURES, removeTree, runCli, runCliHere, tempDir } from './helpers/cli.js';

const LOGS = join(FIXTURES, 'overlap-logs');
const log = (name: string) => readFileSync(join(LOGS, name), 'latin1');

interface JsonSite {
  file: string;
  line: number;
  originalLine?: number | null;
  func: string;
  overlaps: number;
  reports: number;
  size: { min: number; max: number };
  delta: { min: number; max: number };
  callers: { chain: string[]; count: number }[];
}

function reportJson(args: readonly string[], cwd = LOGS): { sites: JsonSite[]; reports: number; overlaps: number } {
  const r = runCli(['report', ...args, '--json'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.toString());
}

/** What the self-test module's log must give, whatever the prefix of its lines. */
function assertSelftestSites(sites: readonly JsonSite[], module: string): void {
  assert.deepEqual(sites.map((s) => [s.file, s.line, s.func, s.overlaps, s.reports]), [
    [`${module}/main.c`, 24, 'mcdtest_shift_down', 100, 11],
    [`${module}/main.c`, 19, 'mcdtest_shift_up', 1, 1],
    [`${module}/main.c`, 29, 'mcdtest_self', 1, 1],
  ]);
  const [down, up, self] = sites;
  assert.deepEqual(up.size, { min: 171, max: 171 });
  assert.deepEqual(up.delta, { min: 31, max: 31 });
  assert.deepEqual(down.delta, { min: -8, max: -8 });
  assert.deepEqual(self.delta, { min: 0, max: 0 });
  // The callers above the call site's function: no '?' frames, no WARN machinery, clones named plainly.
  assert.deepEqual(up.callers, [{ chain: ['mcdtest_init', 'do_one_initcall', 'do_init_module'], count: 1 }]);
  assert.deepEqual(down.callers, [{ chain: ['mcdtest_hot_loop', 'mcdtest_init', 'do_one_initcall'], count: 11 }]);
}

describe('memcpy-debug report on real kernel logs', () => {
  test('a console without timestamps', () => {
    assertSelftestSites(reportJson(['uml-warn.console.log']).sites, 'mcdtest_warn');
  });

  test('a console with timestamps', () => {
    assertSelftestSites(reportJson(['uml-memmove.console.log']).sites, 'mcdtest_memmove');
  });

  test('dmesg with timestamps whose ring buffer had already dropped the start', () => {
    const text = log('uml-memmove.dmesg.log');
    const j = reportJson(['uml-memmove.dmesg.log']);
    assert.equal(j.reports, text.split('\n').filter((l) => l.includes('memcpy overlap detected:')).length);
    assert.ok(j.sites.every((s) => s.file === 'mcdtest_memmove/main.c'));
  });

  test('the same lines as journalctl -k and dmesg -T print them, and from standard input', async () => {
    const lines = log('uml-warn.console.log').split('\n');
    const tmp = await tempDir();
    try {
      await writeFile(join(tmp, 'journal.log'), lines.map((l) => `Nov 28 08:21:00 uml kernel: ${l}`).join('\n'));
      assertSelftestSites(reportJson(['journal.log'], tmp).sites, 'mcdtest_warn');
      const dmesgT = lines.map((l) => `[Sat Nov 28 08:21:00 2026] ${l}`).join('\r\n');
      const p = spawnSync(process.execPath, [BIN, 'report', '-', '--json'], { input: dmesgT });
      assert.equal(p.status, 0, p.stderr.toString());
      assertSelftestSites(JSON.parse(p.stdout.toString()).sites, 'mcdtest_warn');
    } finally {
      await removeTree(tmp);
    }
  });

  test('warn-once gives one report per site; BUG gives the one before the panic', () => {
    const once = reportJson(['uml-warn-once.console.log']);
    assert.deepEqual(once.sites.map((s) => [s.func, s.overlaps]), [['mcdtest_shift_up', 1], ['mcdtest_shift_down', 1], ['mcdtest_self', 1]]);
    const bug = reportJson(['uml-bug.console.log']);
    assert.deepEqual(bug.sites.map((s) => [s.func, s.line, s.callers[0]?.chain[0]]), [['mcdtest_shift_up', 19, 'mcdtest_init']]);
  });

  test('the 2011 btrfs catch, again: copy_pages called from memmove_extent_buffer, warn and memmove', () => {
    // scripts/uml-btrfs-2011.sh: btrfs's overlap check broken on purpose, fs/btrfs instrumented.
    const warn = reportJson(['uml-btrfs-2011-warn.console.log']);
    assert.deepEqual(warn.sites.map((s) => [s.file, s.line, s.func]), [['fs/btrfs/extent_io.c', 5717, 'copy_pages']]);
    assert.deepEqual(warn.sites[0].callers[0].chain, ['memcpy_extent_buffer', 'memmove_extent_buffer', 'setup_items_for_insert']);
    assert.ok(warn.sites[0].delta.max > 0 && warn.sites[0].delta.min < 0, 'both directions');
    // warn: memcpy corrupts the leaf and btrfs goes read-only; memmove: the workload completes.
    assert.match(log('uml-btrfs-2011-warn.console.log'), /forced readonly/);
    const kept = log('uml-btrfs-2011-memmove.console.log');
    assert.match(kept, /^workload: 400 entries left$/m);
    assert.doesNotMatch(kept, /forced readonly|BTRFS error/);
    const memmove = reportJson(['uml-btrfs-2011-memmove.console.log']);
    assert.equal(memmove.sites[0].overlaps, 10000, 'the 10,000th overlap there was reported, with the count held back');
    assert.equal(memmove.sites[0].reports, 13);
  });

  test('the whole kernel instrumented in its tree: checks on at boot, 0 reports from a btrfs workload, the planted ones found', () => {
    // scripts/uml-kernel-tree.sh: Linux 6.1 instrumented whole (kernel-tree placement), UML with
    // CONFIG_MEMCPY_DEBUG=y; 1,000 creates, renames, 500 links and deletes, then the self-test module.
    const text = log('uml-kernel-tree-warn.console.log');
    assert.match(text, /memcpy_debug: overlap checks on: on-overlap=warn same-pointer=report/);
    assert.match(text, /^workload: 0 overlap reports during the workload$/m);
    assert.match(text, /^workload: unmounted cleanly$/m);
    assertSelftestSites(reportJson(['uml-kernel-tree-warn.console.log']).sites, 'mcdtest');
  });

  test('x86_64 under QEMU: the WARNING names the function a header\'s site was inlined into, the first caller; the site table in the same console', () => {
    // scripts/qemu-x86.sh: Linux 6.1 instrumented whole, x86_64 defconfig with CONFIG_MEMCPY_DEBUG=y,
    // a busybox initramfs: the workload, a control query, the self-test module, the site table.
    const text = log('qemu-x86_64.console.log');
    assert.match(text, /^workload: btrfs: 1000 entries left; took [\d.]+ s$/m);
    assert.match(text, /^\[ *[\d.]+\] WARNING: CPU: 1 PID: 1 at include\/linux\/bitmap\.h:271 irq_do_set_affinity\+0x18d\/0x3b0$/m);
    const j = reportJson(['qemu-x86_64.console.log']);
    assert.deepEqual(j.sites.map((x) => [x.file, x.line, x.func, x.overlaps, x.reports]), [
      ['mcdtest/main.c', 24, 'mcdtest_shift_down', 150, 11],
      ['include/linux/bitmap.h', 271, 'bitmap_copy', 4, 4],
      ['mcdtest/main.c', 29, 'mcdtest_self', 1, 1],
    ]);
    // memcpy(p, p, 8) in bitmap_copy(), inlined into irq_do_set_affinity(), which the trace's
    // return addresses do not name: the WARNING line does.
    assert.deepEqual(j.sites[1].delta, { min: 0, max: 0 });
    assert.deepEqual(j.sites[1].callers[0].chain, ['irq_do_set_affinity', 'irq_startup', '__setup_irq']);
    assert.deepEqual(j.sites[0].callers[0].chain, ['mcdtest_hot_loop', 'mcdtest_init', 'do_one_initcall']);
    // The table in the console gives the exact 150 (the log alone: at least 100), and the site
    // switched off before the module loaded: 1 call, no overlap.
    const r = runCli(['report', 'qemu-x86_64.console.log'], { cwd: LOGS });
    assert.match(r.stdout.toString(), /^site table: 235 call sites ran, 3 with overlaps; modes: warn 234, off 1$/m);
    assert.match(text, /^mcdtest\/main\.c:19 mcdtest_shift_up 1 0 off$/m);
  });

  test('several logs at once add up', () => {
    const j = reportJson(['uml-warn.console.log', 'uml-memmove.console.log']);
    assert.equal(j.sites.length, 6);
    assert.equal(j.reports, 26);
  });

  test('the text table: most overlaps first, with ranges and callers', () => {
    const r = runCli(['report', 'uml-warn.console.log'], { cwd: LOGS });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^memcpy-debug report: 3 call sites, at least 102 overlaps \(13 reported\) in uml-warn\.console\.log$/m);
    assert.match(out, /^\s+>=100\s+11\s+16\s+-8\s+mcdtest_warn\/main\.c:24\s+mcdtest_shift_down\s+mcdtest_hot_loop < mcdtest_init < do_one_initcall$/m);
    assert.match(out, /^delta is dst - src/m);
  });

  describe('with the instrumented tree at hand (--dir)', () => {
    let tmp: string;
    before(async () => {
      tmp = await tempDir();
      await copyTree(join(FIXTURES, 'overlap-selftest', 'kernel'), join(tmp, 'mcdtest_warn'));
      const r = runCli(['instrument', 'mcdtest_warn'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
    });
    after(async () => {
      await removeTree(tmp);
    });

    test('each line is also given as it was in the original file (the include moved it by one)', () => {
      const j = reportJson([join(LOGS, 'uml-warn.console.log'), '--dir', 'mcdtest_warn'], tmp);
      assert.deepEqual(j.sites.map((s) => [s.line, s.originalLine]), [[24, 23], [19, 18], [29, 28]]);
      const source = readFileSync(join(FIXTURES, 'overlap-selftest', 'kernel', 'main.c'), 'latin1').split('\n');
      assert.match(source[18 - 1], /memcpy\(b \+ 31, b, n\)/);
      const text = runCli(['report', join(LOGS, 'uml-warn.console.log'), '--dir', 'mcdtest_warn'], { cwd: tmp }).stdout.toString();
      assert.match(text, /mcdtest_warn\/main\.c:19\s+18\s+mcdtest_shift_up/);
    });

    test('bad input: a missing log (exit 2); --dir on a folder not instrumented (reverted) says the lines are as logged; no reports is not an error', async () => {
      const missing = runCli(['report', 'nope.log'], { cwd: tmp });
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^memcpy-debug: error: cannot read nope\.log: no such file$/m);
      const plain = runCli(['report', join(LOGS, 'uml-warn.console.log'), '--dir', '.'], { cwd: tmp });
      assert.equal(plain.status, 0);
      assert.match(plain.stderr, /^memcpy-debug report: \. is not instrumented now \(no manifest: a revert removes it\), so the lines are shown as logged/m);
      assert.match(plain.stdout.toString(), /mcdtest_warn\/main\.c:19 /);
      assert.doesNotMatch(plain.stdout.toString(), /original/);
      await writeFile(join(tmp, 'quiet.log'), 'nothing to see\n');
      const quiet = runCli(['report', 'quiet.log'], { cwd: tmp });
      assert.equal(quiet.status, 0);
      assert.equal(quiet.stdout.toString(), 'memcpy-debug report: no memcpy overlap reports in quiet.log (1 line read)\n');
    });
  });
});

describe('report: the site table of a kernel tree (debugfs memcpy_debug/sites)', () => {
  test('read beside the log: exact counts where the log\'s were lower bounds, how many sites ran, in which modes', async () => {
    const tmp = await tempDir();
    try {
      const table = [
        'mcdtest_warn/main.c:24 mcdtest_shift_down 100 100 warn',
        'mcdtest_warn/main.c:19 mcdtest_shift_up 1 0 off',
        'mcdtest_warn/main.c:29 mcdtest_self 1 1 warn',
        'fs/btrfs/ctree.c:120 btrfs_bin_search 5000 0 warn',
        '',
      ].join('\n');
      await writeFile(join(tmp, 'sites'), table);
      const r = runCli(['report', join(LOGS, 'uml-warn.console.log'), 'sites'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      const out = r.stdout.toString();
      // The table counted all 100 at shift_down: no longer a lower bound.
      assert.match(out, /^memcpy-debug report: 3 call sites, 102 overlaps \(13 reported\) in 2 logs$/m);
      assert.match(out, /^\s+100\s+11\s+16\s+-8\s+mcdtest_warn\/main\.c:24/m);
      assert.match(out, /^site table: 4 call sites ran, 2 with overlaps; modes: warn 3, off 1$/m);
      const alone = runCli(['report', 'sites'], { cwd: tmp });
      assert.match(alone.stdout.toString(), /^site table: 4 call sites ran, 2 with overlaps; modes: warn 3, off 1$/m);
      assert.match(alone.stdout.toString(), /^\s+100\s+0\s+\?\s+\?\s+mcdtest_warn\/main\.c:24\s+mcdtest_shift_down$/m);
    } finally {
      await removeTree(tmp);
    }
  });
});

describe('report: the pieces', () => {
  test('the prefixes loggers put before a message', () => {
    const msg = 'memcpy overlap detected: x';
    for (const prefix of ['', '<4>', '[   12.345678] ', '<4>[   12.345678] ', '[Sat Nov 28 08:00:00 2026] ', 'Nov 28 08:00:00 host kernel: ', '2026-11-28T08:00:00+0000 host kernel: ']) {
      assert.equal(messageOf(`${prefix}${msg}\r`), msg, prefix);
    }
  });

  test('an x86_64 WARNING: the message first, then the trace inside <TASK>', () => {
    const text = [
      '[  100.1] ------------[ cut here ]------------',
      '[  100.1] memcpy overlap detected: dst=ffff9a0c4e3f201f src=ffff9a0c4e3f2000 size=171 delta=31 at fs/btrfs/extent_io.c:5717 in copy_pages',
      '[  100.1] WARNING: CPU: 1 PID: 47 at fs/btrfs/extent_io.c:5717 copy_pages+0x1a2/0x1e0 [btrfs]',
      '[  100.1] RIP: 0010:copy_pages+0x1a2/0x1e0 [btrfs]',
      '[  100.1] Call Trace:',
      '[  100.1]  <TASK>',
      '[  100.1]  ? __warn+0x7d/0xc0',
      '[  100.1]  ? report_bug+0xe2/0x150',
      '[  100.1]  memmove_extent_buffer+0x9e/0x140 [btrfs]',
      '[  100.1]  setup_items_for_insert+0x1b1/0x4a0 [btrfs]',
      '[  100.1]  btrfs_insert_dir_item+0x13c/0x2f0 [btrfs]',
      '[  100.1]  </TASK>',
      '[  100.1] ---[ end trace 0000000000000000 ]---',
    ].join('\n');
    const s = summarizeOverlaps([parseOverlapLog(text)]);
    assert.deepEqual(s.sites[0].callers, [{ chain: ['memmove_extent_buffer', 'setup_items_for_insert', 'btrfs_insert_dir_item'], count: 1 }]);
  });

  test('lines of the instrumented file mapped back through the manifest\'s regions', () => {
    // An include added after line 3 (instrumented line 4), a rename on instrumented line 10.
    const regions = [[4, '', '#include "memcpy_debug.h"\n'], [10, '\tmemcpy(a, b, n);\n', '\tmemcpy_debug(a, b, n);\n']] as const;
    assert.equal(originalLine(3, regions), 3);
    assert.equal(originalLine(4, regions), null);
    assert.equal(originalLine(5, regions), 4);
    assert.equal(originalLine(10, regions), 9);
    assert.equal(originalLine(11, regions), 10);
  });

  test('a logged path finds its manifest entry by its longest tail', () => {
    const entries = [{ path: 'extent_io.c' }, { path: 'tests/extent_io.c' }, { path: 'ctree.c' }];
    assert.equal(entryForLoggedPath('fs/btrfs/extent_io.c', entries)?.path, 'extent_io.c');
    assert.equal(entryForLoggedPath('fs/btrfs/tests/extent_io.c', entries)?.path, 'tests/extent_io.c');
    assert.equal(entryForLoggedPath('/abs/fs/btrfs/./ctree.c', entries)?.path, 'ctree.c');
    assert.equal(entryForLoggedPath('fs/ext4/inode.c', entries), null);
  });
});

describe('report: crafted lines', () => {
  test('a report line is read field by field: FILE:LINE is the last such pair, FUNC runs to a space', () => {
    assert.deepEqual(parseDetected('<4>[ 1.0] memcpy overlap detected: dst=0x10 src=0x0 size=171 delta=-31 at fs/a:b in c.c:12 in f_x [m]'),
      { dst: '0x10', src: '0x0', size: 171, delta: -31, file: 'fs/a:b in c.c', line: 12, func: 'f_x' });
    assert.equal(parseDetected('memcpy overlap detected: dst=0x10 src=0x0 size=x delta=1 at a.c:1 in f'), null);
    assert.equal(parseDetected('memcpy overlap detected: dst=0x10 src=0x0 size=1 delta=1 at :1 in f'), null, 'no file');
    assert.equal(parseDetected('memcpy overlap detected: dst=0x10 src=0x0 size=1 delta=1 at a.c:1 in  f'), null, 'no function');
    assert.deepEqual(parseSuppressed('memcpy overlap suppressed: 9 at lib/x.c:7 in g since the last report; 12 overlaps there so far'),
      { count: 9, file: 'lib/x.c', line: 7, func: 'g' });
  });

  test('a line of 10 MB made of report marks is read in one pass (it took minutes: quadratic)', { timeout: 60_000 }, () => {
    const detected = 'memcpy overlap detected: dst=a src=b size=1 delta=1 at x'.repeat(180_000);
    const suppressed = 'memcpy overlap suppressed: 1 at x'.repeat(300_000);
    const log = parseOverlapLog(`${detected}\n${suppressed}\nmemcpy overlap detected: dst=a src=b size=1 delta=1 at ok.c:3 in f\n`);
    assert.deepEqual(log.reports.map((r) => `${r.file}:${r.line}`), ['ok.c:3']);
  });
});

describe('report: names from a log never reach the terminal raw', () => {
  test('control characters in a file or function name are written as git writes them in a quoted name', async () => {
    const tmp = await tempDir();
    try {
      await writeFile(join(tmp, 'log'), Buffer.from('memcpy overlap detected: dst=a src=b size=1 delta=1 at x\x1b]0;owned\x07.c:3 in f\x9b2J\n', 'latin1'));
      const r = await runCliHere(['report', 'log'], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      const out = r.stdout.toString();
      assert.doesNotMatch(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      assert.match(out, /x\\033\]0;owned\\a\.c:3 +f\\233/);
    } finally {
      await removeTree(tmp);
    }
  });
});
