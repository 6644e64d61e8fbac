/**
 * Checkpoints as single files, so writing one is atomic (temp file + rename): a 4-byte little-endian header
 * length, a JSON header (meta + the list of named float32 arrays with shapes and offsets), padding to 4 bytes,
 * then the float32 data. One file holds the model weights, the optimiser state, the RNG states and the
 * trainer's counters, which is all `--resume` needs to continue exactly where an epoch ended.
 */
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { readRegularFile } from '../util/regular-file.js';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface CheckpointFile {
  meta: Record<string, unknown>;
  arrays: NamedArray[];
}

const MAGIC = 'anchorflow-ckpt-1';

export function encodeCheckpoint(meta: Record<string, unknown>, arrays: NamedArray[]): Uint8Array {
  let offset = 0;
  const entries = arrays.map((a) => {
    const e = { name: a.name, shape: a.shape, offset, length: a.data.length };
    offset += a.data.length;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ magic: MAGIC, meta, arrays: entries }));
  const headerEnd = 4 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const buf = new Uint8Array(dataStart + offset * 4);
  new DataView(buf.buffer).setUint32(0, header.length, true);
  buf.set(header, 4);
  const data = new Float32Array(buf.buffer, dataStart, offset);
  arrays.forEach((a, i) => data.set(a.data, entries[i]!.offset));
  return buf;
}

export function writeCheckpoint(path: string, meta: Record<string, unknown>, arrays: NamedArray[]): void {
  writeFileAtomic(path, encodeCheckpoint(meta, arrays));
}

interface Entry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function isEntry(a: unknown): a is Entry {
  const e = a as Entry;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.name === 'string' &&
    Array.isArray(e.shape) &&
    e.shape.every(isCount) &&
    isCount(e.offset) &&
    isCount(e.length) &&
    e.shape.reduce((x, y) => x * y, 1) === e.length
  );
}

export function readCheckpoint(path: string): CheckpointFile {
  const buf = readRegularFile(path);
  const bad = (why: string) => new UserError(`not a readable anchorflow checkpoint: ${why}`, { file: path });
  if (buf.length < 4) throw bad('file too short');
  const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const hlen = new DataView(u8.buffer, u8.byteOffset, u8.length).getUint32(0, true);
  if (4 + hlen > u8.length) throw bad('truncated header');
  let header: { magic: string; meta: Record<string, unknown>; arrays: Entry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + hlen)));
  } catch {
    throw bad('corrupt header');
  }
  if (typeof header !== 'object' || header === null || header.magic !== MAGIC)
    throw bad(`unknown format '${String(header?.magic).slice(0, 40)}'`);
  if (typeof header.meta !== 'object' || header.meta === null || !Array.isArray(header.arrays))
    throw bad('corrupt header (no meta or arrays)');
  const wrong = header.arrays.findIndex((a) => !isEntry(a));
  if (wrong >= 0) throw bad(`corrupt header (array entry ${wrong} has no consistent name, shape, offset and length)`);
  const dataStart = Math.ceil((4 + hlen) / 4) * 4;
  const total = header.arrays.reduce((n, a) => n + a.length, 0);
  if (header.arrays.some((a) => a.offset + a.length > total))
    throw bad('corrupt header (an array lies outside the data)');
  if (dataStart + total * 4 > u8.length) throw bad('truncated data');
  // Copy out so the arrays do not pin the file buffer (and are 4-byte aligned whatever Buffer's offset is).
  const data = new Float32Array(u8.slice(dataStart, dataStart + total * 4).buffer);
  return {
    meta: header.meta,
    arrays: header.arrays.map((a) => ({
      name: a.name,
      shape: a.shape,
      data: data.subarray(a.offset, a.offset + a.length),
    })),
  };
}
