// Where the lines of a text start, found only as far as they are asked for, and shared by all
// that need line numbers of one file (its sites, the regions of its change, its patch): each
// would otherwise count the newlines of the file again.
import { lastAtOrBefore } from './sorted.js';

export class Lines {
  /** starts[i]: the index where line i (0-based) starts. */
  private readonly starts: number[] = [0];
  private complete = false;

  constructor(readonly text: string) {}

  /** The 0-based line that holds index `at`. */
  lineOf(at: number): number {
    if (!this.complete && this.starts[this.starts.length - 1] <= at) this.findPast(at, 0);
    return lastAtOrBefore(this.starts, at);
  }

  /**
   * Where line `i` starts; undefined past the last line. A final line ending starts one more
   * line, empty, at the text's length.
   */
  startOf(i: number): number | undefined {
    if (!this.complete && this.starts.length <= i) this.findPast(-1, i);
    return this.starts[i];
  }

  /** Finds line starts until one is past index `at` and line `line` is known, or the text ends. */
  private findPast(at: number, line: number): void {
    // One loop, not a call per line: most files are counted up to their last site.
    const { starts, text } = this;
    let s = starts[starts.length - 1];
    while (s <= at || starts.length <= line) {
      const nl = text.indexOf('\n', s);
      if (nl < 0) {
        this.complete = true;
        return;
      }
      s = nl + 1;
      starts.push(s);
    }
  }
}
