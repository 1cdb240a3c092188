// How names are ordered and matched, in one place: paths in code-unit order (as git lists them,
// and the same on every machine, unlike localeCompare), and names put into regular expressions.

/** Code-unit order: what JavaScript's default sort gives, as a comparator. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Records in the code-unit order of their paths. */
export const byPath = (a: { path: string }, b: { path: string }): number => byCodeUnits(a.path, b.path);

/** `s` matched literally inside a regular expression. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
