// Bundles the command line into two files (the CLI and its planning worker): Node then loads
// two modules instead of some two hundred, which takes a third off every run's start-up.
// web-tree-sitter stays outside: it finds its own wasm next to itself.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
await build({
  absWorkingDir: repo,
  entryPoints: { 'memcpy-debug': 'src/bin.ts', 'plan-worker': 'src/io/plan-worker.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.js' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['web-tree-sitter'],
  // See src/cli/string-width.cjs.
  alias: { 'string-width': './src/cli/string-width.cjs' },
  // CommonJS dependencies (cli-progress) call require(); give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
