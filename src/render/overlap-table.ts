// The text view of `memcpy-debug report`: one row per call site, most overlaps first.
import { escapeControls } from '../core/display.js';
import type { LogSummary, SiteSummary } from '../core/overlap-log.js';

export interface MappedSite extends SiteSummary {
  /** The line in the file before instrumenting (--dir); null for a line memcpy-debug added. */
  readonly originalLine?: number | null;
  /** With --dir: the file's path in the instrumented folder (its manifest entry), when known. */
  readonly path?: string;
}

const range = (r: { min: number; max: number } | null) => (r === null ? '?' : r.min === r.max ? String(r.min) : `${r.min}..${r.max}`);

/**
 * With --dir: the folder's call sites that memcpy-debug renamed, how many of them are in the site
 * table, and how many of the table's rows are uses of a macro or alias renamed in its #define
 * (each use is a site of its own, at the line that uses it).
 */
export interface Coverage {
  readonly renamed: number;
  readonly ran: number;
  readonly expanded: number;
}

/** The site table's line: how many sites ran (of how many instrumented, with --dir), in which modes. */
function tableLine(t: NonNullable<LogSummary['table']>, c: Coverage | undefined): string {
  const pct = (n: number, of: number) => `${(100 * n / of).toFixed(1)}%`;
  const of = c && c.renamed > 0 && c.expanded === 0 ? ` of the ${c.renamed} instrumented (${pct(t.ran, c.renamed)})` : '';
  const modes = Object.entries(t.modes).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(', ');
  const line = `site table: ${t.ran} call site${t.ran === 1 ? '' : 's'} ran${of}, ${t.overlapped} with overlaps; modes: ${modes}`;
  if (!c || c.expanded === 0 || c.renamed === 0) return line;
  return `${line}\nsite table: ${c.ran} of the ${c.renamed} call sites instrumented ran (${pct(c.ran, c.renamed)}); the other ${c.expanded} `
    + `${c.expanded === 1 ? 'is a use' : 'are uses'} of a macro or alias renamed in its #define, each a site of its own`;
}

export function overlapTable(s: Omit<LogSummary, 'sites'> & { readonly sites: readonly MappedSite[] }, sources: readonly string[], coverage?: Coverage): string {
  const from = sources.length === 1 ? sources[0] : `${sources.length} logs`;
  const table = s.table ? `${tableLine(s.table, coverage)}\n` : '';
  if (s.sites.length === 0) return escapeControls(`memcpy-debug report: no memcpy overlap reports in ${from} (${s.lines} line${s.lines === 1 ? '' : 's'} read)\n${table}`);
  const out: string[] = [];
  const n = s.sites.length;
  out.push(`memcpy-debug report: ${n} call site${n === 1 ? '' : 's'}, ${s.atLeast ? 'at least ' : ''}${s.overlaps} overlap${s.overlaps === 1 ? '' : 's'} (${s.reports} reported) in ${from}`);
  const mapped = s.sites.some((x) => x.originalLine !== undefined);
  const header = ['overlaps', 'reports', 'size', 'delta', 'call site', ...(mapped ? ['original'] : []), 'function', 'called from'];
  const rows = s.sites.map((x) => [
    // Once the rate limit holds reports back, the overlaps since the last count are not known.
    `${x.atLeast ? '>=' : ''}${x.overlaps}`, String(x.reports), range(x.size), range(x.delta), `${x.file}:${x.line}`,
    ...(mapped ? [x.originalLine === undefined ? '?' : x.originalLine === null ? 'added' : String(x.originalLine)] : []),
    x.func,
    x.callers.length === 0 ? '' : x.callers[0].chain.join(' < ') + (x.callers.length > 1 ? ` (+${x.callers.length - 1} other chains)` : ''),
  ].map(escapeControls)); // before the widths: an escape is wider than the character
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (i: number) => i < 2;
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  out.push(fmt(header));
  for (const r of rows) out.push(fmt(r));
  if (s.table) out.push(tableLine(s.table, coverage));
  if (s.atLeast) out.push('>=: at least this many; the runtime reports a site\'s first overlaps (10 by default), then only the 100th, 1000th, ... (or, with warn-once, the first alone), so later ones went uncounted.');
  out.push('delta is dst - src: > 0, the destination starts above the source; < 0, below it; 0, the same pointer.');
  if (mapped) out.push('original: the line in the file as it was before memcpy-debug instrument.');
  return escapeControls(out.join('\n')) + '\n';
}
