// The one rule for a path the tool takes from a plan or a manifest and writes under a root.

/** The longest name of one path component, in bytes (NAME_MAX on Linux). */
export const NAME_MAX = 255;

/**
 * True if `path` names something under its root and nothing else: relative, POSIX, without
 * empty, '.' or '..' components, without NUL, and no component over NAME_MAX bytes. '' (the
 * root itself) only when `rootOk`.
 */
export function isPlainRelativePath(path: string, rootOk = false): boolean {
  if (path === '') return rootOk;
  if (path.startsWith('/') || path.includes('\0')) return false;
  return path.split('/').every((p) => p !== '' && p !== '.' && p !== '..' && Buffer.byteLength(p) <= NAME_MAX);
}
