/**
 * The project's own tfjs kernels belong to the wasm backend alone: once wasm has registered them (heap kernels)
 * and replaced its Slice / SplitV / GatherV2 (copy kernels), switching to another backend leaves that backend's
 * kernel table as tfjs made it, and every caller's gate (heapKernelsActive) says no.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { heapKernelsActive } from '../../src/ops/kernels/registry.js';
import '../../src/ops/kernels/heap/graph.js';
import '../../src/ops/kernels/heap/rows.js';
import '../../src/ops/kernels/heap/adam.js';

const ours = (backend: string) =>
  tf
    .getKernelsForBackend(backend)
    .filter((k) => k.kernelName.startsWith('Anchorflow'))
    .map((k) => k.kernelName);

test('our kernels are registered for wasm only; on cpu the gate is closed and the stock kernels stay', async () => {
  const cpuSlice = tf.getKernel('Slice', 'cpu')!.kernelFunc;
  const cpuGather = tf.getKernel('GatherV2', 'cpu')!.kernelFunc;
  const cpuSplit = tf.getKernel('SplitV', 'cpu')!.kernelFunc;
  await import('@tensorflow/tfjs-backend-wasm');
  const stockWasmSlice = tf.getKernel('Slice', 'wasm')!.kernelFunc;

  assert.equal((await initBackend('wasm')).tfBackend, 'wasm');
  assert.equal(heapKernelsActive(), true, 'on wasm (built module, not reference mode) the heap kernels serve');
  assert.ok(ours('wasm').length >= 8, `heap kernels registered for wasm: ${ours('wasm').join(', ')}`);
  assert.notEqual(tf.getKernel('Slice', 'wasm')!.kernelFunc, stockWasmSlice, 'wasm Slice replaced by the copy kernel');

  assert.equal((await initBackend('cpu')).tfBackend, 'cpu');
  assert.equal(heapKernelsActive(), false);
  assert.deepEqual(ours('cpu'), []);
  assert.equal(tf.getKernel('Slice', 'cpu')!.kernelFunc, cpuSlice);
  assert.equal(tf.getKernel('GatherV2', 'cpu')!.kernelFunc, cpuGather);
  assert.equal(tf.getKernel('SplitV', 'cpu')!.kernelFunc, cpuSplit);
  // And the stock cpu kernels compute: a slice and a gather of a small table.
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
  assert.deepEqual(Array.from(tf.slice(x, [1, 0], [2, 1]).dataSync()), [3, 5]);
  assert.deepEqual(Array.from(tf.gather(x, tf.tensor1d([2, 0], 'int32')).dataSync()), [5, 6, 1, 2]);
});
