// Instrumenting one C file, from its text to a planned change and what to tell the user.
import type { Hunk } from './hunks.js';
import { posix } from 'node:path';
import type { CParser } from './c/parse-c.js';
import { includeLines, planCFile } from './c/plan-c-file.js';
import { HEADER_NAME, TREE_HEADER } from './runtime.js';
import { layoutOf, type Layout } from './c/layout.js';
import { Lines } from './lines.js';
import { LEAVE_DESCRIPTIONS, type LeaveKind, type SiteKind } from './c/find-sites.js';
import { changeOf, type ModifyChange } from './plan.js';
import { endsWithEolAfter } from './edit.js';

/** Kinds left alone without a word: nobody wants a list of the comments that mention memcpy. */
export const QUIET_KINDS: ReadonlySet<SiteKind> = new Set(['comment', 'string', 'member']);

export interface SiteNote {
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  readonly kind: SiteKind;
}

/** One occurrence of memcpy, for --json: where, what, and whether it was renamed. */
export interface SiteRecord {
  readonly file: string;
  readonly line: number;
  /** 1-based, in bytes. */
  readonly column: number;
  readonly kind: SiteKind;
  readonly renamed: boolean;
  /** Why it was left alone; absent when renamed. */
  readonly reason?: string;
  /** The function or macro that holds it; null at file scope. */
  readonly function: string | null;
}

export interface InstrumentedFile {
  readonly path: string;
  readonly change: ModifyChange | null;
  readonly renamed: number;
  readonly includeAdded: boolean;
  readonly counts: Readonly<Partial<Record<SiteKind, number>>>;
  /** Sites left alone that the user may care about (values, redefinitions, ...). */
  readonly notes: readonly SiteNote[];
  /** Whether the instrumented text ends with a line ending, for its patch; null when unchanged. */
  readonly afterEndsWithEol: boolean | null;
  /** The lines of the text, as far as they were needed: the patch goes on with them. */
  readonly lines: Lines;
  /** What the file includes: kernel headers, the C library's, both or neither. */
  readonly includes: IncludeSignals;
  readonly sites: readonly SiteRecord[];
}

export interface IncludeSignals {
  /** A header only the kernel has: <linux/slab.h>, <linux/printk.h>, ... (not uapi: <linux/fs.h> is user space too) */
  readonly kernel: boolean;
  /** A header of the C library or POSIX: <stdio.h>, <sys/types.h>, ... */
  readonly libc: boolean;
}

// Headers of the kernel that user space never has (not uapi), and of the C library and POSIX
// that kernel code never includes.
const KERNEL_ONLY = /^linux\/(init|slab|printk|spinlock|mutex|mm|gfp|bug|compiler|export|device|kthread|workqueue|rcupdate|vmalloc|uaccess|bitops|highmem|pagemap|blkdev|bio|buffer_head|list|rbtree|atomic|kref|percpu|delay|interrupt|sched\/[a-z_]+)\.h$/;
const LIBC = /^(stdio|stdlib|string|strings|unistd|fcntl|errno|pthread|signal|time|locale|fnmatch|syslog|getopt|dirent|netdb|termios|poll|setjmp|wchar|ctype|assert|math|limits|inttypes|stdint|stdbool|stddef|stdarg|malloc|alloca|glob|pwd|grp|dlfcn)\.h$|^(sys|arpa|netinet)\//;

/**
 * The kinds of headers a C text includes, on its #include lines (not in comments). Only the
 * kernel's own headers count for the kernel: <linux/fs.h> is also a header of user space
 * (uapi), <linux/slab.h> is not.
 */
export function includeSignals(text: string, layout: Layout = layoutOf(text)): IncludeSignals {
  let kernel = false;
  let libc = false;
  for (const line of includeLines(text, layout)) {
    const m = INCLUDE_LINE.exec(line);
    if (!m) continue;
    if (KERNEL_ONLY.test(m[1])) kernel = true;
    else if (LIBC.test(m[1])) libc = true;
    if (kernel && libc) break;
  }
  return { kernel, libc };
}

const INCLUDE_LINE = /^[ \t]*#[ \t]*include[ \t]*<([^>\n]+)>/;

/** The include path of the runtime header from the folder of `path` (both relative to the root). */
export function headerPathFrom(path: string): string {
  return posix.relative(posix.dirname(path), HEADER_NAME);
}

/** How `path` includes the runtime: `"../memcpy_debug.h"`, or <linux/memcpy_debug.h> in a kernel tree. */
export function includeOf(path: string, kernelTree: boolean): string {
  return kernelTree ? TREE_HEADER : `"${headerPathFrom(path)}"`;
}

export interface InstrumentOptions {
  /** Include <linux/memcpy_debug.h>, the runtime of the kernel tree. */
  readonly kernelTree?: boolean;
  /** The file's bytes, when at hand: hashed as they are, not converted back from the text. */
  readonly bytes?: Uint8Array;
  /** False for a dry run: its plan is never committed, so its hashes are not computed. */
  readonly hashes?: boolean;
  /** Where memcpy first appears in the text, when known: the text before it is not searched. */
  readonly from?: number;
}

export function instrumentFile(path: string, text: string, parser: CParser | null, options: InstrumentOptions = {}): InstrumentedFile {
  const { kernelTree = false, bytes, hashes = true, from = 0 } = options;
  // A __builtin_memcpy alias is renamed in user-space code alone (by its includes).
  const plan = planCFile(text, parser, includeOf(path, kernelTree), from, (layout) => {
    const i = includeSignals(text, layout);
    return i.libc && !i.kernel;
  });
  const counts: Partial<Record<SiteKind, number>> = {};
  const notes: SiteNote[] = [];
  const lines = new Lines(text);
  const sites: SiteRecord[] = [];
  plan.sites.forEach((s, i) => {
    counts[s.kind] = (counts[s.kind] ?? 0) + 1;
    const line = lines.lineOf(s.start) + 1;
    if (!s.rename && !QUIET_KINDS.has(s.kind)) notes.push({ path, line, kind: s.kind });
    const column = s.start - lines.startOf(line - 1)! + 1;
    sites.push({
      file: path, line, column, kind: s.kind, renamed: s.rename,
      ...(s.rename ? {} : { reason: LEAVE_DESCRIPTIONS[s.kind as LeaveKind] ?? s.kind }), function: plan.holders[i],
    });
  });
  const renamed = plan.sites.filter((s) => s.rename).length;
  const includes = includeSignals(text, plan.layout);
  if (plan.edits.length === 0) {
    return { path, change: null, renamed, includeAdded: false, counts, notes, afterEndsWithEol: null, lines, includes, sites };
  }
  // The instrumented text itself is not needed: the commit makes it again from the edits.
  const change = changeOf(path, text, plan.edits, { bytes, hashes, lines });
  const afterEndsWithEol = endsWithEolAfter(text, plan.edits);
  return { path, change, renamed, includeAdded: plan.includeAdded, counts, notes, afterEndsWithEol, lines, includes, sites };
}

/** What planning a file that mentions memcpy gave: a problem, or the plan and (for a dry run) its hunks. */
export type FileOutcome =
  | { readonly path: string; readonly problem: string }
  | { readonly path: string; readonly planned: Omit<InstrumentedFile, 'afterEndsWithEol' | 'lines'>; readonly hunks: readonly Hunk[] | null };
