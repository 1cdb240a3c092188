// Real user-space projects from Debian's source packages, each built by its own build system
// and tested by its own test suite before and after instrument, in place: the same results,
// no overlap reported (the runtime logs to $MEMCPY_DEBUG_LOG, since test suites hide stderr),
// no build file edited (the header is the runtime), and revert gives back every source byte.
// git (plain make, the whole tree), lz4 (lib/, which its tests/ compile themselves), xz
// (automake, src/liblzma), sqlite (src/, which has no build file: the top one builds it).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTree, removeTree, run, runCli, sh, tempDir } from '../helpers/cli.js';
import { missing, SOURCES, unfetched } from '../helpers/toolchain.js';


interface Project {
  /** The folder in .cache/sources, and a file that says it was fetched. */
  readonly source: string;
  readonly marker: string;
  /** The folder instrumented, relative to the project's top. */
  readonly dir: string;
  /** Builds what the tests need (from the top, in bash). */
  readonly build: string;
  /** Runs the tests; their output is compared before and after. */
  readonly test: string;
  /** The lines of the test output that say what passed. */
  readonly results: (out: string) => string[];
  /** A binary that must carry the check after instrument. */
  readonly binary: string;
  readonly minSites: number;
}

// A progress counter rewrites its line with \r: what counts is what stays on the screen.
const lines = (re: RegExp) => (out: string) => out.split('\n').map((l) => l.split('\r').pop()!.trim()).filter((l) => re.test(l));

const GIT_TESTS = ['t0000-basic', 't1300-config', 't1400-update-ref', 't3200-branch', 't4013-diff-various', 't5300-pack-object', 't6000-rev-list-misc', 't7001-mv'];
const GIT_MAKE = 'make -j2 NO_GETTEXT=1 NO_TCLTK=1 NO_PERL=1 NO_PYTHON=1 NO_CURL=1 NO_EXPAT=1 NO_OPENSSL=1';

const PROJECTS: Record<string, Project> = {
  'lz4 1.9.4 (lib/, compiled again by tests/)': {
    source: 'lz4', marker: 'lib/lz4.c', dir: 'lib', minSites: 30, binary: 'tests/frametest',
    build: 'make -j2 lib lz4 2>&1 && make -C tests -j2 fuzzer frametest 2>&1',
    test: './tests/fuzzer -i200 -s1 2>&1 && ./tests/frametest -i200 -s1 2>&1 && make -C tests test-lz4-basic 2>&1',
    results: lines(/tests completed|All tests completed/i),
  },
  'xz 5.4.1 (automake, src/liblzma)': {
    source: 'xz-utils', marker: 'src/liblzma/common/common.c', dir: 'src/liblzma', minSites: 25, binary: 'src/liblzma/.libs/liblzma.a',
    build: '(test -f Makefile || ./configure --disable-doc --disable-nls >/dev/null) && make -j2 2>&1',
    test: 'make -j2 check 2>&1',
    results: lines(/^(PASS|FAIL|XFAIL|SKIP|ERROR|# (TOTAL|PASS|FAIL)):?/),
  },
  'sqlite 3.40.1 (src/, built from the top)': {
    source: 'sqlite3', marker: 'src/main.c', dir: 'src', minSites: 300, binary: 'bld/testfixture',
    build: 'mkdir -p bld && cd bld && (test -f Makefile || ../configure >/dev/null) && make -j2 testfixture 2>&1',
    test: 'cd bld && for t in select1 insert func blob update trans; do ./testfixture ../test/$t.test 2>&1 || exit 1; done',
    results: lines(/errors out of \d+ tests/),
  },
  'git 2.39 (the whole tree, plain make)': {
    source: 'git', marker: 'git.c', dir: '.', minSites: 300, binary: 'git',
    build: `${GIT_MAKE} 2>&1`,
    test: `cd t && for t in ${GIT_TESTS.join(' ')}; do ./$t.sh 2>&1 || exit 1; done`,
    results: lines(/^# (passed all|failed|still have)/),
  },
};

for (const [title, p] of Object.entries(PROJECTS)) {
  const skip = unfetched(p.source, p.marker) ?? missing('gcc');
  describe(title, () => {
    let tmp: string;
    before(async () => {
      tmp = await tempDir();
    });
    after(async () => {
      await removeTree(tmp);
    });

    test('builds and passes its own tests as before, reports no overlap, edits no build file; revert is exact', { skip }, async () => {
      const top = join(tmp, p.source);
      // cp -a keeps the mtimes: autotools does not think its outputs are stale.
      assert.equal(run('cp', ['-a', join(SOURCES, p.source), top], tmp).status, 0);
      const pristine = await readTree(top);

      sh(top, p.build);
      const plain = p.results(sh(top, p.test));
      assert.ok(plain.length > 0, 'the tests said what passed');

      const inst = runCli(['instrument', p.dir, '--json'], { cwd: top });
      assert.equal(inst.status, 0, inst.stderr);
      const report = JSON.parse(inst.stdout.toString()) as { renamed: number; target: string; builds: unknown[]; created: string[] };
      assert.ok(report.renamed >= p.minSites, `${report.renamed} sites renamed`);
      assert.deepEqual([report.target, report.builds, report.created], ['user', [], ['memcpy_debug.h']]);

      const log = join(tmp, `${p.source}-overlaps.log`);
      const build = sh(top, p.build);
      assert.doesNotMatch(build, /error:/);
      assert.match(run('nm', [p.binary], top).output, / t memcpy_debug_report(\.\w+\.\d+)?$/m, `${p.binary} carries the check`);
      const instrumented = p.results(sh(top, p.test, { MEMCPY_DEBUG_LOG: log }));
      // Parallel test runners finish in any order.
      assert.deepEqual([...instrumented].sort(), [...plain].sort(), 'the same test results');
      assert.equal(existsSync(log) ? await readFile(log, 'latin1') : '', '', 'no overlap reported');

      const rev = runCli(['revert', p.dir], { cwd: top });
      assert.equal(rev.status, 0, rev.stderr);
      const after = await readTree(top);
      const changed = [...pristine].filter(([path, bytes]) => !after.get(path)?.equals(bytes)).map(([path]) => path);
      assert.deepEqual(changed, [], 'every source file as it was');
      assert.ok(![...after.keys()].some((path) => path.endsWith('memcpy_debug.h')));
    });
  });
}
