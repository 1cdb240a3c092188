// npm run bench:profile -- DIR [memcpy-debug options]: where the time of one run goes.
//
// Runs `memcpy-debug instrument DIR --dry-run` under V8's CPU profiler (every thread: the
// command's and each planning worker's) and prints, per thread and in all, the time spent in each
// kind of work, from the functions' own time: reading files, listing folders, the lexical
// layout, tree-sitter's parse, classifying and planning, the patch, hashing, messages between
// threads, garbage collection, start-up, and waiting; then the CPU of the whole process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../dist/bundle/memcpy-debug.js', import.meta.url));
const TIME = '/usr/bin/time';
const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: npm run bench:profile -- DIR [memcpy-debug instrument options]\n');
  process.exit(2);
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** The kinds of work, by the names of the functions that do it (the bundle is one file). */
const KINDS: [string, RegExp][] = [
  ['waiting (idle)', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['reading files', /^(read|open|close|fstat|readSync|openSync|closeSync|readFileSync|indexOfString|indexOfBuffer)$/],
  ['listing folders', /^(readdir|readdirSync|visit|scanTree|getDirents?|isCName)$/],
  ['lexical layout', /^(layoutOf|branchesPast|directiveEnd|literalEnd|lineCommentEnd|startsLine|skipSpace|codeEnd|RegExp: \[\\n\\\\\/"'\].*)$/],
  ['tree-sitter parse', /tree_sitter|^ts_|^wasm-function|^GenericJSToWasmWrapper|^stack_|^dl(malloc|free|calloc)|^_tree_sitter|^descendantForIndex|^(parse|parseAndClassify)$/],
  ['classify and plan', /^(planCFile|locateSites|wordsOf|isPlainCall|isFunctionBody|declaresType|isWordOrSpace|macroSiteKind|readDefine|macroBodyOf|previousToken|classify\w*|holderOf|itemHead|nameIn|instrumentFile|includeSignals|includesHeader|includeLines|includePoint|includeGuard|planFile|planWithParser|planBatchHere|ownString|site|tokenize|inRanges|rangeAt|rangeStart|itemAround|directiveAt|lastAtOrBefore|firstAtOrAfter|lineOf|findPast|RegExp: .*)$/],
  ['Kbuild makefiles', /^(folderRules|makeLines|stripComment|isRuleLine|assignments|words|objectStems|stemPattern|expand)$/],
  ['the patch and regions', /^(filePatch|hunksOf|modifyPatch|headingAt|withHunkHeadings|linesOf|has|isLast|at|formatPatch|regionsOf\d?|applyEdits|sortEdits|modifyChange|countNewlines|context)$/],
  ['hashing', /^(update|digest|sha256\w*|Hash)$/],
  ['messages between threads', /^(postMessage|emit|feed|deserialize|serialize)$/],
  ['start-up (compiling modules)', /^(compileSourceTextModule|compileForInternalLoader|loadAndTranslate|#translate|moduleStrategy|requireBuiltin|__init|instantiate|initializeBinding)$/],
];

const work = mkdtempSync(join(tmpdir(), 'memcpy-debug-profile-'));
try {
  const started = performance.now();
  // Under /usr/bin/time when there is one: the CPU of the whole process, V8's own threads too.
  const timeFile = join(work, 'time.txt');
  const timed = existsSync(TIME) ? [TIME, '-f', '%U %S', '-o', timeFile] : [];
  const argv = [...timed, process.execPath, '--cpu-prof', `--cpu-prof-dir=${work}`, BIN, 'instrument', dir, '--dry-run', ...rest];
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0 && r.status !== 1) {
    process.stderr.write(r.stderr);
    process.exit(r.status ?? 1);
  }
  const files = readdirSync(work).filter((f) => f.endsWith('.cpuprofile')).sort();
  const total = new Map<string, number>();
  const rows: string[] = [];
  for (const [i, f] of files.entries()) {
    const kinds = selfTimeByKind(JSON.parse(readFileSync(join(work, f), 'utf8')) as Profile);
    const sum = [...kinds.values()].reduce((a, b) => a + b, 0);
    rows.push(`${i === 0 ? 'command' : `worker ${i}`} (${(sum / 1000).toFixed(2)} s): ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}`);
    for (const [k, v] of kinds) if (k !== 'waiting (idle)') total.set(k, (total.get(k) ?? 0) + v);
  }
  const busy = [...total.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`memcpy-debug instrument ${dir} --dry-run ${rest.join(' ')}: ${wall.toFixed(2)} s under the profiler, ${files.length} threads\n\n`);
  process.stdout.write(`| work | CPU s | share |\n|---|---:|---:|\n`);
  for (const [k, v] of [...total].sort((a, b) => b[1] - a[1])) process.stdout.write(`| ${k} | ${(v / 1000).toFixed(2)} | ${((100 * v) / busy).toFixed(0)}% |\n`);
  process.stdout.write(`\n${rows.join('\n')}\n`);
  if (existsSync(timeFile)) {
    // All threads, V8's optimizing compiler and garbage collector helpers too, which the
    // profiler does not sample (its samples count wall time while a thread runs JavaScript).
    const cpu = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').reduce((a, b) => a + Number(b), 0);
    process.stdout.write(`\nCPU of the whole process, every thread: ${cpu.toFixed(2)} s in ${wall.toFixed(2)} s\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function selfTimeByKind(p: Profile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const out = new Map<string, number>();
  for (const [id, us] of self) {
    const name = byId.get(id)!.callFrame.functionName || '(anonymous)';
    const kind = KINDS.find(([, re]) => re.test(name))?.[0] ?? 'other';
    out.set(kind, (out.get(kind) ?? 0) + us / 1000);
  }
  return out;
}
