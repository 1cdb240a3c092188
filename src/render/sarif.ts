// SARIF 2.1.0 for code-scanning tools (GitHub code scanning, VS Code's SARIF viewer, the SARIF
// multitool): instrument's sites left alone, with their reason, and report's overlaps. Each
// result has a fingerprint that survives edits elsewhere in the file: the rule, the file, the
// function and the site's place among that function's sites of the same kind, hashed; never the
// line number, which any edit above moves.
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { LeaveKind, SiteKind } from '../core/c/find-sites.js';
import type { SiteRecord } from '../core/instrument-file.js';
import type { InstrumentReport } from '../core/report.js';
import type { MappedSite } from './overlap-table.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFO = 'https://www.npmjs.com/package/memcpy-debug';
const FINGERPRINT = 'memcpyDebugSite/v1';

type Level = 'error' | 'warning' | 'note';

interface Rule {
  readonly id: string;
  readonly name: string;
  readonly text: string;
  readonly level: Level;
}

/** The sites left alone that a code-scanning tool shows: those that deserve a look, and the ones a kernel rule left out. */
const LEFT_ALONE: Partial<Record<LeaveKind, Rule>> = {
  value: { id: 'MCD001', name: 'MemcpyUsedAsValue', text: 'memcpy used as a value (a function pointer), not called: the copies made through it are not checked', level: 'warning' },
  bypass: { id: 'MCD002', name: 'MemcpyMacroBypassed', text: '(memcpy)(...) bypasses the macro on purpose: this copy is not checked', level: 'note' },
  redefinition: { id: 'MCD003', name: 'MemcpyRedefined', text: 'the file defines, undefines or tests the memcpy macro: its memcpy sites are left alone', level: 'note' },
  noinstr: { id: 'MCD004', name: 'MemcpyInNoinstr', text: 'a call in a noinstr function (or one that opts out of KASAN/KMSAN): it must not call out, so it is not checked', level: 'note' },
  unclassified: { id: 'MCD005', name: 'MemcpyUnclassified', text: 'a memcpy site that could not be classified with certainty: left alone, not checked', level: 'warning' },
  builtin: { id: 'MCD007', name: 'BuiltinMemcpy', text: '__builtin_memcpy, the compiler\'s own copy: not checked (in user space, a macro that only passes its arguments to it is checked instead)', level: 'warning' },
};
const LEFT_OUT: Rule = { id: 'MCD006', name: 'MemcpyLeftOut', text: 'a call in code the kernel builds without instrumentation (its Makefile says so) or in user-space code of the tree: not checked', level: 'note' };
const OVERLAP: Rule = { id: 'MCD100', name: 'MemcpyOverlap', text: 'memcpy called with overlapping source and destination: the result is undefined (use memmove, or fix the offsets)', level: 'error' };

const RULES: readonly Rule[] = [...Object.values(LEFT_ALONE), LEFT_OUT, OVERLAP];

function descriptor(r: Rule): ReportingDescriptor {
  return {
    id: r.id, name: r.name, shortDescription: { text: r.text }, fullDescription: { text: r.text },
    defaultConfiguration: { level: r.level }, helpUri: INFO,
  };
}

const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');

/** A path as a relative URI reference: each segment percent-encoded, the slashes kept. */
const uriOf = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** A folder's absolute path as a file: URI ending in '/', for originalUriBaseIds. */
const folderUri = (abs: string): string => `file://${uriOf(abs.endsWith('/') ? abs : `${abs}/`)}`;

/** The place of each item among those with the same key, in the order given (0 for the first). */
function ordinals<T>(items: readonly T[], key: (t: T) => string): number[] {
  const seen = new Map<string, number>();
  return items.map((t) => {
    const k = key(t);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n;
  });
}

function log(version: string, results: Result[], base: string | null): Log {
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'memcpy-debug', version, semanticVersion: version, informationUri: INFO, rules: RULES.map(descriptor) } },
      ...(base ? { originalUriBaseIds: { SRCROOT: { uri: folderUri(base) } } } : {}),
      results,
      columnKind: 'utf16CodeUnits',
    }],
  };
}

/** What a rule is for a site record of instrument: null for one renamed, or left alone as noise (comments, strings, members, declarations). */
function ruleOf(s: SiteRecord): Rule | null {
  if (s.renamed) return null;
  if (s.reason?.startsWith('left out: ')) return LEFT_OUT;
  return LEFT_ALONE[s.kind as Exclude<SiteKind, 'call' | 'macro-call' | 'unparsed-call' | 'alias' | 'builtin-alias'>] ?? null;
}

/**
 * instrument --sarif: one result per site left alone that deserves a look (or that a kernel
 * rule left out). `base`: the absolute path the site paths are relative to.
 */
export function instrumentSarif(r: InstrumentReport, base: string, version: string): string {
  const shown = r.sites.filter((s) => ruleOf(s) !== null);
  const nth = ordinals(shown, (s) => `${ruleOf(s)!.id}\u0000${s.file}\u0000${s.function ?? ''}`);
  const results: Result[] = shown.map((s, i) => {
    const rule = ruleOf(s)!;
    return {
      ruleId: rule.id, ruleIndex: RULES.indexOf(rule), level: rule.level,
      message: { text: `memcpy ${s.reason ?? rule.text}${s.function ? ` (in ${s.function})` : ''}` },
      locations: [{
        physicalLocation: { artifactLocation: { uri: uriOf(s.file), uriBaseId: 'SRCROOT' }, region: { startLine: s.line, startColumn: s.column } },
        ...(s.function ? { logicalLocations: [{ name: s.function, kind: 'function' }] } : {}),
      }],
      partialFingerprints: { [FINGERPRINT]: hash(rule.id, s.file, s.function ?? '', String(nth[i])) },
    };
  });
  return JSON.stringify(log(version, results, base), null, 2) + '\n';
}

/**
 * report --sarif: one result per call site that overlapped. `base`: the folder the paths are
 * relative to (--dir), or null: the paths as logged.
 */
export function overlapSarif(mapped: readonly MappedSite[], base: string | null, version: string): string {
  // A site found in the folder (--dir) is at its original line, by its path there; else as logged.
  const sites = mapped.map((s) => (s.path !== undefined ? { site: s, path: s.path, line: s.originalLine ?? s.line, inBase: true } : { site: s, path: s.file, line: s.line, inBase: false }));
  const sorted = sites.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  const nth = ordinals(sorted, (s) => `${s.path}\u0000${s.site.func}`);
  const range = (r: { min: number; max: number } | null) => (r === null ? 'unknown' : r.min === r.max ? String(r.min) : `${r.min} to ${r.max}`);
  const results: Result[] = sorted.map((x, i) => {
    const s = x.site;
    const callers = s.callers[0]?.chain ?? [];
    return {
      ruleId: OVERLAP.id, ruleIndex: RULES.indexOf(OVERLAP), level: OVERLAP.level,
      message: {
        text: `memcpy with overlapping source and destination in ${s.func}: ${s.atLeast ? 'at least ' : ''}${s.overlaps} overlap${s.overlaps === 1 ? '' : 's'} `
          + `(${s.reports} reported), size ${range(s.size)}, delta (dst - src) ${range(s.delta)}${callers.length > 0 ? `; called from ${callers.join(' < ')}` : ''}`,
      },
      locations: [{
        physicalLocation: { artifactLocation: { uri: uriOf(x.path), ...(base && x.inBase ? { uriBaseId: 'SRCROOT' } : {}) }, region: { startLine: x.line } },
        logicalLocations: [{ name: s.func, kind: 'function' }],
      }],
      partialFingerprints: { [FINGERPRINT]: hash(OVERLAP.id, x.path, s.func, String(nth[i])) },
      properties: { overlaps: s.overlaps, atLeast: s.atLeast, reports: s.reports, size: s.size, delta: s.delta },
    };
  });
  return JSON.stringify(log(version, results, base), null, 2) + '\n';
}
