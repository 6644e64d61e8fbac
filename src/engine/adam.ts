/**
 * Adam with tfjs's exact arithmetic and state (so checkpoints, getWeights/setWeights and the β^t products are
 * unchanged), but without its memory peak. tfjs's AdamOptimizer updates every variable inside one tidy, so
 * about twelve full-size temporaries per variable stay alive until the last variable is done: with FREEDOM's
 * trainable 4,096-d features that is more than a GB on top of the model (docs/kernels.md), and the wasm heap
 * never shrinks. Here each variable is updated in its own scope, and on wasm in one SIMD pass of our own kernel
 * (heapAdamStep) that writes the new value and moments directly: the same float32 operations in the same order,
 * so the values are bit-identical to tf.train.adam (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { heapKernelsActive } from '../ops/kernels/registry.js';
import { heapAdamStep } from '../ops/kernels/heap/adam.js';

/** The parts of tfjs's AdamOptimizer this subclass works with (declared private in its typings). */
interface AdamState {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

export class LeanAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const s = this as unknown as AdamState;
    const named = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.keys(variableGradients).map((k) => [k, variableGradients[k]] as const);
    const fused = heapKernelsActive();
    // 1 − β^t as tfjs computes it (a float32 subtraction). The kernel takes it as a number (one scalar read per
    // step, on wasm where reads are copies within the process); elsewhere (a GPU) it stays a tensor: no sync.
    const a1 = fused ? Math.fround(1 - s.accBeta1.dataSync()[0]!) : tf.keep(tf.sub(1, s.accBeta1));
    const a2 = fused ? Math.fround(1 - s.accBeta2.dataSync()[0]!) : tf.keep(tf.sub(1, s.accBeta2));
    named.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name]!;
      const moment = (list: AdamState['accumulatedFirstMoment'], suffix: string) =>
        (list[i] ??= {
          originalName: `${name}/${suffix}`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        }).variable;
      const m = moment(s.accumulatedFirstMoment, 'm');
      const v = moment(s.accumulatedSecondMoment, 'v');
      if (gradient == null) return;
      tf.tidy(() => {
        if (fused && value.dtype === 'float32') {
          const [w2, m2, v2] = heapAdamStep(value, m, v, gradient, {
            b1: s.beta1,
            c1: 1 - s.beta1,
            b2: s.beta2,
            c2: 1 - s.beta2,
            a1: a1 as number,
            a2: a2 as number,
            eps: s.epsilon,
            nlr: -s.learningRate,
          });
          m.assign(m2);
          v.assign(v2);
          value.assign(w2);
          return;
        }
        const m2 = tf.add(tf.mul(m, s.beta1), tf.mul(gradient, 1 - s.beta1));
        const v2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gradient), 1 - s.beta2));
        const mHat = tf.div(m2, a1);
        const vHat = tf.div(v2, a2);
        m.assign(m2);
        v.assign(v2);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), s.epsilon)), -s.learningRate), value));
      });
    });
    if (typeof a1 !== 'number') tf.dispose([a1, a2 as tf.Tensor]);
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}
