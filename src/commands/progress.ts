// A progress bar on stderr, only on a terminal and only for runs that last over a second.
import type { Context } from '../cli/context.js';

export interface Progress {
  update(done: number): void;
  done(): void;
}

interface Bar {
  start(total: number, value: number): void;
  update(value: number): void;
  stop(): void;
}

export function progressLine(ctx: Context, total: number, what = 'files'): Progress {
  if (ctx.stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  const started = performance.now();
  // Loaded only on a terminal: most runs (pipes, CI, scripts) never draw a bar.
  let bar: Bar | null = null;
  let stopped = false;
  const library = import('cli-progress');
  return {
    update(done: number) {
      if (bar) bar.update(done);
      else if (performance.now() - started > 1000) {
        void library.then(({ default: cliProgress }) => {
          if (bar || stopped) return;
          bar = new cliProgress.SingleBar({
            stream: ctx.stderr as NodeJS.WriteStream,
            format: `memcpy-debug {bar} {value}/{total} ${what}`,
            clearOnComplete: true,
            hideCursor: true,
          }, cliProgress.Presets.shades_classic);
          bar.start(total, done);
        });
      }
    },
    done() {
      stopped = true;
      bar?.stop();
    },
  };
}
