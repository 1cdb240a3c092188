// A worker of the Planner (plan-files.ts): plans the batches of files it is sent, with its own
// parser, and sends back what the files that mention memcpy gave.
import { parentPort } from 'node:worker_threads';
import { loadCParser } from './assets.js';
import { FileReader } from './files.js';
import { planFile, type BatchResult, type FileJob } from './plan-files.js';
import type { FileOutcome } from '../core/instrument-file.js';

const parser = await loadCParser();
const reader = new FileReader();
parentPort!.on('message', (job: FileJob) => {
  const outcomes: FileOutcome[] = [];
  for (const p of job.paths) {
    const r = planFile(job.root, p, parser, job.withPatch, job.prefix, job.kernelTree, reader);
    if (r) outcomes.push(r);
  }
  parentPort!.postMessage({ outcomes, files: job.paths.length } satisfies BatchResult);
});
