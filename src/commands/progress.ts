// A progress bar on stderr, only on a terminal and only for runs that last over a second.
import cliProgress from 'cli-progress';
import type { Context } from '../cli/context.js';

export interface Progress {
  update(done: number): void;
  done(): void;
}

export function progressLine(ctx: Context, total: number, what = 'files'): Progress {
  if (ctx.stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  const started = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done: number) {
      if (bar) bar.update(done);
      else if (performance.now() - started > 1000) {
        bar = new cliProgress.SingleBar({
          stream: ctx.stderr as NodeJS.WriteStream,
          format: `memcpy-debug {bar} {value}/{total} ${what}`,
          clearOnComplete: true,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      }
    },
    done() {
      bar?.stop();
    },
  };
}
