// User-space build files: each shape is instrumented (with --makefile where its args.json says), built by the real make or cmake with
// -Wall -Wextra -Werror, and run; the overlapping copy in ring_drop_front is reported.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, run, runCli, tempDir } from '../helpers/cli.js';
import { missing } from '../helpers/toolchain.js';

const REPORT = /^memcpy overlap detected: dst=0x[0-9a-f]+ src=0x[0-9a-f]+ size=28 delta=-4 at (\S*\/)?ring\.c:\d+ in ring_drop_front$/m;

const SHAPES: Record<string, { build: string[][]; program: string }> = {
  // No build file edited: the header alone carries the check.
  'user-default': { build: [['make']], program: './ringbuf' },
  'user-make': { build: [['make']], program: './ringbuf' },
  'make-objs': { build: [['make']], program: './ringbuf' },
  'make-wildcard': { build: [['make']], program: './ringbuf' },
  // What configure does with a Makefile.in, in one step.
  'makefile-in': { build: [['cp', 'Makefile.in', 'Makefile'], ['make']], program: './ringbuf' },
  'cmake-target': { build: [['cmake', '-S', '.', '-B', 'build'], ['cmake', '--build', 'build']], program: './build/ringbuf' },
  'cmake-var': { build: [['cmake', '-S', '.', '-B', 'build'], ['cmake', '--build', 'build']], program: './build/ringbuf' },
  'cmake-glob': { build: [['cmake', '-S', '.', '-B', 'build'], ['cmake', '--build', 'build']], program: './build/ringbuf' },
};

const skip = missing('gcc') ?? missing('cmake');
describe('user-space build files, built for real', () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  for (const [shape, { build, program }] of Object.entries(SHAPES)) {
    test(shape, { skip }, async () => {
      const dir = join(tmp, shape);
      await copyTree(join(FIXTURES, shape, 'before'), dir);
      const args = JSON.parse(readFileSync(join(FIXTURES, shape, 'args.json'), 'utf8')) as string[];
      const r = runCli(['instrument', shape, ...args], { cwd: tmp });
      assert.equal(r.status, 0, r.stderr);
      for (const [cmd, ...args] of build) {
        const b = run(cmd, args, dir);
        assert.equal(b.status, 0, `${cmd} ${args.join(' ')}: ${b.output}`);
        assert.doesNotMatch(b.output, /warning:/);
      }
      const out = run(program, [], dir);
      assert.equal(out.status, 0, out.output);
      assert.match(out.output, REPORT);
      if (shape === 'makefile-in') {
        const pic = run('nm', ['libring.so'], dir);
        assert.match(pic.output, / r memcpy_debug_makefile_in_info$/m, 'the PIC build has memcpy_debug.o too');
      }
    });
  }
});
