// The Kbuild makefiles of the folders that hold the files to plan: a folder's Kbuild, else its
// Makefile (as Kbuild reads them).
import { dirname } from 'node:path/posix';
import { join } from 'node:path';
import { folderRules, type FolderRules, type KbuildMakefiles } from '../core/kernel/exclusions.js';
import { KBUILD_FILE_NAMES } from '../core/build/build-files.js';
import { readBytesOrNull } from './files.js';

/**
 * Reads the makefiles of the folders of the files it is given, each folder once, with their
 * rules. A run over a whole tree gives it the files as the planning workers send them back, so
 * that the 1,500 makefiles of Linux are read while the workers plan, not after.
 */
export class KbuildMakefileReader {
  private readonly out = new Map<string, FolderRules>();
  private readonly seen = new Set<string>();

  constructor(private readonly root: string) {}

  /** Files (paths relative to the root) whose folders' makefiles are needed. */
  add(paths: readonly string[]): void {
    for (const p of paths) {
      const f = p.includes('/') ? dirname(p) : '';
      if (this.seen.has(f)) continue;
      this.seen.add(f);
      // Read synchronously: for a kernel tree's thousands of small files a promise each costs more than the read.
      for (const name of KBUILD_FILE_NAMES) {
        const text = readBytesOrNull(join(this.root, f, name))?.toString('latin1') ?? null;
        if (text !== null) {
          this.out.set(f, folderRules(f, name, text));
          break;
        }
      }
    }
  }

  get makefiles(): KbuildMakefiles {
    return this.out;
  }
}
