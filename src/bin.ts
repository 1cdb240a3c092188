#!/usr/bin/env node
import v8 from 'node:v8';

// A larger young generation: a run allocates many short-lived strings (file texts, parse
// results) and the default one is collected several times a second (12% of a fs/btrfs run).
v8.setFlagsFromString('--max-semi-space-size=32');
// And a young generation that starts large in the planning workers (their heaps are made after
// this line; this thread's already is): a worker makes one file's text after another, and from
// the default start it was collected a hundred times on a whole kernel tree, now a third as often.
v8.setFlagsFromString('--min-semi-space-size=16');
// No inlining by the optimizing compiler (flags are the process's: the planning workers share
// it). Its compilations run on threads beside the work and took about a third of a whole kernel
// tree's CPU: the same functions are compiled in each thread, and again after each
// deoptimization. Without inlining each compilation is smaller: on Linux 6.1's whole tree, 14%
// less CPU and 11% less wall time (dry runs side by side).
v8.setFlagsFromString('--no-turbo-inlining');
const { main } = await import('./cli/main.js');

// A closed pipe (memcpy-debug ... | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Done once what was printed is out: waiting for the event loop to drain (a file handle's close,
// workers winding down) adds tens of milliseconds to every run.
const flushed = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => s.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
