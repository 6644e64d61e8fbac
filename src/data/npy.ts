/**
 * The NumPy .npy format (versions 1.0, 2.0, 3.0), little-endian floating point, C order. Everything the
 * project reads becomes float32, because that is what tfjs trains on; float16 is decoded here because some
 * public feature sets (TikTok) ship that way.
 */
import { closeSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { float32Refusal } from '../util/memory.js';
import { openRegularFile, readAt } from '../util/regular-file.js';

export interface NpyArray {
  shape: number[];
  /** The dtype as written in the file's header, e.g. `<f2`. */
  dtype: string;
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const SUPPORTED = ['<f2', '<f4', '<f8'];
const ITEM_SIZE: Record<string, number> = { '<f2': 2, '<f4': 4, '<f8': 8 };
/**
 * NumPy writes headers of about a hundred bytes; the format allows up to 4 GB. Anything past this is not a
 * header a tool wrote, and reading it would only waste memory.
 */
const MAX_HEADER_BYTES = 1 << 20;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 binary16 -> number, exact (every half is representable in float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals: no implicit leading 1
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;
/** A 256 KiB table is far faster than decoding bit fields for each of millions of values. */
function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

interface Header {
  dtype: string;
  fortran: boolean;
  shape: number[];
  dataStart: number;
}

/** Parses the header from the first bytes of the file (`buf`, at least the whole header when the file has it). */
function parseHeader(buf: Uint8Array, file: string, fileSize: number): Header {
  if (buf.length < MAGIC.length || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new UserError('not a .npy file (the file does not start with the magic bytes \\x93NUMPY)', { file });
  }
  if (buf.length < 10) throw new UserError('truncated .npy header (the file ends inside the preamble)', { file });
  const major = buf[6]!;
  if (major < 1 || major > 3) {
    throw new UserError(`unsupported .npy format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`, { file });
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes)
    throw new UserError('truncated .npy header (the file ends inside the preamble)', { file });
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lenBytes;
  const dataStart = headerStart + headerLen;
  if (fileSize < dataStart) {
    throw new UserError(
      `truncated .npy header (declares ${headerLen} header bytes, the file has ${fileSize - headerStart})`,
      { file },
    );
  }
  if (headerLen > MAX_HEADER_BYTES) {
    throw new UserError(
      `implausible .npy header length ${headerLen} bytes (NumPy writes about a hundred); the file is corrupt`,
      { file },
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(headerStart, dataStart));

  const descr = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[))/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    throw new UserError(`malformed .npy header (expected keys descr, fortran_order, shape): ${clip(text.trim())}`, {
      file,
    });
  }
  const dtype = descr[3] ? 'a structured dtype' : (descr[1] ?? descr[2])!;
  const dims = shape[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : NaN));
  if (dims.some((d) => !Number.isSafeInteger(d))) {
    throw new UserError(`malformed shape in .npy header: (${clip(shape[1]!)})`, { file });
  }
  return { dtype, fortran: fortran[1] === 'True', shape: dims, dataStart };
}

/** A header shown in a message: long enough to recognise, never a screenful. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Copies into a fresh, aligned buffer so typed-array views are legal regardless of the header length. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function decode(bytes: Uint8Array, dtype: string, n: number): Float32Array {
  if (dtype === '<f4') {
    if (LITTLE_ENDIAN_HOST) return new Float32Array(aligned(bytes), 0, n);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: n }, (_, i) => v.getFloat32(i * 4, true));
  }
  const out = new Float32Array(n);
  if (dtype === '<f2') {
    const table = halfLookup();
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = table[v.getUint16(i * 2, true)]!;
    return out;
  }
  // '<f8': narrowing may overflow to Infinity, which the finiteness check then reports.
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
  return out;
}

function checkFinite(data: Float32Array, shape: number[], file: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x - x === 0) continue; // false exactly for NaN and +-Inf
    const what = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
    if (shape.length <= 1) {
      throw new UserError(`${what} value at index ${i}; features must be finite`, { file, row: i + 1 });
    }
    const cols = shape.slice(1).reduce((a, b) => a * b, 1);
    const r = Math.floor(i / cols);
    const c = i % cols;
    throw new UserError(
      `${what} value at [${r}, ${c}] (item ${r}, feature column ${c}, 0-based); features must be finite`,
      { file, row: r + 1, column: String(c) },
    );
  }
}

/**
 * Reads a .npy file into float32. Any problem with the file is a UserError located at the file. Only a regular
 * file is opened, and its size is checked against the shape in its header before the data is read, so a
 * device, a pipe or a header that declares more than the file holds fails at once.
 */
export function readNpy(path: string): NpyArray {
  const f = openRegularFile(path);
  try {
    const h = checkedHeader(f, path);
    const n = h.shape.reduce((a, b) => a * b, 1);
    const size = ITEM_SIZE[h.dtype]!;
    const buf = readAt(f, 0, f.size, path);
    const data = decode(buf.subarray(h.dataStart, h.dataStart + n * size), h.dtype, n);
    checkFinite(data, h.shape, path);
    return { shape: h.shape, dtype: h.dtype, data };
  } finally {
    closeSync(f.fd);
  }
}

/**
 * The shape and dtype of a .npy file, with every check that needs no data (format, dtype, order, size), reading
 * only its header: lets a caller compare the shape with what it expects before the data is read.
 */
export function readNpyHeader(path: string): { shape: number[]; dtype: string } {
  const f = openRegularFile(path);
  try {
    const h = checkedHeader(f, path);
    return { shape: h.shape, dtype: h.dtype };
  } finally {
    closeSync(f.fd);
  }
}

function checkedHeader(f: ReturnType<typeof openRegularFile>, path: string): Header {
  const h = parseHeader(readAt(f, 0, Math.min(f.size, 12 + MAX_HEADER_BYTES), path), path, f.size);
  if (!SUPPORTED.includes(h.dtype)) {
    throw new UserError(
      `unsupported dtype ${clip(h.dtype)} (supported: ${SUPPORTED.join(', ')}, i.e. little-endian float16/32/64; convert with arr.astype('<f4'))`,
      { file: path },
    );
  }
  if (h.fortran) {
    throw new UserError('fortran_order is True; only C-order arrays are supported (save np.ascontiguousarray(arr))', {
      file: path,
    });
  }
  const n = h.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[h.dtype]!;
  const have = f.size - h.dataStart;
  if (have < n * size) {
    throw new UserError(
      `truncated .npy data: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${n * size} bytes, the file has ${have}`,
      { file: path },
    );
  }
  if (have > n * size) {
    throw new UserError(
      `.npy file has ${have - n * size} bytes after the data for shape (${h.shape.join(', ')}); the file is corrupt or not a plain array`,
      { file: path },
    );
  }
  const refusal = float32Refusal(n);
  if (refusal) throw new UserError(`shape (${h.shape.join(', ')}) is too large to load: ${refusal}`, { file: path });
  return h;
}

/** Encodes the bytes of a version 1.0 `<f4` .npy file. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length)
    throw new Error(`writeNpy: shape (${shape.join(', ')}) holds ${n} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The format pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new DataView(out.buffer, 10 + header.length);
  if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  else for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i]!, true);
  return out;
}

/** Writes a `<f4` .npy file atomically (readers never see a half-written file). */
export function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
