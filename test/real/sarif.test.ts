// The SARIF that instrument --sarif and report --sarif write, checked by OASIS' reference
// validator, the SARIF multitool (scripts/install-test-deps.sh installs it in .cache/): no
// error and no warning, on the c-rules fixture (every kind of site left alone), a real
// project (sqlite), the kernel logs of the report fixtures and a real program's log.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyTree, FIXTURES, REPO, removeTree, run, runCliHere, sh, tempDir } from '../helpers/cli.js';
import { missing, SOURCES, unfetched } from '../helpers/toolchain.js';

const MULTITOOL = join(REPO, '.cache', 'sarif-multitool', 'node_modules', '.bin', 'sarif-multitool');
const noMultitool = existsSync(MULTITOOL) ? undefined
  : process.env.CI ? (() => { throw new Error('the SARIF multitool is missing; scripts/install-test-deps.sh installs it'); })()
    : 'the SARIF multitool is not installed (scripts/install-test-deps.sh installs it)';

/** What the validator finds in `file`: its results, as "ruleId level: message". */
async function validate(dir: string, file: string): Promise<string[]> {
  const out = join(dir, `${file}.validation.sarif`);
  const r = run(MULTITOOL, ['validate', file, '--output', out], dir);
  assert.equal(r.status, 0, r.output);
  const log = JSON.parse(await readFile(out, 'utf8')) as { runs: { results?: { ruleId: string; level?: string; message: { text?: string; id?: string; arguments?: string[] } }[] }[] };
  return (log.runs[0].results ?? []).map((x) => `${x.ruleId} ${x.level ?? 'warning'}: ${x.message.text ?? `${x.message.id} ${(x.message.arguments ?? []).join(', ')}`}`);
}

describe('SARIF, checked by the SARIF multitool', { skip: noMultitool }, () => {
  let tmp: string;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await removeTree(tmp);
  });

  test('instrument --sarif on c-rules: every kind of site left alone, valid', async () => {
    await copyTree(join(FIXTURES, 'c-rules', 'before'), join(tmp, 'c-rules'));
    const r = await runCliHere(['instrument', 'c-rules', '--target', 'kernel', '--dry-run', '--output', '/dev/null', '--sarif', 'c-rules.sarif'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const sarif = JSON.parse(await readFile(join(tmp, 'c-rules.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    const rules = new Set(sarif.runs[0].results.map((x) => x.ruleId));
    for (const id of ['MCD001', 'MCD002', 'MCD003']) assert.ok(rules.has(id), `${id} in ${[...rules].join(', ')}`);
    assert.deepEqual(await validate(tmp, 'c-rules.sarif'), []);
  });

  test('instrument --sarif on sqlite\'s src/, valid', { skip: unfetched('sqlite3', 'src/main.c') }, async () => {
    await copyTree(join(SOURCES, 'sqlite3', 'src'), join(tmp, 'sqlite-src'));
    const r = await runCliHere(['instrument', 'sqlite-src', '--sarif', 'sqlite.sarif'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await validate(tmp, 'sqlite.sarif'), []);
  });

  test('report --sarif on the kernel logs (paths as logged) and on a program\'s log with --dir, valid', { skip: missing('gcc') }, async () => {
    const logs = ['uml-warn.console.log', 'uml-kernel-tree-warn.console.log', 'uml-btrfs-2011-warn.console.log'].map((l) => join(FIXTURES, 'overlap-logs', l));
    const k = await runCliHere(['report', ...logs, '--sarif', 'kernel.sarif'], { cwd: tmp });
    assert.equal(k.status, 0, k.stderr);
    assert.deepEqual(await validate(tmp, 'kernel.sarif'), []);
    const app = join(tmp, 'app');
    sh(tmp, 'mkdir -p app');
    await writeFile(join(app, 'p.c'), '#include <string.h>\nchar b[64];\nstatic void up(int k) { memcpy(b + 1 + k, b, 8); }\nint main(void) { int k; for (k = 0; k < 12; k++) up(k & 3); return 0; }\n');
    assert.equal((await runCliHere(['instrument', 'app'], { cwd: tmp })).status, 0);
    sh(app, 'gcc -O2 -rdynamic -o p p.c && ./p 2> log');
    const u = await runCliHere(['report', 'log', '--dir', '.', '--sarif', '../user.sarif'], { cwd: app });
    assert.equal(u.status, 0, u.stderr);
    assert.deepEqual(await validate(tmp, 'user.sarif'), []);
  });
});
