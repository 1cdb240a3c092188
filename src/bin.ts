#!/usr/bin/env node
import v8 from 'node:v8';

// V8 flags for a run's shape; what each saves is measured in docs/performance.md.
// A larger young generation: a run allocates many short-lived strings (file texts, parse
// results), which the default one would collect several times a second.
v8.setFlagsFromString('--max-semi-space-size=32');
// And one that starts large in the planning workers (their heaps are made after this line; this
// thread's already is): a worker makes one file's text after another.
v8.setFlagsFromString('--min-semi-space-size=16');
// No inlining by the optimizing compiler (flags are the process's: the workers share it). Its
// compilations run on threads beside the work, compile the same functions in each thread and
// again after each deoptimization; without inlining each is smaller.
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
