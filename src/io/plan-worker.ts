// A worker of planFiles: plans the batches of files it is sent, with its own parser.
import { parentPort } from 'node:worker_threads';
import { loadCParser } from './assets.js';
import { FileReader, planFile, type FileJob } from './plan-files.js';

const parser = await loadCParser();
const reader = new FileReader();
parentPort!.on('message', (job: FileJob) => {
  parentPort!.postMessage(job.paths.map((p) => planFile(job.root, p, parser, job.withPatch, job.prefix, job.kernelTree, reader)));
});
