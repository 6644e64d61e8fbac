/**
 * Dense matMul on several cores: tfjs-backend-wasm runs one thread in Node, so a large product a · b is split by
 * rows of its left operand: the main thread computes the first row block and each worker thread
 * (matmul-worker.ts) one more. Two kinds of left operand:
 * - a constant (a frozen feature matrix X [items, K], or its cached transpose Xᵀ [K, items]), threadedMatMul:
 *   each worker keeps its row block, copied once per constant; per call only the small right operand (a weight
 *   [K, 64] or a gradient [items, 64]) goes out and the output rows come back;
 * - an operand made for this call (this step's gathered rows of a constant under row pushdown, their transpose
 *   for the weight gradient, a gradient dY), threadedStepMatMul: each call copies the workers' row blocks out of
 *   the wasm heap into shared memory, which costs a small fraction of the block's product
 *   (docs/measurements.md, "Threads"), and keeps no copy afterwards.
 * The main thread computes its block while the workers compute theirs, then waits for them with Atomics.wait
 * (synchronous, as a tfjs kernel must be).
 *
 * Every block's rows go through tfjs's own wasm matMul in every thread, and a row's result does not depend on
 * which other rows are in the same product, so the concatenated output equals the one-thread product bit for
 * bit (test/kernels/threads.test.ts checks it).
 *
 * The same pool computes the cosine matrix of constant features block by block at start-up (threadedCosineMatrix).
 *
 * The workers are unref'd: an idle pool never keeps the process alive, so a command exits when its work is done.
 * shutdownThreads() ends them explicitly (tests; a process that wants its memory back).
 */
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { flag } from '../../../util/flags.js';
import { referenceMode } from '../mode.js';
import { computeCosineBlocks, dealBlocks, upperBlocks } from './cosine-blocks.js';
import { installKernels } from '../registry.js';

/** Products handed to the workers so far, by kind of left operand (tests check that a path really ran). */
export const threadedCalls = { constant: 0, step: 0 };

/** Below this many multiply-adds per product, handing work to another thread costs more than it saves. */
export const MIN_THREADED_MACS = 1 << 24;

/** Threads one training may use: the `threads` flag (ANCHORFLOW_THREADS), by default every core. */
export function threadCount(): number {
  return Math.max(1, Math.floor(flag('threads') ?? availableParallelism()));
}

interface PoolWorker {
  worker: Worker;
  error?: string;
  /** Shared input (left row block, right operand) and output buffers, grown as needed. */
  a: SharedArrayBuffer;
  b: SharedArrayBuffer;
  out: SharedArrayBuffer;
  flag: Int32Array;
  /** 0 while the worker starts, 1 once its backend is up, 2 if it could not start. */
  alive: Int32Array;
}

let workers: PoolWorker[] = [];
/** Set when a worker could not start: every product then runs on this thread alone (the same numbers). */
let unavailable = false;
/** How long a worker may take to start its backend (a loaded machine is slow) before the pool is given up. */
const START_TIMEOUT_MS = 60_000;

/** Waits for every worker's backend (synchronously: the first product needs them); false if one did not start. */
function started(ws: PoolWorker[]): boolean {
  const until = performance.now() + START_TIMEOUT_MS;
  for (const w of ws) {
    while (Atomics.load(w.alive, 0) === 0 && performance.now() < until) Atomics.wait(w.alive, 0, 0, 100);
    if (Atomics.load(w.alive, 0) !== 1) return false;
  }
  return true;
}

function startWorker(): PoolWorker {
  const alive = new Int32Array(new SharedArrayBuffer(4));
  // The worker needs none of this process's Node options (an --input-type of `node -e` would break its loading).
  const worker = new Worker(new URL('./matmul-worker.js', import.meta.url), { workerData: { alive }, execArgv: [] });
  const w: PoolWorker = {
    worker,
    a: new SharedArrayBuffer(0),
    b: new SharedArrayBuffer(0),
    out: new SharedArrayBuffer(0),
    flag: new Int32Array(new SharedArrayBuffer(4)),
    alive,
  };
  worker.on('message', (m: { kind: string; message?: string }) => {
    if (m.kind === 'error') w.error = m.message;
  });
  worker.on('error', (e) => (w.error = e.message));
  worker.unref();
  return w;
}

function pool(size: number): PoolWorker[] {
  if (workers.length !== size) {
    void shutdownThreads();
    workers = Array.from({ length: size }, startWorker);
  }
  return workers;
}

/** Ends the worker threads (a later threaded product starts them again and reloads its constants). */
export async function shutdownThreads(): Promise<void> {
  const old = workers;
  workers = [];
  split = new WeakMap();
  live = [];
  await Promise.all(old.map((w) => w.worker.terminate()));
}

// ---- constants split into row blocks --------------------------------------------------------------------

interface Split {
  id: number;
  /** Row boundaries: block t is rows [bounds[t], bounds[t + 1]); block 0 stays on the main thread. */
  bounds: number[];
  head: tf.Tensor2D;
}
let split = new WeakMap<tf.Tensor, Split>();
let live: { source: WeakRef<tf.Tensor> | tf.Tensor; s: Split }[] = [];
let nextId = 1;

/** Row boundaries for `parts` blocks of `rows` rows, as even as possible (the first blocks get the extra rows). */
export function rowBounds(rows: number, parts: number): number[] {
  const b = [0];
  for (let t = 0; t < parts; t++) b.push(b[t]! + Math.floor(rows / parts) + (t < rows % parts ? 1 : 0));
  return b;
}

/** Forgets splits of constants that were disposed since (their blocks in the workers too). */
function dropDisposed(ws: PoolWorker[]): void {
  live = live.filter(({ source, s }) => {
    const t = source instanceof WeakRef ? source.deref() : source;
    if (t && !t.isDisposed) return true;
    s.head.dispose();
    for (const w of ws) w.worker.postMessage({ kind: 'drop', id: s.id });
    return false;
  });
}

function splitOf(a: tf.Tensor2D, ws: PoolWorker[]): Split {
  const hit = split.get(a);
  if (hit && hit.bounds.length === ws.length + 2) return hit;
  dropDisposed(ws);
  const [rows, cols] = a.shape;
  const bounds = rowBounds(rows, ws.length + 1);
  const s: Split = { id: nextId++, bounds, head: tf.keep(tf.slice(a, [0, 0], [bounds[1]!, cols])) };
  const data = a.dataSync() as Float32Array;
  ws.forEach((w, t) => {
    const r0 = bounds[t + 1]!;
    const r1 = bounds[t + 2]!;
    w.worker.postMessage({ kind: 'load', id: s.id, rows: r1 - r0, cols, data: data.slice(r0 * cols, r1 * cols) });
  });
  split.set(a, s);
  live.push({ source: new WeakRef(a), s });
  return s;
}

/** Whether constant · b should be split across threads (and how many): 1 means run it here as usual. */
export function threadsFor(a: tf.Tensor2D, b: tf.Tensor2D): number {
  if (referenceMode() || tf.getBackend() !== 'wasm') return 1;
  const t = Math.min(threadCount(), a.shape[0]);
  return t > 1 && a.shape[0] * a.shape[1] * b.shape[1] >= MIN_THREADED_MACS ? t : 1;
}

/**
 * Fewest output columns for which a per-call operand is split: its rows are copied to the workers each call, and
 * a copied element pays for itself only when it takes part in enough multiply-adds (one per output column).
 */
export const MIN_STEP_COLS = 16;

/** threadsFor for a left operand made for this call (threadedStepMatMul), whose blocks are copied every call. */
export function threadsForStep(a: tf.Tensor2D, b: tf.Tensor2D): number {
  return b.shape[1] >= MIN_STEP_COLS ? threadsFor(a, b) : 1;
}

function ensureBytes(buf: SharedArrayBuffer, bytes: number): SharedArrayBuffer {
  return buf.byteLength >= bytes ? buf : new SharedArrayBuffer(Math.max(bytes, buf.byteLength * 2));
}

/** The pool's workers for `threads` threads, started; undefined when one thread is asked for or none can start. */
function readyPool(threads: number): PoolWorker[] | undefined {
  if (threads <= 1 || unavailable) return undefined;
  // The engine installs them with the backend; a direct caller needs them too: the main thread's block of a
  // per-call operand is a slice, and the stock wasm Slice first copies the whole input out of the heap.
  installKernels('wasm');
  const ws = pool(threads - 1);
  if (started(ws)) return ws;
  unavailable = true;
  void shutdownThreads();
  return undefined;
}

/** The parts of tfjs-backend-wasm's BackendWasm read here (public methods and fields there). */
interface WasmHeap {
  dataIdMap: { has(dataId: object): boolean };
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * A float32 tensor's values where the wasm backend keeps them: no copy (tfjs's dataSync allocates and fills a
 * fresh array, slower than the copy the caller wants). Valid until the next tfjs call, which may grow the heap.
 */
export function heapValues(t: tf.Tensor): Float32Array {
  const be = tf.backend() as unknown as WasmHeap;
  // Another backend, or a tensor still held by one (tfjs moves data on first use), is read the usual way.
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32' || !be.dataIdMap.has(t.dataId))
    return t.dataSync() as Float32Array;
  return be.typedArrayFromHeap(t);
}

/** Copies `values` into the start of `w`'s shared buffer `key` (grown as needed); returns the filled view. */
function share(w: PoolWorker, key: 'a' | 'b', values: Float32Array): Float32Array {
  w[key] = ensureBytes(w[key], values.byteLength);
  const view = new Float32Array(w[key], 0, values.length);
  view.set(values);
  return view;
}

/** A view of `w`'s output buffer for rows x n values. */
function outView(w: PoolWorker, rows: number, n: number): Float32Array {
  w.out = ensureBytes(w.out, rows * n * 4);
  return new Float32Array(w.out, 0, rows * n);
}

/** The main thread's block `head` followed by each worker's rows (`rows[t]` of them) once it is done. */
function gather(ws: PoolWorker[], rows: number[], n: number, head: () => tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [head()];
    ws.forEach((w, t) => {
      // 0 until the worker stores 1 (done) or 2 (failed); wait returns at once if it already has.
      while (Atomics.load(w.flag, 0) === 0) Atomics.wait(w.flag, 0, 0, 1000);
      if (Atomics.load(w.flag, 0) !== 1)
        throw new Error(`threaded matMul failed in a worker: ${w.error ?? 'unknown error'}`);
      parts.push(tf.tensor2d(new Float32Array(w.out, 0, rows[t]! * n), [rows[t]!, n]));
    });
    return tf.concat(parts, 0) as tf.Tensor2D;
  });
}

/**
 * a · b where `a` is a constant (kept alive and unchanged while it is used: its row blocks are copied once),
 * computed on `threads` threads. Returns a new tensor (not a tfjs op: callers give it a gradient themselves).
 */
export function threadedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, threads = threadsFor(a, b)): tf.Tensor2D {
  const ws = readyPool(threads);
  if (!ws) return tf.matMul(a, b);
  const s = splitOf(a, ws);
  threadedCalls.constant++;
  const n = b.shape[1];
  const bData = heapValues(b);
  const rows = ws.map((_, t) => s.bounds[t + 2]! - s.bounds[t + 1]!);
  ws.forEach((w, t) => {
    Atomics.store(w.flag, 0, 0);
    const msg = { kind: 'matmul', id: s.id, n, b: share(w, 'b', bData), out: outView(w, rows[t]!, n), flag: w.flag };
    w.worker.postMessage(msg);
  });
  return gather(ws, rows, n, () => tf.matMul(s.head, b));
}

/**
 * a · b for a left operand made for this call (any tensor: nothing is kept), on `threads` threads: each worker's
 * rows of `a` and all of `b` are copied to it, and the main thread multiplies the first rows meanwhile.
 * Returns a new tensor (not a tfjs op: callers give it a gradient themselves).
 */
export function threadedStepMatMul(a: tf.Tensor2D, b: tf.Tensor2D, threads = threadsForStep(a, b)): tf.Tensor2D {
  const ws = readyPool(threads);
  if (!ws) return tf.matMul(a, b);
  threadedCalls.step++;
  const [m, k] = a.shape;
  const n = b.shape[1];
  const bounds = rowBounds(m, ws.length + 1);
  const rows = ws.map((_, t) => bounds[t + 2]! - bounds[t + 1]!);
  // Views of the heap: growing a shared buffer (a JS allocation) leaves the wasm memory where it is.
  const aData = heapValues(a);
  const bData = heapValues(b);
  ws.forEach((w, t) => {
    const block = share(w, 'a', aData.subarray(bounds[t + 1]! * k, bounds[t + 2]! * k));
    Atomics.store(w.flag, 0, 0);
    const msg = { kind: 'rows', rows: rows[t]!, k, n, a: block, b: share(w, 'b', bData), out: outView(w, rows[t]!, n) };
    w.worker.postMessage({ ...msg, flag: w.flag });
  });
  return gather(ws, rows, n, () => tf.matMul(tf.slice(a, [0, 0], [bounds[1]!, k]), b));
}

// ---- the cosine matrix of constant features, block by block ---------------------------------------------

/** Below this many multiply-adds the matrix is computed on this thread alone (starting workers costs more). */
export const MIN_THREADED_COSINE_MACS = 1 << 28;

/** Threads for the n x n cosine matrix of an [n, f] constant: 1 means the one-thread code path. */
export function cosineThreads(n: number, f: number): number {
  if (referenceMode() || tf.getBackend() !== 'wasm') return 1;
  const t = threadCount();
  return t > 1 && (n * n * f) / 2 >= MIN_THREADED_COSINE_MACS ? t : 1;
}

/**
 * S = X̂ X̂ᵀ [n·n] from the unit rows `unit` [n, f], its upper blocks dealt to this thread and `threads - 1`
 * workers started for it (cosine-blocks.ts); every block is the same product as on one thread, so S is the same
 * bit for bit. The rows are copied once, straight from the wasm heap into shared memory that every thread reads,
 * and the workers write their blocks straight into the (shared) output; undefined if the workers cannot start
 * (the caller then computes S here).
 */
export function threadedCosineMatrix(unit: tf.Tensor2D, block: number, threads: number): Float32Array | undefined {
  if (threads <= 1 || unavailable) return undefined;
  // Workers of its own, ended when the matrix is done: a worker keeps the shared rows and output alive until its
  // next garbage collection, which an idle worker may never run, so the pool's workers would hold hundreds of MB
  // (the rows, and an output the caller may already have dropped) for the rest of the run.
  const ws = Array.from({ length: threads - 1 }, startWorker);
  const end = () => ws.forEach((w) => void w.worker.terminate());
  if (!started(ws)) {
    end();
    return undefined;
  }
  try {
    return cosineOnWorkers(unit, block, ws);
  } finally {
    end();
  }
}

function cosineOnWorkers(unit: tf.Tensor2D, block: number, ws: PoolWorker[]): Float32Array {
  const [n, f] = unit.shape;
  const threads = ws.length + 1;
  const rows = new Float32Array(new SharedArrayBuffer(n * f * 4));
  rows.set(heapValues(unit));
  const out = new Float32Array(new SharedArrayBuffer(n * n * 4));
  const shares = dealBlocks(upperBlocks(n, block), threads);
  const flags = ws.map((w, t) => {
    const done = new Int32Array(new SharedArrayBuffer(4));
    w.worker.postMessage({ kind: 'cosine', xn: rows, n, f, blocks: shares[t + 1]!, out, flag: done });
    return done;
  });
  computeCosineBlocks(rows, n, f, shares[0]!, out);
  flags.forEach((done, t) => {
    while (Atomics.load(done, 0) === 0) Atomics.wait(done, 0, 0, 1000);
    if (Atomics.load(done, 0) !== 1)
      throw new Error(`threaded cosine matrix failed in a worker: ${ws[t]!.error ?? 'unknown error'}`);
  });
  return out;
}
