// --dry-run: git's patch format on stdout, the summary on stderr, nothing written (not even an
// mtime), colour only when asked or on a terminal, --stat, --output, --exit-code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, copyTree, FIXTURES, removeTree, run, runCli, runCliHere, tempDir } from './helpers/cli.js';
import { missing, missingAny } from './helpers/toolchain.js';

/** Every path under `dir` (folders too) with its mtime, to prove nothing was touched. */
async function mtimes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (rel: string) => {
    const abs = join(dir, rel);
    out.set(rel, (await stat(abs)).mtimeMs);
    for (const e of await readdir(abs, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(rel, e.name));
      else out.set(join(rel, e.name), (await stat(join(abs, e.name))).mtimeMs);
    }
  };
  await walk('');
  return out;
}

/** Runs the CLI with its stdout on a pseudo-terminal (util-linux script), as a user at a shell. */
function runOnTerminal(args: readonly string[], cwd: string, env: Record<string, string>): string {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${cmd} 2>/dev/null`, '/dev/null'], { cwd, env: { ...process.env, TERM: 'xterm', ...env } });
  return r.stdout.toString();
}

describe('instrument --dry-run', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
    await copyTree(join(FIXTURES, 'c-rules', 'before'), join(tmp, 'c-rules'));
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('prints a git-format patch on stdout, the summary on stderr, and writes nothing', async () => {
    const snapshot = await mtimes(tmp);
    // Run inside the folder: the paths are the folder's own.
    const r = (await runCliHere(['instrument', '.', '--dry-run'], { cwd: join(tmp, 'c-rules') }));
    assert.equal(r.status, 0, r.stderr);
    const patch = r.stdout.toString('latin1');
    assert.match(patch, /^diff --git a\/Makefile b\/Makefile\n--- a\/Makefile\n\+\+\+ b\/Makefile\n@@ /);
    assert.match(patch, /^diff --git a\/memcpy_debug\.c b\/memcpy_debug\.c\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/memcpy_debug\.c\n@@ -0,0 \+1,\d+ @@/m);
    assert.match(patch, /^\\ No newline at end of file$/m);
    assert.match(patch, /^\+#include "\.\.\/memcpy_debug\.h"$/m, 'includes relative to the file');
    assert.match(patch, /^@@ -\d+,\d+ \+\d+,\d+ @@ static void \w+\([^)]*\)$/m, 'hunk headers name the function, as git\'s');
    assert.match(patch, /^\+#include "memcpy_debug\.h"\r$/m, 'the CRLF file keeps CRLF');
    assert.match(patch, /caf\xe9/, 'Latin-1 bytes come through as they are');
    const files = [...patch.matchAll(/^diff --git a\/(\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(files, [...files].sort(), 'files sorted');
    assert.match(r.stderr, /dry run, nothing written/);
    assert.deepEqual(await mtimes(tmp), snapshot, 'no file, folder or mtime changed');
  });

  test('colour: never by default on a pipe, always on request, on a terminal unless NO_COLOR', { skip: missing('script') }, async () => {
    const plain = (await runCliHere(['instrument', 'c-rules', '--dry-run'], { cwd: tmp })).stdout.toString();
    assert.doesNotMatch(plain, /\x1b\[/);
    const forced = (await runCliHere(['instrument', 'c-rules', '--dry-run', '--color=always'], { cwd: tmp })).stdout.toString();
    assert.match(forced, /\x1b\[32m\+\tmemcpy_debug\(/);
    assert.match(forced, /\x1b\[31m-\tmemcpy\(/);
    const never = (await runCliHere(['instrument', 'c-rules', '--dry-run', '--color=never'], { cwd: tmp, env: { FORCE_COLOR: '1' } })).stdout.toString();
    assert.doesNotMatch(never, /\x1b\[/);

    const onTty = runOnTerminal(['instrument', 'c-rules', '--dry-run'], tmp, {});
    assert.match(onTty, /\x1b\[32m\+/);
    const noColor = runOnTerminal(['instrument', 'c-rules', '--dry-run'], tmp, { NO_COLOR: '1' });
    assert.match(noColor, /^diff --git/m);
    assert.doesNotMatch(noColor, /\x1b\[/);
  });

  test('--stat prints a diffstat; --output writes the patch to a file', { skip: missing('git') }, async () => {
    const st = (await runCliHere(['instrument', '.', '--dry-run', '--stat'], { cwd: join(tmp, 'c-rules') }));
    assert.equal(st.status, 0, st.stderr);
    const out = st.stdout.toString();
    assert.match(out, /^ calls\.c +\| +19 \++-+$/m);
    assert.match(out, /^ memcpy_debug\.h +\| +\d+ \++$/m);
    // The same totals as git's own diffstat of the fixture's before and after trees.
    const git = run('git', ['diff', '--no-index', '--numstat', 'before', 'after'], join(FIXTURES, 'c-rules')).output.trim().split('\n');
    const [added, removed] = git.map((l) => l.split('\t').map(Number)).reduce(([a, d], [x, y]) => [a + x, d + y], [0, 0]);
    assert.ok(out.endsWith(` ${git.length} files changed, ${added} insertions(+), ${removed} deletions(-)\n`), out);

    const full = (await runCliHere(['instrument', 'c-rules', '--dry-run'], { cwd: tmp })).stdout;
    const o = (await runCliHere(['instrument', 'c-rules', '--dry-run', '--output', 'change.patch'], { cwd: tmp }));
    assert.equal(o.status, 0, o.stderr);
    assert.equal(o.stdout.length, 0);
    assert.deepEqual(await readFile(join(tmp, 'change.patch')), full);
  });

  test('paths start where the command runs: git apply at the top of a repository, patch -p1 where it was made', { skip: missingAny('git', 'patch') }, async () => {
    const top = join(tmp, 'tree');
    await copyTree(join(FIXTURES, 'kernel-module', 'before'), join(top, 'drivers', 'mcdemo'));
    // Names git quotes (UTF-8) and names patch(1) needs a tab after (a space).
    await writeFile(join(top, 'drivers', 'mcdemo', 'ünïcode.c'), 'void f(char *d, char *s) { memcpy(d, s, 1); }\n');
    await writeFile(join(top, 'drivers', 'mcdemo', 'sp ace.c'), 'void g(char *d, char *s) { memcpy(d, s, 1); }\n');
    for (const c of [['init', '-q'], ['add', '.'], ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x']]) assert.equal(run('git', c, top).status, 0);
    const r = (await runCliHere(['instrument', 'drivers/mcdemo', '--dry-run'], { cwd: top }));
    assert.equal(r.status, 0, r.stderr);
    const patch = r.stdout.toString('latin1');
    assert.match(patch, /^diff --git a\/drivers\/mcdemo\/Makefile b\/drivers\/mcdemo\/Makefile$/m);
    assert.match(patch, /^diff --git "a\/drivers\/mcdemo\/\\303\\274n\\303\\257code\.c" "b\/drivers\/mcdemo\/\\303\\274n\\303\\257code\.c"$/m, 'UTF-8 quoted once, as git does');
    assert.match(patch, /^--- a\/drivers\/mcdemo\/sp ace\.c\t$/m);
    const applied = run('git', ['apply', '-'], top, r.stdout);
    assert.equal(applied.status, 0, applied.output);
    assert.match(run('git', ['status', '--porcelain'], top).output, / M "drivers\/mcdemo\/sp ace\.c"/);
    assert.equal(run('git', ['checkout', '-q', '.'], top).status, 0);
    assert.equal(run('git', ['clean', '-qfd'], top).status, 0);
    const p1 = run('patch', ['-p1', '-s'], top, r.stdout);
    assert.equal(p1.status, 0, p1.output);
    assert.match(await readFile(join(top, 'drivers', 'mcdemo', 'sp ace.c'), 'latin1'), /memcpy_debug\(d, s, 1\)/);
    assert.match(await readFile(join(top, 'drivers', 'mcdemo', 'ünïcode.c'), 'latin1'), /memcpy_debug\(d, s, 1\)/);
  });

  test('revert --dry-run is the mirror of instrument --dry-run', async () => {
    const dir = join(tmp, 'mirror');
    await copyTree(join(FIXTURES, 'kernel-module', 'before'), dir);
    const forward = (await runCliHere(['instrument', 'mirror', '--dry-run', '--stat'], { cwd: tmp })).stdout.toString();
    assert.equal((await runCliHere(['instrument', 'mirror'], { cwd: tmp })).status, 0);
    const back = (await runCliHere(['revert', 'mirror', '--dry-run', '--stat'], { cwd: tmp })).stdout.toString();
    const totals = (s: string) => /(\d+) files? changed, (\d+) insertions?\(\+\), (\d+) deletions?/.exec(s)!.slice(1).map(Number);
    const [files, added, removed] = totals(forward);
    assert.deepEqual(totals(back), [files, removed, added]);
    const patch = (await runCliHere(['revert', 'mirror', '--dry-run'], { cwd: tmp })).stdout.toString();
    assert.doesNotMatch(patch, /^\+$/m, 'no unchanged line removed and added again');
  });

  test('progress: a bar per phase on a terminal once a run lasts (percentage, count, time left); never on a pipe', { skip: missing('script') }, async () => {
    const dir = join(tmp, 'progress');
    await copyTree(join(FIXTURES, 'c-rules', 'before'), dir);
    // The bar waits a second; MEMCPY_DEBUG_PROGRESS_AFTER_MS=0 shows it at once on this small tree.
    const cmd = [process.execPath, BIN, 'instrument', 'progress'].map((a) => `'${a}'`).join(' ');
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: tmp, env: { ...process.env, TERM: 'xterm', MEMCPY_DEBUG_PROGRESS_AFTER_MS: '0' } });
    const screen = tty.stdout.toString();
    assert.match(screen, /memcpy-debug: planning .* \d+% \| \d+\/19 files \| \S+ left/);
    assert.match(screen, /memcpy-debug: writing .* 100% \| 16\/16 files/);
    assert.match(screen, /memcpy-debug: instrumented progress/);
    const back = spawnSync('script', ['-qec', cmd.replace("'instrument'", "'revert'"), '/dev/null'], { cwd: tmp, env: { ...process.env, TERM: 'xterm', MEMCPY_DEBUG_PROGRESS_AFTER_MS: '0' } });
    assert.match(back.stdout.toString(), /memcpy-debug: reading .* files/);
    // A short run on a terminal: no bar; a pipe: never.
    const quick = spawnSync('script', ['-qec', `${cmd} --dry-run --stat`, '/dev/null'], { cwd: tmp, env: { ...process.env, TERM: 'xterm' } });
    assert.doesNotMatch(quick.stdout.toString(), /planning/);
    const piped = runCli(['instrument', 'progress', '--dry-run'], { cwd: tmp, env: { MEMCPY_DEBUG_PROGRESS_AFTER_MS: '0' } });
    assert.doesNotMatch(piped.stderr, /planning|\x1b/);
  });

  test('--exit-code: 1 with changes, 0 without', async () => {
    assert.equal((await runCliHere(['instrument', 'c-rules', '--dry-run', '--exit-code'], { cwd: tmp })).status, 1);
    assert.equal((await runCliHere(['instrument', 'c-rules', '--dry-run'], { cwd: tmp })).status, 0);
    const done = join(tmp, 'done');
    await copyTree(join(FIXTURES, 'c-rules', 'after'), done);
    const r = (await runCliHere(['instrument', 'done', '--dry-run', '--exit-code', '--target', 'kernel'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.length, 0);
  });

  test('--json: the summary as data', async () => {
    const r = (await runCliHere(['instrument', 'c-rules', '--dry-run', '--json', '--output', 'p.patch'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as { renamed: number; files: unknown[]; notes: { path: string; line: number; kind: string }[] };
    assert.equal(j.renamed, 28);
    assert.equal(j.files.length, 13);
    assert.ok(j.notes.some((n) => n.path === 'values.c' && n.line === 5 && n.kind === 'value'));
    assert.equal((await runCliHere(['instrument', 'c-rules', '--dry-run', '--json'], { cwd: tmp })).status, 2, 'patch and JSON cannot share stdout');
  });

  test('--json has one record per memcpy, as ast-grep\'s; --json-file writes it beside the patch on stdout', async () => {
    const r = (await runCliHere(['instrument', 'c-rules', '--dry-run', '--json-file', 'sites.json'], { cwd: tmp }));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /^diff --git /m, 'the patch still on stdout');
    assert.match(r.stderr, /would instrument c-rules/, 'the text summary still on stderr');
    type Rec = { file: string; line: number; column: number; kind: string; renamed: boolean; reason?: string; function: string | null };
    const j = JSON.parse(await readFile(join(tmp, 'sites.json'), 'utf8')) as { renamed: number; sites: Rec[] };
    assert.equal(j.sites.filter((s) => s.renamed).length, j.renamed);
    const at = (file: string, line: number) => j.sites.filter((s) => s.file === file && s.line === line);
    assert.deepEqual(at('calls.c', 13), [{ file: 'calls.c', line: 13, column: 2, kind: 'call', renamed: true, function: 'copy_item' }]);
    assert.deepEqual(at('values.c', 5).map((s) => [s.kind, s.renamed, s.reason]), [['value', false, 'used as a value, not called: this copy stays unchecked']]);
    assert.ok(j.sites.some((s) => s.kind === 'macro-call' && s.function === 'COPY4'), 'a call in a macro body names the macro');
    const lines = (await readFile(join(FIXTURES, 'c-rules', 'before', 'calls.c'), 'latin1')).split('\n');
    assert.equal(lines[13 - 1].slice(2 - 1, 2 - 1 + 'memcpy'.length), 'memcpy', 'line and column point at the name');
  });
});

describe('a tree of 2,000 C files or more: planned by worker threads as the scan finds them', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
    // 2,600 files in 26 folders; one in five calls memcpy, one has no final newline, one is CRLF;
    // one in fifty has a macro that only the parser reads (the workers hand those back to the
    // command's thread, which loads it).
    for (let d = 0; d < 26; d++) {
      const dir = join(tmp, 'big', `d${String.fromCharCode(97 + d)}`);
      await mkdir(dir, { recursive: true });
      for (let f = 0; f < 100; f++) {
        const calls = f % 5 === 0 ? `\tmemcpy(a, b, ${f});\n\t/* memcpy in a comment */\n` : '\ta = b;\n';
        const macro = f % 50 === 25 ? '#define COPY(a, b) memcpy(a, b, 1) /* for the parser */\n' : '';
        let text = `#include <linux/slab.h>\n${macro}\nvoid f${d}_${f}(char *a, char *b)\n{\n${calls}}\n`;
        if (d === 3 && f === 5) text = text.slice(0, -1);
        if (d === 7 && f === 10) text = text.replaceAll('\n', '\r\n');
        await writeFile(join(dir, `f${f}.c`), text);
      }
    }
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('-j 2, -j 3 and -j 1 (all in one thread) give the same patch and the same records', async () => {
    const runs = [];
    for (const j of ['1', '2', '3']) runs.push(await runCliHere(['instrument', 'big', '--dry-run', '-j', j, '--json-file', `big-${j}.json`], { cwd: tmp }));
    for (const r of runs) assert.equal(r.status, 0, r.stderr);
    assert.match(runs[0].stderr, /572 call sites would be renamed to memcpy_debug in 520 files \(520 calls, 52 in macro bodies\)/);
    assert.match(runs[0].stderr, /2600 C files scanned, 520 mention memcpy/);
    assert.ok(runs[1].stdout.equals(runs[0].stdout));
    assert.ok(runs[2].stdout.equals(runs[0].stdout));
    const records = async (j: string) => {
      const { seconds: _s, ...rest } = JSON.parse(await readFile(join(tmp, `big-${j}.json`), 'utf8')) as { seconds: number };
      return rest;
    };
    assert.deepEqual(await records('2'), await records('1'));
    assert.deepEqual(await records('3'), await records('1'));
    // The patch holds the two odd files as they are: no final newline, CRLF.
    const patch = runs[0].stdout.toString('latin1');
    assert.match(patch, /\+\+\+ b\/big\/dd\/f5\.c\n[^]*?\\ No newline at end of file/);
    assert.match(patch, /\+\tmemcpy_debug\(a, b, 10\);\r\n/);
  });

  test('--jobs takes a whole number of threads, 1 or more', async () => {
    for (const bad of ['0', 'x', '1.5']) {
      const r = (await runCliHere(['instrument', 'big', '--dry-run', '--jobs', bad], { cwd: tmp }));
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /--jobs needs a whole number of threads, 1 or more/);
    }
  });
});
