// The fast path against the parser over the whole of Linux 6.1 (Debian's linux-source-6.1):
// every site the tokens decide must get the decision the parser gives when it is asked about
// every site. The fixtures and the misleading snippets are in ../oracle.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SiteKind } from '../../src/core/c/find-sites.js';
import type { CParser } from '../../src/core/c/parse-c.js';
import { loadCParser } from '../../src/io/assets.js';
import { removeTree, run, tempDir } from '../helpers/cli.js';
import { cFiles, compare, same } from '../helpers/oracle.js';
import { kernelSource, missing } from '../helpers/toolchain.js';

let parser: CParser;
before(async () => {
  parser = await loadCParser();
});
after(() => parser.delete());

describe('the fast path gives the parser\'s decisions', () => {
  test('Linux 6.1, every C file: the same decision at each of the 26,072 sites; most without a parse', { skip: missing('kernel-source') }, async () => {
    const tmp = await tempDir();
    try {
      const r = run('tar', ['-xJf', kernelSource()!, '-C', tmp, '--wildcards', '*.c', '*.h'], tmp);
      assert.equal(r.status, 0, r.output);
      const root = join(tmp, 'linux-source-6.1');
      const differences: string[] = [];
      const kinds: Partial<Record<SiteKind, number>> = {};
      let sites = 0;
      let byTokens = 0;
      let files = 0;
      let needParser = 0;
      for (const file of cFiles(root)) {
        const bytes = readFileSync(file);
        if (bytes.indexOf('memcpy') < 0) continue;
        const c = compare(parser, file.slice(root.length + 1), bytes.toString('latin1'));
        differences.push(...c.differences);
        sites += c.sites;
        byTokens += c.byTokens;
        files += c.sites > 0 ? 1 : 0;
        needParser += c.withoutParser ? 0 : 1;
        for (const s of c.fast) kinds[same(s.kind)] = (kinds[same(s.kind)] ?? 0) + 1;
      }
      assert.deepEqual(differences, []);
      assert.equal(sites, 26072);
      // The decisions of 0.1.0 to 0.3.0: 25,345 renamed; left alone by class; nothing unclassified.
      assert.deepEqual(kinds, { call: 25176, 'macro-call': 163, alias: 6, comment: 466, string: 97, member: 46, declaration: 52, redefinition: 36, value: 30 });
      assert.ok(byTokens > 0.9 * 25176, `only ${byTokens} sites decided by tokens`);
      // 320 of the 6,977 files need a parse at all (file-scope initializers, #undef, a comment in a #define).
      assert.equal(files, 6977);
      assert.ok(needParser < 0.06 * files, `${needParser} files needed the parser`);
    } finally {
      await removeTree(tmp);
    }
  });
});
