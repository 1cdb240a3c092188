// Text for a terminal: names from a tree or a log (a file called "\033]0;x\a.c", a function in a
// crafted log) must not reach it as raw control characters.

const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

/**
 * `text` with each control character but the line feed written as git writes it in a quoted
 * name: \a \b \t \v \f \r, else three octal digits (ESC is \033); C1 controls too.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
