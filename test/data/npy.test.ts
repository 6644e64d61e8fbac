import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SHARED_DATASETS } from '../helpers.js';
import { readNpy, writeNpy, halfToFloat } from '../../src/data/npy.js';
import { tempDir, write, npyBytes, header, f8Bytes, u16Bytes, f4Bytes, throwsUser } from './util.js';

function stats(a: Float32Array) {
  let s = 0,
    s2 = 0,
    min = Infinity,
    max = -Infinity;
  for (const x of a) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

test('halfToFloat decodes normals, subnormals, zeros, infinities and NaN', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x3800), 0.5);
  assert.equal(halfToFloat(0x7bff), 65504); // largest finite half
  assert.equal(halfToFloat(0x0400), 2 ** -14); // smallest normal
  assert.equal(halfToFloat(0x0001), 2 ** -24); // smallest subnormal
  assert.equal(halfToFloat(0x03ff), 1023 * 2 ** -24); // largest subnormal
  assert.equal(halfToFloat(0x8001), -(2 ** -24));
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.ok(Object.is(halfToFloat(0x0000), 0));
  assert.ok(Object.is(halfToFloat(0x8000), -0));
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.ok(Number.isNaN(halfToFloat(0xfc01)));
});

test('reads the real TikTok float16 features with the documented statistics', () => {
  const img = readNpy(join(SHARED_DATASETS, 'tiktok', 'image_feat.npy'));
  assert.deepEqual(img.shape, [6710, 128]);
  assert.equal(img.dtype, '<f2');
  assert.equal(img.data.length, 6710 * 128);
  const s = stats(img.data);
  assert.ok(Math.abs(s.mean - 2.689) < 5e-4, `image mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 1.169) < 5e-4, `image std ${s.std}`);
  assert.equal(s.min, 0);
  assert.ok(Math.abs(s.max - 13.1) < 0.05, `image max ${s.max}`);
  const aud = readNpy(join(SHARED_DATASETS, 'tiktok', 'audio_feat.npy'));
  assert.deepEqual(aud.shape, [6710, 128]);
  const a = stats(aud.data);
  assert.ok(Math.abs(a.mean - 0.037) < 5e-4, `audio mean ${a.mean}`);
  assert.ok(Math.abs(a.std - 0.424) < 5e-4, `audio std ${a.std}`);
  assert.ok(Math.abs(a.min - -3.88) < 0.01 && Math.abs(a.max - 5.07) < 0.01);
  // The first bytes of image_feat.npy after its 128-byte header are 0x412b: 2.583984375 as a half.
  assert.equal(img.data[0], halfToFloat(0x412b));
});

test('writeNpy round-trips float32 and writes an aligned v1.0 header', (t) => {
  const dir = tempDir(t);
  const data = Float32Array.from({ length: 3 * 5 }, (_, i) => (i - 7) * 0.1);
  const p = join(dir, 'sub', 'x.npy');
  writeNpy(p, data, [3, 5]);
  const back = readNpy(p);
  assert.deepEqual(back.shape, [3, 5]);
  assert.equal(back.dtype, '<f4');
  assert.deepEqual(back.data, data);
  const bytes = readFileSync(p);
  const hlen = bytes.readUInt16LE(8);
  assert.equal((10 + hlen) % 64, 0);
  assert.match(bytes.subarray(10, 10 + hlen).toString('latin1'), /'shape': \(3, 5\)/);
  writeNpy(p, Float32Array.of(1, 2, 3), [3]);
  assert.deepEqual(readNpy(p), { shape: [3], dtype: '<f4', data: Float32Array.of(1, 2, 3) });
  assert.throws(() => writeNpy(p, data, [4, 4]));
});

test('reads hand-encoded <f2, <f8 and <f4 files in format versions 1, 2 and 3', (t) => {
  const dir = tempDir(t);
  const halves = [0x0000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0003, 0x0400];
  const expect = [0, 1, -2, 0.5, 65504, 2 ** -24, 3 * 2 ** -24, 2 ** -14];
  const p2 = write(join(dir, 'h.npy'), npyBytes(header('<f2', [2, 4]), u16Bytes(halves)));
  const r2 = readNpy(p2);
  assert.deepEqual(r2.shape, [2, 4]);
  assert.equal(r2.dtype, '<f2');
  assert.deepEqual(Array.from(r2.data), expect);

  const doubles = [1e-3, -123.456789, Math.PI, 1e30, -0.1, 7];
  const p8 = write(join(dir, 'd.npy'), npyBytes(header('<f8', [3, 2]), f8Bytes(doubles)));
  const r8 = readNpy(p8);
  assert.equal(r8.dtype, '<f8');
  assert.deepEqual(Array.from(r8.data), doubles.map(Math.fround));

  const p4v2 = write(join(dir, 'v2.npy'), npyBytes(header('<f4', [2]), f4Bytes([1.5, -2.5]), 2));
  assert.deepEqual(Array.from(readNpy(p4v2).data), [1.5, -2.5]);
  const p4v3 = write(join(dir, 'v3.npy'), npyBytes(header('<f4', [1, 1]), f4Bytes([4]), 3));
  assert.deepEqual(readNpy(p4v3).shape, [1, 1]);
  // Header lengths that are not a multiple of 4 put the data at an odd offset; decoding must not care.
  const odd = write(
    join(dir, 'odd.npy'),
    (() => {
      const b = npyBytes(header('<f4', [2]), f4Bytes([3, 4]));
      const h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }  \n";
      const out = new Uint8Array(10 + h.length + 8);
      out.set(b.subarray(0, 8));
      new DataView(out.buffer).setUint16(8, h.length, true);
      out.set(new TextEncoder().encode(h), 10);
      out.set(f4Bytes([3, 4]), 10 + h.length);
      return out;
    })(),
  );
  assert.deepEqual(Array.from(readNpy(odd).data), [3, 4]);
});

test('malformed .npy files are UserErrors located at the file', (t) => {
  const dir = tempDir(t);
  const bad = write(join(dir, 'bad.npy'), new TextEncoder().encode('PK\x03\x04 this is a zip'));
  throwsUser(() => readNpy(bad), /magic/, { file: bad });

  const full = npyBytes(header('<f4', [4, 4]), f4Bytes(new Array(16).fill(1)));
  const cutHeader = write(join(dir, 'cuthead.npy'), full.subarray(0, 40));
  throwsUser(() => readNpy(cutHeader), /truncated .npy header/, { file: cutHeader });
  const cutPre = write(join(dir, 'cutpre.npy'), full.subarray(0, 8));
  throwsUser(() => readNpy(cutPre), /truncated/, { file: cutPre });
  const cutData = write(join(dir, 'cutdata.npy'), full.subarray(0, full.length - 5));
  throwsUser(() => readNpy(cutData), /truncated .npy data.*needs 64 bytes, the file has 59/, { file: cutData });
  const extra = write(join(dir, 'extra.npy'), new Uint8Array([...full, 0, 0, 0, 0]));
  throwsUser(() => readNpy(extra), /4 bytes after the data/, { file: extra });

  const i4 = write(join(dir, 'i4.npy'), npyBytes(header('<i4', [2]), f4Bytes([1, 2])));
  throwsUser(() => readNpy(i4), /unsupported dtype <i4 \(supported: <f2, <f4, <f8/, { file: i4 });
  const be = write(join(dir, 'be.npy'), npyBytes(header('>f4', [2]), f4Bytes([1, 2])));
  throwsUser(() => readNpy(be), /unsupported dtype >f4/);
  const rec = write(
    join(dir, 'rec.npy'),
    npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f4Bytes([1])),
  );
  throwsUser(() => readNpy(rec), /unsupported dtype a structured dtype/);

  const fort = write(join(dir, 'f.npy'), npyBytes(header('<f4', [2, 2], true), f4Bytes([1, 2, 3, 4])));
  throwsUser(() => readNpy(fort), /fortran_order is True/, { file: fort });
  const nohdr = write(join(dir, 'nohdr.npy'), npyBytes("{'descr': '<f4'}", f4Bytes([1])));
  throwsUser(() => readNpy(nohdr), /malformed .npy header/);
  throwsUser(() => readNpy(join(dir, 'missing.npy')), /file not found/, { file: join(dir, 'missing.npy') });
});

test('NaN and Inf are reported with their row (1-based) and feature column', (t) => {
  const dir = tempDir(t);
  const vals = new Array(4 * 5).fill(0.5);
  vals[2 * 5 + 3] = NaN;
  const nan = write(join(dir, 'nan.npy'), npyBytes(header('<f4', [4, 5]), f4Bytes(vals)));
  const e = throwsUser(() => readNpy(nan), /NaN value at \[2, 3\] \(item 2, feature column 3/, {
    file: nan,
    row: 3,
    column: '3',
  });
  assert.equal(e.loc?.line, undefined);

  const halves = new Array(3 * 2).fill(0x3c00);
  halves[5] = 0x7c00;
  const inf = write(join(dir, 'inf.npy'), npyBytes(header('<f2', [3, 2]), u16Bytes(halves)));
  throwsUser(() => readNpy(inf), /^Infinity value at \[2, 1\]/, { file: inf, row: 3, column: '1' });

  // Finite in float64 but beyond float32: becomes Infinity on conversion, which must not slip through.
  const big = write(join(dir, 'big.npy'), npyBytes(header('<f8', [2]), f8Bytes([1, -1e300])));
  throwsUser(() => readNpy(big), /-Infinity value at index 1/, { file: big, row: 2 });
});
