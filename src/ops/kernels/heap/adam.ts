/** The Adam kernel in the wasm backend's memory (used by src/engine/adam.ts). */
import * as tf from '@tensorflow/tfjs';
import { heapModule, offsetOf, runHeapKernel, type HeapKernelArgs, type WasmBackend } from './runtime.js';

export const ADAM_STEP = 'AnchorflowAdamStep';

/** The Adam constants of one step (float32 values, see adamStep in src/ops/kernels/assembly/adam.ts). */
export interface AdamConstants {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  a1: number;
  a2: number;
  eps: number;
  nlr: number;
}

/** One Adam step of a variable: [w', m', v'] from w, m, v and the gradient g (all float32, one shape). */
export function adamStepKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const { w, m, v, g } = inputs as Record<string, tf.TensorInfo>;
  const c = attrs as unknown as AdamConstants;
  const n = w!.shape.reduce((a, b) => a * b, 1);
  for (const t of [m!, v!, g!])
    if (t.shape.reduce((a, b) => a * b, 1) !== n)
      throw new Error(`adamStep: [${t.shape}] for a variable of [${w!.shape}]`);
  const outs = [
    be.makeOutput(w!.shape, 'float32'),
    be.makeOutput(w!.shape, 'float32'),
    be.makeOutput(w!.shape, 'float32'),
  ];
  heapModule(be).adamStep(
    n,
    offsetOf(be, w!),
    offsetOf(be, m!),
    offsetOf(be, v!),
    offsetOf(be, g!),
    c.b1,
    c.c1,
    c.b2,
    c.c2,
    c.a1,
    c.a2,
    c.eps,
    c.nlr,
    offsetOf(be, outs[0]!),
    offsetOf(be, outs[1]!),
    offsetOf(be, outs[2]!),
  );
  return outs;
}

/** One Adam step in a single SIMD pass: [w', m', v'], bit-identical to tfjs's AdamOptimizer arithmetic. */
export function heapAdamStep(
  w: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  c: AdamConstants,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return runHeapKernel<[tf.Tensor, tf.Tensor, tf.Tensor]>(ADAM_STEP, { w, m, v, g }, c);
}
