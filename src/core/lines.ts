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
    while (!this.complete && this.starts[this.starts.length - 1] <= at) this.findNext();
    return lastAtOrBefore(this.starts, at);
  }

  /**
   * Where line `i` starts; undefined past the last line. A final line ending starts one more
   * line, empty, at the text's length.
   */
  startOf(i: number): number | undefined {
    while (!this.complete && this.starts.length <= i) this.findNext();
    return this.starts[i];
  }

  private findNext(): void {
    const nl = this.text.indexOf('\n', this.starts[this.starts.length - 1]);
    if (nl < 0) this.complete = true;
    else this.starts.push(nl + 1);
  }
}
