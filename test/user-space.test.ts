// User space as a new user meets it: next steps that work from the project's top, counts that
// say when they are lower bounds, the compiler's own overlap warnings kept at the call site, a
// runtime header clean under every C and C++ standard, functions named inside extern "C", the
// debugging flow of a memcpy added and taken out again, and SARIF for code-scanning tools.
// Real gcc, real make; the projects are small ones built here in the shapes of those that fell
// short (libarchive, lua, jq, nginx, zstd).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { copyTree, FIXTURES, readTree, removeTree, run, runCliHere, sh, tempDir } from './helpers/cli.js';
import { missing } from './helpers/toolchain.js';
import { planKbuild } from '../src/core/build/plan-kbuild.js';
import { BuildFileError } from '../src/core/build/build-edit.js';

let tmp: string;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await removeTree(tmp);
});

async function files(root: string, tree: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(tree)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

interface Next { build: string; test?: string; read: string }
/** The site table the runs in `dir` appended to its file `sites`: its lines, sorted. */
async function siteTable(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'sites'), 'latin1')).split('\n').filter((l) => l !== '').sort();
}

async function nextOf(dir: string): Promise<{ next: Next; buildNotes: string[] }> {
  const r = await runCliHere(['instrument', dir, '--dry-run', '--output', '/dev/null', '--json'], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as { next: Next; buildNotes: string[] };
}

const COPY_C = '#include <string.h>\nvoid shift(char *p) { memcpy(p + 1, p, 8); }\n';

describe('next steps: the build from the project\'s top, a command that works', () => {
  test('a Debian source tree (libarchive, lua, jq): Debian\'s build, which runs the tests, and its build dependencies', async () => {
    await files(join(tmp, 'lua5.4-5.4.4'), {
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n', 'debian/control': 'Source: lua5.4\nSection: interpreters\n',
      Makefile: 'PLAT= guess\nall:\n\tcd src && $(MAKE)\n', 'src/Makefile': 'all: lua\n', 'src/lvm.c': COPY_C,
    });
    const { next } = await nextOf('lua5.4-5.4.4/src');
    assert.match(next.build, /^Debian's build of this source tree, which runs its tests too: the read line below, after its build dependencies \(sudo apt-get build-dep \/\S+\/lua5\.4-5\.4\.4\); debian\/rules clean before another$/);
    // Once: a second debian/rules build without a clean fails.
    assert.equal(next.test, undefined);
    // A plain variable assignment before a subshell is a syntax error: the log is exported.
    assert.match(next.read, /^export MEMCPY_DEBUG_LOG=\$PWD\/overlaps\.log; \(cd lua5\.4-5\.4\.4 && debian\/rules build\); memcpy-debug report overlaps\.log --dir lua5\.4-5\.4\.4\/src$/);
    await files(join(tmp, 'libarchive-3.6.2'), {
      'debian/rules': '#!/usr/bin/make -f\n', 'debian/control': 'Source: libarchive\n', configure: '#!/bin/sh\n',
      'CMakeLists.txt': 'PROJECT(libarchive C)\nADD_SUBDIRECTORY(libarchive)\n', 'libarchive/CMakeLists.txt': 'SET(libarchive_SOURCES archive_acl.c)\n',
      'libarchive/archive_acl.c': COPY_C, 'doc/man/Makefile': 'archive_entry.3: ../../libarchive/archive_entry.3\n\tawk -f ../mdoc2man.awk < ../../libarchive/archive_entry.3\n',
    });
    const lib = await nextOf('libarchive-3.6.2/libarchive');
    assert.match(lib.next.build, /^Debian's build of this source tree.*; or the project's own build: \(cd libarchive-3\.6\.2 && \.\/configure && make\)$/);
    assert.match(lib.next.read, /; \(cd libarchive-3\.6\.2 && debian\/rules build\); memcpy-debug report/);
    // The top CMakeLists.txt compiles the folder; doc/man/Makefile only reads its manual pages.
    const compiled = lib.buildNotes.find((n) => n.startsWith('compiled from elsewhere too'));
    assert.ok(compiled?.includes('CMakeLists.txt'), JSON.stringify(lib.buildNotes));
    assert.doesNotMatch(compiled!, /doc\/man\/Makefile/);
  });

  test('a configure script above a folder with no build file (nginx), a configure that makes the Makefile from Makefile.in (zlib), configure.ac alone (jq), a CMake project above a subproject', async () => {
    await files(join(tmp, 'nginx'), { configure: '#!/bin/sh\n', 'src/core/ngx_string.c': COPY_C });
    assert.equal((await nextOf('nginx/src')).next.build, '(cd nginx && ./configure && make)');
    assert.equal((await nextOf('nginx/src')).next.test, undefined);
    // zlib's shape: the Makefile only says to run configure, which makes it from Makefile.in.
    await files(join(tmp, 'zlib'), {
      configure: '#!/bin/sh\n', Makefile: 'all:\n\t-@echo "Please use ./configure first."\n',
      'Makefile.in': 'check: test\ntest: all teststatic\n', 'inflate.c': COPY_C,
    });
    const zlib = await nextOf('zlib');
    assert.equal(zlib.next.build, '(cd zlib && ./configure && make)');
    assert.equal(zlib.next.test, 'make -C zlib check');
    // nettle's: one rule for several targets; a variable is no target.
    await files(join(tmp, 'nettle'), {
      configure: '#!/bin/sh\n', 'Makefile.in': 'CHECK := test\nall check install uninstall:\n\t$(MAKE) $@\n', 'md5.c': COPY_C,
    });
    assert.equal((await nextOf('nettle')).next.test, 'make -C nettle check');
    await files(join(tmp, 'novar'), { configure: '#!/bin/sh\n', 'Makefile.in': 'check = yes\ntest:= x\nall:\n', 'a.c': COPY_C });
    assert.equal((await nextOf('novar')).next.test, undefined);
    await files(join(tmp, 'jq'), { 'configure.ac': 'AC_INIT([jq], [1.6])\n', 'Makefile.am': 'bin_PROGRAMS = jq\njq_SOURCES = src/jv.c\n', 'src/jv.c': COPY_C });
    const jq = await nextOf('jq/src');
    assert.equal(jq.next.build, '(cd jq && autoreconf -fi && ./configure && make)');
    assert.equal(jq.next.test, 'make -C jq check');
    await files(join(tmp, 'proj'), { 'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\nproject(p C)\nadd_subdirectory(lib)\n', 'lib/CMakeLists.txt': 'add_library(l x.c)\n', 'lib/x.c': COPY_C, 'build/README': 'scripts\n' });
    const cm = await nextOf('proj/lib');
    // The project's own build/ folder holds scripts: the build goes elsewhere.
    assert.equal(cm.next.build, 'cmake -S proj -B proj/_build && cmake --build proj/_build');
    assert.equal(cm.next.test, 'ctest --test-dir proj/_build');
  });

  test('the commands given run as they are: make from the top, and configure then make, and the tests report the overlap', { skip: missing('gcc') }, async () => {
    // lua's upstream shape: a top Makefile that builds src/ and runs the tests.
    await files(join(tmp, 'lua'), {
      Makefile: 'all:\n\t$(MAKE) -C src\ntest: all\n\t./src/prog\n',
      'src/Makefile': 'prog: main.c shift.c\n\t$(CC) -o prog main.c shift.c\n',
      'src/shift.c': COPY_C, 'src/main.c': 'void shift(char *p);\nint main(void) { char b[16] = {0}; shift(b); return 0; }\n',
    });
    const lua = await nextOf('lua/src');
    assert.equal(lua.next.build, 'make -C lua');
    assert.equal(lua.next.test, 'make -C lua test');
    assert.equal((await runCliHere(['instrument', 'lua/src'], { cwd: tmp })).status, 0);
    sh(tmp, lua.next.build);
    sh(tmp, lua.next.read.replace(/memcpy-debug report/, 'true'));
    assert.match(await readFile(join(tmp, 'overlaps.log'), 'latin1'), /^memcpy overlap detected: .* size=8 delta=1 at shift\.c:3 in shift$/m);
    // nginx's shape: configure writes the Makefile.
    await files(join(tmp, 'ng'), {
      configure: '#!/bin/sh\nprintf \'prog: src/a.c\\n\\t$(CC) -o prog src/a.c\\n\' > Makefile\n',
      'src/a.c': COPY_C.replace('void shift', 'static void shift') + 'int main(void) { char b[16] = {0}; shift(b); return 0; }\n',
    });
    await runCliHere(['instrument', 'ng/src'], { cwd: tmp }).then((r) => assert.equal(r.status, 0, r.stderr));
    const ng = (await runCliHere(['instrument', 'ng/src', '--dry-run', '--json', '--output', '/dev/null'], { cwd: tmp }));
    const build = (JSON.parse(ng.stdout.toString()) as { next: Next }).next.build;
    assert.equal(build, '(cd ng && ./configure && make)');
    sh(tmp, `chmod +x ng/configure && ${build} && MEMCPY_DEBUG_LOG=$PWD/ng.log ng/prog`);
    assert.match(await readFile(join(tmp, 'ng.log'), 'latin1'), /at src\/a\.c:3 in shift$/m);
  });
});

describe('report: counts held back by the rate limit read as lower bounds; the caller of an inlined function is kept', () => {
  test('33 overlaps at one site: ">=10" and "at least", and main as the caller of a static function gcc inlined', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, {
      'prog.c': '#include <string.h>\nstatic char buf[256];\nstatic void shift(int k) { memcpy(buf + 1 + (k & 1), buf, 64); }\n'
        + 'int main(void) { int k; for (k = 0; k < 33; k++) shift(k); return 0; }\n',
    });
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -O2 -rdynamic -o prog prog.c && ./prog 2> log');
    const log = await readFile(join(app, 'log'), 'latin1');
    assert.equal(log.match(/^memcpy overlap detected/gm)?.length, 10);
    assert.match(log, /^memcpy overlap reports held back: from now on only the 100th, 1000th, \.\.\. at prog\.c:4 in shift$/m);
    const r = await runCliHere(['report', 'log', '--dir', '.'], { cwd: app });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^memcpy-debug report: 1 call site, at least 10 overlaps \(10 reported\) in log$/m);
    assert.match(out, /^\s+>=10\s+10\s+64\s+1\.\.2\s+prog\.c:4\s+3\s+shift\s+main$/m);
    const j = JSON.parse((await runCliHere(['report', 'log', '--json'], { cwd: app })).stdout.toString()) as { atLeast: boolean; sites: { atLeast: boolean; callers: { chain: string[] }[] }[] };
    assert.equal(j.atLeast, true);
    assert.deepEqual(j.sites[0].callers[0].chain, ['main']);
  });

  test('warn-once: the one report is a lower bound too; 3 overlaps in warn mode are exact', { skip: missing('gcc') }, async () => {
    for (const [mode, loops, expected] of [['warn-once', 5, /^\s+>=1\s+1\s/m], ['warn', 3, /^\s+3\s+3\s/m]] as const) {
      const app = join(tmp, mode);
      await files(app, { 'p.c': `#include <string.h>\nchar b[64];\nint main(void) { int k; for (k = 0; k < ${loops}; k++) memcpy(b + 1, b, 8); return 0; }\n` });
      assert.equal((await runCliHere(['instrument', mode, '--on-overlap', mode], { cwd: tmp })).status, 0);
      sh(app, 'gcc -o p p.c && ./p 2> log');
      const out = (await runCliHere(['report', 'log'], { cwd: app })).stdout.toString();
      assert.match(out, expected, out);
      assert.equal(/at least/.test(out), mode === 'warn-once', out);
    }
  });
});

describe('the user-space runtime at run time', () => {
  test('MEMCPY_DEBUG_MODE sets what an overlap does without a rebuild; a log that cannot be opened is said on stderr', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, { 'p.c': '#include <string.h>\nchar b[64];\nint main(void) { int k; for (k = 0; k < 3; k++) memcpy(b + 1, b, 8); return 0; }\n' });
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -O2 -o p p.c');
    const runWith = (env: Record<string, string>) => {
      const r = spawnSync('./p', [], { cwd: app, env: { ...process.env, ...env } });
      return { status: r.status, signal: r.signal, stderr: r.stderr.toString() };
    };
    const detected = (t: string) => t.match(/^memcpy overlap detected: .* at p\.c:4 in main$/gm)?.length ?? 0;
    assert.equal(detected(runWith({}).stderr), 3);
    assert.equal(runWith({ MEMCPY_DEBUG_MODE: 'off' }).stderr, '');
    assert.equal(detected(runWith({ MEMCPY_DEBUG_MODE: 'warn-once' }).stderr), 1);
    const aborted = runWith({ MEMCPY_DEBUG_MODE: 'abort' });
    assert.equal(aborted.signal, 'SIGABRT');
    assert.equal(detected(aborted.stderr), 1);
    const bogus = runWith({ MEMCPY_DEBUG_MODE: 'loud' });
    assert.match(bogus.stderr, /^memcpy_debug: MEMCPY_DEBUG_MODE=loud is not one of off, warn, warn-once, memmove, abort: warn it is$/m);
    assert.equal(detected(bogus.stderr), 3);
    const noLog = runWith({ MEMCPY_DEBUG_LOG: join(tmp, 'missing', 'x.log') });
    assert.equal(noLog.stderr.match(/^memcpy_debug: cannot open MEMCPY_DEBUG_LOG=.*missing\/x\.log \(No such file or directory\): the reports go to stderr$/gm)?.length, 1);
    assert.equal(detected(noLog.stderr), 3);
  });
});

describe('the user-space site table ($MEMCPY_DEBUG_SITES)', () => {
  test('written at exit by the process that ran the sites (not again by a forked child); report gives coverage and exact counts', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, {
      'p.c': '#include <string.h>\n#include <unistd.h>\n#include <sys/wait.h>\nchar b[64];\nstatic void up(void)\n{\n\tmemcpy(b + 1, b, 8);\n}\n'
        + 'static void apart(void)\n{\n\tmemcpy(b, b + 16, 8);\n}\nstatic void never(void)\n{\n\tmemcpy(b, b + 32, 8);\n}\n'
        + 'int main(int argc, char **argv)\n{\n\tint k;\n\tfor (k = 0; k < 25; k++)\n\t\tup();\n\tapart();\n\tif (argc > 5)\n\t\tnever();\n'
        + '\tif (fork() == 0)\n\t\treturn 0;\n\twait(NULL);\n\t(void)argv;\n\treturn 0;\n}\n',
    });
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -O2 -o p p.c && MEMCPY_DEBUG_SITES=$PWD/sites MEMCPY_DEBUG_LOG=$PWD/log ./p');
    assert.deepEqual(await siteTable(app), ['p.c:12 apart 1 0 warn', 'p.c:8 up 25 25 warn']);
    const r = await runCliHere(['report', 'log', 'sites', '--dir', '.'], { cwd: app });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString();
    // The log reported 10 of the 25 and held the rest back; the table counted them all.
    assert.match(out, /^memcpy-debug report: 1 call site, 25 overlaps \(10 reported\) in 2 logs$/m);
    assert.match(out, /^site table: 2 call sites ran of the 3 instrumented \(66\.7%\), 1 with overlaps; modes: warn 2$/m);
    // The same program compiled from another folder (../p.c, as lz4's programs compile ../lib/lz4.c):
    // the same sites, counted once, their overlaps summed; a site from outside the folder is no coverage.
    sh(app, 'mkdir -p sub && cd sub && gcc -O2 -o p ../p.c && MEMCPY_DEBUG_SITES=$PWD/../sites MEMCPY_DEBUG_LOG=$PWD/../log ./p');
    await writeFile(join(app, 'sites'), 'elsewhere.c:3 other 1 0 warn\n', { flag: 'a' });
    const twice = (await runCliHere(['report', 'log', 'sites', '--dir', '.'], { cwd: app })).stdout.toString();
    assert.match(twice, /^memcpy-debug report: 1 call site, 50 overlaps \(20 reported\) in 2 logs$/m);
    assert.match(twice, /^\s+50\s+20\s+8\s+-?1\s+p\.c:8\s/m);
    assert.match(twice, /^site table: 2 call sites ran of the 3 instrumented \(66\.7%\), 1 with overlaps; modes: warn 2$/m);
    // Built not to count calls (the hot-loop setting): the sites that ran, "-" for their calls, the overlaps still exact.
    sh(app, 'rm -f sites log && gcc -O2 -DMEMCPY_DEBUG_COUNT_CALLS=0 -o p p.c && MEMCPY_DEBUG_SITES=$PWD/sites MEMCPY_DEBUG_LOG=$PWD/log ./p');
    assert.deepEqual(await siteTable(app), ['p.c:12 apart - 0 warn', 'p.c:8 up - 25 warn']);
    const r3 = (await runCliHere(['report', 'log', 'sites', '--dir', '.'], { cwd: app })).stdout.toString();
    assert.match(r3, /^site table: 2 call sites ran of the 3 instrumented \(66\.7%\), 1 with overlaps; modes: warn 2$/m);
  });

  test('the check flags exactly the copies whose ranges share a byte: every offset and size against the definition', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'exhaustive');
    // The sizes and offsets come through volatile variables, so that gcc folds none of the checks.
    await files(app, {
      'e.c': '#include <stdio.h>\n#include <string.h>\nstatic char b[128];\nvolatile unsigned long vd, vs, vn;\n'
        + 'int main(void)\n{\n\tunsigned long d, s, n, want = 0, same = 0;\n'
        + '\tfor (d = 0; d < 40; d++)\n\t\tfor (s = 0; s < 40; s++)\n\t\t\tfor (n = 0; n < 40; n++) {\n'
        + '\t\t\t\tvd = d; vs = s; vn = n;\n'
        + '\t\t\t\tmemcpy(b + vd, b + vs, vn);\n'
        + '\t\t\t\tif (n > 0 && (d < s ? s < d + n : d < s + n))\n\t\t\t\t\twant++, same += d == s;\n\t\t\t}\n'
        + '\tprintf("%lu %lu\\n", want, same);\n\treturn 0;\n}\n',
    });
    assert.equal((await runCliHere(['instrument', 'exhaustive'], { cwd: tmp })).status, 0);
    const counts = async (flags: string): Promise<{ want: number; same: number; table: string[] }> => {
      const out = sh(app, `rm -f sites && gcc -O2 ${flags} -o e e.c && MEMCPY_DEBUG_SITES=$PWD/sites MEMCPY_DEBUG_LOG=/dev/null ./e`);
      const [want, same] = out.trim().split(' ').map(Number);
      return { want, same, table: await siteTable(app) };
    };
    const all = await counts('');
    assert.ok(all.want > 0 && all.same > 0);
    assert.deepEqual(all.table, [`e.c:13 main 64000 ${all.want} warn`]);
    const notSame = await counts('-DMEMCPY_DEBUG_SAME_POINTER=0');
    assert.deepEqual(notSame.table, [`e.c:13 main 64000 ${notSame.want - notSame.same} warn`]);
  });
});

describe('coverage of a folder with macros renamed in their #define', () => {
  test('uses of an alias (oniguruma\'s #define xmemcpy memcpy) and of a macro body are sites of their own, told apart from the renamed calls', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'alias');
    await files(app, {
      'q.c': '#include <string.h>\n#define xmemcpy memcpy\n#define COPY4(d, s) memcpy(d, s, 4)\nchar b[64];\n'
        + 'int main(void)\n{\n\txmemcpy(b, b + 8, 4);\n\txmemcpy(b + 16, b + 24, 4);\n\tCOPY4(b + 32, b + 40);\n'
        + '\tmemcpy(b + 48, b + 56, 4);\n\treturn 0;\n}\nvoid never(void);\nvoid never(void)\n{\n\tmemcpy(b, b + 1, 1);\n}\n',
    });
    assert.equal((await runCliHere(['instrument', 'alias'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -O2 -o q q.c && MEMCPY_DEBUG_SITES=$PWD/sites ./q');
    const r = await runCliHere(['report', 'sites', '--dir', '.'], { cwd: app });
    assert.equal(r.status, 0, r.stderr);
    // Renamed: the alias, the macro body and the two calls (4); ran: one call of the two, and three uses.
    assert.match(r.stdout.toString(), /^site table: 4 call sites ran, 0 with overlaps; modes: warn 4\nsite table: 1 of the 4 call sites instrumented ran \(25\.0%\); the other 3 are uses of a macro or alias renamed in its #define, each a site of its own$/m);
  });
});

describe('the runtime header and the compiler', () => {
  test('-Wrestrict stays at the call site: memcpy_debug(p, p, n) warns at its own line, as memcpy(p, p, n) did; a constant overlap at -O2 names the call line', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, {
      'w.c': '#include <string.h>\nvoid f(char *p, unsigned n);\nvoid f(char *p, unsigned n)\n{\n\tmemcpy(p, p, n);\n}\n',
      'k.c': '#include <string.h>\nchar b[64];\nvoid g(void);\nvoid g(void)\n{\n\tmemcpy(b + 1, b, 32);\n}\n',
    });
    const before = run('gcc', ['-O2', '-Wall', '-c', 'w.c', 'k.c'], app).output;
    assert.match(before, /^w\.c:5:\d+: warning: passing argument 1 to .restrict.-qualified parameter aliases with argument 2 \[-Wrestrict\]$/m);
    assert.match(before, /^k\.c:6:\d+: warning: .memcpy. accessing 32 bytes at offsets 1 and 0 overlaps 31 bytes at offset 1 \[-Wrestrict\]$/m);
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    assert.match(await readFile(join(app, 'w.c'), 'latin1'), /memcpy_debug\(p, p, n\)/);
    const after = run('gcc', ['-O2', '-Wall', '-c', 'w.c', 'k.c'], app).output;
    // One line more above the call: the include.
    assert.match(after, /^w\.c:6:\d+: warning: passing argument 1 to .restrict.-qualified parameter aliases with argument 2 \[-Wrestrict\]$/m);
    assert.match(after, /warning: .memcpy. accessing 32 bytes at offsets 1 and 0 overlaps 31 bytes at offset 1 \[-Wrestrict\]/);
    assert.match(after, /^k\.c:7:\d+: note: in expansion of macro .memcpy_debug.$/m);
  });

  test('clean under C89, GNU89, C99, C11, C17 (also -Wdeclaration-after-statement) and C++98, 11, 17 with -Wall -Wextra -pedantic -Werror, calls and a function pointer', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, { 'u.c': '#include <string.h>\nchar a[64], b[64];\nvoid *(*fp)(void *, const void *, size_t) = memcpy;\nint main(void) { char *q = a; memcpy(q++, b, 4); return q == a + 1 ? 0 : 1; }\n' });
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    const failures: string[] = [];
    for (const std of ['c89', 'gnu89', 'c99', 'c11', 'c17']) {
      const r = run('gcc', [`-std=${std}`, '-O2', '-Wall', '-Wextra', '-pedantic', '-Wdeclaration-after-statement', '-Werror', '-o', `u-${std}`, 'u.c'], app);
      if (r.status !== 0) failures.push(`${std}: ${r.output}`);
      else if (run(`./u-${std}`, [], app).status !== 0) failures.push(`${std}: the program failed (an argument evaluated twice?)`);
    }
    for (const std of ['c++98', 'c++11', 'c++17']) {
      const r = run('g++', [`-std=${std}`, '-O2', '-Wall', '-Wextra', '-pedantic', '-Werror', '-x', 'c++', '-c', '-o', '/dev/null', 'u.c'], app);
      if (r.status !== 0) failures.push(`${std}: ${r.output}`);
    }
    assert.deepEqual(failures, []);
  });
});

test('--json names the function of a site inside an extern "C" block, after a macro (zstd\'s MEM_STATIC U16 f(...))', async () => {
  await files(join(tmp, 'z'), {
    'mem.h': '#include <string.h>\n#if defined (__cplusplus)\nextern "C" {\n#endif\n#define MEM_STATIC static inline\ntypedef unsigned short U16;\n'
      + 'MEM_STATIC U16 MEM_read16(const void* memPtr)\n{\n    U16 val; memcpy(&val, memPtr, sizeof(val)); return val;\n}\n'
      + 'MEM_STATIC void MEM_write16(void* memPtr, U16 value)\n{\n    memcpy(memPtr, &value, sizeof(value));\n}\n#if defined (__cplusplus)\n}\n#endif\n',
  });
  const r = await runCliHere(['instrument', 'z', '--dry-run', '--output', '/dev/null', '--json'], { cwd: tmp });
  const sites = (JSON.parse(r.stdout.toString()) as { sites: { line: number; function: string | null }[] }).sites;
  assert.deepEqual(sites.map((s) => [s.line, s.function]), [[9, 'MEM_read16'], [13, 'MEM_write16']]);
});

describe('__builtin_memcpy: an alias checked in user space, every other one said', () => {
  const DEPS = '#include <string.h>\n#if defined(__GNUC__) && __GNUC__ >= 4\n# define ZSTD_memcpy(d,s,l) __builtin_memcpy((d),(s),(l))\n'
    + '# define ZSTD_memmove(d,s,l) __builtin_memmove((d),(s),(l))\n#else\n# define ZSTD_memcpy(d,s,l) memcpy((d),(s),(l))\n#endif\n';
  test('zstd\'s ZSTD_memcpy under GCC: renamed, so its copies are checked; a __builtin_memcpy call in code is left and listed', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, {
      'zstd_deps.h': DEPS,
      'z.c': '#include "zstd_deps.h"\nchar b[64];\nint main(void)\n{\n\tZSTD_memcpy(b + 1, b, 8);\n\t__builtin_memcpy(b, b + 32, 4);\n\treturn 0;\n}\n',
    });
    const r = await runCliHere(['instrument', 'app', '--json'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.toString()) as { sitesByKind: Record<string, number>; sites: { file: string; line: number; kind: string; renamed: boolean; reason?: string }[] };
    assert.deepEqual(j.sitesByKind, { 'builtin-alias': 1, 'macro-call': 1, builtin: 1 });
    const deps = await readFile(join(app, 'zstd_deps.h'), 'latin1');
    assert.match(deps, /# define ZSTD_memcpy\(d,s,l\) memcpy_debug\(\(d\),\(s\),\(l\)\)\n# define ZSTD_memmove\(d,s,l\) __builtin_memmove/);
    assert.match(deps, /^#include "memcpy_debug\.h"$/m);
    assert.deepEqual(j.sites.filter((s) => s.kind === 'builtin').map((s) => [s.file, s.line, s.renamed, s.reason]), [['z.c', 6, false, '__builtin_memcpy, the compiler\'s own copy: not checked']]);
    sh(app, 'gcc -O2 -o z z.c && ./z 2> log');
    assert.match(await readFile(join(app, 'log'), 'latin1'), /^memcpy overlap detected: .* size=8 delta=1 at z\.c:5 in main$/m);
    assert.equal((await runCliHere(['revert', 'app'], { cwd: tmp })).status, 0);
    assert.equal(await readFile(join(app, 'zstd_deps.h'), 'latin1'), DEPS);
  });

  test('in kernel code (lib/zstd\'s zstd_deps.h) the alias is left alone and said, with file:line', async () => {
    await files(join(tmp, 'k'), {
      'zstd_deps.h': '#include <linux/string.h>\n#include <linux/slab.h>\n#define ZSTD_memcpy(d,s,n) __builtin_memcpy((d),(s),(n))\n',
      'a.c': '#include <linux/slab.h>\n#include "zstd_deps.h"\nvoid f(char *p) { memcpy(p, p + 1, 2); }\n',
    });
    const r = await runCliHere(['instrument', 'k', '--target', 'kernel', '--dry-run', '--output', '/dev/null'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /left alone: .*1 __builtin_memcpy, not checked/);
    assert.match(r.stderr, /^\s+zstd_deps\.h:3: __builtin_memcpy, the compiler's own copy: not checked$/m);
  });
});

describe('the debugging flow: a memcpy added after instrument, instrumented, taken out again', () => {
  test('instrument again renames the new call; taking it out, then revert, gives the tree back byte for byte (exit 0, no conflict)', async () => {
    const app = join(tmp, 'app');
    await copyTree(join(FIXTURES, 'user-make', 'before'), app);
    const original = await readTree(app);
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    const ring = join(app, 'ring.c');
    const instrumented = await readFile(ring, 'latin1');
    const debugLine = '\tmemcpy(r->data, r->data + 1, 1); /* debugging */\n';
    await writeFile(ring, instrumented.replace('\tr->len -= n;\n', `${debugLine}\tr->len -= n;\n`), 'latin1');
    const again = await runCliHere(['instrument', 'app'], { cwd: tmp });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /instrumented the memcpy calls written in app since it was instrumented \(a revert undoes both runs\)/);
    assert.match(again.stderr, /1 call site renamed to memcpy_debug in 1 file/);
    const withDebug = await readFile(ring, 'latin1');
    assert.match(withDebug, /\tmemcpy_debug\(r->data, r->data \+ 1, 1\); \/\* debugging \*\/\n/);
    // Taken out again, by hand: the next revert finds nothing of ours on that line, and goes on.
    await writeFile(ring, withDebug.replace(/\tmemcpy_debug\(r->data, r->data \+ 1, 1\); \/\* debugging \*\/\n/, ''), 'latin1');
    const r = await runCliHere(['revert', 'app'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await readTree(app), original);
  });

  test('kept in: revert gives the user\'s file, their call as memcpy; a memcpy_debug written by hand keeps the runtime until it goes', async () => {
    const app = join(tmp, 'app');
    await copyTree(join(FIXTURES, 'user-make', 'before'), app);
    const ringBefore = await readFile(join(app, 'ring.c'), 'latin1');
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    const ring = join(app, 'ring.c');
    await writeFile(ring, (await readFile(ring, 'latin1')).replace('\tr->len -= n;\n', '\tmemcpy(r->data, r->data + 1, 1);\n\tr->len -= n;\n'), 'latin1');
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    assert.equal((await runCliHere(['revert', 'app'], { cwd: tmp })).status, 0);
    assert.equal(await readFile(ring, 'latin1'), ringBefore.replace('\tr->len -= n;\n', '\tmemcpy(r->data, r->data + 1, 1);\n\tr->len -= n;\n'));
  });
});

describe('messages', () => {
  test('a Kbuild makefile with one composite among other modules (drivers/net: thunderbolt-net) gets no line unless --module names it', () => {
    const text = 'obj-$(CONFIG_DUMMY) += dummy.o\nobj-$(CONFIG_IFB) += ifb.o\nthunderbolt-net-y += thunderbolt.o\nobj-$(CONFIG_USB4_NET) += thunderbolt-net.o\nobj-$(CONFIG_PHYLIB) += phy/\n';
    assert.throws(() => planKbuild('Makefile', text, 'memcpy_debug.o'), (e: unknown) => e instanceof BuildFileError && /builds other modules or objects besides the composite thunderbolt-net\.o \(dummy\.o, ifb\.o\)/.test(e.problem));
    assert.equal(planKbuild('Makefile', text, 'memcpy_debug.o', 'thunderbolt-net').edits.length, 1);
    // A folder of one composite module and subfolders (fs/btrfs' shape) still gets its line.
    assert.equal(planKbuild('Makefile', 'obj-$(CONFIG_BTRFS_FS) := btrfs.o\nbtrfs-y += super.o\nobj-y += tests/\n', 'memcpy_debug.o').edits.length, 1);
  });

  test('one C file scanned, in the singular', async () => {
    await files(join(tmp, 'one'), { 'a.c': COPY_C });
    const r = await runCliHere(['instrument', 'one', '--dry-run', '--output', '/dev/null'], { cwd: tmp });
    assert.match(r.stderr, /; 1 C file scanned, 1 mention memcpy$/m);
  });
});

describe('SARIF 2.1.0', () => {
  interface Sarif { version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }[]; partialFingerprints: Record<string, string> }[] }[] }
  const readSarif = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as Sarif;

  test('instrument --sarif: the sites left alone, with why; fingerprints survive lines added above; never into the tree', async () => {
    const src = '#include <string.h>\nvoid *(*cp)(void *, const void *, size_t) = memcpy;\nvoid f(char *p) { (memcpy)(p, p + 1, 2); memcpy(p, p + 2, 2); }\n';
    await files(join(tmp, 's'), { 'a.c': src });
    const r = await runCliHere(['instrument', 's', '--dry-run', '--output', '/dev/null', '--sarif', 'one.sarif'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const one = await readSarif(join(tmp, 'one.sarif'));
    assert.equal(one.version, '2.1.0');
    assert.equal(one.runs[0].tool.driver.name, 'memcpy-debug');
    const results = one.runs[0].results;
    assert.deepEqual(results.map((x) => [x.ruleId, x.level, x.locations[0].physicalLocation.region.startLine, x.locations[0].physicalLocation.artifactLocation.uri]),
      [['MCD001', 'warning', 2, 'a.c'], ['MCD002', 'note', 3, 'a.c']]);
    assert.match(results[0].message.text, /used as a value, not called/);
    assert.ok(results.every((x) => one.runs[0].tool.driver.rules.some((rule) => rule.id === x.ruleId)));
    await writeFile(join(tmp, 's', 'a.c'), `/* a comment\n   of two lines */\n${src}`);
    await runCliHere(['instrument', 's', '--dry-run', '--output', '/dev/null', '--sarif', 'two.sarif'], { cwd: tmp });
    const two = (await readSarif(join(tmp, 'two.sarif'))).runs[0].results;
    assert.deepEqual(two.map((x) => x.locations[0].physicalLocation.region.startLine), [4, 5]);
    assert.deepEqual(two.map((x) => x.partialFingerprints), results.map((x) => x.partialFingerprints));
    const into = await runCliHere(['instrument', 's', '--sarif', 's/a.c'], { cwd: tmp });
    assert.equal(into.status, 2);
    assert.match(into.stderr, /s\/a\.c is a file of s: writing there would overwrite it/);
  });

  test('report --sarif: each overlapping site an error at its original line, relative to --dir', { skip: missing('gcc') }, async () => {
    const app = join(tmp, 'app');
    await files(app, { 'p.c': '#include <string.h>\nchar b[64];\nint main(void) { memcpy(b + 1, b, 8); return 0; }\n' });
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -o p p.c && ./p 2> log');
    const r = await runCliHere(['report', 'log', '--dir', '.', '--sarif', '../r.sarif'], { cwd: app });
    assert.equal(r.status, 0, r.stderr);
    const s = await readSarif(join(tmp, 'r.sarif'));
    const [x] = s.runs[0].results;
    assert.equal(x.ruleId, 'MCD100');
    assert.equal(x.level, 'error');
    assert.deepEqual(x.locations[0].physicalLocation, { artifactLocation: { uri: 'p.c', uriBaseId: 'SRCROOT' }, region: { startLine: 3 } });
    assert.match(x.message.text, /^memcpy with overlapping source and destination in main: 1 overlap \(1 reported\), size 8, delta \(dst - src\) 1$/);
  });
});
