// The kernel tree's runtime (include/linux/memcpy_debug.h and lib/memcpy_debug.c, as instrument
// writes them into a tree) built by the real Kbuild of Debian's linux-headers, with
// CONFIG_MEMCPY_DEBUG on and off.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, removeTree, runCli, tempDir } from '../helpers/cli.js';
import { buildModule, missing } from '../helpers/toolchain.js';

describe('kernel-tree placement under Kbuild', () => {
  let tmp: string;
  let top: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });
  const fresh = async (name: string) => {
    top = join(tmp, name);
    await copyTree(join(FIXTURES, 'kernel-tree', 'before'), top);
    return top;
  };

  test('the tree header and lib/memcpy_debug.c build under real Kbuild with CONFIG_MEMCPY_DEBUG on and off', { skip: missing('kbuild') }, async () => {
    await fresh('build');
    assert.equal(runCli(['instrument', 'build'], { cwd: tmp }).status, 0);
    for (const on of [true, false]) {
      const mod = join(tmp, `mod-${on ? 'on' : 'off'}`);
      await mkdir(join(mod, 'include/linux'), { recursive: true });
      await writeFile(join(mod, 'include/linux/memcpy_debug.h'), await readFile(join(top, 'include/linux/memcpy_debug.h')));
      await writeFile(join(mod, 'memcpy_debug_lib.c'), await readFile(join(top, 'lib/memcpy_debug.c')));
      await writeFile(join(mod, 'main.c'), [
        '// SPDX-License-Identifier: GPL-2.0',
        '#include <linux/module.h>',
        '#include <linux/string.h>',
        '#include <linux/memcpy_debug.h>',
        'static char buf[64];',
        'static void *(*copy)(void *, const void *, size_t) = memcpy_debug;',
        'void t_copy(void);',
        'void t_copy(void)',
        '{',
        '\tmemcpy_debug(buf + 1, buf, 16);',
        '\tcopy(buf, buf + 8, 8);',
        '}',
        'EXPORT_SYMBOL(t_copy);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n'));
      // lib/memcpy_debug.c is built in; in a module, <linux/module.h> makes its early_initcall the module's init.
      await writeFile(join(mod, 'Makefile'), `obj-m += t.o\nt-y := main.o${on ? ' memcpy_debug_lib.o' : ''}\nccflags-y += -I$(src)/include${on ? ' -DCONFIG_MEMCPY_DEBUG -DCONFIG_MEMCPY_DEBUG_ON_OVERLAP_MEMMOVE' : ''}\n` +
        'CFLAGS_memcpy_debug_lib.o := -include linux/module.h\n');
      const b = buildModule(mod);
      assert.equal(b.status, 0, b.output);
      assert.deepEqual(b.warnings, [], b.output);
      const obj = await readFile(join(mod, 'main.o'));
      assert.equal(obj.includes('memcpy overlap detected'), on, `the check is ${on ? 'in' : 'out of'} the object`);
    }
  });
});
