// Planning the C files of a tree: read, prefilter by bytes, plan each file that mentions
// memcpy. Small trees are planned in this thread; large ones (a whole kernel) by a pool of
// worker threads, one per core, each with its own parser.
import { availableParallelism } from 'node:os';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParseError, type CParser } from '../core/c/parse-c.js';
import { instrumentFile, type FileOutcome } from '../core/instrument-file.js';
export type { FileOutcome } from '../core/instrument-file.js';
import { filePatch } from '../render/patch.js';
import { loadCParser } from './assets.js';

export interface FileJob {
  readonly root: string;
  readonly paths: readonly string[];
  /** Render each changed file's patch (for --dry-run). */
  readonly withPatch: boolean;
  /** What the patch puts before each path: the folder as seen from where the command runs. */
  readonly prefix?: string;
  /** Include <linux/memcpy_debug.h> (the runtime in the kernel tree), not the folder's header. */
  readonly kernelTree?: boolean;
}


/** Below this many files, starting workers costs more than it saves. */
const POOL_THRESHOLD = 2000;
const BATCH = 64;

/**
 * Reads whole files into one buffer, reused from file to file: most files are read only to learn
 * that they do not mention memcpy, and a new buffer for each (1.2 GB for a kernel tree) costs
 * more than the reading itself.
 */
export class FileReader {
  private buffer = Buffer.allocUnsafe(1 << 20);
  /** The file's bytes: a view of the buffer, valid until the next read. */
  read(path: string): Buffer {
    const fd = openSync(path, 'r');
    try {
      let n = 0;
      for (;;) {
        if (n === this.buffer.length) {
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger);
          this.buffer = bigger;
        }
        const got = readSync(fd, this.buffer, n, this.buffer.length - n, null);
        if (got === 0) return this.buffer.subarray(0, n);
        n += got;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Plans one file; every failure is a problem to report, never a throw. */
export function planFile(root: string, path: string, parser: CParser, withPatch: boolean, prefix = '', kernelTree = false, reader = new FileReader()): FileOutcome {
  let bytes: Buffer;
  try {
    bytes = reader.read(join(root, path));
  } catch (e) {
    return { path, problem: `cannot read: ${(e as Error).message}` };
  }
  if (bytes.indexOf('memcpy') < 0) return { path, skipped: true };
  if (bytes.indexOf(0) >= 0) return { path, problem: 'not a text file (it holds NUL bytes)' };
  const text = bytes.toString('latin1');
  let result;
  try {
    result = instrumentFile(path, text, parser, { kernelTree, bytes, hashes: !withPatch });
  } catch (e) {
    if (e instanceof ParseError) return { path, problem: `cannot parse: ${e.message}` };
    throw e;
  }
  const { after, ...planned } = result;
  const patch = withPatch && after !== null && planned.change ? filePatch(path, text, after, planned.change.regions, prefix) : null;
  return { path, planned, patch };
}

/** Plans every file of the job; outcomes come back in the order of `job.paths`. */
export async function planFiles(job: FileJob, onProgress: (done: number) => void = () => {}): Promise<FileOutcome[]> {
  const workers = Math.min(availableParallelism(), 8);
  if (job.paths.length < POOL_THRESHOLD || workers < 2) {
    const parser = await loadCParser();
    const reader = new FileReader();
    try {
      const out: FileOutcome[] = [];
      for (let i = 0; i < job.paths.length; i++) {
        out.push(planFile(job.root, job.paths[i], parser, job.withPatch, job.prefix, job.kernelTree, reader));
        if (i % BATCH === BATCH - 1) {
          onProgress(i + 1);
          // Let the progress bar draw.
          await new Promise((r) => setImmediate(r));
        }
      }
      onProgress(job.paths.length);
      return out;
    } finally {
      parser.delete();
    }
  }
  const out: FileOutcome[][] = [];
  let next = 0;
  let done = 0;
  const url = new URL('./plan-worker.js', import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(url);
      let batch = -1;
      const feed = () => {
        if (next >= job.paths.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        batch = next / BATCH;
        const paths = job.paths.slice(next, next + BATCH);
        next += BATCH;
        w.postMessage({ root: job.root, paths, withPatch: job.withPatch, prefix: job.prefix, kernelTree: job.kernelTree } satisfies FileJob);
      };
      w.on('message', (results: FileOutcome[]) => {
        out[batch] = results;
        done += results.length;
        onProgress(done);
        feed();
      });
      w.on('error', reject);
      feed();
    })),
  );
  return out.flat();
}
