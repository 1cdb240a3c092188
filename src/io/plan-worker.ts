// A worker of the Planner (plan-files.ts): plans the batches of files it is sent and sends back
// what the files that mention memcpy gave. It loads no parser: the few files that need one are
// sent back to be planned by the command's thread.
import { parentPort } from 'node:worker_threads';
import { FileReader } from './files.js';
import { NEEDS_PARSER, planFile, type BatchResult, type FileJob } from './plan-files.js';
import type { FileOutcome } from '../core/instrument-file.js';

const reader = new FileReader();
parentPort!.on('message', (job: FileJob) => {
  const outcomes: FileOutcome[] = [];
  const needParser: string[] = [];
  for (const p of job.paths) {
    const r = planFile(job.root, p, null, job.withPatch, job.prefix, job.kernelTree, reader);
    if (r === NEEDS_PARSER) needParser.push(p);
    else if (r) outcomes.push(r);
  }
  parentPort!.postMessage({ outcomes, files: job.paths.length, needParser } satisfies BatchResult);
});
