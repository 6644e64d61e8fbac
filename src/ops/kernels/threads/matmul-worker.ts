/**
 * One thread of the matMul pool (pool.ts): its own tfjs wasm backend, holding row blocks of constant matrices
 * that the main thread handed over once, and computing block · B on request. The product is tfjs's own wasm
 * matMul, the kernel the main thread runs on its block, so each output row is computed by the same code on the
 * same numbers in both places.
 *
 * Messages (from the pool):
 *   { kind: 'load', id, rows, cols, data }   keep a row block (data: Float32Array, rows x cols, row-major)
 *   { kind: 'drop', id }                     forget it
 *   { kind: 'matmul', id, n, b, out, flag }  out[0 : rows*n] = block(id) · b, where b is a Float32Array view of
 *                                            a SharedArrayBuffer (cols x n) and out one of rows x n; then
 *                                            flag[0] = 1 and a notify, which the waiting main thread reads.
 *   { kind: 'cosine', xn, n, f, blocks, out, flag }
 *                                            write the given blocks of X̂ X̂ᵀ (cosine-blocks.ts) from the unit rows
 *                                            xn (shared, n x f) into out (shared, n x n); then flag[0] = 1.
 *   { kind: 'rows', rows, k, n, a, b, out, flag }
 *                                            the same for a row block handed over with the request: out = a · b,
 *                                            a (rows x k) and b (k x n) views of shared memory, nothing kept.
 * A failure sets flag[0] = 2 and posts { kind: 'error', message }. workerData.alive (an Int32Array on shared
 * memory) turns 1 once the backend is up, 2 if it cannot start: the pool waits for it before its first request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { computeCosineBlocks, type CosineBlock } from './cosine-blocks.js';

interface Done {
  out: Float32Array;
  flag: Int32Array;
}

type Msg =
  | { kind: 'load'; id: number; rows: number; cols: number; data: Float32Array }
  | { kind: 'drop'; id: number }
  | ({ kind: 'matmul'; id: number; n: number; b: Float32Array } & Done)
  | ({ kind: 'rows'; rows: number; k: number; n: number; a: Float32Array; b: Float32Array } & Done)
  | ({ kind: 'cosine'; xn: Float32Array; n: number; f: number; blocks: CosineBlock[] } & Done);

/** A tensor's values where the wasm backend keeps them (dataSync would first allocate and fill a fresh array). */
function heapValues(t: tf.Tensor): Float32Array {
  return (tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(t);
}

function multiplyInto(a: tf.Tensor2D, b: tf.Tensor2D, out: Float32Array): void {
  const y = tf.matMul(a, b);
  out.set(heapValues(y));
  y.dispose();
}

function done(m: Done): void {
  Atomics.store(m.flag, 0, 1);
  Atomics.notify(m.flag, 0);
}

const port = parentPort!;
tf.enableProdMode();
const alive = (workerData as { alive: Int32Array }).alive;
const ready = tf
  .setBackend('wasm')
  .then((ok) => {
    if (!ok) throw new Error('matmul worker: the wasm backend did not start');
    return tf.ready();
  })
  .then(
    () => Atomics.store(alive, 0, 1),
    (e) => {
      Atomics.store(alive, 0, 2);
      throw e;
    },
  )
  .finally(() => Atomics.notify(alive, 0));
const blocks = new Map<number, tf.Tensor2D>();

port.on('message', async (m: Msg) => {
  try {
    await ready;
    if (m.kind === 'load') {
      blocks.get(m.id)?.dispose();
      blocks.set(m.id, tf.tensor2d(m.data, [m.rows, m.cols]));
    } else if (m.kind === 'drop') {
      blocks.get(m.id)?.dispose();
      blocks.delete(m.id);
    } else if (m.kind === 'cosine') {
      computeCosineBlocks(m.xn, m.n, m.f, m.blocks, m.out);
      done(m);
    } else if (m.kind === 'matmul') {
      const a = blocks.get(m.id);
      if (!a) throw new Error(`matmul worker: no block ${m.id}`);
      const b = tf.tensor2d(m.b, [a.shape[1], m.n]);
      multiplyInto(a, b, m.out);
      b.dispose();
      done(m);
    } else {
      const a = tf.tensor2d(m.a, [m.rows, m.k]);
      const b = tf.tensor2d(m.b, [m.k, m.n]);
      multiplyInto(a, b, m.out);
      tf.dispose([a, b]);
      done(m);
    }
  } catch (e) {
    port.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    if (m.kind === 'matmul' || m.kind === 'rows' || m.kind === 'cosine') {
      Atomics.store(m.flag, 0, 2);
      Atomics.notify(m.flag, 0);
    }
  }
});
