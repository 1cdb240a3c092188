// The names of build files and of the folders a walk leaves out: their one home.

/** The build files a folder may have that memcpy-debug reads and edits, in the order they are considered. */
export const BUILD_FILE_NAMES = ['Kbuild', 'Makefile', 'GNUmakefile', 'makefile', 'Makefile.in', 'Makefile.am', 'CMakeLists.txt'] as const;

/** Kbuild's own order: a folder's Kbuild file, else its Makefile. */
export const KBUILD_FILE_NAMES = ['Kbuild', 'Makefile'] as const;

/** Build files of any build system we know, read or not: a folder with one builds on its own. */
const ANY_BUILD_FILE = new Set<string>([...BUILD_FILE_NAMES, 'meson.build']);

/** True if `name` is a build file of any build system we know (make's included `*.mk` too when `included`). */
export const isBuildFileName = (name: string, included = false): boolean => ANY_BUILD_FILE.has(name) || (included && name.endsWith('.mk'));

/** Folders that hold a build's output or tools' state, not sources: no walk goes into them. */
export const BUILD_OUTPUT_DIRS: ReadonlySet<string> = new Set(['CMakeFiles', '.deps', '.libs', 'node_modules', '__pycache__']);

/** What the walk for other build files also leaves out: a repository's own state and a build folder. */
export const NOT_SOURCE_DIRS: ReadonlySet<string> = new Set([...BUILD_OUTPUT_DIRS, '.git', 'build']);
