// What a run did (or would do), as data: the text summary and --json are two views of it.
import type { SiteKind } from './c/find-sites.js';
import type { SiteNote, SiteRecord } from './instrument-file.js';
import type { NextSteps } from './next-steps.js';
import type { OnOverlap, Placement, SamePointer, Target } from './runtime.js';
import type { ExclusionRule } from './kernel/exclusions.js';

/** kernel-tree placement: where the runtime is and what switches it. */
export interface TreeRuntime {
  readonly header: string;
  readonly source: string;
  readonly kconfig: string;
  readonly option: string;
  /** The top of the tree, and the folder instrumented in it ('' for all of it). */
  readonly top: string;
  readonly folder: string;
}

/** Files a kernel run left uninstrumented by one rule. */
export interface ExcludedGroup {
  readonly rule: ExclusionRule;
  readonly files: number;
  /** The call sites they hold, which stay plain memcpy. */
  readonly sites: number;
  /** The makefile lines or path rules that said so. */
  readonly sources: readonly string[];
}

export interface BuildReport {
  readonly path: string;
  readonly line: string;
  /** False when the line was already there. */
  readonly added: boolean;
  readonly note: string;
}

export interface InstrumentReport {
  readonly command: 'instrument';
  readonly dir: string;
  readonly dryRun: boolean;
  readonly target: Target;
  /** Why that runtime: what the files include, the build file, or --target. */
  readonly targetWhy: string;
  readonly tag: string;
  readonly onOverlap: OnOverlap;
  readonly samePointer: SamePointer;
  /** C files found / read / parsed (those holding the bytes "memcpy"). */
  readonly scanned: number;
  readonly parsed: number;
  readonly renamed: number;
  readonly sitesByKind: Readonly<Partial<Record<SiteKind, number>>>;
  readonly files: readonly { readonly path: string; readonly renamed: number; readonly includeAdded: boolean }[];
  readonly includesAdded: number;
  /** The build files that link the runtime in (zlib has two: Makefile.in and CMakeLists.txt). */
  readonly builds: readonly BuildReport[];
  readonly created: readonly string[];
  /** Sites left alone that deserve a look, with file:line. */
  readonly notes: readonly SiteNote[];
  /** Every occurrence of memcpy: where, its kind, renamed or why not, its function (--json only). */
  readonly sites: readonly SiteRecord[];
  /** How the check gets into the build: no line needed and why, other builds that compile the files. */
  readonly buildNotes: readonly string[];
  readonly warnings: readonly string[];
  /** Nothing to do: the tree was instrumented before. */
  readonly alreadyInstrumented: boolean;
  /** Instrumented before, with new calls since: this run renamed them. */
  readonly again: boolean;
  /** Nothing to do: no memcpy call to rename; nothing written. */
  readonly nothingToDo: boolean;
  /** A run that was cut off was completed. */
  readonly resumed: boolean;
  /** folder: the runtime is in the folder; kernel-tree: in the tree, behind CONFIG_MEMCPY_DEBUG. */
  readonly placement: Placement;
  readonly runtimeAt: TreeRuntime | null;
  /** What a kernel run left out, by rule. */
  readonly excluded: readonly ExcludedGroup[];
  /** Build, where the reports appear, how to read them, how to undo. */
  readonly next: NextSteps;
  readonly seconds: number;
}

export type RevertStatus =
  | 'restored' // exactly the original bytes
  | 'reverted' // our edits undone, the user's kept
  | 'partly-reverted' // --force: what could be undone
  | 'conflict' // left as it is
  | 'already-original'
  | 'removed' // a file we had added
  | 'kept' // a file we had added, changed since: kept
  | 'in-use' // a runtime file that a call written since still needs: kept
  | 'include-kept' // our edits undone but the include, which a call written since still needs
  | 'missing';

export interface RevertFileReport {
  readonly path: string;
  readonly status: RevertStatus;
  readonly reasons: readonly string[];
}

export interface RevertReport {
  readonly command: 'revert';
  readonly dir: string;
  readonly dryRun: boolean;
  /** manifest: undone from the manifest; structural: no manifest, memcpy_debug renamed back. */
  readonly mode: 'manifest' | 'structural';
  readonly files: readonly RevertFileReport[];
  readonly renamedBack: number;
  readonly manifestRemoved: boolean;
  readonly warnings: readonly string[];
  readonly resumed: boolean;
  /** The folders of another revert that was cut off, which this one finished instead (a kernel tree). */
  readonly finishedOthers?: readonly string[];
  readonly seconds: number;
}

export function addCounts(into: Partial<Record<SiteKind, number>>, from: Partial<Record<SiteKind, number>>): void {
  for (const [k, v] of Object.entries(from) as [SiteKind, number][]) into[k] = (into[k] ?? 0) + v;
}
