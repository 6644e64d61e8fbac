/** Shared by the kernel and evaluator tests: backends, random data, comparisons. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';

export { tf };

/** Switches backend and checks that it really switched (setBackend resolves false on failure). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  const ok = await tf.setBackend(name);
  assert.equal(ok, true, `setBackend(${name}) failed`);
  await tf.ready();
  assert.equal(tf.getBackend(), name);
}

export function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** A random duplicate-free CSR matrix; rows listed in `emptyRows` get no entries. */
export function randomCsr(rng: Rng, rows: number, cols: number, density: number, emptyRows: number[] = []): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const empty = new Set(emptyRows);
  for (let i = 0; i < rows; i++) {
    if (empty.has(i)) continue;
    for (let j = 0; j < cols; j++) {
      if (rng.next() < density) {
        r.push(i);
        c.push(j);
        v.push(rng.normal());
      }
    }
  }
  return CsrMatrix.fromCoo(rows, cols, r, c, v);
}

/** A random symmetric CSR matrix (marked as its own transpose). */
export function randomSymmetricCsr(rng: Rng, n: number, density: number): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      if (rng.next() < density) {
        const w = rng.normal();
        r.push(i);
        c.push(j);
        v.push(w);
        if (j !== i) {
          r.push(j);
          c.push(i);
          v.push(w);
        }
      }
    }
  }
  return CsrMatrix.fromCoo(n, n, r, c, v).markSymmetric();
}

export function densify(a: CsrMatrix): Float32Array {
  const out = new Float32Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = a.indptr[i]!; k < a.indptr[i + 1]!; k++) out[i * a.cols + a.indices[k]!]! += a.values[k]!;
  }
  return out;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      assert.fail(`${what}[${i}]: ${a} vs ${e} (tol ${tol})`);
    }
  }
}
