/**
 * Float64 building blocks for the conformance references: small dense matrices as row-major Float64Arrays.
 * Plain loops on purpose; nothing here calls tfjs or an op.
 */
import { CsrMatrix } from '../../../src/ops/sparse.js';
import { Rng } from '../../../src/util/rng.js';
import type { CaseValue, Dense64 } from './case.js';

export type { Dense64 };

/** A float32-exact random normal matrix from its own seed (the suite feeds tfjs float32 copies). */
export function randDense(seed: number, rows: number, cols: number, scale = 1): Dense64 {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(rng.normal() * scale);
  return { shape: [rows, cols], data };
}

export function dense64(shape: number[], values: ArrayLike<number>): Dense64 {
  return { shape, data: Float64Array.from(values, (v) => Math.fround(v)) };
}

/** A case input the reference reads; a port the case did not give is an error in the case, said at once. */
function given(v: CaseValue | undefined): CaseValue {
  if (v === undefined) throw new Error('conformance case: the reference reads an input the case does not give');
  return v;
}
export const D = (v: CaseValue | undefined): Dense64 => given(v) as Dense64;
export const DL = (v: CaseValue | undefined): Dense64[] => given(v) as Dense64[];
export const S = (v: CaseValue | undefined): CsrMatrix => given(v) as CsrMatrix;
export const SL = (v: CaseValue | undefined): CsrMatrix[] => given(v) as CsrMatrix[];

/** Row i of a [n, d] matrix. */
export function row(a: Dense64, i: number): Float64Array {
  const d = a.shape[1]!;
  return a.data.subarray(i * d, i * d + d);
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** a [n, k] · b [k, m]. */
export function matmul(a: Dense64, b: Dense64): Dense64 {
  const [n, k] = a.shape as [number, number];
  const m = b.shape[1]!;
  if (b.shape[0] !== k) throw new Error(`matmul: ${a.shape} x ${b.shape}`);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const x = a.data[i * k + t]!;
      for (let j = 0; j < m; j++) out[i * m + j]! += x * b.data[t * m + j]!;
    }
  return { shape: [n, m], data: out };
}

export function transpose(a: Dense64): Dense64 {
  const [n, m] = a.shape as [number, number];
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a.data[i * m + j]!;
  return { shape: [m, n], data: out };
}

export function map(a: Dense64, f: (x: number, i: number) => number): Dense64 {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

/** Element-wise f(a_i, b_i), or with b broadcast over rows when it is a [1, d] or [d] vector. */
export function zip(a: Dense64, b: Dense64, f: (x: number, y: number) => number): Dense64 {
  const d = a.shape[a.shape.length - 1]!;
  const bcast = b.data.length !== a.data.length;
  return { shape: a.shape.slice(), data: a.data.map((x, i) => f(x, b.data[bcast ? i % d : i]!)) };
}

/** Row-wise x / max(‖x‖, eps). */
export function normalizeRows(a: Dense64, eps = 1e-12): Dense64 {
  const [n, d] = a.shape as [number, number];
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = row(a, i);
    const s = Math.max(Math.sqrt(dot(r, r)), eps);
    for (let j = 0; j < d; j++) out[i * d + j] = r[j]! / s;
  }
  return { shape: [n, d], data: out };
}

export function gatherRows(a: Dense64, idx: ArrayLike<number>): Dense64 {
  const d = a.shape[1]!;
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(row(a, idx[r]!), r * d);
  return { shape: [idx.length, d], data: out };
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Row-wise softmax. */
export function softmaxRows(a: Dense64): Dense64 {
  const [n, d] = a.shape as [number, number];
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = row(a, i);
    const m = Math.max(...r);
    let s = 0;
    for (let j = 0; j < d; j++) s += out[i * d + j] = Math.exp(r[j]! - m);
    for (let j = 0; j < d; j++) out[i * d + j]! /= s;
  }
  return { shape: [n, d], data: out };
}

export function logSumExp(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}

/** The dense matrix of a CSR matrix (duplicates summed). */
export function toDense(a: CsrMatrix): Dense64 {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = a.indptr[i]!; k < a.indptr[i + 1]!; k++) out[i * a.cols + a.indices[k]!]! += a.values[k]!;
  return { shape: [a.rows, a.cols], data: out };
}

/** A CSR matrix from a dense one (its non-zero entries), float32 values. */
export function fromDense(a: Dense64): CsrMatrix {
  const [n, m] = a.shape as [number, number];
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      if (a.data[i * m + j] !== 0) {
        r.push(i);
        c.push(j);
        v.push(a.data[i * m + j]!);
      }
  return CsrMatrix.fromCoo(n, m, r, c, v);
}

/** A random sparse [n, m] matrix with float32-exact values, each entry present with probability `density`. */
export function randSparse(seed: number, n: number, m: number, density: number): CsrMatrix {
  const rng = new Rng(seed);
  const data = new Float64Array(n * m);
  for (let i = 0; i < data.length; i++) if (rng.next() < density) data[i] = Math.fround(rng.normal());
  return fromDense({ shape: [n, m], data });
}

/** Σ of all entries. */
export const total = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};

export const scalar = (x: number): Float64Array => Float64Array.of(x);

/** The unique bipartite pairs (first seen) of a pair list. */
export function uniquePairList(users: ArrayLike<number>, items: ArrayLike<number>): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (let k = 0; k < users.length; k++) {
    const key = `${users[k]},${items[k]}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push([users[k]!, items[k]!]);
    }
  }
  return out;
}

/** Distinct values in first-seen order. */
export function distinct(...arrs: ArrayLike<number>[]): number[] {
  const s = new Set<number>();
  for (const a of arrs) for (let i = 0; i < a.length; i++) s.add(a[i]!);
  return [...s];
}

/** The adjacency (users then items) of a pair list, [N, N] 0/1, plus self-loops when asked. */
export function bipartite(nUsers: number, nItems: number, pairs: [number, number][], selfLoops = false): Dense64 {
  const N = nUsers + nItems;
  const a = new Float64Array(N * N);
  for (const [u, i] of pairs) a[u * N + nUsers + i] = a[(nUsers + i) * N + u] = 1;
  if (selfLoops) for (let i = 0; i < N; i++) a[i * N + i] = 1;
  return { shape: [N, N], data: a };
}

/** D^-1/2 A D^-1/2 with D = row sums + eps. */
export function symNorm(a: Dense64, eps = 1e-7): Dense64 {
  const [n] = a.shape as [number];
  const deg = Array.from({ length: n }, (_, i) => total(row(a, i)));
  return map(a, (x, k) =>
    x === 0 ? 0 : x * Math.pow(deg[Math.floor(k / n)]! + eps, -0.5) * Math.pow(deg[k % n]! + eps, -0.5),
  );
}
