/** Helpers shared by the data tests: temp folders and hand-built .npy bytes. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import assert from 'node:assert/strict';
import { UserError, type SourceLocation } from '../../src/util/errors.js';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function write(path: string, data: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/** The bytes of a .npy file with a header exactly as given, independent of the writer under test. */
export function npyBytes(header: string, body: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  let h = header;
  h += ' '.repeat((64 - ((pre + h.length + 1) % 64)) % 64) + '\n';
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(pre + hb.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, hb.length, true);
  else v.setUint32(8, hb.length, true);
  out.set(hb, pre);
  out.set(body, pre + hb.length);
  return out;
}

export function header(descr: string, shape: number[], fortran = false): string {
  const s = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${s}, }`;
}

export function f8Bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat64(i * 8, x, true));
  return b;
}

export function u16Bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setUint16(i * 2, x, true));
  return b;
}

export function f4Bytes(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, true));
  return b;
}

/** Asserts fn throws a UserError whose message matches and whose location has the given fields. */
export function throwsUser(fn: () => unknown, message: RegExp, loc?: Partial<SourceLocation>): UserError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
  assert.match(err.message, message);
  if (loc)
    for (const [k, v] of Object.entries(loc))
      assert.deepEqual((err.loc as Record<string, unknown> | undefined)?.[k], v, `loc.${k}`);
  return err;
}

export async function rejectsUser(
  p: Promise<unknown>,
  message: RegExp,
  loc?: Partial<SourceLocation>,
): Promise<UserError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  return throwsUser(
    () => {
      if (err) throw err;
    },
    message,
    loc,
  );
}
