/**
 * An on-disk cache of feature-cosine matrices, so that a second run on the same features (the next seed of a zoo,
 * a sweep's next point, the same command again) reads its matrices instead of computing them: the cosines of a
 * few thousand items with thousands of feature dimensions are most of a run's start-up (docs/measurements.md).
 *
 * A matrix is filed under the SHA-256 of the feature rows it was computed from (their float32 bytes and shape), so
 * it is found again from the same numbers whatever file, dataset name or generator produced them, and never for
 * others. The file is a 16-byte header (magic, format version, n) and the n² float32 values exactly as
 * computed, written to a temp file and renamed into place, so a reader sees a whole matrix or none; a file whose
 * header or length is wrong is ignored (and replaced by the next write). Reading gives the same bits the
 * computation would (tested). A failed write (read-only or full disk) only costs the cache: the run goes on.
 *
 * The folder is the `cacheDir` flag (ANCHORFLOW_CACHE_DIR; `off` turns the cache off), by default
 * $XDG_CACHE_HOME/anchorflow or ~/.cache/anchorflow. Beyond `cacheMb` megabytes the least recently used
 * matrices are removed after each write.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { flag } from '../../util/flags.js';

const MAGIC = 0x736f6361; // 'acos' little-endian
const VERSION = 1;
const HEADER_BYTES = 16;

/** The cache's folder of cosine matrices, or undefined when the cache is off. */
export function cosineCacheFolder(): string | undefined {
  const dir = flag('cacheDir');
  if (dir === 'off') return undefined;
  const root = dir ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'anchorflow');
  return join(root, 'cosine');
}

/** The key of a feature matrix: SHA-256 of its shape and float32 bytes, hex. */
export function cosineKey(rows: Float32Array, n: number, f: number): string {
  const h = createHash('sha256');
  h.update(`anchorflow-cosine-v${VERSION} ${n} ${f}\n`);
  h.update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  return h.digest('hex');
}

const fileOf = (folder: string, key: string) => join(folder, `${key}.f32`);

/** The cached matrix [n·n] for `key`, or undefined when there is none or its file is not a whole one. */
export function readCachedCosine(folder: string, key: string, n: number): Float32Array | undefined {
  const path = fileOf(folder, key);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    if (fstatSync(fd).size !== HEADER_BYTES + n * n * 4) return undefined;
    const head = new Uint32Array(4);
    readSync(fd, new Uint8Array(head.buffer), 0, HEADER_BYTES, 0);
    if (head[0] !== MAGIC || head[1] !== VERSION || head[2] !== n) return undefined;
    // Read straight into the matrix's own buffer: no second n²-float copy.
    const out = new Float32Array(n * n);
    const bytes = new Uint8Array(out.buffer);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 28), HEADER_BYTES + done);
      if (got === 0) return undefined;
      done += got;
    }
    // Touched on use, so that eviction removes the least recently used matrices.
    const now = new Date();
    utimesSync(path, now, now);
    return out;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Files a matrix under `key` (temp file, then rename); false when the disk refused. Evicts beyond `cacheMb`. */
export function writeCachedCosine(folder: string, key: string, n: number, m: Float32Array): boolean {
  const path = fileOf(folder, key);
  const tmp = join(folder, `.${key}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(folder, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, new Uint8Array(Uint32Array.of(MAGIC, VERSION, n, 0).buffer));
      const bytes = new Uint8Array(m.buffer, m.byteOffset, m.byteLength);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, Math.min(bytes.length - at, 1 << 28));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The folder itself is unusable (a file in its path): there is no temp file to remove.
    }
    return false;
  }
  evict(folder, flag('cacheMb') * 1024 * 1024, path);
  return true;
}

/** Removes the least recently used matrices until the folder holds at most `limit` bytes (never `keep`). */
function evict(folder: string, limit: number, keep: string): void {
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.f32'))
    .map((f) => {
      const p = join(folder, f);
      try {
        const s = statSync(p);
        return { p, size: s.size, used: s.mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((x) => x !== undefined)
    .sort((a, b) => a.used - b.used);
  let total = files.reduce((s, f) => s + f.size, 0);
  for (const f of files) {
    if (total <= limit) break;
    if (f.p === keep) continue;
    rmSync(f.p, { force: true });
    total -= f.size;
  }
}
