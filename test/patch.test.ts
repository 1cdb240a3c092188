// The patch built from our regions is the patch jsdiff computes from the two texts, hunk for
// hunk, on generated files: CRLF, no final newline, renames, inserted lines, edits close
// together and far apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { structuredPatch } from 'diff';
import { applyEdits, regionsOf, type Edit } from '../src/core/edit.js';
import { hunksOf } from '../src/core/hunks.js';
import { filePatch } from '../src/render/patch.js';
import { prng } from './helpers/prng.js';

test('hunks from regions equal jsdiff hunks', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const eol = rand() < 0.3 ? '\r\n' : '\n';
    const n = 1 + Math.floor(rand() * 40);
    const lines = Array.from({ length: n }, (_, i) => (rand() < 0.3 ? `\tmemcpy(a${i}, b, ${i});` : `line ${i} caf\xe9`));
    let text = lines.join(eol);
    if (rand() < 0.7) text += eol;
    const edits: Edit[] = [];
    let pos = 0;
    for (const [i, line] of lines.entries()) {
      const at = line.indexOf('memcpy');
      if (at >= 0 && rand() < 0.8) edits.push({ start: pos + at, end: pos + at + 6, text: 'memcpy_debug', reason: 'call' });
      if (rand() < 0.05) edits.push({ start: pos, end: pos, text: `#include "x.h"${eol}`, reason: 'include' });
      pos += line.length + (i < lines.length - 1 || text.endsWith(eol) ? eol.length : 0);
    }
    if (rand() < 0.1) {
      const atEnd = text.endsWith('\n');
      edits.push({ start: text.length, end: text.length, text: atEnd ? `new last${eol}` : `${eol}new last`, reason: 'append' });
    }
    if (edits.length === 0) continue;
    const after = applyEdits(text, edits);
    const expected = structuredPatch('a', 'b', text, after, undefined, undefined, { context: 3 }).hunks;
    const ours = hunksOf(text, after, regionsOf(text, edits)).map(({ heading: _, body, ...h }) => ({ ...h, lines: body.split('\n') }));
    assert.deepEqual(ours, expected, `seed ${seed}`);
    // The patch written from the regions is the one jsdiff formats from the two texts,
    // headers and hunk headings included.
    const name = seed % 2 ? `drivers/x${seed}.c` : `fs/x${seed}.h`;
    assert.equal(filePatch(name, text, { endsWithEol: after.endsWith('\n') }, regionsOf(text, edits)), filePatch(name, text, after), `seed ${seed}`);
  }
});
