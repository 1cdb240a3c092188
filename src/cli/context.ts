// Everything a command may touch outside the file tree: the streams, the environment, the
// working folder. Tests pass their own.
import { styleText } from 'node:util';

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

export type ColorMode = 'auto' | 'always' | 'never';
export type Style = 'bold' | 'cyan' | 'red' | 'green' | 'yellow';
export type Paint = (style: Style, s: string) => string;

/** Colour when asked, or on a terminal unless NO_COLOR is set (no-color.org) or TERM is dumb. */
export function painter(mode: ColorMode, stream: Stream, env: Context['env']): Paint {
  return colours(mode, stream, env) ? (style, s) => styleText(style, s, { validateStream: false }) : (_style, s) => s;
}

/** True if what goes to `stream` is coloured. */
export function colours(mode: ColorMode, stream: Stream, env: Context['env']): boolean {
  return mode === 'always' || (mode === 'auto' && stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb');
}
