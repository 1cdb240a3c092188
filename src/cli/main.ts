// The command line: flags are declared here and nowhere else; each `describe` is the help text.
import yargs from 'yargs';
import { runInstrument } from '../commands/instrument.js';
import { toolVersion } from '../io/assets.js';
import { runReport } from '../commands/report.js';
import { runRevert } from '../commands/revert.js';
import { ON_OVERLAP, SAME_POINTER, type OnOverlap, type SamePointer, type Target } from '../core/runtime.js';
import type { ColorMode, Context } from './context.js';
import { ExitCode, formatError, ToolError, type ExitCodeValue } from './errors.js';

class UsageError extends Error {}

const OUTPUT_OPTIONS = {
  'dry-run': { type: 'boolean', default: false, describe: 'Print the change as a patch (git format) and write nothing' },
  stat: { type: 'boolean', default: false, describe: 'With --dry-run: print a diffstat instead of the patch' },
  output: { type: 'string', describe: 'With --dry-run: write the patch to this file', requiresArg: true },
  'exit-code': { type: 'boolean', default: false, describe: 'Exit with 1 when there are changes, as git diff --exit-code' },
  color: { choices: ['auto', 'always', 'never'], default: 'auto', describe: 'Colour the patch (auto: on a terminal, unless NO_COLOR is set)' },
  json: { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout instead of text on stderr' },
} as const;

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], ctx: Context): Promise<ExitCodeValue> {
  // N.B. the commands have no yargs handlers: with one, yargs renders the whole --help text on
  // every run (to cache it), which costs more than the rest of parsing.
  const parser = yargs([...argv])
    .scriptName('memcpy-debug')
    .usage('$0 <command> DIR [options]\n\nChecks every memcpy call of a C tree (a kernel subsystem or a user-space library) for overlapping copies, and undoes it exactly.')
    .command(
      'instrument <dir>',
      'Rename memcpy call sites to memcpy_debug, add the include, the runtime files and the build line',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, describe: 'The folder to instrument, e.g. fs/btrfs' })
          .options(OUTPUT_OPTIONS)
          .option('exclude', { type: 'string', array: true, default: [] as string[], describe: 'Leave out files or folders matching this glob (repeatable; a pattern without / matches a name anywhere)' })
          .option('module', { type: 'string', describe: 'Kbuild: the composite object that gets memcpy_debug.o when the Makefile builds several' })
          .option('target-name', { type: 'string', describe: 'CMake: the target that gets memcpy_debug.c when several build the sources' })
          .option('makefile', { type: 'boolean', describe: 'Kernel: a folder with one composite module gets "mod-y += memcpy_debug.o" (it marks the module; --no-makefile leaves it out). User space: --makefile adds memcpy_debug.c to the build (a marker). Nothing needs either to link: the header is the runtime' })
          .option('target', { choices: ['kernel', 'user'], describe: 'The runtime flavour (default: kernel when the folder has a Kbuild makefile)' })
          .option('on-overlap', { choices: ['warn', 'warn-once', 'memmove', 'bug', 'abort'], describe: `What an overlap does after its report: warn (then memcpy, as the program asked), warn-once (each call site once), memmove (then copy as memmove: the data stays right), bug (kernel: BUG()), abort (user space: abort()); kernel ${ON_OVERLAP.kernel.join('|')}, user ${ON_OVERLAP.user.join('|')} (default warn)` })
          .option('same-pointer', { choices: [...SAME_POINTER], describe: 'memcpy(p, p, n): report it (the default: memcpy forbids any overlap) or ignore it (as ASan does; compilers emit it for self-assignment)' }),
    )
    .command(
      'revert <dir>',
      'Undo what instrument did, keeping the edits made since',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, describe: 'The instrumented folder' })
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
          .option('json', { type: 'boolean', default: false, describe: 'Print the sites as JSON' }),
    )
    .demandCommand(1, 'Say which command: instrument, revert or report.')
    .strict()
    .help()
    .version(await toolVersion())
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  try {
    const a = (await parser.parseAsync()) as unknown as Args;
    if (a.help || a.version) return ExitCode.OK; // yargs printed them
    if (a._[0] === 'report') {
      const logs = (a.logs ?? []).map(String);
      if (logs.length === 0 && process.stdin.isTTY) throw new UsageError('report reads a log: give a file, or pipe one in (dmesg | memcpy-debug report)');
      return await runReport({ logs, dir: a.dir, json: a.json ?? false, stdin: readStdin }, ctx);
    }
    checkOutputFlags(a);
    if (a._[0] === 'instrument') {
      return await runInstrument({
        dir: a.dir, excludes: (a.exclude ?? []).map(String), makefile: a.makefile, module: a.module, targetName: a['target-name'],
        target: a.target as Target | undefined, onOverlap: a['on-overlap'] as OnOverlap | undefined, samePointer: a['same-pointer'] as SamePointer | undefined, ...outputOptions(a),
      }, ctx);
    }
    return await runRevert({ dir: a.dir, force: a.force ?? false, ...outputOptions(a) }, ctx);
  } catch (e) {
    if (e instanceof ToolError) {
      ctx.stderr.write(formatError(e));
      return e.code;
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
  dir: string;
  logs?: (string | number)[];
  help?: boolean;
  version?: boolean;
  exclude?: (string | number)[];
  makefile?: boolean;
  module?: string;
  'target-name'?: string;
  target?: string;
  'on-overlap'?: string;
  'same-pointer'?: string;
  force?: boolean;
}

interface OutputArgs {
  'dry-run': boolean;
  stat: boolean;
  output?: string;
  'exit-code': boolean;
  color: string;
  json: boolean;
}

function checkOutputFlags(a: OutputArgs): void {
  if (!a['dry-run'] && (a.stat || a.output !== undefined)) {
    throw new UsageError(`--${a.stat ? 'stat' : 'output'} goes with --dry-run`);
  }
  if (a['dry-run'] && a.json && (a.output === undefined || a.stat)) {
    throw new UsageError('--json and the dry-run patch would both go to stdout: add --output FILE for the patch (and drop --stat)');
  }
}

function outputOptions(a: OutputArgs) {
  return { dryRun: a['dry-run'], stat: a.stat, output: a.output, exitCode: a['exit-code'], color: a.color as ColorMode, json: a.json };
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
