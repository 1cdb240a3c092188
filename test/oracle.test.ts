// The fast path against the parser: every site the tokens decide (plain calls in function
// bodies, sites in #define bodies) must get the decision the parser gives when it is asked about
// every site. Over the fixtures and over snippets made to mislead the tokens; the whole of
// Linux 6.1 in real/oracle-linux.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { CParser } from '../src/core/c/parse-c.js';
import { loadCParser } from '../src/io/assets.js';
import type { SiteKind } from '../src/core/c/find-sites.js';
import { FIXTURES } from './helpers/cli.js';
import { cFiles, compare, same } from './helpers/oracle.js';

let parser: CParser;
before(async () => {
  parser = await loadCParser();
});
after(() => parser.delete());

describe('the fast path gives the parser\'s decisions', () => {
  test('every C file of the fixtures, before (memcpy) and after (memcpy_debug, as revert reads them)', () => {
    const differences: string[] = [];
    let sites = 0;
    for (const file of cFiles(FIXTURES)) {
      const text = readFileSync(file, 'latin1');
      for (const name of ['memcpy', 'memcpy_debug']) {
        const r = compare(parser, file.slice(FIXTURES.length + 1), text, name);
        differences.push(...r.differences);
        sites += r.sites;
      }
    }
    assert.deepEqual(differences, []);
    assert.ok(sites > 200, `only ${sites} sites in the fixtures`);
  });

  test('snippets made to mislead the tokens: each is either decided as the parser does or left to it', () => {
    const cases: [string, SiteKind][] = [
      ['void f(void)\n{\n\tmemcpy(a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n\tvoid *memcpy(void *, const void *, unsigned long);\n}\n', 'declaration'],
      ['void f(void)\n{\n\tx = a * memcpy(a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n\tops->memcpy(a, b, 1);\n}\n', 'member'],
      ['void f(void)\n{\n\tops.memcpy(a, b, 1);\n}\n', 'member'],
      ['void f(void)\n{\n\t(memcpy)(a, b, 1);\n}\n', 'bypass'],
      ['void f(void)\n{\n\tp = memcpy;\n}\n', 'value'],
      ['void f(void)\n{\n\tif (x) // why\n\t\tmemcpy(a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n\tint x; /* a */ memcpy /* b */ (a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n#ifdef X\n\tmemcpy(a, b, 1);\n#endif\n}\n', 'call'],
      ['void f(void)\n{\n\treturn memcpy(a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n\tfoo memcpy(a, b, 1);\n}\n', 'unclassified'],
      ['void f(void)\n{\n\tstruct s { int a; } x;\n\tmemcpy(a, b, 1);\n}\n', 'call'],
      ['struct ops {\n\tvoid *(*memcpy)(void *, const void *, unsigned long);\n};\n', 'member'],
      ['static struct ops o = {\n\t.memcpy = memcpy,\n};\n', 'value'],
      ['int x = { memcpy(a, b, 1) };\n', 'call'],
      ['void *memcpy(void *d, const void *s, unsigned long n)\n{\n\treturn d;\n}\n', 'declaration'],
      ['TRACE_EVENT(x,\n\tTP_fast_assign(\n\t\tmemcpy(__entry->a, b, 1);\n\t)\n);\n', 'unparsed-call'],
      ['BPF_CALL_2(f, int, a, int, b)\n{\n\tmemcpy(a, b, 1);\n}\n', 'call'],
      ['int f(a) int a;\n{\n\tmemcpy(a, b, 1);\n}\n', 'call'],
      ['void f(void)\n{\n\tlist_for_each_entry(p, h, l) memcpy(a, b, 1);\n}\n', 'call'],
      ['#define C(d, s) memcpy(d, s, 1)\n', 'macro-call'],
      ['void f(void)\n{\n\t#define C(d, s) memcpy(d, s, 1)\n}\n', 'macro-call'],
    ];
    let tokens = 0;
    for (const [text, kind] of cases) {
      const r = compare(parser, 'snippet', text);
      if (kind === 'call') tokens += r.byTokens;
      assert.deepEqual(r.differences, [], text);
      const at = text.lastIndexOf('memcpy');
      const s = r.fast.find((x) => x.start === at);
      assert.ok(s, text);
      assert.equal(same(s.kind), same(kind), text);
    }
    // All the calls but three: after `a *`, beside a struct's body, and in a K&R definition.
    assert.equal(tokens, 7);
  });

  test('#define bodies: read without the parser unless tree-sitter reads the directive its own way', () => {
    // [directive, the decision, decided without the parser]
    const cases: [string, SiteKind, boolean][] = [
      ['#define X(a) \\\n\tmemcpy(a, b, c);\n', 'macro-call', true],
      ['#define X(a) \\\n\\\n\tmemcpy(a)\n', 'macro-call', true],
      ['#define X(a) do { memcpy(a, b, 1); } while (0)\n', 'macro-call', true],
      ['#define X(a)memcpy(a)\n', 'macro-call', true],
      ['#define X(a) memcpy(a)\r\n', 'macro-call', true],
      ['#define X(a) memcpy(a) // c\n', 'macro-call', true],
      ['#define X(a) a / memcpy(a)\n', 'macro-call', true],
      ['#define X(a, b...) memcpy(a, b)\n', 'macro-call', true],
      ['#define X (a) memcpy(a)\n', 'macro-call', true],
      ['#define X memcpy(a, b, 1)\n', 'macro-call', true],
      ['#  define X memcpy\n', 'alias', true],
      ['#define X \\\n\tmemcpy\n', 'alias', true],
      ['#define X(a) memcpy ## a\n', 'value', true],
      ['#define X(a) #memcpy\n', 'value', true],
      ['#define X(a) s->memcpy(a)\n', 'member', true],
      ['#define X(a) "memcpy(a)"\n', 'string', true],
      ['#define X(a) (memcpy)(a)\n', 'bypass', true],
      ['#define X(a) void *memcpy(a)\n', 'unclassified', true],
      // A comment in the directive, a `/` that ends a line, a backslash before blanks: tree-sitter
      // ends the body there, or goes on past the line.
      ['#define X(a) memcpy(a) /* c */\n', 'macro-call', false],
      ['#define X(a) foo(); /* c */ memcpy(a)\n', 'redefinition', false],
      ["#define X(a) '/*' memcpy(a)\n", 'redefinition', false],
      ['#define X(a) x /\nmemcpy(a)\n', 'value', false],
      ['#define X(a) \\   \n memcpy(a)\n', 'value', false],
      // Not a plain #define NAME or NAME(parameters).
      ['#define X(a[2]) memcpy(a)\n', 'macro-call', false],
      ['#define X$ memcpy\n', 'alias', false],
      ['#define memcpy(a) __builtin_memcpy(a)\n', 'redefinition', false],
      ['#undef memcpy\n', 'redefinition', false],
    ];
    for (const [text, kind, fast] of cases) {
      const r = compare(parser, 'snippet', text);
      assert.deepEqual(r.differences, [], text);
      assert.equal(r.sites, 1, text);
      assert.equal(r.fast[0].kind, kind, text);
      assert.equal(r.withoutParser, fast, text);
    }
  });
});
