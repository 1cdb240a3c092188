// What a run is asked to print and write, and what it then prints and writes, as data: the
// command line fills OutputOptions, render/output.ts makes Outputs, io/output.ts writes them.

export type ColorMode = 'auto' | 'always' | 'never';
export type Style = 'bold' | 'cyan' | 'red' | 'green' | 'yellow';
export type Paint = (style: Style, s: string) => string;

export interface OutputOptions {
  /** Show the change as a patch and write nothing. */
  readonly dryRun: boolean;
  /** The summary as JSON on stdout. */
  readonly json: boolean;
  /** The summary as JSON in this file (the text summary still goes to stderr). */
  readonly jsonFile?: string;
  /** instrument: the sites left alone, as SARIF 2.1.0, in this file. */
  readonly sarifFile?: string;
  /** A diffstat instead of the patch. */
  readonly stat: boolean;
  /** Write the patch to this file. */
  readonly output?: string;
  /** Exit 1 when there are changes. */
  readonly exitCode: boolean;
  readonly color: ColorMode;
}

/** What to print and write, in this order: the files, then stdout, then stderr. Texts are latin1. */
export interface Outputs {
  readonly files: readonly { readonly name: string; readonly data: Buffer }[];
  readonly stdout: readonly Buffer[];
  readonly stderr: string;
}

