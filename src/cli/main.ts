// The command line: flags are declared here and nowhere else; each `describe` is the help text.
import yargs from 'yargs';
import { runInstrument } from '../commands/instrument.js';
import { toolVersion } from '../io/assets.js';
import { UnreadableError } from '../io/files.js';
import { runReport } from '../commands/report.js';
import { runRevert } from '../commands/revert.js';
import { ON_OVERLAP, SAME_POINTER, type OnOverlap, type SamePointer, type Target } from '../core/runtime.js';
import type { Context } from '../io/context.js';
import type { ColorMode } from '../core/outputs.js';
import { ExitCode, formatError, ToolError, type ExitCodeValue } from '../core/errors.js';

class UsageError extends Error {}

const OUTPUT_OPTIONS = {
  'dry-run': { type: 'boolean', default: false, describe: 'Print the change as a patch (git format) and write nothing' },
  stat: { type: 'boolean', default: false, describe: 'Print a diffstat, as git diff --stat: of what would change (with --dry-run, instead of the patch), or of what changed' },
  output: { type: 'string', describe: 'With --dry-run: write the patch to this file instead of stdout', requiresArg: true },
  'exit-code': { type: 'boolean', default: false, describe: 'Exit with 1 when there are changes, as git diff --exit-code' },
  color: { choices: ['auto', 'always', 'never'], default: 'auto', describe: 'Colour the patch (auto: on a terminal, unless NO_COLOR is set)' },
  json: { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout instead of text on stderr (instrument: a record per memcpy site; revert: one per file)' },
  'json-file': { type: 'string', requiresArg: true, describe: 'Also write the JSON summary to this file (the patch can then go to stdout)' },
} as const;

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], ctx: Context): Promise<ExitCodeValue> {
  // N.B. the commands have no yargs handlers: with one, yargs renders the whole --help text on
  // every run (to cache it), which costs more than the rest of parsing.
  const parser = yargs(normalizeArgv(argv))
    .scriptName('memcpy-debug')
    .parserConfiguration({ 'populate--': true })
    .usage('$0 <command> DIR [options]\n\nChecks every memcpy call of a C tree (a kernel subsystem or a user-space library) for overlapping copies, and undoes it exactly.')
    .command(
      'instrument [dir]',
      'Rename memcpy call sites to memcpy_debug, add the include and the runtime (and a build line where one has a use), and record it all for revert',
      (y) =>
        y
          .positional('dir', { type: 'string', describe: 'The folder to instrument, e.g. fs/btrfs (after --, a name that starts with -)' })
          .options(OUTPUT_OPTIONS)
          .option('exclude', { type: 'string', array: true, requiresArg: true, default: [] as string[], describe: 'Leave out files or folders matching this glob (repeatable; a pattern without / matches a name anywhere)' })
          .option('module', { type: 'string', requiresArg: true, describe: 'Kbuild: the composite object that gets memcpy_debug.o when the Makefile builds several' })
          .option('target-name', { type: 'string', requiresArg: true, describe: 'CMake: the target that gets memcpy_debug.c when several build the sources' })
          .option('makefile', { type: 'boolean', describe: 'Kernel: a folder with one composite module gets "mod-y += memcpy_debug.o" (it marks the module; --no-makefile leaves it out). User space: --makefile adds memcpy_debug.c to the build (a marker). Nothing needs either to link: the header is the runtime' })
          .option('kernel-tree', { type: 'boolean', describe: 'Put the runtime into the Linux source tree around DIR (include/linux/memcpy_debug.h, lib/memcpy_debug.c) and switch it with CONFIG_MEMCPY_DEBUG in lib/Kconfig.debug ("Kernel hacking"); writes those files outside DIR, inside the tree. Default: on when DIR is the top of the tree (the whole kernel), off elsewhere' })
          .option('target', { choices: ['kernel', 'user'], describe: 'The runtime flavour (default: kernel when the folder has a Kbuild makefile)' })
          .option('on-overlap', { choices: ['warn', 'warn-once', 'memmove', 'bug', 'abort'], describe: `What an overlap does after its report: warn (then memcpy, as the program asked), warn-once (each call site once), memmove (then copy as memmove: the data stays right), bug (kernel: BUG()), abort (user space: abort()); kernel ${ON_OVERLAP.kernel.join('|')}, user ${ON_OVERLAP.user.join('|')} (default warn)` })
          .option('same-pointer', { choices: [...SAME_POINTER], describe: 'memcpy(p, p, n): report it (the default: memcpy forbids any overlap) or ignore it (as ASan does; compilers emit it for self-assignment)' })
          .option('sarif', { type: 'string', requiresArg: true, describe: 'Also write the memcpy sites left alone (with why) as SARIF 2.1.0 to this file, for code-scanning tools' })
          .option('jobs', { alias: 'j', type: 'string', requiresArg: true, describe: 'Threads that read and plan the files, as make -j (default: one per core; trees under 2,000 C files are planned in one)' }),
    )
    .command(
      'revert [dir]',
      'Undo what instrument did, keeping the edits made since',
      (y) =>
        y
          .positional('dir', { type: 'string', describe: 'The instrumented folder' })
          .options(OUTPUT_OPTIONS)
          .option('force', { type: 'boolean', default: false, describe: 'Also revert files with conflicts, as far as possible, and say what was skipped' }),
    )
    .command(
      'report [logs..]',
      'Read the overlap reports back from kernel logs (dmesg, console, journalctl -k) or a program\'s stderr: one row per call site',
      (y) =>
        y
          .positional('logs', { type: 'string', array: true, describe: 'Log files; - (or none) reads standard input' })
          .option('dir', { type: 'string', requiresArg: true, describe: 'The instrumented folder: also give each line as it was before instrumenting' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the sites as JSON' })
          .option('sarif', { type: 'string', requiresArg: true, describe: 'Also write the overlaps as SARIF 2.1.0 to this file, for code-scanning tools' }),
    )
    .demandCommand(1, 'Say which command: instrument, revert or report.')
    .recommendCommands()
    .strict()
    .help()
    .version(await toolVersion())
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs' own checks (a flag without its value) come as errors named YError.
      throw err && err.name !== 'YError' ? err : new UsageError(explain(err?.message ?? msg, argv));
    });
  skipHelpCache(parser);
  try {
    const a = (await parser.parseAsync()) as unknown as Args;
    if (a.help || a.version) return ExitCode.OK; // yargs printed them
    if (a._[0] === 'report') {
      const logs = (a.logs ?? []).map(String);
      if (logs.length === 0 && process.stdin.isTTY) throw new UsageError('report reads a log: give a file, or pipe one in (dmesg | memcpy-debug report)');
      if (a.sarif === '') throw new UsageError('--sarif needs a file name');
      return await runReport({ logs, dir: a.dir, json: a.json ?? false, sarifFile: a.sarif, stdin: readStdin }, ctx);
    }
    checkOutputFlags(a);
    // A folder whose name starts with '-' comes after --.
    const dir = a.dir ?? (a['--'] ?? []).map(String)[0];
    if (dir === undefined || dir === '') {
      throw new UsageError(`${a._[0]} needs a folder: memcpy-debug ${a._[0]} DIR (e.g. memcpy-debug ${a._[0]} fs/btrfs)`);
    }
    a.dir = dir;
    for (const [flag, value] of [['module', a.module], ['target-name', a['target-name']]] as const) {
      if (value === '') throw new UsageError(`--${flag} needs a name`);
    }
    if ((a.exclude ?? []).some((e) => String(e) === '')) throw new UsageError('--exclude needs a glob (e.g. --exclude tests)');
    if (a._[0] === 'instrument') {
      if (a.sarif === '') throw new UsageError('--sarif needs a file name');
      const jobs = a.jobs === undefined ? undefined : Number(a.jobs);
      if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs needs a whole number of threads, 1 or more (not ${JSON.stringify(a.jobs)})`);
      return await runInstrument({ jobs,
        dir: a.dir, excludes: (a.exclude ?? []).map(String), makefile: a.makefile, module: a.module, targetName: a['target-name'],
        target: a.target as Target | undefined, kernelTree: a['kernel-tree'], onOverlap: a['on-overlap'] as OnOverlap | undefined, samePointer: a['same-pointer'] as SamePointer | undefined, ...outputOptions(a), sarifFile: a.sarif,
      }, ctx);
    }
    return await runRevert({ dir: a.dir, force: a.force ?? false, ...outputOptions(a) }, ctx);
  } catch (e) {
    if (e instanceof ToolError) {
      ctx.stderr.write(formatError(e));
      return e.code;
    }
    if (e instanceof UnreadableError) {
      ctx.stderr.write(formatError(new ToolError(ExitCode.PLAN, `cannot read ${e.message}`, [], 'rename or remove it, or fix its permissions; nothing was written')));
      return ExitCode.PLAN;
    }
    if (e instanceof UsageError) {
      ctx.stderr.write(`memcpy-debug: error: ${e.message}\nhint: memcpy-debug --help lists the commands and options\n`);
      return ExitCode.USAGE;
    }
    ctx.stderr.write(`memcpy-debug: internal error (a bug; please report it with this text):\n${(e as Error).stack ?? String(e)}\n`);
    return ExitCode.INTERNAL;
  }
}

interface Args extends OutputArgs {
  _: (string | number)[];
  '--'?: (string | number)[];
  dir: string;
  logs?: (string | number)[];
  help?: boolean;
  version?: boolean;
  exclude?: (string | number)[];
  makefile?: boolean;
  'kernel-tree'?: boolean;
  jobs?: string;
  module?: string;
  'target-name'?: string;
  target?: string;
  'on-overlap'?: string;
  'same-pointer'?: string;
  sarif?: string;
  force?: boolean;
}

interface OutputArgs {
  'dry-run': boolean;
  stat: boolean;
  output?: string;
  'exit-code': boolean;
  color: string;
  json: boolean;
  'json-file'?: string;
}

function checkOutputFlags(a: OutputArgs): void {
  if (!a['dry-run'] && a.output !== undefined) throw new UsageError('--output goes with --dry-run: it writes the patch there');
  if (!a['dry-run'] && a['exit-code']) {
    throw new UsageError('--exit-code goes with --dry-run: it says whether there would be changes, as git diff --exit-code does');
  }
  if (a['dry-run'] && a.json && (a.output === undefined || a.stat)) {
    throw new UsageError(`--json and the dry-run ${a.stat ? 'diffstat' : 'patch'} would both go to stdout: ${a.stat ? 'drop --stat' : 'add --output FILE for the patch'}`);
  }
}

function outputOptions(a: OutputArgs) {
  return { dryRun: a['dry-run'], stat: a.stat, output: a.output, exitCode: a['exit-code'], color: a.color as ColorMode, json: a.json, jsonFile: a['json-file'] };
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** git's spellings that yargs would refuse: --no-color is --color=never. */
/**
 * yargs renders the whole --help text after every command it runs, to have it at hand should
 * the command fail (we print our own errors): a third of a small run's start-up. Turned off
 * through yargs' internals where they are as expected; otherwise left as it is.
 */
function skipHelpCache(parser: unknown): void {
  const internals = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

function normalizeArgv(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '--no-color' && (end < 0 || i < end) ? '--color=never' : a));
}

const OPTION_NAMES = ['dry-run', 'stat', 'output', 'exit-code', 'color', 'json', 'json-file', 'exclude', 'module', 'target-name', 'makefile', 'no-makefile', 'kernel-tree', 'no-kernel-tree',
  'target', 'on-overlap', 'same-pointer', 'jobs', 'force', 'dir', 'sarif', 'help', 'version'];

/** yargs' messages in our words, with a "did you mean" for a misspelt option. */
function explain(msg: string, argv: readonly string[]): string {
  const command = /^Did you mean (\S+)\?$/.exec(msg);
  if (command) return `unknown command ${argv[0]}: did you mean ${command[1]}?`;
  const missingValue = /^Not enough arguments following: (.+)$/.exec(msg);
  if (missingValue) return `--${missingValue[1]} needs a value`;
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    // yargs names an unknown --dry-rn twice, as dry-rn and dryRn: once, as it was given.
    const kebab = (w: string) => w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const all = unknown[1].split(', ');
    const words = all.filter((w) => kebab(w) === w || !all.includes(kebab(w)));
    const given = (w: string) => argv.find((a) => a === `--${w}` || a.startsWith(`--${w}=`) || a === `-${w}`)?.split('=')[0];
    const options = words.filter((w) => given(w) !== undefined);
    const hints = words.map((w) => {
      const near = closest(w.replace(/^-+/, ''), OPTION_NAMES);
      const shown = given(w) ?? w;
      return near ? `${shown} (did you mean --${near}?)` : shown;
    });
    const kind = options.length === words.length ? 'option' : options.length === 0 ? 'argument' : 'option or argument';
    return `unknown ${kind}${words.length === 1 ? '' : 's'}: ${hints.join(', ')}`;
  }
  return msg;
}

/** The name at edit distance 2 or less from `word` (a transposition counts 1), if one. */
function closest(word: string, names: readonly string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.length][b.length];
  };
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const k = dist(word, n);
    if (k < bestD) [best, bestD] = [n, k];
  }
  return best;
}
