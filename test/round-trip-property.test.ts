// A property test over generated C files (calls, comments, strings, macro bodies, members, CRLF,
// non-UTF-8 bytes, no final newline): instrument then revert gives the bytes back; instrument,
// then user edits away from our lines, then revert keeps every user edit and none of ours.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeTree, runCliHere, tempDir, treeDiff } from './helpers/cli.js';
import { prng } from './helpers/prng.js';

const BODY_LINES = [
  '\tmemcpy(dst, src, n);',
  '\tmemcpy (dst + 1, src, sizeof(*dst));',
  '\tif (n) memcpy(dst, src, n); else memcpy(src2, dst, 2);',
  '\t/* memcpy(dst, src, n) is in a comment */',
  '\tputs("memcpy in a string");',
  '\tops->memcpy(dst, src, n);',
  '\tx.memcpy = 3;',
  '\tfp = memcpy;',
  '\tn = n * 2 + 1;',
  '\t/* caf\xe9 \xb5s \xff\xfe */',
  '\treturn memcpy(dst, src, n) == dst;',
  '',
];
const TOP_LINES = [
  '#define COPY(d, s) memcpy(d, s, 4)',
  '#define COPY2(d, s) \\\n\tdo { memcpy(d, s, 2); } while (0)',
  '#define zmemcpy memcpy',
  '/* A comment with memcpy and \xe9 */',
  'static int counter;',
  '',
];

function generateFile(rand: () => number): string {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const lines: string[] = [];
  if (rand() < 0.7) lines.push('#include <string.h>');
  if (rand() < 0.4) lines.push('#include "local.h"');
  for (let i = 0, n = Math.floor(rand() * 4); i < n; i++) lines.push(pick(TOP_LINES));
  for (let f = 0, nf = 1 + Math.floor(rand() * 3); f < nf; f++) {
    lines.push(`int f${f}(char *dst, char *src, unsigned long n)`, '{');
    for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n; i++) lines.push(pick(BODY_LINES));
    lines.push('\treturn 0;', '}');
  }
  const eol = rand() < 0.3 ? '\r\n' : '\n';
  const text = lines.join('\n').replaceAll('\n', eol);
  return rand() < 0.2 ? text : text + eol;
}

/**
 * User edits on an instrumented file, made on lines we did not touch: a line inserted, a plain
 * line changed, a plain line deleted. Returns the edited text and what the original becomes
 * with the same edits.
 */
function userEdits(original: string, instrumented: string, rand: () => number): { edited: string; expected: string } {
  const o = original.split('\n');
  const ins = instrumented.split('\n');
  // Pair the lines: ours are the renamed ones and the include lines we added.
  const rows: { orig: string | null; inst: string }[] = [];
  let j = 0;
  for (const line of ins) {
    if (/^#include "(\.\.\/)*memcpy_debug\.h"\r?$/.test(line) && o[j] !== line) rows.push({ orig: null, inst: line });
    else rows.push({ orig: o[j++], inst: line });
  }
  assert.equal(j, o.length, 'every original line is paired');
  const last = rows.length - 1;
  for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n; k++) {
    const at = Math.floor(rand() * rows.length);
    const kind = rand();
    const eol = rows[0].inst.endsWith('\r') ? '\r' : '';
    const plain = rows[at].orig !== null && rows[at].orig === rows[at].inst && at !== last;
    if (kind < 0.5 || !plain) {
      const line = `\tprintk("debug ${k} \xe4");${eol}`;
      rows.splice(Math.min(at, last), 0, { orig: line, inst: line });
    } else if (kind < 0.8) {
      const line = rows[at].inst.replace(/\r?$/, ` /* edited ${k} */${eol}`);
      rows[at] = { orig: line, inst: line };
    } else {
      rows.splice(at, 1);
    }
  }
  return {
    edited: rows.map((r) => r.inst).join('\n'),
    expected: rows.filter((r) => r.orig !== null).map((r) => r.orig).join('\n'),
  };
}

test('instrument, edit, revert over generated C files', async () => {
  const tmp = await tempDir();
  try {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = prng(seed);
      const tree = join(tmp, `gen${seed}`);
      const orig = join(tmp, `orig${seed}`);
      await mkdir(join(tree, 'sub'), { recursive: true });
      await mkdir(join(orig, 'sub'), { recursive: true });
      const files = new Map<string, string>();
      for (let i = 0; i < 12; i++) {
        const path = `${i % 3 === 0 ? 'sub/' : ''}file${i}.${i % 4 === 0 ? 'h' : 'c'}`;
        const text = generateFile(rand);
        files.set(path, text);
        await writeFile(join(tree, path), Buffer.from(text, 'latin1'));
        await writeFile(join(orig, path), Buffer.from(text, 'latin1'));
      }
      const args = ['--target', 'user', '--no-makefile'];

      // Round trip: byte for byte.
      let r = (await runCliHere(['instrument', `gen${seed}`, ...args], { cwd: tmp }));
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      r = (await runCliHere(['revert', `gen${seed}`], { cwd: tmp }));
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      assert.deepEqual(await treeDiff(tree, orig), [], `seed ${seed}`);

      // With user edits: theirs kept, ours gone.
      r = (await runCliHere(['instrument', `gen${seed}`, ...args], { cwd: tmp }));
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      const expected = new Map<string, string>();
      for (const [path, text] of files) {
        const instrumented = (await readFile(join(tree, path))).toString('latin1');
        if (rand() < 0.6 || instrumented === text) {
          expected.set(path, text);
          continue;
        }
        const e = userEdits(text, instrumented, rand);
        await writeFile(join(tree, path), Buffer.from(e.edited, 'latin1'));
        expected.set(path, e.expected);
      }
      r = (await runCliHere(['revert', `gen${seed}`], { cwd: tmp }));
      assert.equal(r.status, 0, `seed ${seed}: ${r.stderr}`);
      for (const [path, text] of expected) {
        const now = (await readFile(join(tree, path))).toString('latin1');
        assert.equal(now, text, `seed ${seed}: ${path}`);
      }
    }
  } finally {
    await removeTree(tmp);
  }
});
