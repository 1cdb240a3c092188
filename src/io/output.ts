// Writing what render/output.ts made: the files --output, --json-file and --sarif name, then stdout and
// stderr; and the check, before any work, that those files may be written.
import { lstat, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ExitCode, ToolError } from '../core/errors.js';
import { STATE_DIR } from '../core/manifest.js';
import type { Outputs, OutputOptions } from '../core/outputs.js';
import type { Context } from './context.js';
import { readBytesOrNull } from './files.js';

export async function writeOutputs(ctx: Context, dryRun: boolean, out: Outputs): Promise<void> {
  for (const f of out.files) {
    try {
      await writeFile(resolve(ctx.cwd, f.name), f.data);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const why = WRITE_ERRORS[code];
      if (!why) throw e;
      throw new ToolError(why.exit, `cannot write ${f.name}: ${why.text}`,
        [dryRun ? 'nothing else was written' : 'the run itself is done: only this file is missing'], 'give another file');
    }
  }
  for (const b of out.stdout) ctx.stdout.write(b);
  if (out.stderr !== '') ctx.stderr.write(out.stderr);
}

const WRITE_ERRORS: Record<string, { exit: typeof ExitCode.USAGE | typeof ExitCode.IO; text: string }> = {
  EISDIR: { exit: ExitCode.USAGE, text: 'it is a folder' },
  ENOENT: { exit: ExitCode.USAGE, text: 'its folder does not exist' },
  ENOTDIR: { exit: ExitCode.USAGE, text: 'a part of its path is not a folder' },
  EACCES: { exit: ExitCode.USAGE, text: 'permission denied' },
  EROFS: { exit: ExitCode.USAGE, text: 'the file system is read-only' },
  ENOSPC: { exit: ExitCode.IO, text: 'no space left on the device' },
  EDQUOT: { exit: ExitCode.IO, text: 'the disk quota is used up' },
  EIO: { exit: ExitCode.IO, text: 'an I/O error' },
};

/**
 * --output and --json-file never touch the tree being worked on (`root`: the folder, or the
 * kernel tree it is in) beyond a file of their own: not memcpy-debug's state, not a file of the
 * tree (a source, a build file, lib/Kconfig.debug), not through a symbolic link into it. A new
 * file there is fine, and so is one this option wrote before (a patch, or a JSON summary, by
 * its content); anything outside the tree too. Checked before any work.
 */
export async function checkOutputFiles(o: Pick<OutputOptions, 'output' | 'jsonFile' | 'sarifFile'>, ctx: Context, root: string, shown: string): Promise<void> {
  for (const file of [o.output, o.jsonFile, o.sarifFile]) if (file !== undefined) await checkOutputFile(ctx, root, shown, file);
}

/** `shown`: the tree as the user named it (the folder, or "the kernel tree" around it). */
async function checkOutputFile(ctx: Context, root: string, shown: string, file: string): Promise<void> {
  const refuse = (why: string, hint = 'give a new file name, or one outside the folder') => new ToolError(ExitCode.USAGE, `${file} ${why}`, [], hint);
  const abs = resolve(ctx.cwd, file);
  const own = await lstat(abs).catch(() => null);
  if (own?.isDirectory()) throw refuse('is a folder', 'give a file name');
  const parent = await realpath(dirname(abs)).catch(() => null);
  if (parent === null) throw refuse('is in a folder that does not exist', 'give a file in an existing folder');
  // Where the write lands: through a link, where it points.
  const target = own?.isSymbolicLink() ? await realpath(abs).catch(() => null) : join(parent, basename(abs));
  const top = await realpath(root);
  const inTree = (p: string) => {
    const rel = relative(top, p);
    return !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
  };
  if (own?.isSymbolicLink() && (target === null || inTree(target))) throw refuse(`is a symbolic link into ${shown}: memcpy-debug never writes through one`);
  if (target === null || !inTree(target)) return;
  if (relative(top, target).split(sep).includes(STATE_DIR)) throw refuse(`is memcpy-debug's own state (${STATE_DIR}/)`);
  const st = await stat(target).catch(() => null);
  if (st === null) return;
  if (!st.isFile() || !isOurOutput(readBytesOrNull(target))) throw refuse(`is a file of ${shown}: writing there would overwrite it`);
}

/** True if `bytes` are what --output, --json-file or --sarif wrote: a patch (or nothing), a JSON summary, a SARIF log. */
function isOurOutput(bytes: Buffer | null): boolean {
  if (bytes === null) return false;
  const head = bytes.subarray(0, 64).toString('latin1');
  return bytes.length === 0 || head.startsWith('diff --git ') || /^\{\n {2}"command": "(instrument|revert)"/.test(head) || head.startsWith('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json"');
}
