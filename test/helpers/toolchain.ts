// The real toolchain the tests build with: gcc, and the Kbuild of Debian's linux-headers package.
// .ci/run installs both; elsewhere, scripts/install-test-deps.sh does.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run } from './cli.js';

/**
 * The Kbuild tree of an installed linux-headers-*-amd64 package, or null.
 * MEMCPY_DEBUG_TEST_KBUILD names another one, or none when empty.
 */
export function kbuildDir(): string | null {
  const given = process.env.MEMCPY_DEBUG_TEST_KBUILD;
  if (given !== undefined) return given !== '' && existsSync(join(given, 'Makefile')) ? given : null;
  if (!existsSync('/usr/src')) return null;
  const dirs = readdirSync('/usr/src').filter((d) => /^linux-headers-.*-amd64$/.test(d)).sort();
  const dir = dirs.length > 0 ? join('/usr/src', dirs[dirs.length - 1]) : null;
  return dir && existsSync(join(dir, 'Makefile')) ? dir : null;
}

/**
 * Why a test needing `what` cannot run here, or undefined when it can. In CI a missing
 * toolchain is a failure, never a skip.
 */
export function missing(what: 'kbuild' | 'kernel-source' | 'gcc' | 'cmake' | 'git' | 'patch' | 'script'): string | undefined {
  const ok = what === 'kbuild' ? kbuildDir() !== null
    : what === 'kernel-source' ? kernelSource() !== null
      : run(what, [what === 'script' ? '-V' : '--version'], '.').status === 0;
  if (ok) return undefined;
  if (process.env.CI) throw new Error(`${what} is missing; .ci/run installs it`);
  return `${what} is not installed (scripts/install-test-deps.sh installs it)`;
}

/**
 * The tarball of Debian's linux-source-6.1 package, or null. MEMCPY_DEBUG_TEST_KERNEL_SOURCE
 * names another one, or none when empty.
 */
export function kernelSource(): string | null {
  const given = process.env.MEMCPY_DEBUG_TEST_KERNEL_SOURCE;
  const path = given ?? '/usr/src/linux-source-6.1.tar.xz';
  return path !== '' && existsSync(path) ? path : null;
}

/** Where scripts/fetch-sources.sh puts the real projects' sources; MEMCPY_DEBUG_TEST_SOURCES names another folder (an empty one: none). */
export const SOURCES = process.env.MEMCPY_DEBUG_TEST_SOURCES ?? join(REPO, '.cache', 'sources');

/**
 * Why a test of the project fetched into SOURCES/name cannot run here (its `marker` file is
 * missing), or undefined when it can. In CI a failed fetch is a failure, never a skip.
 */
export function unfetched(name: string, marker: string): string | undefined {
  if (existsSync(join(SOURCES, name, marker))) return undefined;
  if (process.env.CI) throw new Error(`${name} sources are missing: .ci/run fetches them (scripts/fetch-sources.sh)`);
  return `${name} sources not fetched (scripts/fetch-sources.sh fetches them from Debian)`;
}

/** Why a test needing several tools cannot run here, or undefined. */
export function missingAny(...what: Parameters<typeof missing>[0][]): string | undefined {
  for (const w of what) {
    const why = missing(w);
    if (why) return why;
  }
  return undefined;
}

/** Removes what a build of the module left (make clean). */
export function cleanModule(dir: string): number | null {
  const kb = kbuildDir();
  if (!kb) throw new Error('no Kbuild');
  return run('make', ['-C', kb, `M=${dir}`, 'clean'], dir).status;
}

/** Builds an out-of-tree module; returns the exit status and the warning lines. */
export function buildModule(dir: string, extra: readonly string[] = []): { status: number | null; warnings: string[]; output: string } {
  const kb = kbuildDir();
  if (!kb) throw new Error('no Kbuild');
  const r = run('make', ['-C', kb, `M=${dir}`, '-j2', ...extra, 'modules'], dir);
  const warnings = r.output.split('\n').filter((l) => /warning:|error:/.test(l)).map((l) => l.replace(dir, '<M>'));
  return { status: r.status, warnings, output: r.output };
}
