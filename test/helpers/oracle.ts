// The oracle's comparison: the fast path (tokens first) against the parser asked about every
// site, on one text. Used by oracle.test.ts and real/oracle-linux.test.ts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Site, SiteKind } from '../../src/core/c/find-sites.js';
import { layoutOf } from '../../src/core/c/layout.js';
import { locateSites } from '../../src/core/c/locate-sites.js';
import { ParserNeeded, type CParser } from '../../src/core/c/parse-c.js';
import { isPlainCall } from '../../src/core/c/plain-call.js';

/** A call is a call, whether the parser followed the code or the tokens decided it. */
export const same = (k: SiteKind): SiteKind => (k === 'unparsed-call' ? 'call' : k);

export interface Compared {
  sites: number;
  /** Sites the fast path decided without asking the parser. */
  byTokens: number;
  differences: string[];
  fast: Site[];
  /** True when no site of the text needed the parser. */
  withoutParser: boolean;
}

/** Both ways on one text: sites decided by tokens first, and every site by the parser. */
export function compare(parser: CParser, path: string, text: string, name = 'memcpy'): Compared {
  const layout = layoutOf(text);
  const fast = locateSites(text, layout, parser, name, true);
  const full = locateSites(text, layout, parser, name, false);
  const differences: string[] = [];
  assert.equal(fast.length, full.length, path);
  for (let i = 0; i < fast.length; i++) {
    const a = fast[i];
    const b = full[i];
    if (a.start !== b.start || a.rename !== b.rename || same(a.kind) !== same(b.kind)) {
      const line = text.slice(0, a.start).split('\n').length;
      differences.push(`${path}:${line}: tokens say ${a.kind}, the parser ${b.kind}`);
    }
  }
  const bodies = new Map();
  const byTokens = fast.filter((s) => isPlainCall(text, layout, s.start, s.start + name.length, bodies)).length;
  return { sites: fast.length, byTokens, differences, fast, withoutParser: withoutParser(text, layout, name) };
}

export function withoutParser(text: string, layout: ReturnType<typeof layoutOf>, name: string): boolean {
  try {
    locateSites(text, layout, null, name, true);
    return true;
  } catch (e) {
    if (e instanceof ParserNeeded) return false;
    throw e;
  }
}

export function cFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) cFiles(p, out);
    else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
  }
  return out;
}

