// Reading the runtime's reports back: a kernel console, dmesg (with or without timestamps,
// journalctl -k, dmesg -T) or a program's stderr, turned into one record per call site with
// its counts, sizes, deltas and callers. Pure: texts in, data out.

/** One report line of the runtime (memcpy_debug.h), with the stack that followed it. */
export interface OverlapReport {
  readonly dst: string;
  readonly src: string;
  readonly size: number;
  readonly delta: number;
  readonly file: string;
  readonly line: number;
  readonly func: string;
  /** The callers above the call site's function, innermost first. */
  readonly callers: readonly string[];
}

export interface SiteSummary {
  readonly file: string;
  readonly line: number;
  readonly func: string;
  /** Overlaps known to have happened: the reports plus those the rate limit held back. */
  readonly overlaps: number;
  readonly reports: number;
  /** True when more overlaps may have gone uncounted: the rate limit held reports back. */
  readonly atLeast: boolean;
  /** The ranges of the reports' sizes and deltas; null for a site known only from a site table. */
  readonly size: { readonly min: number; readonly max: number } | null;
  readonly delta: { readonly min: number; readonly max: number } | null;
  /** The distinct caller chains, most frequent first. */
  readonly callers: readonly { readonly chain: readonly string[]; readonly count: number }[];
}

export interface LogSummary {
  readonly lines: number;
  readonly reports: number;
  readonly overlaps: number;
  /** True when a site's count is a lower bound, and so the total. */
  readonly atLeast: boolean;
  readonly sites: readonly SiteSummary[];
  /** From a site table (debugfs memcpy_debug/sites), when one was read: the sites that ran. */
  readonly table: TableSummary | null;
}

/** One line of a site table: `file:line function calls overlaps mode`. */
export interface SiteRow {
  readonly file: string;
  readonly line: number;
  readonly func: string;
  /** null: not counted (a user-space object built with MEMCPY_DEBUG_COUNT_CALLS=0 says "-"). */
  readonly calls: number | null;
  readonly overlaps: number;
  readonly mode: string;
}

export interface TableSummary {
  /** Call sites in the table: those that ran at least once. */
  readonly ran: number;
  readonly overlapped: number;
  /** How many sites are in each mode. */
  readonly modes: Readonly<Record<string, number>>;
  /** The table's rows, one per call site (file:line and function), summed over the tables read. */
  readonly rows: readonly SiteRow[];
}

/** The site table's counts: one site per file:line and function, its rows summed. */
export function tableSummary(rows: readonly SiteRow[]): TableSummary {
  const merged = new Map<string, SiteRow>();
  for (const r of rows) {
    const key = `${r.file}:${r.line}\u0000${r.func}`;
    const had = merged.get(key);
    merged.set(key, had ? { ...had, calls: had.calls === null || r.calls === null ? null : had.calls + r.calls, overlaps: had.overlaps + r.overlaps } : r);
  }
  const all = [...merged.values()];
  return {
    ran: all.length,
    overlapped: all.filter((r) => r.overlaps > 0).length,
    modes: all.reduce<Record<string, number>>((m, r) => ({ ...m, [r.mode]: (m[r.mode] ?? 0) + 1 }), {}),
    rows: all,
  };
}

const SITE_ROW = /^(\S+):(\d+) (\S+) (\d+|-) (\d+) (off|warn|warn-once|memmove|bug|abort)$/;

/** A line of a site table, or null. */
export function parseSiteRow(line: string): SiteRow | null {
  const m = SITE_ROW.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
  return m ? { file: m[1], line: Number(m[2]), func: m[3], calls: m[4] === '-' ? null : Number(m[4]), overlaps: Number(m[5]), mode: m[6] } : null;
}

const DETECTED_MARK = 'memcpy overlap detected: ';
const SUPPRESSED_MARK = 'memcpy overlap suppressed: ';
const SINCE = ' since the last report; ';
const HELD_MARK = 'memcpy overlap reports held back: ';

/** `from now on ... at FILE:LINE in FUNC` after the mark: the site, or null. */
export function parseHeld(msg: string): { file: string; line: number; func: string } | null {
  const at = msg.indexOf(HELD_MARK);
  if (at < 0) return null;
  const k = msg.indexOf(' at ', at + HELD_MARK.length);
  return k < 0 ? null : lastSite(msg, k + 4, msg.length, true);
}

type Detected = Omit<OverlapReport, 'callers'>;

/**
 * The fields of a report line (its first `memcpy overlap detected: `), or null:
 * `dst=D src=S size=N delta=N at FILE:LINE in FUNC`, FILE:LINE the last such pair of the line.
 * One pass over the line, whatever it holds: a regular expression with `(.+)` backtracks over
 * each occurrence of the mark, and a crafted line took quadratic time.
 */
export function parseDetected(msg: string): Detected | null {
  const at = msg.indexOf(DETECTED_MARK);
  if (at < 0) return null;
  const r = new Fields(msg, at + DETECTED_MARK.length);
  const dst = r.word('dst=');
  const src = r.word(' src=');
  const size = r.number(' size=');
  const delta = r.number(' delta=', true);
  const site = r.expect(' at ') ? lastSite(msg, r.at, msg.length) : null;
  if (dst === null || src === null || size === null || delta === null || !site) return null;
  return { dst, src, size, delta, ...site };
}

/** `N at FILE:LINE in FUNC since the last report; M overlaps there so far` after the mark, or null. */
export function parseSuppressed(msg: string): { count: number; file: string; line: number; func: string } | null {
  const at = msg.indexOf(SUPPRESSED_MARK);
  if (at < 0) return null;
  const r = new Fields(msg, at + SUPPRESSED_MARK.length);
  const count = r.number('');
  if (count === null || !r.expect(' at ')) return null;
  // The last " since the last report; M overlaps there so far" ends the site.
  for (let k = msg.lastIndexOf(SINCE); k > r.at; k = msg.lastIndexOf(SINCE, k - 1)) {
    if (!/^\d+ overlaps there so far/.test(msg.slice(k + SINCE.length, k + SINCE.length + 40))) continue;
    const site = lastSite(msg, r.at, k, true);
    if (site) return { count, ...site };
  }
  return null;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f' || /\s/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** A cursor over a report's fields. */
class Fields {
  constructor(private readonly s: string, public at: number) {}
  expect(token: string): boolean {
    if (!this.s.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }
  /** `token` then a run of non-space characters. */
  word(token: string): string | null {
    if (!this.expect(token)) return null;
    const from = this.at;
    while (this.at < this.s.length && !isSpace(this.s[this.at])) this.at++;
    return this.at > from ? this.s.slice(from, this.at) : null;
  }
  /** `token` then a decimal number (with a sign when `signed`). */
  number(token: string, signed = false): number | null {
    if (!this.expect(token)) return null;
    const from = this.at;
    if (signed && this.s[this.at] === '-') this.at++;
    const digits = this.at;
    while (this.at < this.s.length && isDigit(this.s[this.at])) this.at++;
    return this.at > digits ? Number(this.s.slice(from, this.at)) : null;
  }
}

/**
 * `FILE:LINE in FUNC` in s[from, to): the last ` in ` that follows `:LINE` after a non-empty
 * FILE and precedes a non-space FUNC (which runs to `to` when `whole`, else to the next space).
 * Each candidate is looked at once, from the end: linear.
 */
function lastSite(s: string, from: number, to: number, whole = false): { file: string; line: number; func: string } | null {
  for (let k = s.lastIndexOf(' in ', to - 4); k >= from; k = k > 0 ? s.lastIndexOf(' in ', k - 1) : -1) {
    let end = k + 4;
    if (end >= to || isSpace(s[end])) continue;
    while (end < to && !isSpace(s[end])) end++;
    if (whole && end !== to) continue;
    let d = k;
    while (d > from && isDigit(s[d - 1])) d--;
    if (d === k || d - 1 <= from || s[d - 1] !== ':') continue;
    return { file: s.slice(from, d - 1), line: Number(s.slice(d, k)), func: s.slice(k + 4, end) };
  }
  return null;
}

/**
 * A log line without what the logger put before the message: a kmsg level (<4>), dmesg's
 * timestamp ([   12.345678] or [Sat Nov 28 08:00:00 2026]), a syslog or journalctl prefix
 * (Nov 28 08:00:00 host kernel: ), a carriage return.
 */
export function messageOf(line: string): string {
  let s = line.endsWith('\r') ? line.slice(0, -1) : line;
  s = s.replace(/^<\d+>/, '');
  s = s.replace(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /, '');
  s = s.replace(/^\d{4}-\d\d-\d\dT\S+ \S+ kernel: /, '');
  s = s.replace(/^\[[^\]]*\] ?/, '');
  return s;
}

// A kernel stack frame: " func+0x1a/0x40 [mod]", "? func+0x..", "[<0000000060031234>] func+0x..".
const KERNEL_FRAME = /^\s*(?:\[<[0-9a-f]+>\]\s*)?(\?\s+)?([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
// A glibc backtrace_symbols_fd frame: "./prog(func+0x2c)[0x55...]" or "./prog(+0x11e9)[0x55...]".
const USER_FRAME = /^(\S.*?)\(([^()]*)\)\s*\[0x[0-9a-f]+\]$/;
// Frames of the runtime, of the WARN/BUG machinery and of the trap: never the callers.
const MACHINERY = /^(memcpy_debug|__memcpy_debug|__warn|warn_slowpath|report_bug|handle_bug|exc_invalid_op|asm_exc_invalid_op|do_error_trap|do_trap|fixup_bug|__report_bug|dump_stack|show_stack|show_trace|show_regs|__show_regs|panic|__panic|bug_handler|__bug|backtrace|__libc_start|_start$|__GI_)/;
const WARNING_AT = /^WARNING: CPU: \d+ PID: \d+ at \S+ ([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const RIP_AT = /^RIP: [0-9a-f]{4}:([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const STACK_END = /^(?:\s*<\/TASK>|---\[ end trace|\s*<\/IRQ>|\s*$)/;

/** The reports and the counts held back in one log text. */
export function parseOverlapLog(text: string): { reports: OverlapReport[]; suppressed: Map<string, number>; held: Set<string>; rows: SiteRow[]; lines: number } {
  const lines = text.split('\n');
  const reports: OverlapReport[] = [];
  const suppressed = new Map<string, number>();
  const held = new Set<string>();
  const rows: SiteRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const row = parseSiteRow(lines[i]);
    if (row) {
      rows.push(row);
      continue;
    }
    const msg = messageOf(lines[i]);
    const h = parseHeld(msg);
    if (h) {
      held.add(`${h.file}:${h.line}`);
      continue;
    }
    const s = parseSuppressed(msg);
    if (s) {
      const key = `${s.file}:${s.line}`;
      suppressed.set(key, (suppressed.get(key) ?? 0) + s.count);
      continue;
    }
    const m = parseDetected(msg);
    if (!m) continue;
    const { callers, next } = stackAfter(lines, i + 1, m.func);
    reports.push({ ...m, callers });
    i = next - 1;
  }
  return { reports, suppressed, held, rows, lines: lines.length - (text.endsWith('\n') ? 1 : 0) };
}

/**
 * The callers in the stack printed after a report at lines[from]: a kernel "Call Trace:" (the
 * WARNING's, up to its end) or a glibc backtrace (the lines right after the report). `?` frames
 * (guesses), the runtime's and the trap's frames, and the call site's own function are left out.
 */
function stackAfter(lines: readonly string[], from: number, func: string): { callers: string[]; next: number } {
  const out: string[] = [];
  let i = from;
  // User space: the backtrace follows at once.
  if (i < lines.length && USER_FRAME.test(messageOf(lines[i]))) {
    let skipStartup = false;
    for (let k = 0; i < lines.length; i++, k++) {
      const f = USER_FRAME.exec(messageOf(lines[i]));
      if (!f) break;
      const sym = f[2];
      const named = /^[A-Za-z_]/.test(sym);
      const name = named ? plainName(sym.replace(/\+0x[0-9a-f]+$/, '')) : `${basename(f[1])}${sym}`;
      // The first frame is the report function; the second, the call site's function (both may be
      // unnamed: static functions are not in the dynamic symbol table), unless that function was
      // inlined into its caller: a second frame named otherwise is the caller (main, often). The
      // C library's start-up comes last.
      if (k === 0 || (k === 1 && (!named || name === func))) continue;
      // The C library's start-up: what follows (_start, often unnamed) is no caller.
      if (/^__libc_start/.test(name)) { skipStartup = true; continue; }
      if (skipStartup) continue;
      if (MACHINERY.test(name) || /^libc\.so/.test(basename(f[1]))) continue;
      out.push(name);
    }
    return { callers: out, next: i };
  }
  // The kernel: look for the Call Trace of this report, before the next report.
  let inTrace = false;
  for (; i < lines.length; i++) {
    const msg = messageOf(lines[i]);
    if (msg.includes(DETECTED_MARK) || msg.includes(SUPPRESSED_MARK) || msg.includes(HELD_MARK)) break;
    if (!inTrace) {
      if (/^\s*Call Trace:/.test(msg)) inTrace = true;
      else if (/^---\[ end trace/.test(msg) || i - from > 200) break;
      else if (out.length === 0) {
        // The function the WARNING (or x86's RIP line) names is the one the call site was inlined
        // into, when it is not the site's own: the first caller, which the trace itself (return
        // addresses above it) does not list. x86_64: "WARNING: CPU: 1 PID: 1 at
        // include/linux/bitmap.h:271 irq_do_set_affinity+0x18d/0x3b0".
        const at = WARNING_AT.exec(msg) ?? RIP_AT.exec(msg);
        if (at && plainName(at[1]) !== func && !MACHINERY.test(at[1])) out.push(plainName(at[1]));
      }
      continue;
    }
    const f = KERNEL_FRAME.exec(msg);
    if (!f) {
      if (STACK_END.test(msg)) { i++; break; }
      continue; // <TASK>, <IRQ>, register dumps inside a trace
    }
    const name = plainName(f[2]);
    // The function the WARNING named may come again as the trace's first frame (UML lists it).
    if (f[1] || MACHINERY.test(name) || (out.length === 0 && name === func) || (out.length === 1 && name === out[0])) continue;
    out.push(name);
  }
  return { callers: out, next: i };
}

type ParsedLog = ReturnType<typeof parseOverlapLog>;

/**
 * The log with every file named by `pathOf` (report --dir: the file's path in the folder), so
 * that one call site compiled by two paths (lz4.c and ../lib/lz4.c) is one site.
 */
export function withPaths(log: ParsedLog, pathOf: (file: string) => string): ParsedLog {
  const key = (k: string) => {
    const at = k.lastIndexOf(':');
    return `${pathOf(k.slice(0, at))}${k.slice(at)}`;
  };
  return {
    ...log,
    reports: log.reports.map((r) => ({ ...r, file: pathOf(r.file) })),
    rows: log.rows.map((r) => ({ ...r, file: pathOf(r.file) })),
    suppressed: new Map([...log.suppressed].map(([k, n]) => [key(k), n])),
    held: new Set([...log.held].map(key)),
  };
}

/** A function's name without the suffixes of gcc's clones: f.constprop.0, f.isra.0, f.part.0, f.cold. */
export function plainName(name: string): string {
  return name.replace(/(\.(constprop|isra|part|cold|lto_priv|llvm)(\.\d+)?)+$/, '');
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** One record per call site, most overlaps first. */
export function summarizeOverlaps(logs: readonly ReturnType<typeof parseOverlapLog>[], depth = 3): LogSummary {
  interface Acc { file: string; line: number; func: string; reports: number; extra: number; held: boolean; exact?: boolean; sizes: number[]; deltas: number[]; chains: Map<string, number> }
  const sites = new Map<string, Acc>();
  const get = (file: string, line: number, func: string): Acc => {
    const key = `${file}:${line}`;
    let a = sites.get(key);
    if (!a) sites.set(key, (a = { file, line, func, reports: 0, extra: 0, held: false, sizes: [], deltas: [], chains: new Map() }));
    return a;
  };
  let lines = 0;
  for (const log of logs) {
    lines += log.lines;
    for (const r of log.reports) {
      const a = get(r.file, r.line, r.func);
      a.reports++;
      a.sizes.push(r.size);
      a.deltas.push(r.delta);
      const chain = r.callers.slice(0, depth).join('\u0000');
      a.chains.set(chain, (a.chains.get(chain) ?? 0) + 1);
    }
  }
  for (const log of logs) {
    for (const [key, n] of log.suppressed) {
      const a = sites.get(key);
      if (a) a.extra += n; // a count without a report line is the tail of a log cut short
    }
    for (const key of log.held) {
      const a = sites.get(key);
      if (a) a.held = true;
    }
  }
  // A site table counts every overlap, held back or not: its count is exact, as of when it was read.
  // The same site in several tables (each process of a test suite appends its own) is summed.
  const table = tableSummary(logs.flatMap((log) => log.rows));
  for (const r of table.rows) {
    const key = `${r.file}:${r.line}`;
    if (r.overlaps === 0) continue;
    const a = sites.get(key) ?? (sites.set(key, { file: r.file, line: r.line, func: r.func, reports: 0, extra: 0, held: false, sizes: [], deltas: [], chains: new Map() }), sites.get(key)!);
    if (r.overlaps >= a.reports + a.extra) {
      a.extra = r.overlaps - a.reports;
      a.exact = true;
    }
  }
  const out: SiteSummary[] = [...sites.values()].map((a) => ({
    file: a.file, line: a.line, func: a.func,
    overlaps: a.reports + a.extra, reports: a.reports, atLeast: !a.exact && (a.held || a.extra > 0),
    size: a.sizes.length > 0 ? { min: Math.min(...a.sizes), max: Math.max(...a.sizes) } : null,
    delta: a.deltas.length > 0 ? { min: Math.min(...a.deltas), max: Math.max(...a.deltas) } : null,
    callers: [...a.chains].sort((x, y) => y[1] - x[1]).map(([c, count]) => ({ chain: c === '' ? [] : c.split('\u0000'), count })),
  }));
  out.sort((x, y) => y.overlaps - x.overlaps || y.reports - x.reports || (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line));
  return {
    lines,
    reports: out.reduce((n, s) => n + s.reports, 0),
    overlaps: out.reduce((n, s) => n + s.overlaps, 0),
    atLeast: out.some((s) => s.atLeast),
    sites: out,
    table: table.ran === 0 ? null : table,
  };
}

/** Whether line `line` of the instrumented file is one memcpy-debug changed (a renamed call's). */
export function changedLine(line: number, regions: readonly (readonly [number, string, string])[]): boolean {
  return regions.some(([at, , after]) => line >= at && line < at + lineCount(after));
}

/** The number of lines of a text made of whole lines (the last may lack its newline). */
function lineCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n + (s.length > 0 && !s.endsWith('\n') ? 1 : 0);
}

/**
 * The line of the original file that holds line `line` of the instrumented one, given the
 * manifest's regions ([line in the instrumented text, lines before, lines after]); null for a
 * line memcpy-debug added (the include).
 */
export function originalLine(line: number, regions: readonly (readonly [number, string, string])[]): number | null {
  let shift = 0;
  for (const [at, before, after] of [...regions].sort((x, y) => x[0] - y[0])) {
    if (line < at) break;
    const a = lineCount(after);
    const b = lineCount(before);
    if (line >= at + a) {
      shift += a - b;
      continue;
    }
    const offset = line - at;
    return offset < b ? at - shift + offset : null;
  }
  return line - shift;
}

/**
 * The manifest entry a logged path names: the one whose path is the longest tail of it
 * (fs/btrfs/extent_io.c is extent_io.c of the folder fs/btrfs), or null.
 */
export function entryForLoggedPath<E extends { readonly path: string }>(logged: string, entries: readonly E[]): E | null {
  const parts = logged.split('/').filter((p) => p !== '' && p !== '.');
  let best: E | null = null;
  let bestLen = 0;
  for (const e of entries) {
    const ep = e.path.split('/');
    if (ep.length > parts.length) continue;
    let k = 0;
    while (k < ep.length && ep[ep.length - 1 - k] === parts[parts.length - 1 - k]) k++;
    if (k === ep.length && k > bestLen) {
      best = e;
      bestLen = k;
    }
  }
  return best;
}
