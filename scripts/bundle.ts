// Bundles the command line into two files (the CLI and its planning worker), with every
// dependency inside, and copies the parser's two wasm modules beside them: the installed
// package then depends on nothing and builds nothing at install, and Node loads two modules
// instead of some two hundred at each start.
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WASM_FILES } from '../src/core/c/parse-c.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// The CLI and its planning worker, each one file (web-tree-sitter inside, evaluated only when a
// file needs the parser). From tsc's output: it holds the manifest's validator, generated there
// (scripts/manifest-validator.ts).
for (const [name, entry] of [['memcpy-debug', 'dist/src/bin.js'], ['plan-worker', 'dist/src/io/plan-worker.js']]) {
  await build({
    absWorkingDir: repo,
    entryPoints: { [name]: entry },
    outdir: 'dist/bundle',
    outExtension: { '.js': '.js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // See src/cli/string-width.cjs.
    alias: { 'string-width': './src/cli/string-width.cjs' },
    // CommonJS dependencies (cli-progress) call require(); give the ES module one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

// web-tree-sitter's runtime and tree-sitter-c's grammar (src/io/assets.ts loads them from here).
const require = createRequire(import.meta.url);
const [runtime, grammar] = WASM_FILES;
copyFileSync(require.resolve(`web-tree-sitter/${runtime}`), `${repo}dist/bundle/${runtime}`);
copyFileSync(require.resolve(`tree-sitter-c/${grammar}`), `${repo}dist/bundle/${grammar}`);
