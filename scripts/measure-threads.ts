/**
 * The threaded constant-operand matMul (src/ops/kernels/threads/pool.ts) at AnchorRec's Baby sizes (not a test):
 *  - measured: wall ms per product on 1 thread (tfjs) and on 2+ threads (the pool), medians;
 *  - simulated sweep of work splits: CPU ms of one row block of rows/T on one thread (what each of T threads
 *    would do on an idle core) plus the main thread's own handoff work (copying B out, the blocks back in, the
 *    concat), for T = 1, 2, 4, 8, 16: what a machine with T free cores can expect per product.
 * CPU time is the process's (no worker exists while it is taken), so it is steadier than wall time on a
 * shared machine. Prints a markdown table and one JSON line.
 *   node dist/scripts/measure-threads.js [--reps 7] [--threads 2]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { rowBounds, shutdownThreads, threadedMatMul } from '../src/ops/kernels/threads/pool.js';
import { Rng } from '../src/util/rng.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const reps = Number(arg('reps', '7'));
const maxThreads = Number(arg('threads', '2'));
tf.enableProdMode();
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend unavailable');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function timed(f: () => void): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  f();
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

const rng = new Rng(3);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
// [rows, inner, cols]: the three feature projections of AnchorRec on Baby (forward X·W) and their weight
// gradients (Xᵀ·dY), at v 4096, mm 768, t 384 features and d 64.
const sizes: [string, number, number, number][] = [
  ['X_v·W', 7050, 4096, 64],
  ['X_vᵀ·dY', 4096, 7050, 64],
  ['X_mm·W', 7050, 768, 64],
  ['X_mmᵀ·dY', 768, 7050, 64],
  ['X_t·W', 7050, 384, 64],
];
const splits = [1, 2, 4, 8, 16];
const rows: {
  name: string;
  m: number;
  k: number;
  n: number;
  oneWall: number;
  oneCpu: number;
  threadedWall: Record<string, number>;
  simulated: Record<string, number>;
}[] = [];
const load0 = loadavg();
for (const [name, m, k, n] of sizes) {
  const a = tf.tensor2d(rand(m * k), [m, k]);
  const b = tf.tensor2d(rand(k * n), [k, n]);
  // Simulated: one block of each split size, on this thread alone (no worker started yet).
  const sim: Record<string, number> = {};
  for (const t of splits) {
    const r = rowBounds(m, t)[1]!;
    const blk = tf.slice(a, [0, 0], [r, k]);
    const block = timed(() => tf.matMul(blk, b).dispose()).cpu;
    // The main thread's handoff per call: B out to shared memory, each other block's rows in, the concat.
    const outs = Array.from({ length: t - 1 }, () => new Float32Array(new SharedArrayBuffer(r * n * 4)));
    const sab = new Float32Array(new SharedArrayBuffer(k * n * 4));
    const head = tf.zeros([r, n]);
    const handoff =
      t === 1
        ? 0
        : timed(() => {
            sab.set(b.dataSync() as Float32Array);
            tf.tidy(() => {
              tf.concat([head, ...outs.map((o) => tf.tensor2d(o, [r, n]))], 0);
            });
          }).cpu;
    sim[`T${t}`] = block + handoff;
    tf.dispose([blk, head]);
  }
  const one = timed(() => tf.matMul(a, b).dispose());
  const threaded: Record<string, number> = {};
  for (let t = 2; t <= maxThreads; t++) threaded[`T${t}`] = timed(() => threadedMatMul(a, b, t).dispose()).wall;
  await shutdownThreads();
  rows.push({ name, m, k, n, oneWall: one.wall, oneCpu: one.cpu, threadedWall: threaded, simulated: sim });
  tf.dispose([a, b]);
}
const load1 = loadavg();
const f = (x: number) => x.toFixed(1);
console.log(
  `| product | [m, k] x [k, n] | 1 thread wall / cpu ms | ${Array.from({ length: maxThreads - 1 }, (_, i) => `${i + 2} threads wall ms`).join(' | ')} | ${splits.map((t) => `sim T=${t}`).join(' | ')} |`,
);
console.log(`|---|---|---|${'---|'.repeat(maxThreads - 1)}${'---|'.repeat(splits.length)}`);
for (const r of rows)
  console.log(
    `| ${r.name} | [${r.m}, ${r.k}] x [${r.k}, ${r.n}] | ${f(r.oneWall)} / ${f(r.oneCpu)} | ${Object.values(
      r.threadedWall as Record<string, number>,
    )
      .map(f)
      .join(' | ')} | ${splits.map((t) => f(r.simulated[`T${t}`]!)).join(' | ')} |`,
  );
console.log(
  `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}; medians of ${reps}`,
);
console.log(JSON.stringify({ reps, load0, load1, rows }));
