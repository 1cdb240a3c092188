// A worker of the Planner (plan-files.ts): plans the batches of files it is sent, with its own
// parser, and sends back what the files that mention memcpy gave.
import { parentPort } from 'node:worker_threads';
import { FileReader } from './files.js';
import { LazyParser, NEEDS_PARSER, planFile, type BatchResult, type FileJob } from './plan-files.js';
import type { FileOutcome } from '../core/instrument-file.js';

// A tree large enough for workers has files that need the parser: it loads (its wasm compiles on
// V8's threads) while the first batches are planned without it.
const parser = new LazyParser();
parser.start();
const reader = new FileReader();
parentPort!.on('message', async (job: FileJob) => {
  const outcomes: FileOutcome[] = [];
  const later: string[] = [];
  const plan = (path: string) => planFile(job.root, path, parser.parser, job.withPatch, job.prefix, job.kernelTree, reader);
  for (const p of job.paths) {
    const r = plan(p);
    if (r === NEEDS_PARSER) later.push(p);
    else if (r) outcomes.push(r);
  }
  if (later.length > 0) await parser.get();
  for (const p of later) {
    const r = plan(p);
    if (r && r !== NEEDS_PARSER) outcomes.push(r);
  }
  parentPort!.postMessage({ outcomes, files: job.paths.length } satisfies BatchResult);
});
