// `npm test` on a fresh clone: installs the dependencies first when they are missing (the
// compiler, the bundler), so that the one test command works with nothing but Node installed.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const needed = ['typescript/bin/tsc', 'esbuild/package.json', 'web-tree-sitter/package.json', 'tree-sitter-c/tree-sitter-c.wasm'];
if (!needed.every((p) => existsSync(`${repo}/node_modules/${p}`))) {
  console.error('memcpy-debug: installing the dependencies first (npm ci)');
  execSync('npm ci --no-audit --no-fund', { cwd: repo, stdio: 'inherit' });
}
