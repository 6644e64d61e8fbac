/**
 * Slice, SplitV and GatherV2 for the wasm backend, as plain copies of the elements they keep.
 *
 * Why: tfjs-backend-wasm 4.22's slice starts with `backend.readSync(x.dataId)`, which copies the *whole* input
 * out of the wasm heap into a fresh ArrayBuffer before taking the slice, and its SplitV slices once per part. So
 * splitting a propagated [users+items, d] table into users and items (every graph model, every step, forward
 * and backward) allocated and copied the full table twice, a visible share of a LightGCN epoch plus the garbage
 * collection it caused (docs/kernels.md). These kernels view the input in place (the heap view is
 * taken after the output is allocated, since an allocation can grow and detach the heap) and copy only the
 * kept elements. GatherV2 over rows (axis 0, how every loss reads its batch's embeddings) is a generic
 * per-element loop there; here it is one row copy per index.
 * These kernels only copy, so their results are bit-identical to the stock kernels, which reference mode,
 * string tensors and the cases not handled here still use.
 */
import * as tf from '@tensorflow/tfjs';
import { referenceMode } from './mode.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's BackendWasm that these kernels use (all public methods there). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Heap;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** Copies x[begin : begin + size] (any rank) into out, one contiguous innermost run at a time. */
export function sliceInto(x: Heap, shape: number[], begin: number[], size: number[], out: Heap): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  if (rank === 0) {
    out[0] = x[0]!;
    return;
  }
  // Merge the trailing axes that are taken whole into one run: [a, b, c] sliced only in a copies b*c at a time.
  let inner = rank - 1;
  let run = size[inner]!;
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner]!;
  }
  const outer = size.slice(0, inner);
  const count = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(inner).fill(0);
  for (let r = 0; r < count; r++) {
    let off = begin[inner]! * (strides[inner] ?? 1);
    for (let a = 0; a < inner; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    out.set(x.subarray(off, off + run), r * run);
    for (let a = inner - 1; a >= 0; a--) {
      if (++idx[a]! < size[a]!) break;
      idx[a] = 0;
    }
  }
}

function sliceFast(args: KernelArgs, stock: tf.KernelFunc): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const backend = args.backend as WasmBackend;
  if (x.dtype === 'string' || referenceMode()) return stock(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const { begin, size } = args.attrs as { begin: number[]; size: number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size) as [number[], number[]];
  const out = backend.makeOutput(s, x.dtype);
  if (tf.util.sizeFromShape(s) === 0) return out;
  // Views taken after makeOutput: growing the heap there would detach earlier views.
  sliceInto(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(out));
  return out;
}

function splitVFast(args: KernelArgs, stockSlice: tf.KernelFunc): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[ax] = n;
    const part = sliceFast({ inputs: { x }, attrs: { begin: [...begin], size }, backend: args.backend }, stockSlice);
    begin[ax]! += n;
    return part;
  });
}

function gatherFast(args: KernelArgs, stock: tf.KernelFunc): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const indices = args.inputs.indices as tf.TensorInfo;
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
  const backend = args.backend as WasmBackend;
  const rows = x.shape[0] ?? 0;
  if (
    referenceMode() ||
    x.dtype === 'string' ||
    indices.dtype !== 'int32' ||
    batchDims !== 0 ||
    x.shape.length === 0 ||
    tf.util.parseAxisParam(axis, x.shape)[0] !== 0 ||
    rows === 0
  )
    return stock(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const width = tf.util.sizeFromShape(x.shape.slice(1));
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const idx = backend.typedArrayFromHeap(indices);
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!;
    if (!(i >= 0 && i < rows)) throw new Error(`GatherV2: the index value ${i} is not in [0, ${rows - 1}]`);
    ov.set(xv.subarray(i * width, i * width + width), r * width);
  }
  return out;
}

/**
 * The kernel functions that replace the wasm backend's own, each given the stock function it falls back to
 * (SplitV falls back per part to the stock Slice). ../registry.ts registers them.
 */
export function copyKernelFuncs(stock: {
  Slice: tf.KernelFunc;
  SplitV: tf.KernelFunc;
  GatherV2: tf.KernelFunc;
}): Record<'Slice' | 'SplitV' | 'GatherV2', tf.KernelFunc> {
  return {
    GatherV2: (a) => gatherFast(a as KernelArgs, stock.GatherV2),
    Slice: (a) => sliceFast(a as KernelArgs, stock.Slice),
    SplitV: (a) => (referenceMode() ? stock.SplitV(a) : splitVFast(a as KernelArgs, stock.Slice)),
  };
}
