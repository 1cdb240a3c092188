// npm run bench: memcpy-debug against the tools a kernel developer would use for the same
// rename, on Linux 6.1's fs/btrfs and on the whole tree, from Debian's linux-source-6.1.
//
//   npm run bench [-- --corpus btrfs,linux] [--runs N] [--tools ours,sed,spatch,ast-grep,grep,scaling]
//
// Every run gets a fresh copy of the corpus (the copy is not timed). Prints a table of median
// wall time, peak memory, call sites changed, and each peer's time as a multiple of ours; the
// goals of the speed work as ratios measured in this same run (those against grep and ast-grep
// also from pairs run back to back); the whole tree's dry run with 1, 2, 4, ... threads up to
// one per core (scaling); then the call sites where a peer and memcpy-debug differ, by class.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCParser } from '../src/io/assets.js';
import { planCFile } from '../src/core/c/plan-c-file.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WORK = join(REPO, '.bench');
const BIN = join(REPO, 'dist/bundle/memcpy-debug.js');
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const CORPORA = opt('corpus', 'btrfs,linux').split(',');
const TOOLS = opt('tools', 'ours,sed,spatch,ast-grep,grep,scaling').split(',');
const RUNS = Number(opt('runs', '3'));
const JOBS = availableParallelism();

const log = (s: string) => process.stderr.write(`${s}\n`);
const sh = (cmd: string, cwd = WORK) => execFileSync('bash', ['-c', cmd], { cwd, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 30 }).toString();

// ---- set-up: everything the bench needs, installed when missing ----
function setup(): { linux: string; astGrep: string } {
  mkdirSync(WORK, { recursive: true });
  const apt: string[] = [];
  if (!existsSync('/usr/src/linux-source-6.1.tar.xz')) apt.push('linux-source-6.1');
  if (TOOLS.includes('spatch') && spawnSync('spatch', ['--version']).status !== 0) apt.push('coccinelle');
  if (!existsSync('/usr/bin/time')) apt.push('time');
  if (apt.length > 0) {
    log(`bench: installing ${apt.join(' ')}`);
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    sh(`${sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -qq --no-install-recommends ${apt.join(' ')} >/dev/null`);
  }
  const astGrep = join(WORK, 'tools/node_modules/.bin/ast-grep');
  if (TOOLS.includes('ast-grep') && !existsSync(astGrep)) {
    log('bench: installing @ast-grep/cli');
    // Its install script links the platform binary; without it every run pays a lookup.
    sh('npm install --prefix tools --no-audit --no-fund --ignore-scripts=false @ast-grep/cli@0.51.1 >/dev/null 2>&1');
  }
  const linux = join(WORK, 'linux-source-6.1');
  if (!existsSync(join(linux, 'Makefile'))) {
    log('bench: extracting /usr/src/linux-source-6.1.tar.xz');
    sh('tar -xf /usr/src/linux-source-6.1.tar.xz');
  }
  writeFileSync(join(WORK, 'rename.cocci'), '@@\n@@\n- memcpy\n+ memcpy_debug\n  (...)\n');
  writeFileSync(join(WORK, 'rename.yml'), [
    'id: memcpy-debug', 'language: c', 'rule:', '  kind: identifier', '  regex: ^memcpy$',
    '  inside:', '    kind: call_expression', '    field: function', 'fix: memcpy_debug', '',
  ].join('\n'));
  return { linux, astGrep };
}

// ---- one timed run ----
interface Run {
  readonly seconds: number;
  readonly peakMB: number;
  readonly output: string;
}

/** Runs `cmd` in bash under GNU time; returns wall time, peak RSS and stdout. */
function timed(cmd: string, cwd: string): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', join(WORK, 'time.txt'), 'bash', '-c', cmd], { cwd, maxBuffer: 1 << 30 });
  const [secs, kb] = readFileSync(join(WORK, 'time.txt'), 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  if (r.status !== 0 && !cmd.startsWith('grep')) log(`bench: ${cmd} exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
  return { seconds: secs, peakMB: kb / 1024, output: r.stdout.toString('latin1') };
}

function freshCopy(src: string, name: string): string {
  const dst = join(WORK, 'runs', name);
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(join(WORK, 'runs'), { recursive: true });
  // Written out before the timed run starts: a whole tree's 1.3 GB of dirty pages would
  // otherwise be flushed while the next tool runs, and slow down whichever comes first.
  sh(`cp -a '${src}' '${dst}' && sync`);
  return dst;
}

// ---- counting what each tool changed ----
const WORD = /(?<![A-Za-z0-9_$])memcpy_debug(?![A-Za-z0-9_$.])/g;
/** memcpy_debug names on C lines, the #include of its header aside. */
const count = (s: string) => s.split('\n').filter((l) => !/^[+-]?\s*#\s*include/.test(l)).reduce((n, l) => n + (l.match(WORD) ?? []).length, 0);
/** Files that are not the tree's own C sources: our runtime files and the build files. */
const notSource = (path: string) => /(^|\/)memcpy_debug\.[ch]$/.test(path) || !/\.[ch]$/.test(path);

/** Call sites renamed according to a unified diff: memcpy_debug added on + lines of C sources. */
function sitesInPatch(patch: string): number {
  let n = 0;
  let skip = false;
  for (const line of patch.split('\n')) {
    if (line.startsWith('--- ') || line.startsWith('+++ ')) {
      const path = line.slice(4).split('\t')[0];
      if (path !== '/dev/null') skip = notSource(path);
    } else if (skip) continue;
    else if (line.startsWith('+')) n += count(line);
    else if (line.startsWith('-')) n -= count(line);
  }
  return n;
}

/** Call sites renamed in place: memcpy_debug words now minus before, over the C files. */
function sitesInTree(original: string, changed: string): number {
  const out = sh(`diff -rq '${original}' '${changed}' | sed -n 's/^Files \\(.*\\) and \\(.*\\) differ$/\\1\\t\\2/p'`);
  let n = 0;
  for (const line of out.split('\n').filter(Boolean)) {
    const [a, b] = line.split('\t');
    if (notSource(a)) continue;
    n += count(readFileSync(b, 'latin1')) - count(readFileSync(a, 'latin1'));
  }
  return n;
}

/** file:line of each renamed memcpy on the - lines of a patch (relative to the corpus). */
function linesInPatch(patch: string, strip: (p: string) => string): Set<string> {
  const out = new Set<string>();
  let file = '';
  let old = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('--- ')) file = strip(line.slice(4).split('\t')[0]);
    else if (line.startsWith('@@')) old = Number(/-(\d+)/.exec(line)![1]);
    else if (line.startsWith('-')) {
      if (/(?<![A-Za-z0-9_$])memcpy(?![A-Za-z0-9_$])/.test(line)) out.add(`${file}:${old}`);
      old++;
    } else if (line.startsWith(' ')) old++;
  }
  return out;
}

interface Row {
  corpus: string;
  tool: string;
  seconds: number;
  peakMB: number;
  sites: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { linux, astGrep } = setup();
  const rows: Row[] = [];
  const differences: string[] = [];
  /** Ratios of times run back to back, by goal. */
  const paired = new Map<string, number[]>();
  for (const corpus of CORPORA) {
    const src = corpus === 'btrfs' ? join(linux, 'fs/btrfs') : linux;
    // The whole tree as a kernel developer would: its top, so the runtime goes into the tree.
    const flags = '';
    const runs = corpus === 'linux' ? Math.min(RUNS, 3) : RUNS;
    const patches = new Map<string, string>();
    const measure = (tool: string, n: number, prepare: (dir: string) => void, cmd: (dir: string) => string, sites: (r: Run, dir: string) => number) => {
      const results: Run[] = [];
      let s = 0;
      for (let i = 0; i < n; i++) {
        const dir = freshCopy(src, `${corpus}-${tool.replace(/\W+/g, '-')}`);
        prepare(dir);
        log(`bench: ${corpus} ${tool} run ${i + 1}/${n}`);
        const r = timed(cmd(dir), join(dir, '..'));
        results.push(r);
        if (i === 0) s = sites(r, dir);
        if (r.seconds > 60) break; // a run that long is its own median
      }
      rows.push({ corpus, tool, seconds: median(results.map((r) => r.seconds)), peakMB: Math.max(...results.map((r) => r.peakMB)), sites: s });
      return results[0];
    };
    const name = (dir: string) => relative(join(dir, '..'), dir);
    if (TOOLS.includes('ours')) {
      const dry = measure('memcpy-debug instrument --dry-run', runs, () => {}, (d) => `node '${BIN}' instrument ${name(d)} ${flags} --dry-run 2>/dev/null`, (r) => sitesInPatch(r.output));
      patches.set('ours', dry.output);
      measure('memcpy-debug instrument', runs, () => {}, (d) => `node '${BIN}' instrument ${name(d)} ${flags} 2>/dev/null`, (_r, d) => sitesInTree(src, d));
      measure('memcpy-debug revert', runs, (d) => sh(`node '${BIN}' instrument ${name(d)} ${flags} 2>/dev/null`, join(d, '..')),
        (d) => `node '${BIN}' revert ${name(d)} 2>/dev/null`, (_r, d) => -sh(`diff -rq '${src}' '${d}' | grep -v memcpy-debug || true`).split('\n').filter(Boolean).length);
    }
    if (TOOLS.includes('sed')) {
      const sed = (d: string) => `find ${name(d)} -name '*.[ch]' -type f -exec sed -i 's/\\<memcpy\\>/memcpy_debug/g' {} +`;
      measure('sed loop', runs, () => {}, sed, (_r, d) => sitesInTree(src, d));
      const d = freshCopy(src, `${corpus}-sed-diff`);
      patches.set('sed', sh(`${sed(d)}; diff -ru '${src}' '${d}' || true`, join(d, '..')));
    }
    if (TOOLS.includes('spatch')) {
      const r = measure('spatch (Coccinelle)', runs, () => {},
        (d) => `spatch --sp-file '${join(WORK, 'rename.cocci')}' --dir ${name(d)} --include-headers --very-quiet --jobs ${JOBS} 2>/dev/null`,
        (run) => sitesInPatch(run.output));
      patches.set('spatch', r.output);
    }
    if (TOOLS.includes('ast-grep')) {
      // --no-ignore vcs: the runs sit in this repository's ignored .bench folder.
      measure('ast-grep scan (report only)', runs, () => {}, (d) => `'${astGrep}' scan --no-ignore vcs --rule '${join(WORK, 'rename.yml')}' ${name(d)} >/dev/null`, () => -1);
      measure('ast-grep scan -U', runs, () => {}, (d) => `'${astGrep}' scan --no-ignore vcs --rule '${join(WORK, 'rename.yml')}' -U ${name(d)} >/dev/null`, (_r, d) => sitesInTree(src, d));
      const d = freshCopy(src, `${corpus}-ast-grep-diff`);
      patches.set('ast-grep', sh(`'${astGrep}' scan --no-ignore vcs --rule '${join(WORK, 'rename.yml')}' -U ${name(d)} >/dev/null; diff -ru '${src}' '${d}' || true`, join(d, '..')));
    }
    if (TOOLS.includes('grep')) {
      measure('grep -rlw memcpy (floor)', runs, () => {}, (d) => `grep -rlw --include='*.[ch]' memcpy ${name(d)} | wc -l`, () => 0);
    }
    // The two goals that compare against a much quicker tool, from pairs run back to back: this
    // machine's speed drifts over the minutes between the runs above, and a ratio of two medians
    // taken minutes apart moves with it.
    if (TOOLS.includes('ours') && TOOLS.includes('grep') && corpus === 'linux') {
      const d = freshCopy(src, `${corpus}-pairs`);
      const ratios: number[] = [];
      for (let i = 0; i < Math.max(RUNS, 5); i++) {
        log(`bench: ${corpus} grep -rlw, then the dry run: pair ${i + 1}`);
        const g = timed(`grep -rlw --include='*.[ch]' memcpy ${name(d)} | wc -l`, join(d, '..')).seconds;
        const o = timed(`node '${BIN}' instrument ${name(d)} ${flags} --dry-run >/dev/null 2>&1`, join(d, '..')).seconds;
        ratios.push(o / g);
      }
      paired.set('linux: dry run / grep -rlw', ratios);
    }
    if (TOOLS.includes('ours') && TOOLS.includes('ast-grep') && corpus === 'btrfs') {
      const pristine = freshCopy(src, `${corpus}-pairs`);
      const ratios: number[] = [];
      for (let i = 0; i < Math.max(RUNS, 5); i++) {
        const d = freshCopy(src, `${corpus}-pairs-ast-grep`);
        log(`bench: ${corpus} ast-grep scan -U, then the dry run: pair ${i + 1}`);
        const a = timed(`'${astGrep}' scan --no-ignore vcs --rule '${join(WORK, 'rename.yml')}' -U ${name(d)} >/dev/null`, join(d, '..')).seconds;
        const o = timed(`node '${BIN}' instrument ${name(pristine)} ${flags} --dry-run >/dev/null 2>&1`, join(pristine, '..')).seconds;
        ratios.push(a / o);
      }
      paired.set('btrfs: ast-grep scan -U / dry run', ratios);
    }
    if (TOOLS.includes('scaling') && corpus === 'linux') {
      for (const j of threadCounts()) {
        measure(`memcpy-debug instrument --dry-run -j ${j}`, runs, () => {}, (d) => `node '${BIN}' instrument ${name(d)} ${flags} --dry-run -j ${j} 2>/dev/null`, () => -1);
      }
    }
    if (patches.has('ours')) differences.push(...await compare(corpus, src, patches));
  }
  printTable(rows);
  printGoals(rows, paired);
  if (differences.length > 0) process.stdout.write(`\nWhere the tools differ (call sites, by class; examples)\n\n${differences.join('\n')}\n`);
}

/** The call sites renamed by only one side, classified by what memcpy-debug saw there. */
async function compare(corpus: string, src: string, patches: Map<string, string>): Promise<string[]> {
  // Paths as each tool prints them: a/<path> (ours), <run folder>/<path> (spatch), <src>/<path> (diff).
  const strip = (p: string) => p.replace(/^a\//, '').replace(`${src}/`, '').replace(/^(btrfs|linux)-[^/]+\//, '');
  const ours = linesInPatch(patches.get('ours')!, strip);
  const parser = await loadCParser();
  const kindAt = new Map<string, string>();
  const kindOf = (key: string): string => {
    if (kindAt.has(key)) return kindAt.get(key)!;
    const file = key.slice(0, key.lastIndexOf(':'));
    const text = readFileSync(join(src, file), 'latin1');
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    for (const s of planCFile(text, parser, 'memcpy_debug.h').sites) {
      let l = 0;
      while (l + 1 < starts.length && starts[l + 1] <= s.start) l++;
      const k = `${file}:${l + 1}`;
      if (!kindAt.has(k) || s.rename) kindAt.set(k, s.kind);
    }
    return kindAt.get(key) ?? 'not a memcpy site';
  };
  const out: string[] = [];
  for (const [peer, patch] of patches) {
    if (peer === 'ours') continue;
    const theirs = linesInPatch(patch, strip);
    const onlyOurs = [...ours].filter((k) => !theirs.has(k));
    const onlyTheirs = [...theirs].filter((k) => !ours.has(k));
    const classes = new Map<string, string[]>();
    for (const k of onlyOurs) classes.set(`renamed by memcpy-debug only: ${kindOf(k)}`, [...(classes.get(`renamed by memcpy-debug only: ${kindOf(k)}`) ?? []), k]);
    for (const k of onlyTheirs) classes.set(`renamed by ${peer} only: memcpy-debug saw ${kindOf(k)}`, [...(classes.get(`renamed by ${peer} only: memcpy-debug saw ${kindOf(k)}`) ?? []), k]);
    out.push(`${corpus}, ${peer}: ${onlyOurs.length} lines only memcpy-debug renamed, ${onlyTheirs.length} only ${peer} renamed`);
    for (const [cls, keys] of [...classes].sort((a, b) => b[1].length - a[1].length)) {
      out.push(`  ${String(keys.length).padStart(5)}  ${cls}  (e.g. ${keys.slice(0, 3).join(', ')})`);
    }
  }
  parser.delete();
  return out;
}

/** 1, 2, 4, ... threads, and one per core. */
function threadCounts(): number[] {
  const out: number[] = [];
  for (let j = 1; j < JOBS; j *= 2) out.push(j);
  return [...out, JOBS];
}

/** The goals of the speed work, as ratios of times measured in this run. */
function printGoals(rows: readonly Row[], paired: ReadonlyMap<string, number[]>): void {
  const time = (corpus: string, tool: string) => rows.find((r) => r.corpus === corpus && r.tool === tool);
  const out: string[] = [];
  const goal = (what: string, value: number | undefined, target: string, met: (v: number) => boolean) => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push(`| ${what} | ${value.toFixed(2)} | ${target} | ${met(value) ? 'met' : 'NOT met'} |`);
  };
  const ratio = (a?: Row, b?: Row) => (a && b && b.seconds > 0 ? a.seconds / b.seconds : undefined);
  const dry = time('linux', 'memcpy-debug instrument --dry-run');
  goal('linux: sed loop / dry run', ratio(time('linux', 'sed loop'), dry), '>= 1.5', (v) => v >= 1.5);
  goal('linux: sed loop / instrument', ratio(time('linux', 'sed loop'), time('linux', 'memcpy-debug instrument')), '>= 1.5', (v) => v >= 1.5);
  goal('linux: sed loop / revert', ratio(time('linux', 'sed loop'), time('linux', 'memcpy-debug revert')), '>= 1.5', (v) => v >= 1.5);
  const pairs = (what: string) => paired.has(what) ? median(paired.get(what)!) : undefined;
  const range = (what: string) => {
    const rs = [...(paired.get(what) ?? [])].sort((a, b) => a - b);
    return rs.length > 0 ? ` (${rs.length} pairs back to back: ${rs[0].toFixed(2)}-${rs[rs.length - 1].toFixed(2)})` : '';
  };
  goal(`linux: dry run / grep -rlw${range('linux: dry run / grep -rlw')}`, pairs('linux: dry run / grep -rlw'), '<= 5', (v) => v <= 5);
  goal('linux: dry run / grep -rlw (ratio of the medians above)', ratio(dry, time('linux', 'grep -rlw memcpy (floor)')), '<= 5', (v) => v <= 5);
  const peak = Math.max(0, ...rows.filter((r) => r.corpus === 'linux' && r.tool.startsWith('memcpy-debug')).map((r) => r.peakMB));
  goal('linux: peak memory of memcpy-debug (GB)', peak > 0 ? peak / 1024 : undefined, '< 1', (v) => v < 1);
  goal(`btrfs: ast-grep scan -U / dry run${range('btrfs: ast-grep scan -U / dry run')}`, pairs('btrfs: ast-grep scan -U / dry run'), '>= 2', (v) => v >= 2);
  goal('btrfs: ast-grep scan -U / dry run (ratio of the medians above)', ratio(time('btrfs', 'ast-grep scan -U'), time('btrfs', 'memcpy-debug instrument --dry-run')), '>= 2', (v) => v >= 2);
  const one = time('linux', 'memcpy-debug instrument --dry-run -j 1');
  for (const j of threadCounts().slice(1)) {
    goal(`linux: dry run, 1 thread / ${j} threads`, ratio(one, time('linux', `memcpy-debug instrument --dry-run -j ${j}`)), `rises with threads (ideal ${j})`, (v) => v > 1);
  }
  if (out.length === 0) return;
  process.stdout.write(`\nGoals (ratios of the medians above, and of pairs run back to back)\n\n| goal | ratio | target | |\n|---|---:|---|---|\n${out.join('\n')}\n`);
}

function printTable(rows: readonly Row[]): void {
  const out = ['| corpus | tool | median wall (s) | peak memory (MB) | call sites changed | time / memcpy-debug dry-run |', '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    const ours = rows.find((x) => x.corpus === r.corpus && x.tool === 'memcpy-debug instrument --dry-run');
    const ratio = ours && ours.seconds > 0 ? `${(r.seconds / ours.seconds).toFixed(2)}×` : '';
    const sites = r.tool.includes('revert') ? (r.sites === 0 ? 'tree identical' : `${-r.sites} files differ`) : r.sites < 0 || r.tool.startsWith('grep') ? '' : String(r.sites);
    out.push(`| ${r.corpus} | ${r.tool} | ${r.seconds.toFixed(2)} | ${r.peakMB.toFixed(0)} | ${sites} | ${ratio} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
