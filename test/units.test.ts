// The core's pieces on small inputs: the lexical layout, make's logical lines, the build-file
// planners, edits and their undo, and site classification on snippets the fixtures do not hold.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BuildFileError } from '../src/core/build/build-edit.js';
import { makeLines } from '../src/core/build/make-lines.js';
import { planCMake } from '../src/core/build/plan-cmake.js';
import { planKbuild } from '../src/core/build/plan-kbuild.js';
import { detectTarget, planBuild } from '../src/core/build/plan-build.js';
import { includeSignals, instrumentFile } from '../src/core/instrument-file.js';
import { layoutOf } from '../src/core/c/layout.js';
import { ParserNeeded, type CParser } from '../src/core/c/parse-c.js';
import { loadCParser } from '../src/io/assets.js';
import { planCFile } from '../src/core/c/plan-c-file.js';
import { applyEdits, EditConflictError, endsWithEolAfter, regionsOf, revertRegions, type Edit } from '../src/core/edit.js';

let parser: CParser;
before(async () => {
  parser = await loadCParser();
});
after(() => parser.delete());

const kinds = (src: string) => planCFile(src, parser, '"memcpy_debug.h"').sites.map((s) => s.kind);
const apply = (text: string, edits: readonly Edit[]) => applyEdits(text, edits);

describe('kernel or user space', () => {
  const kbuild = { Makefile: 'obj-y += a.o\n' };
  test('what the files include decides; the makefile only breaks a tie', () => {
    const k = includeSignals('#include <linux/slab.h>\n#include <linux/fs.h>\n');
    const u = includeSignals('#include <stdio.h>\n#include <sys/types.h>\n');
    const none = includeSignals('#include "libbb.h"\n#include <linux/fs.h>\n'); // uapi headers say nothing
    assert.deepEqual([k, u, none], [{ kernel: true, libc: false }, { kernel: false, libc: true }, { kernel: false, libc: false }]);
    // busybox: Kbuild files, user-space code.
    assert.equal(detectTarget(kbuild, [u, u, none]).target, 'user');
    assert.equal(detectTarget({}, [k, none]).target, 'kernel');
    assert.equal(detectTarget(kbuild, [none]).target, 'kernel');
    assert.equal(detectTarget({}, [none]).target, 'user');
  });
  test('an #include in a comment is not one (fs/smb/client/fs_context.c keeps a list of them in one)', () => {
    assert.deepEqual(includeSignals('/*\n#include <linux/slab.h>\n#include <stdio.h>\n */\n#include "x.h"\n'), { kernel: false, libc: false });
    // Nor is a commented-out include of the runtime: the file still needs one.
    const plan = planCFile('/*\n#include "memcpy_debug.h"\n */\nvoid f(void)\n{\n\tmemcpy(a, b, 1);\n}\n', parser, '"memcpy_debug.h"');
    assert.equal(plan.includeAdded, true);
    assert.equal(planCFile('#include "memcpy_debug.h"\nvoid f(void)\n{\n\tmemcpy(a, b, 1);\n}\n', parser, '"memcpy_debug.h"').includeAdded, false);
  });
});

describe('the function that holds a site', () => {
  test('functions, macros, initializers at file scope', () => {
    const text = [
      '#define COPY(d, s) memcpy(d, s, 4)',
      'static int __init __attribute__((unused)) setup(void *d, const void *s)',
      '{',
      '\treturn memcpy(d, s, 1) != 0;',
      '}',
      'static void *(*fp)(void *, const void *, unsigned long) = memcpy;',
      'SYSCALL_DEFINE2(copy, void *, d, void *, s) { memcpy(d, s, 2); }',
      '',
    ].join('\n');
    const j = (instrumentFile('x.c', text, parser).sites).map((s) => [s.line, s.function]);
    assert.deepEqual(j, [[1, 'COPY'], [4, 'setup'], [6, null], [7, 'SYSCALL_DEFINE2']]);
  });
});

describe('include placement', () => {
  test('after a UTF-8 byte order mark, never before it', () => {
    const text = '\xef\xbb\xbfvoid f(char *d, char *s) { memcpy(d, s, 1); }\n';
    const out = apply(text, planCFile(text, parser, '"memcpy_debug.h"').edits);
    assert.equal(out, '\xef\xbb\xbf#include "memcpy_debug.h"\nvoid f(char *d, char *s) { memcpy_debug(d, s, 1); }\n');
  });
});

describe('site classification', () => {
  test('calls in expressions of every shape', () => {
    assert.deepEqual(kinds('int f(void) { return x * memcpy(a, b, 1) + (int)memcpy(a, b, 2); }'), ['call', 'call']);
    assert.deepEqual(kinds('void f(void) { if (a) b(); else memcpy(a, b, 1); }'), ['call']);
    assert.deepEqual(kinds('void f(void) { x = c ? memcpy(a, b, 1) : 0; }'), ['call']);
    assert.deepEqual(kinds('void f(void) { g(memcpy(a, b, 1), memcpy(c, d, 2)); }'), ['call', 'call']);
  });

  test('not calls', () => {
    assert.deepEqual(kinds('void *memcpy(void *, const void *, unsigned long);'), ['declaration']);
    assert.deepEqual(kinds('static void *(*fp)(void *, const void *, unsigned long) = memcpy;'), ['value']);
    assert.deepEqual(kinds('void f(void) { s.memcpy(a); p->memcpy(a); }'), ['member', 'member']);
    assert.deepEqual(kinds('void f(void) { (memcpy)(a, b, 1); }'), ['bypass']);
    assert.deepEqual(kinds('/* memcpy(a, b, 1) */ const char *s = "memcpy(a)";'), ['comment', 'string']);
    assert.deepEqual(kinds('#undef memcpy\n#define memcpy(a, b, n) my(a, b, n)\n'), ['redefinition', 'redefinition']);
    assert.deepEqual(kinds('void f(void) { extern void *memcpy(void *, const void *, unsigned long); }'), ['declaration']);
  });

  test('braces that balance in the first branch of each #if: that branch gives the items', () => {
    const src = 'void f(int a)\n{\n#ifdef X\n\tif (a) {\n#elif Y\n\tif (b) {\n#else\n\tif (!a) {\n#endif\n\t\tmemcpy(d, s, 1);\n\t}\n}\n';
    assert.equal(layoutOf(src).balanced, false);
    const first = layoutOf(src, true);
    assert.equal(first.balanced, true);
    assert.deepEqual(first.opens, [src.indexOf('{')]);
    assert.deepEqual(kinds(src), ['call']);
    // Decided from the tokens: no parser needed.
    assert.deepEqual(planCFile(src, null, '"memcpy_debug.h"').sites.map((s) => s.kind), ['call']);
  });

  test('the dead first branch of an #if 0 is not counted: the branch after it is', () => {
    // As drivers/atm/iphase.c: old code kept under #if 0 opens a brace it never closes.
    const src = 'void f(int a)\n{\n#if 0 /* old */\n\tif (a) {\n#endif\n\tmemcpy(d, s, 1);\n#if 0\n\tif (a) {\n#else\n\tif (!a) {\n#endif\n\t\tmemcpy(d, s, 2);\n\t}\n}\n';
    assert.equal(layoutOf(src).balanced, false);
    const first = layoutOf(src, true);
    assert.equal(first.balanced, true);
    assert.deepEqual(first.opens, [src.indexOf('{')]);
    assert.deepEqual(kinds(src), ['call', 'call']);
    assert.deepEqual(planCFile(src, null, '"memcpy_debug.h"').sites.map((s) => s.kind), ['call', 'call']);
    // `#if 00`, `#if 0x0` or `#if 0 && X` are not taken for dead: their first branch counts.
    for (const condition of ['#if 00', '#if 0x0', '#if 0 && X']) {
      assert.equal(layoutOf(src.replace('#if 0 /* old */', condition), true).balanced, false, condition);
    }
  });

  test('a file whose braces balance in no way is parsed whole, with the same verdicts', () => {
    const src = 'void f(int a)\n#ifdef X\n{ if (a) {\n#else\n{ if (!a) {\n#endif\n\tmemcpy(d, s, 1);\n} } }\n';
    assert.equal(layoutOf(src).balanced, false);
    assert.equal(layoutOf(src, true).balanced, false);
    assert.deepEqual(kinds(src), ['unparsed-call']);
    assert.throws(() => planCFile(src, null, '"memcpy_debug.h"'), ParserNeeded);
  });
});

describe('layout', () => {
  test('items end at ; and } at depth 0; directives, comments and literals are known', () => {
    const src = '#include <a.h>\n/* c { */\nint x = \'{\';\nvoid f(void) { "}"; }\nstruct s { int a; };\n';
    const l = layoutOf(src);
    assert.equal(l.balanced, true);
    assert.deepEqual(l.directives.map((d) => d.name), ['include']);
    assert.equal(l.comments.length, 2);
    assert.equal(l.literals.length, 4);
    assert.deepEqual(l.boundaries.map((b) => src.slice(b, b + 4)), ['#inc', '/* c', '\nvoi', '\nstr', ';\n', '\n']);
  });

  test('a comment that hides a quote or a brace does not fool it', () => {
    const src = "// don't { count this\nint a; /* \" */ int b;\n";
    assert.equal(layoutOf(src).balanced, true);
    assert.equal(layoutOf(src).literals.length, 0);
  });
});

describe('make and Kbuild', () => {
  test('logical lines join continuations and track conditionals and recipes', () => {
    const lines = makeLines('a := 1 \\\n  2\nifdef X\nb += 3\nendif\nt: a\n\techo # not a comment\n');
    assert.deepEqual(lines.map((l) => [l.code, l.depth, l.recipe, l.line, l.lastLine]), [
      ['a := 1    2', 0, false, 1, 2],
      ['ifdef X', 0, false, 3, 3],
      ['b += 3', 1, false, 4, 4],
      ['endif', 0, false, 5, 5],
      ['t: a', 0, false, 6, 6],
      ['echo # not a comment', 0, true, 7, 7],
    ]);
  });

  test('the line goes after the last list assignment, outside conditionals, in the list style', () => {
    const mk = 'obj-m := m.o\nm-objs := a.o\nifeq ($(X),y)\nm-objs += b.o\nendif\nccflags-y += -DX\n';
    const e = planKbuild('Makefile', mk, 'memcpy_debug.o');
    assert.equal(e.tag, 'm');
    assert.equal(apply(mk, e.edits), mk.replace('endif\n', `endif\nm-objs += memcpy_debug.o  # memcpy-debug: 'memcpy-debug revert' removes this line\n`));
    assert.deepEqual(planKbuild('Makefile', apply(mk, e.edits), 'memcpy_debug.o').edits, [], 'idempotent');
  });

  test('a folder of built-in objects, several modules or single-file modules need no line', () => {
    const files = (Makefile: string) => ({ Makefile });
    for (const [mk, why] of [
      ['obj-y += a.o b.o', /built-in objects \(obj-y\)/],
      ['obj-m += a.o b.o\na-y := x.o\nb-y := y.o\n', /several composite objects: a, b/],
      ['obj-m += a.o\n', /single-file objects \(a\.o\)/],
    ] as const) {
      const plan = planBuild(files(mk), 'kernel', [], { dirName: 'lib' });
      assert.deepEqual(plan.edits, []);
      assert.match(plan.notes.join('\n'), why);
      assert.match(plan.notes.join('\n'), /no build line is needed/);
    }
  });

  test('a makefile without a final newline gets one before the new line', () => {
    const mk = 'obj-m += m.o\nm-y := a.o';
    const e = planKbuild('Makefile', mk, 'memcpy_debug.o');
    assert.equal(apply(mk, e.edits), `${mk}\nm-y += memcpy_debug.o  # memcpy-debug: 'memcpy-debug revert' removes this line`);
  });

  test('module names with dashes make C identifiers for the tag', () => {
    assert.equal(planKbuild('Makefile', 'obj-m += nf-conn.o\nnf-conn-y := a.o\n', 'memcpy_debug.o').tag, 'nf_conn');
  });
});

describe('CMake', () => {
  const files = ['a.c', 'b.c'];
  test('target_sources after the target, list(APPEND) after a shared set()', () => {
    const one = 'add_executable(t\n  a.c b.c)\nset(X 1)\n';
    assert.equal(apply(one, planCMake('CMakeLists.txt', one, files, 'memcpy_debug.c')!.edits),
      one.replace('b.c)\n', `b.c)\ntarget_sources(t PRIVATE memcpy_debug.c)  # memcpy-debug: 'memcpy-debug revert' removes this line\n`));
    const shared = 'set(SRCS a.c b.c) # the sources\nadd_library(s SHARED ${SRCS})\nadd_library(t STATIC ${SRCS})\n';
    const e = planCMake('CMakeLists.txt', shared, files, 'memcpy_debug.c')!;
    assert.match(apply(shared, e.edits), /^set\(SRCS a\.c b\.c\) # the sources\nlist\(APPEND SRCS memcpy_debug\.c\)/);
    assert.match(e.note, /used by s, t/);
  });

  test('two targets with their own sources need --target-name; a glob needs nothing', () => {
    const two = 'add_executable(x a.c)\nadd_executable(y b.c)\n';
    assert.throws(() => planCMake('CMakeLists.txt', two, files, 'memcpy_debug.c'), (e: unknown) => e instanceof BuildFileError && /several targets/.test(e.problem));
    assert.match(apply(two, planCMake('CMakeLists.txt', two, files, 'memcpy_debug.c', 'y')!.edits), /target_sources\(y PRIVATE/);
    assert.equal(planCMake('CMakeLists.txt', 'file(GLOB S *.c)\nadd_executable(x ${S})\n', files, 'memcpy_debug.c'), null);
  });
});

describe('edits', () => {
  test('whether the edited text ends with a line ending, without applying the edits', () => {
    const cases: [string, Edit[]][] = [
      ['a\nb\n', [{ start: 0, end: 1, text: 'x', reason: '' }]],
      ['a\nb', [{ start: 0, end: 1, text: 'x', reason: '' }]],
      ['a\nb', [{ start: 3, end: 3, text: '\n#include "x.h"', reason: '' }]],
      ['a\nb', [{ start: 2, end: 3, text: 'c\n', reason: '' }]],
      ['a\nb', [{ start: 2, end: 3, text: '', reason: '' }]],
      ['a\nb\n', [{ start: 2, end: 4, text: '', reason: '' }, { start: 1, end: 2, text: '', reason: '' }]],
      ['ab', [{ start: 0, end: 2, text: '', reason: '' }]],
      ['a\nbc', [{ start: 3, end: 4, text: '', reason: '' }, { start: 4, end: 5, text: '', reason: '' }]],
    ];
    for (const [text, edits] of cases) {
      const after = apply(text, edits);
      assert.equal(endsWithEolAfter(text, edits), after.endsWith('\n') || after === '', JSON.stringify([text, edits]));
    }
  });

  test('overlapping edits are an error, touching ones are not', () => {
    assert.throws(() => applyEdits('abcdef', [{ start: 0, end: 3, text: 'x', reason: 'a' }, { start: 2, end: 4, text: 'y', reason: 'b' }]), EditConflictError);
    assert.equal(applyEdits('abcdef', [{ start: 0, end: 3, text: 'x', reason: 'a' }, { start: 3, end: 4, text: 'y', reason: 'b' }]), 'xyef');
  });

  test('regions undo our edits after lines were added above and below', () => {
    const before = 'a\nmemcpy(x);\nb\nmemcpy(y);\n';
    const edits: Edit[] = [
      { start: 0, end: 0, text: '#include "m.h"\n', reason: 'include' },
      { start: 2, end: 8, text: 'memcpy_debug', reason: 'call' },
      { start: 16, end: 22, text: 'memcpy_debug', reason: 'call' },
    ];
    const after = applyEdits(before, edits);
    const edited = `/* new */\n${after.replace('b\n', 'b\nprintk();\n')}tail\n`;
    const r = revertRegions(edited, regionsOf(before, edits));
    assert.deepEqual(r.conflicts, []);
    assert.equal(r.text, `/* new */\n${before.replace('b\n', 'b\nprintk();\n')}tail\n`);
  });

  test('a region whose line was edited is a conflict, the others still undo', () => {
    const before = 'memcpy(a);\nmemcpy(b);\n';
    const edits: Edit[] = [{ start: 0, end: 6, text: 'memcpy_debug', reason: 'call' }, { start: 11, end: 17, text: 'memcpy_debug', reason: 'call' }];
    const after = applyEdits(before, edits);
    const r = revertRegions(after.replace('memcpy_debug(a)', 'memmove(a)'), regionsOf(before, edits));
    assert.equal(r.conflicts.length, 1);
    assert.equal(r.text, 'memmove(a);\nmemcpy(b);\n');
  });
});
