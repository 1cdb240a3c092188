// Strings kept in a plan, copied off the file's text.

/**
 * A copy of `s` that holds its own characters. V8 makes a substring (a slice, a regular
 * expression's match) a view into the string it comes from, which keeps that string alive: a
 * function's name or a changed line kept in a plan would keep its whole file's text in memory
 * (all 260 MB of them for a whole kernel tree planned in one thread). Below 13 characters V8
 * copies anyway; above, joining forces a new string, and the slice is a view of that one.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
