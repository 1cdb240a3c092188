// What the bundle uses for the `string-width` package. yargs (through cliui and wrap-ansi)
// measures the help text with it, and string-width builds Unicode tables (emoji, East Asian
// widths) when it is loaded: 30 ms at every start, for a help text that is ASCII. Here the
// width of a string is its length without ANSI colour codes.
const ANSI = /\u001b\[[0-9;]*m/g;

export default function stringWidth(text: string): number {
  return typeof text === 'string' ? text.replace(ANSI, '').length : 0;
}
