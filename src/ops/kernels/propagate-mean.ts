/**
 * mean(X, A·X, A²·X, …, A^L·X) — LightGCN's layer combination — as one fused host kernel on wasm / cpu:
 * one read of X, L sparse passes and the running sum in JS, one tensor out; the gradient runs the L passes
 * with Aᵀ the same way. Composing it from spmm + add + div costs 2L+1 extra tensor round trips per step.
 * Other backends compose it from spmm and built-in ops so that the data stays on the device.
 */
import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../sparse.js';
import { csrMulInto, spmm } from './spmm.js';
import { referenceMode } from './mode.js';
import { propagateMeanWasm } from './spmm-wasm.js';
import { heapKernelsActive } from './registry.js';
import { heapPropagateMean } from './heap/graph.js';

function meanOfPowers(a: CsrMatrix, x: Float32Array, d: number, layers: number): Float32Array {
  // The whole loop in WebAssembly SIMD when it is built: the matrix stays in the module's memory between calls.
  const fused = propagateMeanWasm(a, x, d, layers);
  if (fused) return fused;
  const acc = Float32Array.from(x);
  let cur = x;
  for (let l = 0; l < layers; l++) {
    const next = csrMulInto(a, cur, d, new Float32Array(a.rows * d));
    for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + next[i]!;
    cur = next;
  }
  // Division, not multiplication by the reciprocal, so the result is bit-identical to the composed version.
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! / (layers + 1);
  return acc;
}

function propagateMeanHost(a: CsrMatrix, x: tf.Tensor2D, layers: number): tf.Tensor2D {
  const [n, d] = x.shape;
  if (a.rows !== n || a.cols !== n) throw new Error(`propagateMean: A is [${a.rows}, ${a.cols}] but X has ${n} rows`);
  if (d % 4 === 0 && heapKernelsActive()) {
    // The same SIMD loop in the wasm backend's memory: X is read where tfjs keeps it (heap/graph.ts). Its
    // gradient is registered by name (registry.ts).
    return heapPropagateMean(a, x, layers);
  }
  const f = tf.customGrad((xIn) => {
    const value = tf.tensor2d(meanOfPowers(a, (xIn as tf.Tensor).dataSync() as Float32Array, d, layers), [n, d]);
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        tf.tensor2d(meanOfPowers(a.transpose(), dy.dataSync() as Float32Array, d, layers), [n, d]),
    };
  });
  return f(x as tf.Tensor) as tf.Tensor2D;
}

function propagateMeanComposed(a: CsrMatrix, x: tf.Tensor2D, layers: number): tf.Tensor2D {
  let cur = x;
  let acc = x;
  for (let l = 0; l < layers; l++) {
    cur = spmm(a, cur);
    acc = tf.add(acc, cur);
  }
  return layers > 0 ? (tf.div(acc, layers + 1) as tf.Tensor2D) : acc;
}

/** mean over l = 0..layers of A^l·X, differentiable in X, with the fastest route for the active backend. */
export function propagateMean(a: CsrMatrix, x: tf.Tensor2D, layers: number): tf.Tensor2D {
  if (layers === 0) return x;
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && !referenceMode()
    ? propagateMeanHost(a, x, layers)
    : propagateMeanComposed(a, x, layers);
}

export { propagateMeanComposed };
