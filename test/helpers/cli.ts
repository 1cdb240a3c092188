// Runs the built CLI as a user would: a child process on a real folder.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/test/helpers/cli.js). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The command as shipped: the bundle that package.json's bin names. */
export const BIN = join(REPO, 'dist/bundle/memcpy-debug.js');
export const FIXTURES = join(REPO, 'fixtures');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runCli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 1 << 30,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A fresh temporary folder; removed by the returned cleanup. */
export async function tempDir(prefix = 'memcpy-debug-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function copyTree(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, verbatimSymlinks: true });
}

export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every file of a tree by relative path, as bytes; the state folder left out. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.memcpy-debug') continue;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) out.set(path, await readFile(join(dir, path)));
    }
  };
  await walk('');
  return out;
}

/** The differences between two trees, as lines ("only in a: x", "differs: y"); empty if equal. */
export async function treeDiff(a: string, b: string): Promise<string[]> {
  const [ta, tb] = await Promise.all([readTree(a), readTree(b)]);
  const out: string[] = [];
  for (const [p, buf] of ta) {
    const other = tb.get(p);
    if (!other) out.push(`only in ${a}: ${p}`);
    else if (!buf.equals(other)) out.push(`differs: ${p}`);
  }
  for (const p of tb.keys()) if (!ta.has(p)) out.push(`only in ${b}: ${p}`);
  return out;
}

export function run(cmd: string, args: readonly string[], cwd: string, input?: Buffer): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, input, maxBuffer: 1 << 30 });
  return { status: r.status, output: `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}` };
}
