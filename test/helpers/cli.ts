// Runs the built CLI as a user would: a child process on a real folder.
import assert from 'node:assert/strict';
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

/** Runs the command; `timeout` (ms) kills a run that hangs, which then has a null status. */
export function runCli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 1 << 30,
    timeout: opts.timeout,
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

/**
 * Runs the CLI in this process, as prettier's tests do: main() with streams of its own. The same
 * code as the spawned command but for Node's start (bin.ts only sets V8 flags); for runs that
 * need no terminal, signal or other user, where a spawn adds nothing but time.
 */
export async function runCliHere(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (to: Buffer[]) => ({ write: (d: string | Uint8Array) => to.push(typeof d === 'string' ? Buffer.from(d) : Buffer.from(d)) });
  const status = await main(args, { cwd: opts.cwd ?? process.cwd(), env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdout: sink(out), stderr: sink(err) });
  return { status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

/** Runs a shell command in `dir` (with `env` added); fails the test with its output when it fails. */
export function sh(dir: string, command: string, env: Record<string, string> = {}): string {
  const r = run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'bash', '-c', command], dir);
  assert.equal(r.status, 0, `${command}:\n${r.output.slice(-4000)}`);
  return r.output;
}
