/**
 * THE list of the project's own tfjs kernels and gradients, by name: what exists, for which backend, whether it
 * replaces a stock kernel, and why. `installKernels(backend)` registers them with tfjs (the engine calls it when
 * it sets a backend up); `listKernels()` says what is here, for `anchorflow ops --kernels`, docs and tests.
 *
 * Two kinds of entries:
 * - registered kernels (tf.registerKernel, run by name through tf.engine().runKernel), with their gradients
 *   registered by name too (tf.registerGradient) where the kernel is differentiable. They belong to the wasm
 *   backend alone: every other backend keeps its kernel table as tfjs made it.
 * - gradient closures (tf.customGrad) that stay closures: each composes stock tfjs ops on whichever backend runs
 *   (or reads host data), so as a registered kernel it would have to be written again per backend, cpu included,
 *   with different arithmetic. They are listed here, by name and file, so that this file still says what exists.
 */
import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../sparse.js';
import { referenceMode } from './mode.js';
import { heapModuleBuilt } from './heap/runtime.js';
import { copyKernelFuncs } from './wasm-copy-kernels.js';
import {
  heapPropagateMean,
  heapSpmm,
  PROPAGATE_MEAN,
  propagateMeanKernel,
  SCATTER_ROWS,
  scatterAddRowsKernel,
  SPMM,
  spmmKernel,
} from './heap/graph.js';
import {
  EXP_ROWS,
  expRowsKernel,
  SCALE_ROWS,
  scaleRowsKernel,
  SOFTMAX_ROWS,
  softmaxRowsKernel,
  TOPK_ROWS,
  topkRowsKernel,
  TRANSPOSE_ROWS,
  transposeRowsKernel,
} from './heap/rows.js';
import { ADAM_STEP, adamStepKernel } from './heap/adam.js';

type CopyKernel = 'Slice' | 'SplitV' | 'GatherV2';

interface KernelEntry {
  name: string;
  backend: 'wasm';
  /**
   * heap: our AssemblyScript module in the backend's memory (only where it is built); copy: replaces a stock kernel.
   */
  family: 'heap' | 'copy';
  kernelFunc?: tf.KernelFunc;
  file: string;
  why: string;
  gradient?: { gradFunc: tf.GradFunc; why: string };
}

const heap = (
  name: string,
  kernelFunc: unknown,
  file: string,
  why: string,
  gradient?: KernelEntry['gradient'],
): KernelEntry => ({
  name,
  backend: 'wasm',
  family: 'heap',
  kernelFunc: kernelFunc as tf.KernelFunc,
  file,
  why,
  gradient,
});
const copy = (name: CopyKernel, why: string): KernelEntry => ({
  name,
  backend: 'wasm',
  family: 'copy',
  file: 'src/ops/kernels/wasm-copy-kernels.ts',
  why,
});

const matrixOf = (attrs: tf.NamedAttrMap | undefined): CsrMatrix => (attrs as unknown as { matrix: CsrMatrix }).matrix;

const KERNELS: readonly KernelEntry[] = [
  heap(
    SPMM,
    spmmKernel,
    'src/ops/kernels/heap/graph.ts',
    'A·X over a constant CSR matrix pinned in the wasm heap: no gather + segment sum, no copies per step',
    {
      gradFunc: (dy, _saved, attrs) => ({ x: () => heapSpmm(matrixOf(attrs).transpose(), dy as tf.Tensor2D) }),
      why: 'Aᵀ·dY with the same kernel (Aᵀ cached on the matrix)',
    },
  ),
  heap(
    PROPAGATE_MEAN,
    propagateMeanKernel,
    'src/ops/kernels/heap/graph.ts',
    "LightGCN's layer mean in one fused pass instead of 2L+1 tensor round trips",
    {
      gradFunc: (dy, _saved, attrs) => {
        const { layers } = attrs as unknown as { layers: number };
        return { x: () => heapPropagateMean(matrixOf(attrs).transpose(), dy as tf.Tensor2D, layers) };
      },
      why: 'the same mean of powers of Aᵀ applied to dY',
    },
  ),
  heap(
    SCATTER_ROWS,
    scatterAddRowsKernel,
    'src/ops/kernels/heap/graph.ts',
    'the gradient of a row gather written in place (wasm has no UnsortedSegmentSum)',
  ),
  heap(
    SOFTMAX_ROWS,
    softmaxRowsKernel,
    'src/ops/kernels/heap/rows.ts',
    "InfoNCE's row softmax with its max and sum in one SIMD pass instead of six [B, B] passes",
  ),
  heap(
    EXP_ROWS,
    expRowsKernel,
    'src/ops/kernels/heap/rows.ts',
    'exp of scaled similarities and their row sums in one SIMD pass (all-rows contrasts)',
  ),
  heap(SCALE_ROWS, scaleRowsKernel, 'src/ops/kernels/heap/rows.ts', 'a per-row broadcast multiply in one SIMD pass'),
  heap(
    TOPK_ROWS,
    topkRowsKernel,
    'src/ops/kernels/heap/rows.ts',
    "DA-MRS's pseudo-label top-k read where tfjs keeps the softmaxes",
  ),
  heap(
    TRANSPOSE_ROWS,
    transposeRowsKernel,
    'src/ops/kernels/heap/rows.ts',
    'a tiled transpose, faster than the stock one on [B, n] blocks, same bits',
  ),
  heap(
    ADAM_STEP,
    adamStepKernel,
    'src/ops/kernels/heap/adam.ts',
    "tfjs's Adam arithmetic for one variable in one SIMD pass",
  ),
  copy('GatherV2', 'row gathers as one row copy per index; the stock kernel loops per element'),
  copy('Slice', 'copies only the kept elements; the stock kernel first copies the whole input out of the heap'),
  copy('SplitV', 'one copy slice per part, for the same reason as Slice'),
];

interface ClosureEntry {
  name: string;
  backends: string;
  file: string;
  why: string;
}

/** Custom gradients that stay tf.customGrad closures, and why each is not a registered kernel + gradient. */
const CLOSURES: readonly ClosureEntry[] = [
  {
    name: 'spmm',
    backends: 'wasm, cpu',
    file: 'src/ops/kernels/spmm.ts',
    why: 'the host CSR loop (cpu, or wasm without the heap module or d % 4 ≠ 0): reads X from tfjs; cpu keeps stock kernels only',
  },
  {
    name: 'propagateMean',
    backends: 'wasm, cpu',
    file: 'src/ops/kernels/propagate-mean.ts',
    why: 'the host layer mean, as spmm',
  },
  {
    name: 'gatherRows',
    backends: 'wasm, cpu',
    file: 'src/ops/kernels/gather-rows.ts',
    why: "stock GatherV2 forward, scatter-add gradient; a GatherV2 gradient would replace tfjs's on every backend",
  },
  {
    name: 'linearMatMul',
    backends: 'all',
    file: 'src/ops/kernels/dense-matmul.ts',
    why: 'stock matMuls with explicit transposes; a frozen xᵀ is a closure constant, not an input',
  },
  {
    name: 'matMulABt',
    backends: 'all',
    file: 'src/ops/loss/infonce.ts',
    why: 'stock matMuls with explicit transposes of the small operands',
  },
  {
    name: 'infoNceNormalised',
    backends: 'all',
    file: 'src/ops/loss/infonce.ts',
    why: 'closed-form gradient saving the softmax; the forward picks the heap kernel or stock ops',
  },
  {
    name: 'rowLogSumExp',
    backends: 'all',
    file: 'src/ops/loss/infonce-full.ts',
    why: 'closed-form log-sum-exp gradient from the saved exponentials, stock ops',
  },
  {
    name: 'sumExpSimilarity',
    backends: 'all',
    file: 'src/ops/kernels/exp-similarity.ts',
    why: 'chunked: the backward pass recomputes the exponentials per chunk',
  },
  {
    name: 'gramDistance',
    backends: 'all',
    file: 'src/ops/loss/structure-preservation.ts',
    why: 'scalars summed in float64 on the host; T·h may be a closure over frozen features',
  },
  {
    name: 'rfft',
    backends: 'all',
    file: 'src/ops/layer/spectral-filter.ts',
    why: 'a host FFT; its gradient is the adjoint transform',
  },
  {
    name: 'irfft',
    backends: 'all',
    file: 'src/ops/layer/spectral-filter.ts',
    why: 'a host inverse FFT; its gradient is the adjoint transform',
  },
  {
    name: 'stopGradient',
    backends: 'all',
    file: 'src/ops/combine/stop-gradient.ts',
    why: 'tfjs has no stop-gradient op; a kernel would need an identity per backend',
  },
];

/** One row of `anchorflow ops --kernels`. */
export interface KernelListing {
  name: string;
  /** 'registered': tf.registerKernel by name; 'closure': a tf.customGrad closure. */
  kind: 'registered' | 'closure';
  backend: string;
  /** ours: a gradient of our own (registered, or the closure's); stock: tfjs's own for the kernel name; none. */
  gradient: 'ours' | 'stock' | 'none';
  replacesStock: boolean;
  file: string;
  why: string;
}

export function listKernels(): KernelListing[] {
  return [
    ...KERNELS.map((k): KernelListing => ({
      name: k.name,
      kind: 'registered',
      backend: k.backend,
      gradient: k.gradient ? 'ours' : k.family === 'copy' ? 'stock' : 'none',
      replacesStock: k.family === 'copy',
      file: k.file,
      why: k.gradient ? `${k.why}; gradient: ${k.gradient.why}` : k.why,
    })),
    ...CLOSURES.map((c): KernelListing => ({
      name: c.name,
      kind: 'closure',
      backend: c.backends,
      gradient: 'ours',
      replacesStock: false,
      file: c.file,
      why: c.why,
    })),
  ];
}

/** The kernel function we registered under each `backend/name`, to tell ours from tfjs's. */
const ours = new Map<string, tf.KernelFunc>();
const isOurs = (name: string, backend: string): boolean => {
  const f = ours.get(`${backend}/${name}`);
  return f !== undefined && tf.getKernel(name, backend)?.kernelFunc === f;
};

function register(name: string, backend: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(name, backend)) tf.unregisterKernel(name, backend);
  tf.registerKernel({ kernelName: name, backendName: backend, kernelFunc });
  ours.set(`${backend}/${name}`, kernelFunc);
}

/**
 * Registers our kernels (and their gradients) for `backend`, once: a second call changes nothing. Only wasm has
 * any; the heap kernels only where dist/wasm/kernels-heap.wasm is built, the copy kernels only where the wasm
 * backend has the stock kernels they fall back to.
 */
export function installKernels(backend: string): void {
  const mine = KERNELS.filter((k) => k.backend === backend);
  if (mine.length === 0) return;
  if (heapModuleBuilt())
    for (const k of mine)
      if (k.family === 'heap' && !isOurs(k.name, backend)) {
        register(k.name, backend, k.kernelFunc!);
        if (k.gradient && !tf.getGradient(k.name))
          tf.registerGradient({ kernelName: k.name, gradFunc: k.gradient.gradFunc });
      }
  const copies = mine.filter((k) => k.family === 'copy');
  if (copies.some((k) => isOurs(k.name, backend))) return;
  const stock = (n: CopyKernel) => tf.getKernel(n, backend)?.kernelFunc;
  const [Slice, SplitV, GatherV2] = [stock('Slice'), stock('SplitV'), stock('GatherV2')];
  if (!Slice || !SplitV || !GatherV2) return; // not the wasm backend we know: keep what it has
  const funcs = copyKernelFuncs({ Slice, SplitV, GatherV2 });
  for (const k of copies) register(k.name, backend, funcs[k.name as CopyKernel]);
}

let heapInstalled = false;

/**
 * Whether the in-memory kernels serve the active backend now (wasm, module built, not reference mode); the first
 * yes installs them, so code that set the wasm backend without the engine gets them as well.
 */
export function heapKernelsActive(): boolean {
  if (tf.getBackend() !== 'wasm' || referenceMode() || !heapModuleBuilt()) return false;
  if (!heapInstalled) {
    installKernels('wasm');
    heapInstalled = true;
  }
  return true;
}
