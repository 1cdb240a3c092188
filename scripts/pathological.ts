// Inputs that once took quadratic time, at 1x, 2x and 4x their size: the times must grow about
// as the input does (2x and 4x), not as its square (4x and 16x).
//
//   node dist/scripts/pathological.js [--scale 1]
//
// - a macro of 10,000 `\`-continued lines, each a memcpy call;
// - 50,000 nested braces around one memcpy call;
// - revert of a file of 100,000 one-line functions, each a memcpy call (instrumented first);
// - report on a log line of 16,000 report marks without a site (900 KB).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bundle/memcpy-debug.js', import.meta.url));
const scaleAt = process.argv.indexOf('--scale');
const SCALE = scaleAt >= 0 ? Number(process.argv[scaleAt + 1]) : 1;

const inputs: { name: string; base: number; text: (n: number) => string; revert?: true; report?: true }[] = [
  {
    name: 'macro of N continued lines', base: 10_000,
    text: (n) => `#define BIG(a, b) \\\n${'\tmemcpy(a, b, 1); \\\n'.repeat(n)}\tdo { } while (0)\n`,
  },
  {
    name: 'N nested braces', base: 50_000,
    text: (n) => `void f(char *a, char *b)\n${'{'.repeat(n)}\n\tmemcpy(a, b, 1);\n${'}'.repeat(n)}\n`,
  },
  {
    name: 'revert of N one-line functions', base: 100_000, revert: true,
    text: (n) => Array.from({ length: n }, (_, i) => `void f${i}(char *a, char *b) { memcpy(a, b, 1); }\n`).join(''),
  },
  {
    name: 'report of a line of N marks', base: 16_000, report: true,
    text: (n) => `${'memcpy overlap detected: dst=a src=b size=1 delta=1 at x'.repeat(n)}\n`,
  },
];

function timed(args: string[], cwd: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`memcpy-debug ${args.join(' ')}: exit ${r.status}\n${r.stderr.toString().slice(0, 2000)}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const root = mkdtempSync(join(tmpdir(), 'memcpy-debug-pathological-'));
try {
  console.log('| input | 1x | 2x | 4x | 2x/1x | 4x/1x |');
  console.log('|---|---|---|---|---|---|');
  for (const input of inputs) {
    const times: number[] = [];
    for (const k of [1, 2, 4]) {
      const n = Math.round(input.base * SCALE * k);
      const dir = join(root, `${input.name.replaceAll(' ', '-')}-${k}`);
      mkdirSync(dir);
      if (input.report) {
        writeFileSync(join(dir, 'log'), input.text(n));
        times.push(timed(['report', 'log'], dir));
        continue;
      }
      writeFileSync(join(dir, 'big.c'), input.text(n));
      if (input.revert) {
        timed(['instrument', '.'], dir);
        times.push(timed(['revert', '.'], dir));
      } else {
        times.push(timed(['instrument', '.', '--dry-run', '--output', join(root, 'out.patch')], dir));
      }
    }
    const s = (t: number) => `${t.toFixed(2)} s`;
    console.log(`| ${input.name.replace('N', (input.base * SCALE).toLocaleString('en'))} | ${times.map(s).join(' | ')} | ${(times[1] / times[0]).toFixed(2)} | ${(times[2] / times[0]).toFixed(2)} |`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
