// The package as npm ships it: packed from the sources (prepack builds the bundle), installed
// into an empty folder, and run from there as a user would.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, REPO, removeTree, run, tempDir } from '../helpers/cli.js';
import { missing } from '../helpers/toolchain.js';

const bin = (app: string) => join(app, 'node_modules', '.bin', 'memcpy-debug');

describe('npm pack', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('the packed tarball installs into an empty folder and its command runs', { skip: missing('git') }, async () => {
    // A copy of the sources (tracked and new files, nothing ignored), as a fresh clone has them:
    // packing here would rebuild the dist/ these tests run from.
    const src = join(tmp, 'src');
    const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], REPO).output.split('\0').filter(Boolean);
    for (const f of files) {
      await mkdir(dirname(join(src, f)), { recursive: true });
      await writeFile(join(src, f), await readFile(join(REPO, f)));
    }
    const packed = run('npm', ['pack', '--pack-destination', tmp, '--no-audit', '--no-fund'], src);
    assert.equal(packed.status, 0, packed.output);
    const version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const tarball = join(tmp, `memcpy-debug-${version}.tgz`);
    const listing = run('tar', ['-tzf', tarball], tmp).output;
    assert.match(listing, /^package\/dist\/bundle\/memcpy-debug\.js$/m);
    assert.match(listing, /^package\/templates\/kernel\/memcpy_debug\.h$/m);
    // The parser ships beside the bundle: the package needs nothing else, and builds nothing.
    assert.match(listing, /^package\/dist\/bundle\/tree-sitter\.wasm$/m);
    assert.match(listing, /^package\/dist\/bundle\/tree-sitter-c\.wasm$/m);

    const app = join(tmp, 'app');
    await mkdir(app);
    const installed = run('npm', ['install', '--no-audit', '--no-fund', tarball], app);
    assert.equal(installed.status, 0, installed.output);
    const manifest = JSON.parse(await readFile(join(app, 'node_modules', 'memcpy-debug', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.dependencies, undefined, 'no dependency');
    assert.equal(manifest.peerDependencies, undefined, 'no peer');
    assert.deepEqual((await readdir(join(app, 'node_modules'))).filter((d) => d !== '.bin' && !d.startsWith('.package-lock')), ['memcpy-debug'], 'one package installed');
    // A file that needs the parser, from the installed package alone.
    await mkdir(join(app, 'parse'));
    await writeFile(join(app, 'parse', 'p.c'), 'static void *(*f)(void *, const void *, unsigned long) = memcpy;\nvoid g(char *a) { memcpy(a, a + 1, 1); }\n');
    const parsed = run(bin(app), ['instrument', 'parse', '--dry-run', '--target', 'user'], app);
    assert.equal(parsed.status, 0, parsed.output);
    assert.match(parsed.output, /1 call site would be renamed/);
    assert.equal(run(bin(app), ['--version'], app).output.trim(), version);
    await copyTree(join(FIXTURES, 'kernel-module', 'before'), join(app, 'mcdemo'));
    const r = run(bin(app), ['instrument', 'mcdemo'], app);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /7 call sites renamed to memcpy_debug in 5 files/);
    assert.equal(run(bin(app), ['revert', 'mcdemo'], app).status, 0);
  });
});
