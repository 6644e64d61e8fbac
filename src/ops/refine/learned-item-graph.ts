/**
 * learned_item_graph: LATTICE's latent item-item structure (Zhang et al., ACM MM 2021; MMRec lattice.py), used to
 * propagate item rows:
 *   S_m  = kNN_k( cos(P_m) ) with P_m the learned projection of modality m's features (top-k per row of the full
 *          similarity matrix, the similarities kept as weights; kNN indices carry no gradient, the kept
 *          similarities do);
 *   Ã    = Σ_m w_m S_m with w = softmax(modal_weight), a learnable [M] vector initialised to 0.5 each;
 *   A    = (1 − λ) D^-1/2 Ã D^-1/2  +  λ Σ_m w_m O_m,  D = row sums of Ã, O_m the frozen graphs from the raw features;
 *   out  = A^layers · in.
 * The learned part is evaluated edge-wise (B·k rows gathered with gatherRows, whose gradient is a host
 * scatter-add on wasm), never as a dense n x n matrix; the frozen part uses the sparse kernel spmm.
 *
 * `rebuild: epoch` follows MMRec: the graph is rebuilt (kNN and weights, with gradients into the projections and
 * modal weights) at the first training step of each epoch and reused, detached, for the epoch's other steps
 * (MMRec sets build_item_graph once per epoch and detaches item_adj afterwards); evaluation rebuilds it from the
 * current weights. `rebuild: step` rebuilds it, with gradients, at every step.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, StringEnum, typeToString, type RunContext } from '../types.js';
import { denseIn, listIn, sameDim } from '../shape.js';
import { CsrMatrix, isCsr } from '../sparse.js';
import { spmm } from '../kernels/spmm.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { knnSearch } from '../graph/knn-graph.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { MAX_LAYERS, MAX_NEIGHBOURS } from '../../util/size-limits.js';

interface Built {
  /** Per modality: neighbour indices [n·k] and the normalised, (1 − λ)-scaled edge values [n, k]. */
  learned: { idx: Int32Array; idxT: tf.Tensor1D; vals: tf.Tensor2D }[];
  /** Softmax modality weights, one [1]-tensor each. */
  w: tf.Tensor[];
}

export const learnedItemGraph = defineOp({
  name: 'learned_item_graph',
  doc: "LATTICE's learned item graph: kNN of projected features per modality, mixed by softmax weights, blended with frozen graphs by lambda, propagating `in`.",
  category: 'refine',
  params: Type.Object({
    k: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_NEIGHBOURS,
        default: 10,
        description: 'Neighbours kept per item in each learned kNN graph (LATTICE knn_k).',
        examples: [10],
      }),
    ),
    lambda: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.9,
        description: 'Weight of the frozen graphs: A = (1 − λ) learned + λ frozen (LATTICE lambda_coeff).',
        examples: [0.9],
      }),
    ),
    layers: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: MAX_LAYERS,
        default: 1,
        description: 'Propagation layers over A (LATTICE n_layers).',
        examples: [1],
      }),
    ),
    rebuild: Defaulted(
      StringEnum(['epoch', 'step'], {
        default: 'epoch',
        description:
          "'epoch': rebuilt with gradients at each epoch's first step and reused detached (MMRec); 'step': rebuilt with gradients every step.",
        examples: ['epoch'],
      }),
    ),
  }),
  inputs: [
    {
      name: 'features',
      doc: "Learned projections of each modality's features, [items, d_m] each (e.g. linear of f_v, f_t).",
      list: true,
      kind: 'dense',
    },
    {
      name: 'graphs',
      doc: 'Frozen kNN graphs of the raw features, one per modality in the same order, sparse [items, items].',
      list: true,
      kind: 'sparse',
    },
    { name: 'in', doc: 'Item rows to propagate [items, d] (LATTICE: the item ID table).', kind: 'dense' },
  ],
  outputs: [{ name: 'out', doc: 'A^layers · in [items, d].' }],
  shape: (p, inputs, env) => {
    const x = denseIn(inputs, 'in', 2);
    const fs = listIn(inputs, 'features');
    const gs = listIn(inputs, 'graphs');
    if (fs.length === 0) throw new ShapeError(`'features' needs at least one input`, { port: 'features' });
    fs.forEach((t, i) => {
      if (t.kind !== 'dense' || t.dims.length !== 2 || !sameDim(t.dims[0]!, x.dims[0]!))
        throw new ShapeError(
          `'features[${i}]' is ${typeToString(t)} but 'in' is ${typeToString(x)}: needs one row per row of 'in'`,
          { port: 'features' },
        );
    });
    if (gs.length !== fs.length)
      throw new ShapeError(`'graphs' has ${gs.length} entries for ${fs.length} features`, { port: 'graphs' });
    gs.forEach((g, i) => {
      if (g.kind !== 'sparse' || !sameDim(g.dims[0]!, x.dims[0]!) || !sameDim(g.dims[1]!, x.dims[0]!))
        throw new ShapeError(`'graphs[${i}]' must be sparse [${x.dims[0]}, ${x.dims[0]}], got ${typeToString(g)}`, {
          port: 'graphs',
        });
    });
    const rows = x.dims[0]!;
    const n = typeof rows === 'number' ? rows : env.sizes[rows];
    const k = p.k;
    if (n !== undefined && k > n) throw new ShapeError(`'k' is ${k} but there are only ${n} rows`, { param: 'k' });
    return { out: dense(...x.dims) };
  },
  variableShapes: (_p, inputs) => [[listIn(inputs, 'features').length]],
  build: (p, inputs, ctx) => {
    const k = p.k;
    const lambda = p.lambda;
    const layers = p.layers;
    const M = listIn(inputs, 'features').length;
    // MMRec: nn.Parameter([0.5, 0.5]) passed through a softmax.
    const modalWeight = ctx.variable('modal_weight', [M], new Float32Array(M).fill(0.5));
    let cached: { epoch: number; adj: CsrMatrix } | undefined;

    /** The learned graph's edges from the current projections, differentiable in them and in modal_weight. */
    const buildGraph = (feats: tf.Tensor2D[]): Built => {
      const wAll = tf.softmax(modalWeight);
      const w = Array.from({ length: M }, (_, m) => tf.slice(wAll, [m], [1]));
      const parts = feats.map((P, m) => {
        const [n, d] = P.shape;
        const pn = l2NormalizeRows(P);
        // Indices only: the search runs on a host copy, outside the differentiated path.
        let idx: Int32Array = new Int32Array(0);
        tf.tidy(() => {
          idx = knnSearch(tf.tensor2d(pn.dataSync() as Float32Array, [n, d]), k).indices;
        });
        const idxT = tf.tensor1d(idx, 'int32');
        const nb = tf.reshape(gatherRows(pn, idxT, idx), [n, k, d]);
        const s = tf.sum(tf.mul(nb, tf.expandDims(pn, 1)), 2) as tf.Tensor2D;
        return { idx, idxT, s: tf.mul(s, w[m]!) as tf.Tensor2D };
      });
      const n = feats[0]!.shape[0];
      const deg = tf.addN(parts.map((q) => tf.sum(q.s, 1, true))) as tf.Tensor2D;
      // D^-1/2 with the degree floored, so a degenerate row gives a large finite factor rather than NaN.
      const dinv = tf.pow(tf.maximum(deg, 1e-12), -0.5) as tf.Tensor2D;
      const learned = parts.map((q) => {
        const dj = tf.reshape(gatherRows(dinv, q.idxT, q.idx), [n, k]);
        return { idx: q.idx, idxT: q.idxT, vals: tf.mul(tf.mul(q.s, dinv), tf.mul(dj, 1 - lambda)) as tf.Tensor2D };
      });
      return { learned, w };
    };

    const propagateOnce = (g: Built, frozen: CsrMatrix[], x: tf.Tensor2D): tf.Tensor2D => {
      const [n, d] = x.shape;
      const terms: tf.Tensor[] = g.learned.map((e) =>
        tf.sum(tf.mul(tf.reshape(gatherRows(x, e.idxT, e.idx), [n, k, d]), tf.expandDims(e.vals, 2)), 1),
      );
      if (lambda > 0) frozen.forEach((o, m) => terms.push(tf.mul(spmm(o, x), tf.mul(g.w[m]!, lambda))));
      return tf.addN(terms) as tf.Tensor2D;
    };

    /** The whole A as one constant CSR matrix (for the detached steps of an epoch). */
    const toCsr = (g: Built, frozen: CsrMatrix[], n: number): CsrMatrix => {
      const r: number[] = [];
      const c: number[] = [];
      const v: number[] = [];
      for (const e of g.learned) {
        const vals = e.vals.dataSync();
        for (let i = 0; i < n; i++)
          for (let t = 0; t < k; t++) {
            r.push(i);
            c.push(e.idx[i * k + t]!);
            v.push(vals[i * k + t]!);
          }
      }
      if (lambda > 0)
        frozen.forEach((o, m) => {
          const wm = lambda * g.w[m]!.dataSync()[0]!;
          for (let i = 0; i < o.rows; i++)
            for (let q = o.indptr[i]!; q < o.indptr[i + 1]!; q++) {
              r.push(i);
              c.push(o.indices[q]!);
              v.push(wm * o.values[q]!);
            }
        });
      return CsrMatrix.fromCoo(n, n, r, c, v);
    };

    return {
      run: (v, run: RunContext) => {
        const x0 = v.in as tf.Tensor2D;
        const frozen = v.graphs as CsrMatrix[];
        if (!frozen.every(isCsr)) throw new Error('learned_item_graph: graphs must be sparse matrices');
        const byEpoch = p.rebuild === 'epoch';
        let x = x0;
        if (run.training && byEpoch && cached && cached.epoch === run.epoch) {
          for (let l = 0; l < layers; l++) x = spmm(cached.adj, x);
          return { out: x };
        }
        const g = buildGraph(v.features as tf.Tensor2D[]);
        for (let l = 0; l < layers; l++) x = propagateOnce(g, frozen, x);
        if (run.training && byEpoch) cached = { epoch: run.epoch, adj: toCsr(g, frozen, x0.shape[0]) };
        return { out: x };
      },
    };
  },
});
