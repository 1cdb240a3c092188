// Planning the C files of a tree: each is read here, and planned by core/plan-file.ts. Small
// trees are planned in this thread; large ones (a whole kernel) by this thread and a pool of
// worker threads (plan-worker.ts), one thread per core in all. The workers load no parser: the
// few files that need one are planned here.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CParser } from '../core/c/parse-c.js';
import type { FileOutcome } from '../core/instrument-file.js';
import { MEMCPY, NEEDS_PARSER, planFile } from '../core/plan-file.js';
import { loadCParser } from './assets.js';
import { FileReader, UnreadableError } from './files.js';

export interface FileJob {
  readonly root: string;
  readonly paths: readonly string[];
  /** Compute each changed file's hunks (for --dry-run's patch). */
  readonly withHunks: boolean;
  /** Include <linux/memcpy_debug.h> (the runtime in the kernel tree), not the folder's header. */
  readonly kernelTree?: boolean;
}

/**
 * What a worker sends back for a batch: the outcomes of its files that mention memcpy, how many
 * files it planned, and the files it left for the parser.
 */
export interface BatchResult {
  readonly outcomes: FileOutcome[];
  readonly files: number;
  readonly needParser: string[];
}

/** Below this many files, starting workers costs more than it saves. */
const POOL_THRESHOLD = 2000;
const BATCH = 64;

/**
 * Reads one file of the job and plans it (see planFile). The reader looks for memcpy in a file
 * read whole at once (most are), so that its end is confirmed only for the files that mention it.
 */
export function readAndPlan(job: Omit<FileJob, 'paths'>, path: string, parser: CParser | null, reader: FileReader): ReturnType<typeof planFile> {
  let bytes: Buffer;
  let from = -2;
  try {
    // The scan's paths are clean: no join() needed (it normalizes, for each of 55,000 files).
    bytes = reader.read(`${job.root}/${path}`, (b) => (from = b.indexOf(MEMCPY)) >= 0);
  } catch (e) {
    return { path, problem: `cannot read: ${e instanceof UnreadableError ? e.why : (e as Error).message}` };
  }
  return planFile(path, bytes, parser, { withHunks: job.withHunks, kernelTree: job.kernelTree, from: from === -2 ? undefined : from });
}

/**
 * The parser, loaded once the first file needs it: the fast path decides most files without
 * one (all of fs/btrfs), and loading it (web-tree-sitter, two wasm modules) takes 40 ms.
 */
export class LazyParser {
  parser: CParser | null = null;
  private loading: Promise<CParser> | null = null;

  /** Starts loading it, if not started yet; a failure is for get() to report. */
  start(): void {
    this.loading ??= loadCParser().then((p) => (this.parser = p));
    this.loading.catch(() => {});
  }

  async get(): Promise<CParser> {
    this.start();
    return this.loading!;
  }

  delete(): void {
    this.parser?.delete();
    this.parser = null;
  }
}

/**
 * Files in each worker's hands: enough that it has work while this thread lists folders, plans
 * its own files, a file that needs the parser, or collects its garbage (a worker plans 64 files
 * in 3-40 ms); the last files go in smaller batches, so that all threads finish together.
 */
const AHEAD = 24 * BATCH;
const LAST_BATCH = 8;
/** Files this thread plans between two looks at the workers' messages. */
const HERE_BATCH = 16;

/**
 * Plans files as the scan finds them. Up to POOL_THRESHOLD files wait, to be planned in this
 * thread when the scan is done; past it a pool of workers starts and gets its first batches
 * while the scan goes on, so that starting the workers and the scan overlap with the planning.
 * Once the scan is done this thread plans too, between the workers' messages: `jobs` threads in
 * all (one per core by default): a worker more would cost its start, its own compilation of
 * the same functions, and the messages (measured in docs/performance.md).
 */
export class Planner {
  /** Paths not sent yet: queue[next...]. */
  private readonly queue: string[] = [];
  private next = 0;
  private readonly out: FileOutcome[] = [];
  /**
   * The files that need the parser (a few in a hundred), planned in this thread: only one
   * parser is loaded, and warmed up, in a run.
   */
  private readonly needParser: string[] = [];
  private readonly parser = new LazyParser();
  private readonly reader = new FileReader();
  /** Files planned, with or without an outcome. */
  private done = 0;
  private finishing = false;
  private stopped = false;
  private pool: { worker: Worker; busy: number }[] | null = null;
  private failed: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly jobs: number;

  /**
   * `onOutcomes` hears of the outcomes as they come while the workers plan: the workers' and,
   * beside them, this thread's (its work then overlaps theirs, not the end of the run). A small
   * tree's outcomes are only returned.
   */
  constructor(
    private readonly job: Omit<FileJob, 'paths'>, jobs?: number,
    private readonly onOutcomes: (outcomes: readonly FileOutcome[]) => void = () => {},
    /** Start the workers now, before the scan finds a file: the tree is known to be large. */
    large = false,
  ) {
    this.jobs = Math.max(1, jobs ?? availableParallelism());
    if (large && this.jobs >= 2) this.start();
  }

  /** One more file to plan (its path relative to the job's root). */
  add(path: string): void {
    this.queue.push(path);
    if (!this.pool && this.queue.length >= POOL_THRESHOLD && this.jobs >= 2) this.start();
    if (this.pool) this.feed(AHEAD);
  }

  /** Plans what is left; the outcomes of the files that mention memcpy, in no particular order. */
  async finish(onProgress: (done: number) => void = () => {}): Promise<FileOutcome[]> {
    this.finishing = true;
    if (!this.pool) return this.planHere(onProgress);
    onProgress(this.done);
    while (this.done < this.queue.length) {
      if (this.failed) throw this.failed;
      this.feed(AHEAD);
      // A little at a time, then the workers' messages are heard and they are fed again: a
      // worker that waits for its next batch costs more than this thread's waiting.
      if (this.needParser.length > 0 && this.parser.parser) this.planWithParser(this.needParser.shift()!);
      else if (this.next < this.queue.length) this.planBatchHere();
      else {
        await new Promise<void>((r) => (this.wake = r));
        onProgress(this.done);
        continue;
      }
      await new Promise((r) => setImmediate(r));
      onProgress(this.done);
    }
    if (this.failed) throw this.failed;
    return this.out;
  }

  /** Stops the workers (done, or the run failed). */
  stop(): void {
    this.stopped = true;
    for (const { worker } of this.pool ?? []) void worker.terminate();
    this.parser.delete();
  }

  /**
   * Plans the next files of the queue in this thread (all of a small tree, or its share beside
   * the workers); those that need the parser before it is loaded wait for it in needParser.
   */
  private planBatchHere(): void {
    const end = Math.min(this.queue.length, this.next + HERE_BATCH);
    const outcomes: FileOutcome[] = [];
    for (; this.next < end; this.next++) {
      const path = this.queue[this.next];
      const r = readAndPlan(this.job, path, this.parser.parser, this.reader);
      if (r === NEEDS_PARSER) {
        this.parser.start();
        this.needParser.push(path);
        continue;
      }
      if (r) outcomes.push(r);
      this.done++;
    }
    this.keep(outcomes);
  }

  private planWithParser(path: string): void {
    const r = readAndPlan(this.job, path, this.parser.parser, this.reader);
    if (r && r !== NEEDS_PARSER) this.keep([r]);
    this.done++;
  }

  /** Keeps outcomes, this thread's or a worker's; while workers plan, onOutcomes hears of them. */
  private keep(outcomes: readonly FileOutcome[]): void {
    for (const r of outcomes) this.out.push(r);
    if (this.pool && outcomes.length > 0) this.onOutcomes(outcomes);
  }

  private start(): void {
    const url = new URL('./plan-worker.js', import.meta.url);
    this.pool = Array.from({ length: this.jobs - 1 }, () => {
      const worker = new Worker(url);
      const slot = { worker, busy: 0 };
      worker.on('message', ({ outcomes, files, needParser }: BatchResult) => {
        this.done += files - needParser.length;
        slot.busy -= files;
        if (needParser.length > 0 && !this.parser.parser) {
          this.parser.get().then(() => this.wake?.(), (e: Error) => {
            this.failed = e;
            this.wake?.();
          });
        }
        for (const p of needParser) this.needParser.push(p);
        try {
          this.keep(outcomes);
        } catch (e) {
          this.failed = e as Error;
        }
        this.wake?.();
      });
      worker.on('error', (e) => {
        this.failed = e;
        this.wake?.();
      });
      worker.on('exit', (code) => {
        if (this.stopped || this.failed) return;
        this.failed = new Error(`a planning worker stopped (exit code ${code})`);
        this.wake?.();
      });
      return slot;
    });
  }

  /** Sends batches to each worker with fewer than `ahead` files in hand. */
  private feed(ahead: number): void {
    const pool = this.pool ?? [];
    for (const slot of pool) {
      for (;;) {
        const left = this.queue.length - this.next;
        // While the scan runs only whole batches go: more files are coming.
        const size = !this.finishing ? BATCH : left > pool.length * ahead ? BATCH : LAST_BATCH;
        if (slot.busy + size > ahead || left < (this.finishing ? 1 : BATCH)) break;
        const paths = this.queue.slice(this.next, this.next + size);
        this.next += paths.length;
        slot.busy += paths.length;
        slot.worker.postMessage({ ...this.job, paths } satisfies FileJob);
      }
    }
  }

  private async planHere(onProgress: (done: number) => void): Promise<FileOutcome[]> {
    // Files that need the parser before it is loaded are planned last, once it is.
    while (this.next < this.queue.length) {
      this.planBatchHere();
      onProgress(this.done);
      // Let the progress bar draw.
      await new Promise((r) => setImmediate(r));
    }
    if (this.needParser.length > 0) await this.parser.get();
    for (const path of this.needParser.splice(0)) this.planWithParser(path);
    onProgress(this.done);
    return this.out;
  }
}
