// Plain GNU make (and Makefile.in / Makefile.am): add the runtime to the list that builds the
// sources, with one new marked line after the list's last assignment, per kind of object
// (zlib builds every source twice: OBJZ's .o files and PIC_OBJZ's .lo files). Where the
// siblings are built by explicit rules, the runtime gets a copy of one, marked as a block.
import { BuildFileError, MARKER, identifierOf, insertLineAfter, type BuildEdit } from './build-edit.js';
import { assignments, insertionPointAfter, makeLines, words, type Assignment, type MakeLine } from './make-lines.js';
import type { Edit } from '../edit.js';
import { lineEnding } from '../c/plan-c-file.js';
import { escapeRegExp } from '../order.js';

const SOURCE_SUFFIXES = ['.c', '.o', '.lo', '.obj'] as const;

interface SourceList {
  readonly assignment: Assignment;
  readonly suffix: string;
  /** Stems (path without suffix) of the words that name C files of the tree. */
  readonly stems: string[];
}

export const BLOCK_BEGIN = `# BEGIN ${MARKER.replace(' this line', ' this block')}`;
export const BLOCK_END = '# END memcpy-debug';

/**
 * Plans the make edit for `runtimeStem` (memcpy_debug): `cFiles` are the tree's C files
 * relative to the makefile's folder. Returns null when a wildcard already picks the runtime up.
 */
export function planMake(path: string, text: string, cFiles: readonly string[], runtimeStem: string, tagHint: string): BuildEdit | null {
  const lines = makeLines(text);
  const all = assignments(lines);
  const cStems = new Set(cFiles.filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)));
  if (all.some((a) => /\$\(wildcard\s+(\.\/)?\*\.c\)/.test(a.value))) return null;

  const lists = sourceLists(all, cStems);
  if (lists.length === 0) {
    throw new BuildFileError(path, 'found no variable that lists the C sources (SRCS = a.c b.c, OBJS = a.o b.o, prog_SOURCES = ...)',
      `add ${runtimeStem}.c to the sources yourself and use --no-makefile`);
  }
  // One list per kind of object: the one naming the most sources (then the first).
  const chosen: SourceList[] = [];
  for (const suffix of SOURCE_SUFFIXES) {
    const ofSuffix = lists.filter((l) => l.suffix === suffix);
    if (ofSuffix.length === 0) continue;
    chosen.push(ofSuffix.reduce((best, l) => (l.stems.length > best.stems.length ? l : best)));
  }
  const existing = all.some((a) => words(a.value).some((w) => w.replace(/^.*\//, '').startsWith(`${runtimeStem}.`)));
  const addLines = chosen.map((l) => `${l.assignment.name} += ${runtimeStem}${l.suffix}  # ${MARKER}`);
  const line = addLines.join('\n');
  const tag = identifierOf(tagHint);
  const note = `added to ${chosen.map((l) => `${l.assignment.name} after line ${insertionPointAfter(lines, l.assignment.at).lastLine}`).join(' and ')}`;
  if (existing) return { path, line, edits: [], tag, note: `${runtimeStem} is already in the build (${chosen.map((l) => l.assignment.name).join(', ')})` };

  const edits: Edit[] = chosen.map((l, i) =>
    insertLineAfter(text, insertionPointAfter(lines, l.assignment.at), addLines[i], 'build line'));
  const rules = chosen.map((l) => cloneRule(lines, l, runtimeStem)).filter((r): r is string => r !== null);
  if (rules.length > 0) {
    const eol = lineEnding(text);
    const block = [BLOCK_BEGIN, ...rules, BLOCK_END].join('\n').replaceAll('\n', eol);
    const endsWithEol = text.length === 0 || text.endsWith('\n');
    edits.push({ start: text.length, end: text.length, text: (endsWithEol ? '' : eol) + block + (endsWithEol ? eol : ''), reason: 'build rule' });
  }
  return { path, line, edits, tag, note: rules.length > 0 ? `${note}, with a copy of the rule that builds ${chosen[0].stems[0]}${chosen[0].suffix}` : note };
}

function sourceLists(all: readonly Assignment[], cStems: ReadonlySet<string>): SourceList[] {
  const out: SourceList[] = [];
  for (const a of all) {
    const ws = words(a.value).map((w) => w.replace(/^\$\((SRCDIR|srcdir|top_srcdir)\)\/?/, '').replace(/^\.\//, ''));
    if (ws.length === 0) continue;
    for (const suffix of SOURCE_SUFFIXES) {
      const stems = ws.filter((w) => w.endsWith(suffix)).map((w) => w.slice(0, -suffix.length));
      // Every word a file of that kind (headers aside), and most of them sources of this tree.
      const literal = ws.filter((w) => !w.startsWith('$') && !w.endsWith('.h'));
      if (stems.length === 0 || stems.length !== literal.length) continue;
      const known = stems.filter((s) => cStems.has(s));
      if (known.length * 2 >= stems.length && known.length > 0) out.push({ assignment: a, suffix, stems: known });
    }
  }
  return out;
}

/**
 * A copy of the explicit rule that builds the list's first object (`adler32.lo: adler32.c` and
 * its recipe) for the runtime, or null when none exists (an implicit or pattern rule will do).
 */
function cloneRule(lines: readonly MakeLine[], list: SourceList, runtimeStem: string): string | null {
  for (const stem of list.stems) {
    const target = `${stem}${list.suffix}`;
    const i = lines.findIndex((l) => !l.recipe && new RegExp(`^${escapeRegExp(target)}\\s*:(?!=)`).test(l.code));
    if (i < 0) continue;
    const recipe: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j].recipe || lines[j].code === ''); j++) {
      if (lines[j].recipe) recipe.push(lines[j].code);
    }
    if (recipe.length === 0) continue;
    const name = stem.replace(/^.*\//, '');
    const swap = (s: string) => s.replace(new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(name)}(?=\\.)`, 'g'), runtimeStem);
    const head = lines[i].code.replace(/:.*$/, '');
    const prereq = lines[i].code.slice(lines[i].code.indexOf(':') + 1).trim().split(/\s+/)
      .filter((w) => w.includes(`${name}.`)).map(swap).join(' ');
    return [`${swap(head)}: ${prereq}`, ...recipe.map((r) => `\t${swap(r)}`)].join('\n');
  }
  return null;
}

