// A worker of the Planner (planner.ts): reads the batches of files it is sent, plans them
// (core/plan-file.ts) and sends back what the files that mention memcpy gave. It loads no
// parser: the few files that need one are sent back to be planned by the command's thread.
import { parentPort } from 'node:worker_threads';
import type { FileOutcome } from '../core/instrument-file.js';
import { NEEDS_PARSER } from '../core/plan-file.js';
import { FileReader } from './files.js';
import { readAndPlan, type BatchResult, type FileJob } from './planner.js';

const reader = new FileReader();
parentPort!.on('message', (job: FileJob) => {
  const outcomes: FileOutcome[] = [];
  const needParser: string[] = [];
  for (const p of job.paths) {
    const r = readAndPlan(job, p, null, reader);
    if (r === NEEDS_PARSER) needParser.push(p);
    else if (r) outcomes.push(r);
  }
  parentPort!.postMessage({ outcomes, files: job.paths.length, needParser } satisfies BatchResult);
});
