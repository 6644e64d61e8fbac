/**
 * The per-step threaded products of row pushdown (threadedStepMatMul, src/ops/kernels/threads/pool.ts) at Baby's
 * sizes (not a test): the rows R of a batch's distinct items times VBPR's content width (4,480) and FREEDOM's
 * image (4,096) and text (384) widths, d 64. Per product, medians of wall ms:
 *  - one thread: tfjs's matMul; half: one row block of R/2 rows (what each of 2 threads multiplies);
 *  - copy out: the main thread's copy of the other block from the wasm heap into shared memory; copy in: the
 *    worker's copy of it into its own heap (measured here on the main thread, as a tensor made from it);
 *  - 2 threads: the pool's product, all included.
 * Also the transpose of X [R, K] that the weight gradient needs: the stock kernel and the in-heap one.
 * Prints a markdown table and one JSON line.
 *   node dist/scripts/measure-step-threads.js [--reps 9] [--rows 3100]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { installKernels } from '../src/ops/kernels/registry.js';
import { heapTranspose } from '../src/ops/kernels/heap/rows.js';
import { shutdownThreads, threadedStepMatMul } from '../src/ops/kernels/threads/pool.js';
import { Rng } from '../src/util/rng.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const reps = Number(arg('reps', '9'));
const R = Number(arg('rows', '3100'));
tf.enableProdMode();
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend unavailable');
installKernels('wasm');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function ms(f: () => void): number {
  f();
  const walls: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    walls.push(performance.now() - t0);
  }
  return median(walls);
}

const rng = new Rng(3);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const heap = (t: tf.Tensor) =>
  (tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(t);
const sizes: [string, number, number, number][] = [
  ['X·W (VBPR content)', R, 4480, 64],
  ['Xᵀ·dY (VBPR content)', 4480, R, 64],
  ['X·W (FREEDOM v)', R, 4096, 64],
  ['Xᵀ·dY (FREEDOM v)', 4096, R, 64],
  ['dY·Wᵀ (FREEDOM v)', R, 64, 4096],
  ['X·W (FREEDOM t)', R, 384, 64],
];
const load0 = loadavg();
const rows: Record<string, number | string>[] = [];
for (const [name, m, k, n] of sizes) {
  const a = tf.tensor2d(rand(m * k), [m, k]);
  const b = tf.tensor2d(rand(k * n), [k, n]);
  const h = m >> 1;
  const block = tf.slice(a, [0, 0], [h, k]);
  const sab = new Float32Array(new SharedArrayBuffer((m - h) * k * 4));
  rows.push({
    name,
    m,
    k,
    n,
    one: ms(() => tf.matMul(a, b).dispose()),
    half: ms(() => tf.matMul(block, b).dispose()),
    copyOut: ms(() => sab.set(heap(a).subarray(h * k))),
    copyIn: ms(() => tf.tensor2d(sab, [m - h, k]).dispose()),
    two: ms(() => threadedStepMatMul(a, b, 2).dispose()),
  });
  tf.dispose([a, b, block]);
}
await shutdownThreads();
const transposes: Record<string, number>[] = [];
for (const k of [4480, 4096]) {
  const x = tf.tensor2d(rand(R * k), [R, k]);
  transposes.push({ k, stock: ms(() => tf.transpose(x).dispose()), heap: ms(() => heapTranspose(x).dispose()) });
  x.dispose();
}
const load1 = loadavg();
const f = (x: number | string | undefined) => (typeof x === 'number' ? x.toFixed(1) : String(x));
console.log('| product | [m, k] x [k, n] | 1 thread | half block | copy out | copy in | 2 threads |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | [${r.m}, ${r.k}] x [${r.k}, ${r.n}] | ${f(r.one)} | ${f(r.half)} | ${f(r.copyOut)} | ` +
      `${f(r.copyIn)} | ${f(r.two)} |`,
  );
for (const t of transposes) console.log(`transpose [${R}, ${t.k}]: stock ${f(t.stock)} ms, in-heap ${f(t.heap)} ms`);
console.log(`load average before ${load0.map(f).join(' ')}, after ${load1.map(f).join(' ')}; medians of ${reps}`);
console.log(JSON.stringify({ reps, rows: R, load0, load1, products: rows, transposes }));
process.exit(0);
