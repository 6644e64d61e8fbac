/**
 * Opening the files a user names (datasets, checkpoints, run records) so that a name that is not a plain file
 * is a located error instead of a hang or an unbounded read: a FIFO blocks `open` until a writer appears, and a
 * character device such as /dev/zero reads forever. The file is opened non-blocking (so a FIFO cannot stall the
 * open itself), checked with fstat on the same descriptor (so it cannot be swapped between check and read), and
 * read for exactly the size fstat reported.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { UserError } from './errors.js';
import { formatBytes } from './memory.js';

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openError(e: unknown, file: string): UserError {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: 'file not found',
    EACCES: 'cannot read file (permission denied)',
    EPERM: 'cannot read file (operation not permitted)',
    ELOOP: 'cannot read file (too many levels of symbolic links)',
    ENOTDIR: 'file not found (a component of the path is not a folder)',
    ENAMETOOLONG: 'cannot read file (name too long)',
    EISDIR: 'expected a file, found a directory',
  };
  return new UserError(why[code ?? ''] ?? `cannot read file (${code ?? String(e)})`, { file });
}

/** An open regular file: its descriptor and its size. Close it with `closeSync(fd)`. */
export interface RegularFile {
  fd: number;
  size: number;
}

/** Opens `path` for reading if it is a regular file (symbolic links followed); anything else is a UserError. */
export function openRegularFile(path: string): RegularFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(e, path);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw openError(e, path);
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new UserError(`expected a regular file, found ${kindOf(st)}`, { file: path });
  }
  return { fd, size: st.size };
}

/** Reads `length` bytes at `position` (fewer if the file ends first). */
export function readAt(f: RegularFile, position: number, length: number, file: string): Buffer {
  if (length > bufferConstants.MAX_LENGTH) {
    throw new UserError(`file too large to read (${formatBytes(length)})`, { file });
  }
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  try {
    while (got < length) {
      const n = readSync(f.fd, buf, got, length - got, position + got);
      if (n === 0) break; // shrank since fstat: the parser sees a short file and says so
      got += n;
    }
  } catch (e) {
    throw openError(e, file);
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Text files are read in pieces of this size, each checked for NUL bytes before the next is read. */
const TEXT_CHUNK = 8 << 20;

/**
 * The whole content of a regular file. `maxBytes` refuses larger files before reading them, with `what` naming
 * the kind of file in the message. `text` refuses a file holding a NUL byte, which no text file has, as soon as
 * the piece holding it is read: a large binary or sparse file is not read to its end first.
 */
export function readRegularFile(path: string, opts: { maxBytes?: number; what?: string; text?: boolean } = {}): Buffer {
  const f = openRegularFile(path);
  try {
    if (opts.maxBytes !== undefined && f.size > opts.maxBytes) {
      throw new UserError(
        `${opts.what ?? 'file'} is ${formatBytes(f.size)}, more than the ${formatBytes(opts.maxBytes)} such a file can be`,
        { file: path },
      );
    }
    if (!opts.text) return readAt(f, 0, f.size, path);
    const pieces: Buffer[] = [];
    for (let pos = 0; pos < f.size; pos += TEXT_CHUNK) {
      const piece = readAt(f, pos, Math.min(TEXT_CHUNK, f.size - pos), path);
      const nul = piece.indexOf(0);
      if (nul >= 0)
        throw new UserError(`binary content (a NUL byte at offset ${pos + nul}); expected a text file`, { file: path });
      pieces.push(piece);
      if (piece.length < TEXT_CHUNK) break;
    }
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  } finally {
    closeSync(f.fd);
  }
}
