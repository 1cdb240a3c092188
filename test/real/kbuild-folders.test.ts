// Real kernel folders that build several modules, from Debian's linux-source-6.1, instrumented
// with no option and built out of tree against Debian's linux-headers: every module builds and
// links (modpost finds every symbol) with no warning, and revert gives the folder back byte for
// byte. fs/nfs builds 7 modules in 4 folders; fs/fat 3 (+ a KUnit one); net/sunrpc 3, one in
// a subfolder; net/bluetooth 6, five of them in subfolders (rfcomm, bnep, hidp, cmtp).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, removeTree, run, runCli, tempDir, treeDiff } from '../helpers/cli.js';
import { buildModule, cleanModule, kernelSource, missingAny } from '../helpers/toolchain.js';

const FOLDERS = ['fs/nfs', 'fs/fat', 'net/sunrpc', 'net/bluetooth'];
const skip = missingAny('kbuild', 'kernel-source');

const modulesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.ko')).sort();

describe('multi-module kernel folders under real Kbuild', { skip }, () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
    // One pass over the tarball for all the folders.
    const r = run('tar', ['-xJf', kernelSource()!, '-C', tmp, ...FOLDERS.map((f) => `linux-source-6.1/${f}`)], tmp);
    assert.equal(r.status, 0, r.output);
  });
  after(async () => {
    if (tmp) await removeTree(tmp);
  });

  for (const folder of FOLDERS) {
    test(`${folder}: instrument with no option, every module builds and links with no warning, revert is byte-exact`, async () => {
      const name = folder.replaceAll('/', '-');
      const orig = join(tmp, 'linux-source-6.1', folder);
      const dir = join(tmp, name);
      await copyTree(orig, dir);
      const r = runCli(['instrument', name], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /call sites? renamed/);
      const b = buildModule(dir);
      assert.equal(b.status, 0, b.output);
      assert.deepEqual(b.warnings, [], b.output);
      assert.doesNotMatch(b.output, /undefined!/, 'modpost found every symbol');
      const built = modulesUnder(dir);
      assert.ok(built.length >= 2, `several modules: ${built.join(', ')}`);
      if (folder === 'fs/nfs') assert.equal(built.length, 7, built.join(', '));
      assert.ok(existsSync(join(dir, '.memcpy-debug', 'manifest.json')));

      // The build's output is not ours to revert: clean it first, as a user would.
      assert.equal(cleanModule(dir), 0);
      const back = runCli(['revert', name], { cwd: tmp });
      assert.equal(back.status, 0, back.stderr);
      assert.deepEqual(await treeDiff(dir, orig), []);
    });
  }
});
