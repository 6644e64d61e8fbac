import { writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { UserError } from './errors.js';

/** Names of the temp files writeFileAtomic creates: `.<name>.<pid>.<ms>.tmp`; group 1 is the writer's pid. */
export const ATOMIC_TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Failures of the disk or of permissions, which the user can act on, named by errno. */
const DISK_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EFBIG: 'file too large for the file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'the path exists and is not a folder',
};

/**
 * A write that failed because of the disk (full, read-only, not permitted) as a UserError naming the file, so
 * the CLI ends with one clear line and exit 2 rather than a stack trace; anything else is returned as it was.
 */
export function diskError(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === undefined ? undefined : DISK_ERRORS[code];
  return why === undefined ? e : new UserError(`cannot write: ${why}`, { file });
}

/** mkdir -p that reports disk failures as diskError does; returns the first folder it created, if any. */
export function makeDir(path: string): string | undefined {
  try {
    return mkdirSync(path, { recursive: true });
  } catch (e) {
    throw diskError(e, path);
  }
}

/**
 * Writes a file so that readers see either the old content or the new, never half of it. A failed write removes
 * its temp file, so a full disk is not kept full by the attempt.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  makeDir(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw diskError(e, path);
  }
}
