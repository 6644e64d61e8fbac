/**
 * x·W for a linear layer, with a gradient that avoids transposed-operand matMuls, which are 10-50x slower
 * than a plain matMul on the wasm backend (see shared/notes/tfjs-on-this-machine.md):
 * - dX = dY·Wᵀ, with W (small: [in, out]) transposed explicitly;
 * - dW = Xᵀ·dY, where Xᵀ is passed in when X is a constant (frozen features) so it is transposed once per run,
 *   not once per step; otherwise it is transposed explicitly here.
 * When X is a constant its gradient is never needed, so it is not an input of the custom gradient at all: that
 * skips dY·Wᵀ, an [items, out]·[out, in] product as large as the forward one (a third of a VBPR step).
 * Every product is split by rows of its left operand across threads (threads/pool.ts), with results identical
 * to one thread: with a cached Xᵀ, X is a whole constant whose row blocks the workers keep (threadedMatMul);
 * otherwise (this step's rows of a constant under row pushdown, a trainable input) the left operand of X·W,
 * Xᵀ·dY and dY·Wᵀ is made per step and its row blocks are copied to the workers per call (threadedStepMatMul).
 * Transposing X is exact, so the in-heap SIMD transpose serves it where available (it beats the stock one).
 */
import * as tf from '@tensorflow/tfjs';
import { referenceMode } from './mode.js';
import { threadedMatMul, threadedStepMatMul } from './threads/pool.js';
import { heapKernelsActive } from './registry.js';
import { heapTranspose } from './heap/rows.js';

type GradFn = Parameters<typeof tf.customGrad>[0];

function transposed(x: tf.Tensor2D): tf.Tensor2D {
  return heapKernelsActive() ? heapTranspose(x) : (tf.transpose(x) as tf.Tensor2D);
}

/**
 * `split` false keeps the per-step products on this thread: for a whole constant without a cached transpose (what the
 * evaluation multiplies when the step reads only its rows), where copying its rows to the workers at every call
 * would raise peak memory by their share of the constant and save little time.
 */
export function linearMatMul(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  xT?: tf.Tensor2D,
  xFrozen = false,
  split = true,
): tf.Tensor2D {
  if (referenceMode()) return tf.matMul(x, w);
  const mm = split ? threadedStepMatMul : (a: tf.Tensor2D, b: tf.Tensor2D) => tf.matMul(a, b);
  if (xT || xFrozen) {
    // x takes no gradient (a constant, or this step's rows of one): only dW, with xᵀ from the cache or made here.
    const f = tf.customGrad(((wIn: tf.Tensor, save: tf.GradSaveFunc) => {
      // Step rows of a constant are an intermediate of the step: saved so the tape keeps them for the gradient.
      save(xT ? [wIn] : [wIn, x]);
      return {
        value: xT ? threadedMatMul(x, wIn as tf.Tensor2D) : mm(x, wIn as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          xT ? threadedMatMul(xT, dy as tf.Tensor2D) : mm(transposed(saved[1] as tf.Tensor2D), dy as tf.Tensor2D),
        ],
      };
    }) as unknown as GradFn);
    return f(w) as tf.Tensor2D;
  }
  const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, wIn]);
    return {
      value: mm(xIn as tf.Tensor2D, wIn as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dx = mm(dy as tf.Tensor2D, tf.transpose(ws));
        const dw = mm(transposed(xs), dy as tf.Tensor2D);
        return [dx, dw];
      },
    };
  }) as unknown as GradFn);
  return f(x, w) as tf.Tensor2D;
}
