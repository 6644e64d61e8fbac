/**
 * The threaded product of a per-call left operand (threadedStepMatMul, src/ops/kernels/threads/pool.ts), as row
 * pushdown uses it, against tfjs's one-thread product on the real wasm backend: the product itself, a linear
 * layer over a step's rows of a constant and over a trainable input (output and gradients), and a VBPR training.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tf, useBackend, randn } from './_setup.js';
import { Rng } from '../../src/util/rng.js';
import {
  shutdownThreads,
  threadedCalls,
  threadedStepMatMul,
  threadsForStep,
  MIN_STEP_COLS,
  MIN_THREADED_MACS,
} from '../../src/ops/kernels/threads/pool.js';
import { linearMatMul } from '../../src/ops/kernels/dense-matmul.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import { resetFlags, setFlag } from '../../src/util/flags.js';
import { runPipeline } from '../../src/experiments/run.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { PIPELINES } from '../helpers.js';

after(async () => {
  resetFlags('threads');
  await shutdownThreads();
});

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array((t.dataSync() as Float32Array).slice().buffer);
}

test('a per-call operand · B equals the one-thread product bit for bit (2 and 3 threads, odd sizes)', async () => {
  await useBackend('wasm');
  const rng = new Rng(5);
  // Shapes of the pushdown products: X·W, Xᵀ·dY (a tall-thin right operand), dY·Wᵀ (a wide output), a tiny one.
  for (const [m, k, n] of [
    [1003, 301, 64],
    [301, 1003, 64],
    [259, 17, 1031],
    [7, 33, 19],
  ] as const) {
    for (const threads of [2, 3]) {
      // A fresh operand per call, as in a training step: nothing of the previous call may be reused.
      for (let call = 0; call < 2; call++) {
        const a = tf.tensor2d(randn(rng, m * k), [m, k]);
        const b = tf.tensor2d(randn(rng, k * n), [k, n]);
        const want = tf.matMul(a, b);
        const before = tf.memory().numTensors;
        const got = threadedStepMatMul(a, b, threads);
        assert.equal(tf.memory().numTensors, before + 1, 'only the result is left');
        assert.deepEqual(got.shape, [m, n]);
        assert.deepEqual(bits(got), bits(want), `${m}x${k}x${n} on ${threads} threads, call ${call}`);
        tf.dispose([a, b, want, got]);
      }
    }
  }
});

test('per-call operands are split only when the product is large and wide enough', async () => {
  await useBackend('wasm');
  setFlag('threads', 2);
  const big = tf.zeros([4096, 4096]) as tf.Tensor2D;
  assert.equal(threadsForStep(big, tf.zeros([4096, 64]) as tf.Tensor2D), 2);
  assert.equal(threadsForStep(big, tf.zeros([4096, MIN_STEP_COLS - 1]) as tf.Tensor2D), 1, 'too few columns');
  assert.equal(threadsForStep(tf.zeros([64, 64]) as tf.Tensor2D, tf.zeros([64, 64]) as tf.Tensor2D), 1, 'too small');
  setReferenceMode(true);
  assert.equal(threadsForStep(big, tf.zeros([4096, 64]) as tf.Tensor2D), 1, 'reference mode keeps plain tf ops');
  setReferenceMode(false);
  setFlag('threads', 1);
  assert.equal(threadsForStep(big, tf.zeros([4096, 64]) as tf.Tensor2D), 1, 'ANCHORFLOW_THREADS=1');
  resetFlags('threads');
  tf.disposeVariables();
});

/** Sizes of a pushdown step, scaled down: odd row and column counts, large enough to be threaded. */
const [M, K, N] = [1031, 1103, 64];

/**
 * Loss, weight gradient (and input gradient when x is trainable) of sum(linearMatMul(x, w) ⊙ target) on
 * `threads` threads, twice: the second step must give the same bits with the tensor count flat.
 */
function layerSteps(threads: number, x: tf.Tensor2D, trainableX: boolean): Record<string, Uint32Array> {
  setFlag('threads', threads);
  const w = tf.variable(tf.tensor2d(randn(new Rng(2), K * N), [K, N]));
  const target = tf.tensor2d(randn(new Rng(3), M * N), [M, N]);
  const xv = trainableX ? tf.variable(x) : undefined;
  const vars = xv ? [w, xv] : [w];
  const step = () => {
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      // As the executor hands a pushed-down layer its input: this step's rows of a constant (frozen) or a
      // trainable table's rows (not frozen), never with a cached transpose.
      const input = xv ? (tf.mul(xv, 1) as tf.Tensor2D) : x;
      return tf.sum(tf.mul(linearMatMul(input, w, undefined, !xv), target)) as tf.Scalar;
    }, vars);
    const out: Record<string, Uint32Array> = { loss: bits(value), dw: bits(grads[w.name]!) };
    if (xv) out.dx = bits(grads[xv.name]!);
    tf.dispose([value, ...Object.values(grads)]);
    return { out, grew: tf.memory().numTensors - before };
  };
  const calls = threadedCalls.step;
  const first = step();
  const again = step();
  assert.equal(again.grew, 0, `tensor count flat on ${threads} threads`);
  assert.deepEqual(again.out, first.out, `a second step gives the same bits on ${threads} threads`);
  // Forward and weight gradient, and dY·Wᵀ when x is trainable, went to the workers (twice: two steps).
  if (threads > 1) assert.equal(threadedCalls.step - calls, 2 * (xv ? 3 : 2), 'per-step products threaded');
  else assert.equal(threadedCalls.step, calls, 'one thread: no worker used');
  tf.dispose([w, target, ...(xv ? [xv] : [])]);
  return first.out;
}

for (const trainableX of [false, true]) {
  const what = trainableX ? 'a trainable input (output, dW, dX)' : "a step's rows of a constant (output, dW)";
  test(`a linear layer over ${what} is bit-identical on 1, 2 and 3 threads, tensor count flat`, async () => {
    await useBackend('wasm');
    assert.ok(M * K * N >= MIN_THREADED_MACS && N >= MIN_STEP_COLS, 'sizes large enough to be threaded');
    const x = tf.tensor2d(randn(new Rng(1), M * K), [M, K]);
    const one = layerSteps(1, x, trainableX);
    for (const threads of [2, 3]) {
      const got = layerSteps(threads, x, trainableX);
      for (const k of Object.keys(one)) assert.deepEqual(got[k], one[k], `${k} on ${threads} threads`);
    }
    x.dispose();
    resetFlags('threads');
  });
}

/** Epoch losses and the final metrics of a short VBPR training on synth:small, with `threads` threads. */
async function vbpr(threads: number) {
  setFlag('threads', threads);
  const events: EngineEvent[] = [];
  const calls = threadedCalls.step;
  try {
    await runPipeline({
      file: join(PIPELINES, 'vbpr.yaml'),
      dataset: 'synth:small',
      epochs: 2,
      backend: 'wasm',
      out: false,
      emit: (e) => events.push(e),
    });
  } finally {
    resetFlags('threads');
  }
  const epochs = events.flatMap((e) => (e.type === 'epoch_end' ? [e.losses] : []));
  const evals = events.flatMap((e) => (e.type === 'eval' ? [{ valid: e.valid, test: e.test }] : []));
  return { epochs, evals, stepCalls: threadedCalls.step - calls };
}

test('a VBPR training gives the same epoch losses and metrics on 1 and 2 threads', async () => {
  const one = await vbpr(1);
  const two = await vbpr(2);
  assert.equal(one.stepCalls, 0, 'one thread: no worker used');
  assert.ok(two.stepCalls > 0, 'two threads: the pushed-down projection went to the workers');
  assert.equal(one.epochs.length, 2);
  assert.deepEqual(two.epochs, one.epochs);
  assert.ok(one.evals.length > 0);
  assert.deepEqual(two.evals, one.evals);
});
