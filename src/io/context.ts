// Everything a command may touch outside the file tree: the streams, the environment, the
// working folder. Tests pass their own.
import { styleText } from 'node:util';
import type { ColorMode, Paint } from '../core/outputs.js';

export interface Stream {
  write(data: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
}

export interface Context {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Stream;
  readonly stderr: Stream;
}


/**
 * How what goes to `stream` is coloured; null for no colour. Colour when asked, or on a terminal
 * unless NO_COLOR is set (no-color.org) or TERM is dumb.
 */
export function painter(mode: ColorMode, stream: Stream, env: Context['env']): Paint | null {
  const on = mode === 'always' || (mode === 'auto' && stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb');
  return on ? (style, s) => styleText(style, s, { validateStream: false }) : null;
}
