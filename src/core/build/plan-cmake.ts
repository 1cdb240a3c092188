// CMake: add the runtime source with one new marked line. When the sources sit in a variable
// (zlib: set(ZLIB_SRCS ...) used by a shared and a static library), `list(APPEND VAR ...)`
// right after the set() covers every target that uses it; otherwise
// `target_sources(<target> PRIVATE ...)` right after the target's add_library/add_executable.
import { BuildFileError, MARKER, identifierOf, insertLineAfter, type BuildEdit } from './build-edit.js';
import type { MakeLine } from './make-lines.js';

interface Command {
  readonly name: string;
  readonly args: string[];
  /** Index just past the line ending of the line holding the closing parenthesis. */
  readonly end: number;
  readonly line: number;
}

export function planCMake(path: string, text: string, cFiles: readonly string[], runtimeSource: string, targetName?: string): BuildEdit | null {
  const commands = parseCMake(text);
  const cSet = new Set(cFiles.filter((f) => f.endsWith('.c')));
  const isSource = (a: string) => cSet.has(a.replace(/^\$\{CMAKE_CURRENT_SOURCE_DIR\}\//, '').replace(/^\.\//, ''));
  const targets = commands.filter((c) => (c.name === 'add_library' || c.name === 'add_executable') && c.args.length > 0);
  const globbed = commands.some((c) => c.name === 'file' && /^GLOB/.test(c.args[0] ?? '') && c.args.some((a) => /\*\.c$/.test(a)));
  if (globbed && !commands.some((c) => c.args.some(isSource))) return null;
  if (commands.some((c) => c.args.some((a) => a.endsWith(runtimeSource)))) {
    return { path, line: '', edits: [], tag: identifierOf(targetName ?? targets[0]?.args[0] ?? 'cmake'), note: `${runtimeSource} is already in the build` };
  }

  // Variables set to lists of sources, and the targets that use them.
  const sets = commands.filter((c) => c.name === 'set' && c.args.length > 1 && c.args.slice(1).filter(isSource).length > 0);
  const usesVar = (t: Command, v: string) => t.args.includes(`\${${v}}`);
  const sourcesOf = (t: Command) =>
    t.args.slice(1).filter(isSource).length + sets.filter((s) => usesVar(t, s.args[0])).reduce((n, s) => n + s.args.slice(1).filter(isSource).length, 0);

  let chosen: Command | undefined;
  if (targetName !== undefined) {
    chosen = targets.find((t) => t.args[0] === targetName);
    if (!chosen) {
      throw new BuildFileError(path, `no target named ${targetName} (targets: ${targets.map((t) => t.args[0]).join(', ') || 'none'})`,
        'pick one with --target-name');
    }
  } else {
    const withSources = targets.filter((t) => sourcesOf(t) > 0);
    const most = Math.max(0, ...withSources.map(sourcesOf));
    const best = withSources.filter((t) => sourcesOf(t) === most);
    // Several targets built from the same variable are one choice: the variable.
    const sameVar = sets.find((s) => best.length > 0 && best.every((t) => usesVar(t, s.args[0])));
    if (best.length === 1 || sameVar) chosen = best[0];
    else if (best.length > 1) {
      throw new BuildFileError(path, `several targets build these sources: ${best.map((t) => t.args[0]).join(', ')}`,
        `say which one gets the runtime with --target-name NAME (the line added is "target_sources(NAME PRIVATE ${runtimeSource})")`);
    }
  }
  if (!chosen) {
    throw new BuildFileError(path, 'found no add_library or add_executable that builds the C sources here',
      `add ${runtimeSource} to the target yourself and use --no-makefile`);
  }
  const tag = identifierOf(chosen.args[0]);
  const variable = sets.filter((s) => usesVar(chosen, s.args[0])).sort((a, b) => b.args.length - a.args.length)[0];
  if (variable) {
    const users = targets.filter((t) => usesVar(t, variable.args[0])).map((t) => t.args[0]);
    const line = `list(APPEND ${variable.args[0]} ${runtimeSource})  # ${MARKER}`;
    return {
      path, line, tag,
      edits: [insertLineAfter(text, asLine(variable), line, 'build line')],
      note: `appended to ${variable.args[0]} (used by ${users.join(', ')}) after line ${variable.line}`,
    };
  }
  const line = `target_sources(${chosen.args[0]} PRIVATE ${runtimeSource})  # ${MARKER}`;
  return {
    path, line, tag,
    edits: [insertLineAfter(text, asLine(chosen), line, 'build line')],
    note: `added to target ${chosen.args[0]} after line ${chosen.line}`,
  };
}

function asLine(c: Command): MakeLine {
  return { start: 0, end: c.end, line: c.line, lastLine: c.line, code: '', depth: 0, recipe: false };
}

/** The commands of a CMakeLists.txt with their unquoted arguments. Enough for lists of sources. */
export function parseCMake(text: string): Command[] {
  const out: Command[] = [];
  const re = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let i = m.index + m[0].length;
    let depth = 1;
    const args: string[] = [];
    let cur = '';
    const flush = () => {
      if (cur) args.push(cur);
      cur = '';
    };
    while (i < text.length && depth > 0) {
      const c = text[i];
      if (c === '#') {
        flush();
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? text.length : nl;
        continue;
      }
      if (c === '"') {
        const close = text.indexOf('"', i + 1);
        cur += text.slice(i + 1, close < 0 ? text.length : close);
        i = close < 0 ? text.length : close + 1;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') depth--;
      if (depth === 0 || /\s/.test(c)) flush();
      else if (c !== '(' || depth > 1) cur += c;
      i++;
    }
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl + 1;
    out.push({ name: m[1].toLowerCase(), args, end, line: closingLine(text, i) });
    re.lastIndex = i;
  }
  return out;
}

function closingLine(text: string, i: number): number {
  let n = 1;
  for (let k = text.indexOf('\n'); k >= 0 && k < i; k = text.indexOf('\n', k + 1)) n++;
  return n;
}
