// The Kbuild edit: link memcpy_debug.o into the module's composite object with one new line
// (`btrfs-y += memcpy_debug.o`) after the module's last list assignment, outside conditionals.
import { BuildFileError, MARKER, identifierOf, insertLineAfter, type BuildEdit } from './build-edit.js';
import { assignments, insertionPointAfter, makeLines, words, type Assignment } from './make-lines.js';

const OBJ_VAR = /^obj-(y|m|\$[({]CONFIG_[A-Za-z0-9_]+[)}])$/;

interface Composite {
  readonly name: string;
  /** Every assignment to name-y, name-objs, name-$(CONFIG_X): the object lists. */
  readonly lists: Assignment[];
}

/** True if the text looks like a Kbuild makefile: it assigns obj-y, obj-m or obj-$(CONFIG_X). */
export function isKbuild(text: string): boolean {
  return assignments(makeLines(text)).some((a) => OBJ_VAR.test(a.name));
}

/**
 * Plans the Kbuild line for `object` (memcpy_debug.o) in `text`, the Kbuild or Makefile at
 * `path`. `module` picks a composite object when the file builds several.
 */
export function planKbuild(path: string, text: string, object: string, module?: string): BuildEdit {
  const lines = makeLines(text);
  const all = assignments(lines);
  const existing = all.find((a) => words(a.value).includes(object) && a.at.code.length > 0);
  const composites = compositesOf(all);

  let chosen: Composite | undefined;
  if (module !== undefined) {
    chosen = composites.find((c) => c.name === module);
    if (!chosen) {
      const known = list(composites.map((c) => c.name)) || 'none';
      throw new BuildFileError(path, `no composite object named ${module} (composite objects here: ${known})`,
        `pick one of them with --module, or add the line yourself and use --no-makefile`);
    }
  } else if (composites.length === 1 && othersBesides(all, composites[0]).length === 0) {
    chosen = composites[0];
  } else if (composites.length === 1) {
    // drivers/net: one composite (thunderbolt-net) among 73 obj- lines of other modules. Its
    // line would mark one module of many; the others link as they are, and it does too.
    const others = othersBesides(all, composites[0]);
    throw new BuildFileError(path, `it builds other modules or objects besides the composite ${composites[0].name}.o (${list(others)})`,
      `say --module ${composites[0].name} to mark that module all the same`);
  } else if (composites.length > 1) {
    throw new BuildFileError(path, `it builds several composite objects: ${list(composites.map((c) => c.name))}`,
      `say which one gets the runtime with --module NAME (the line added is "NAME-y += ${object}")`);
  }

  if (!chosen) {
    // No composite object: built-in objects, or single-file modules (which cannot take another
    // object without renaming their source).
    const objs = all.filter((a) => OBJ_VAR.test(a.name));
    const modules = objs.filter((a) => a.name !== 'obj-y').flatMap((a) => words(a.value)).filter((w) => w.endsWith('.o'));
    const what = objs.length > 0 && modules.length === 0 ? 'it builds built-in objects (obj-y), no composite module'
      : modules.length > 0 ? `its modules are single-file objects (${list(modules)})`
        : 'it has no obj-y, obj-m or obj-$(CONFIG_...) list';
    throw new BuildFileError(path, what,
      `make the module composite (e.g. "obj-m += mymod.o" and "mymod-y := main.o ${object}"), or use --no-makefile and link ${object} yourself`);
  }

  const useObjs = chosen.lists.every((a) => a.name === `${chosen.name}-objs`);
  const line = `${chosen.name}-${useObjs ? 'objs' : 'y'} += ${object}  # ${MARKER}`;
  const tag = identifierOf(chosen.name);
  if (existing) return { path, line, edits: [], tag, note: `already linked into ${chosen.name}.o` };
  const last = chosen.lists[chosen.lists.length - 1];
  const at = insertionPointAfter(lines, last.at);
  return {
    path, line, tag,
    edits: [insertLineAfter(text, at, line, 'build line')],
    note: `linked into ${chosen.name}.o after line ${at.lastLine}`,
  };
}

function compositesOf(all: readonly Assignment[]): Composite[] {
  const names: string[] = [];
  for (const a of all) {
    if (!OBJ_VAR.test(a.name)) continue;
    for (const w of words(a.value)) {
      if (w.endsWith('.o') && !names.includes(w.slice(0, -2))) names.push(w.slice(0, -2));
    }
  }
  const out: Composite[] = [];
  for (const name of names) {
    const prefix = `${name}-`;
    const lists = all.filter((a) => a.name.startsWith(prefix) && isListSuffix(a.name.slice(prefix.length)));
    if (lists.length > 0) out.push({ name, lists });
  }
  return out;
}

/** The objects the obj- lists name besides the composite (subfolders, dir/, are not objects). */
function othersBesides(all: readonly Assignment[], c: Composite): string[] {
  const others = all.filter((a) => OBJ_VAR.test(a.name)).flatMap((a) => words(a.value)).filter((w) => w.endsWith('.o') && w !== `${c.name}.o`);
  return [...new Set(others)];
}

function isListSuffix(s: string): boolean {
  return s === 'y' || s === 'objs' || /^\$[({]CONFIG_[A-Za-z0-9_]+[)}]$/.test(s);
}

/** A list for a message: the first few names, then how many more. */
export function list(names: readonly string[], most = 6): string {
  return names.length <= most ? names.join(', ') : `${names.slice(0, most).join(', ')} and ${names.length - most} more`;
}
