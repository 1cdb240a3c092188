// What the bundle uses for the `string-width` package (see scripts/bundle.ts). yargs (through
// cliui and wrap-ansi) and cli-progress measure text with it, and string-width builds Unicode
// tables (emoji, East Asian widths) when it is loaded: 30 ms at every start, for texts that are
// ASCII. Here the width of a string is its length without ANSI colour codes. CommonJS, so that
// both import (cliui) and require() (cli-progress) get the function.
const ANSI = /\u001b\[[0-9;]*m/g;

function stringWidth(text) {
  return typeof text === 'string' ? text.replace(ANSI, '').length : 0;
}

module.exports = stringWidth;
module.exports.default = stringWidth;
