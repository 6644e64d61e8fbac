/**
 * Reading a pipeline file safely. A path in `extends:` (or on the command line) can name anything: a device that
 * never ends (/dev/zero), a FIFO that blocks the open, /proc files that report size 0, or a system file whose lines
 * must not end up in an error message. Only regular `.yaml`/`.yml` files are read, their size is checked before
 * reading, and the read itself is bounded.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { UserError, type SourceLocation } from '../util/errors.js';
import { MAX_FILE_BYTES } from './limits.js';

const YAML_NAME = /\.ya?ml$/i;
const tooBig = (size: string): string => `larger than ${MAX_FILE_BYTES >> 10} KB${size}; a pipeline is a page of YAML`;

/** Reads a pipeline file's text; every way it can fail is a UserError at `via` (the `extends:` entry) or the file. */
export function readPipelineText(path: string, display: string, via?: SourceLocation): string {
  const fail = (why: string): never => {
    throw new UserError(`cannot read '${display}': ${why}`, via ?? { file: display });
  };
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot open it (${code ?? 'error'})`,
    );
  }
  if (st!.isDirectory()) fail('is a directory');
  if (!YAML_NAME.test(path)) fail('a pipeline file must be named *.yaml or *.yml');
  if (!st!.isFile()) fail('not a regular file (a device, FIFO or socket cannot be a pipeline)');
  // A link named x.yaml must lead to a YAML file too, not to /etc/passwd or /proc/self/environ.
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    /* stat succeeded, so the path exists; keep the name as given */
  }
  if (!YAML_NAME.test(real)) fail('a link to a file that is not named *.yaml or *.yml');
  if (st!.size > MAX_FILE_BYTES) fail(tooBig(` (${st!.size} bytes)`));

  let fd: number | undefined;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, the open returns instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) fail('not a regular file (a device, FIFO or socket cannot be a pipeline)');
    // Read at most one byte past the limit: files in /proc report size 0 and may be longer than they claim.
    const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > MAX_FILE_BYTES) fail(tooBig(''));
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(buf.subarray(0, n));
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? 'error'})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
