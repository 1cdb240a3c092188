// Progress on stderr for the phases of a run (planning, writing, reading back), only on a
// terminal and only once the run has lasted over a second: a bar with the phase, the percentage,
// the count and the time left. Never on a pipe.
import type { Context } from './context.js';
import { now } from './clock.js';

export interface Progress {
  /** A new phase of `total` steps (files). */
  phase(name: string, total: number): void;
  update(done: number): void;
  done(): void;
}

interface Bar {
  start(total: number, value: number, payload: object): void;
  update(value: number, payload?: object): void;
  setTotal(total: number): void;
  stop(): void;
}

const NONE: Progress = { phase: () => {}, update: () => {}, done: () => {} };

export function progressReporter(ctx: Context): Progress {
  if (ctx.stderr.isTTY !== true) return NONE;
  // MEMCPY_DEBUG_PROGRESS_AFTER_MS: when the bar may appear (tests show it at once).
  const after = Number(ctx.env.MEMCPY_DEBUG_PROGRESS_AFTER_MS ?? 1000);
  const started = now();
  let bar: Bar | null = null;
  let loading: Promise<unknown> | null = null;
  let stopped = false;
  let phase = '';
  let total = 0;
  let value = 0;
  const show = () => {
    if (bar || loading || stopped || now() - started < after) return;
    // Loaded only when shown: most runs (pipes, CI, scripts, small trees) never draw a bar.
    loading = import('cli-progress').then(({ default: cliProgress }) => {
      if (stopped) return;
      bar = new cliProgress.SingleBar({
        stream: ctx.stderr as NodeJS.WriteStream,
        format: 'memcpy-debug: {phase} {bar} {percentage}% | {value}/{total} files | {eta_formatted} left',
        clearOnComplete: true,
        hideCursor: true,
        etaBuffer: 50,
        fps: 10,
      }, cliProgress.Presets.shades_classic);
      bar.start(total, value, { phase });
    });
  };
  return {
    phase(name: string, n: number) {
      phase = name;
      total = n;
      value = 0;
      if (bar) {
        bar.setTotal(n);
        bar.update(0, { phase });
      }
      show();
    },
    update(done: number) {
      value = done;
      if (bar) bar.update(done);
      else show();
    },
    done() {
      stopped = true;
      bar?.stop();
    },
  };
}
