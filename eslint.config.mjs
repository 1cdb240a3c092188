// The layers, enforced: cli -> commands -> io, render -> core. No import runs back up, io and
// render stay apart, and the core does no IO (it is given texts and bytes, and returns plans).
// `npm run lint`; the only rules here are these.
import tseslint from 'typescript-eslint';

const up = (...layers) => layers.map((l) => ({ group: [`../${l}/*`, `../../${l}/*`, `../../../${l}/*`], message: `no import of ${l}/ from this layer (see CONTRIBUTING.md, "Layout")` }));
const NODE_IO = ['fs', 'fs/promises', 'child_process', 'worker_threads', 'os', 'net', 'http', 'https', 'dgram', 'readline', 'module', 'process', 'tty', 'v8', 'perf_hooks', 'url']
  .flatMap((m) => [`node:${m}`, m]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.bench/**', '.example/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: NODE_IO.map((name) => ({ name, message: 'the core is pure: IO goes in src/io/' })),
        patterns: up('io', 'render', 'commands', 'cli'),
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'the core is pure: it takes what it needs as arguments' }],
    },
  },
  {
    files: ['src/io/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: up('render', 'commands', 'cli') }] },
  },
  {
    files: ['src/render/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: up('io', 'commands', 'cli') }] },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [...up('cli'), { group: ['./*'], message: 'a command imports no other command: what two share goes in core/, io/ or render/' }],
      }],
    },
  },
);
