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
  readonly size: { readonly min: number; readonly max: number };
  readonly delta: { readonly min: number; readonly max: number };
  /** The distinct caller chains, most frequent first. */
  readonly callers: readonly { readonly chain: readonly string[]; readonly count: number }[];
}

export interface LogSummary {
  readonly lines: number;
  readonly reports: number;
  readonly overlaps: number;
  readonly sites: readonly SiteSummary[];
}

const DETECTED = /memcpy overlap detected: dst=(\S+) src=(\S+) size=(\d+) delta=(-?\d+) at (.+):(\d+) in (\S+)/;
const SUPPRESSED = /memcpy overlap suppressed: (\d+) at (.+):(\d+) in (\S+) since the last report; (\d+) overlaps there so far/;

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
const STACK_END = /^(?:\s*<\/TASK>|---\[ end trace|\s*<\/IRQ>|\s*$)/;

/** The reports and the counts held back in one log text. */
export function parseOverlapLog(text: string): { reports: OverlapReport[]; suppressed: Map<string, number>; lines: number } {
  const lines = text.split('\n');
  const reports: OverlapReport[] = [];
  const suppressed = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const msg = messageOf(lines[i]);
    const s = SUPPRESSED.exec(msg);
    if (s) {
      const key = `${s[2]}:${s[3]}`;
      suppressed.set(key, (suppressed.get(key) ?? 0) + Number(s[1]));
      continue;
    }
    const m = DETECTED.exec(msg);
    if (!m) continue;
    const func = m[7];
    const { callers, next } = stackAfter(lines, i + 1, func);
    reports.push({ dst: m[1], src: m[2], size: Number(m[3]), delta: Number(m[4]), file: m[5], line: Number(m[6]), func, callers });
    i = next - 1;
  }
  return { reports, suppressed, lines: lines.length - (text.endsWith('\n') ? 1 : 0) };
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
    let skip = 2;
    for (; i < lines.length; i++) {
      const f = USER_FRAME.exec(messageOf(lines[i]));
      if (!f) break;
      const sym = f[2];
      const name = /^[A-Za-z_]/.test(sym) ? sym.replace(/\+0x[0-9a-f]+$/, '') : `${basename(f[1])}${sym}`;
      // The first two frames are the report function and the call site's function (both may be
      // unnamed: static functions are not in the dynamic symbol table); the C library's start-up last.
      if (skip > 0) { skip--; continue; }
      if (MACHINERY.test(name) || /^libc\.so/.test(basename(f[1]))) continue;
      out.push(name);
    }
    return { callers: out, next: i };
  }
  // The kernel: look for the Call Trace of this report, before the next report.
  let inTrace = false;
  for (; i < lines.length; i++) {
    const msg = messageOf(lines[i]);
    if (DETECTED.test(msg) || SUPPRESSED.test(msg)) break;
    if (!inTrace) {
      if (/^\s*Call Trace:/.test(msg)) inTrace = true;
      else if (/^---\[ end trace/.test(msg) || i - from > 200) break;
      continue;
    }
    const f = KERNEL_FRAME.exec(msg);
    if (!f) {
      if (STACK_END.test(msg)) { i++; break; }
      continue; // <TASK>, <IRQ>, register dumps inside a trace
    }
    const name = plainName(f[2]);
    if (f[1] || MACHINERY.test(name) || (out.length === 0 && name === func)) continue;
    out.push(name);
  }
  return { callers: out, next: i };
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
  interface Acc { file: string; line: number; func: string; reports: number; extra: number; sizes: number[]; deltas: number[]; chains: Map<string, number> }
  const sites = new Map<string, Acc>();
  const get = (file: string, line: number, func: string): Acc => {
    const key = `${file}:${line}`;
    let a = sites.get(key);
    if (!a) sites.set(key, (a = { file, line, func, reports: 0, extra: 0, sizes: [], deltas: [], chains: new Map() }));
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
  }
  const out: SiteSummary[] = [...sites.values()].map((a) => ({
    file: a.file, line: a.line, func: a.func,
    overlaps: a.reports + a.extra, reports: a.reports,
    size: { min: Math.min(...a.sizes), max: Math.max(...a.sizes) },
    delta: { min: Math.min(...a.deltas), max: Math.max(...a.deltas) },
    callers: [...a.chains].sort((x, y) => y[1] - x[1]).map(([c, count]) => ({ chain: c === '' ? [] : c.split('\u0000'), count })),
  }));
  out.sort((x, y) => y.overlaps - x.overlaps || y.reports - x.reports || (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line));
  return {
    lines,
    reports: out.reduce((n, s) => n + s.reports, 0),
    overlaps: out.reduce((n, s) => n + s.overlaps, 0),
    sites: out,
  };
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
