// Milliseconds from a fixed point, for how long a run took. Not `performance.now()`: its first
// use loads node:perf_hooks, 10 ms of every run's start on a slow machine.
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;
