/**
 * agreement_knn_graph: DA-MRS's denoised item-item graph of one modality (MMRec damrs.py get_knn_adj_mat).
 * A pair (i, j) is a candidate only where every modality agrees it is similar: cos_m(i, j) ≥ mean over all
 * pairs of cos_m, for `in` and each of `agree`; each row keeps its top-k candidates by the `in` similarity
 * (fewer when fewer pass), with entries 1, normalised D^-1/2 A D^-1/2 with D = row sums + 1e-7
 * (compute_normalized_laplacian). The reference zeroes failing pairs and then takes top-k of the zeroed row;
 * here failing pairs are excluded outright, which differs only where the mean similarity is negative.
 *
 * Constant work, done once. The mean of a cosine matrix is ‖Σ_i x̂_i‖² / n² (no n × n pass); the candidates
 * are found per row block with plain matMuls against X̂ᵀ transposed once, the masks and tf.topk run inside
 * tfjs, and only [block, k] indices and the pass counts are read back.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, sparse, ShapeError, typeToString } from '../types.js';
import { denseIn, listIn, sameDim } from '../shape.js';
import { CsrMatrix } from '../sparse.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { MAX_NEIGHBOURS } from '../../util/size-limits.js';

const BLOCK = 512;

/** Row i's kept columns, ordered by decreasing similarity; rows of the result [n][≤k]. */
export function agreementNeighbours(xs: tf.Tensor2D[], k: number, block = BLOCK): Int32Array[] {
  const n = xs[0]!.shape[0];
  const kk = Math.min(k, n);
  const rows: Int32Array[] = [];
  const prep = xs.map((x) =>
    tf.tidy(() => {
      const xn = l2NormalizeRows(x);
      const colSum = tf.sum(xn, 0);
      const mean = tf.div(tf.sum(tf.square(colSum)), n * n);
      return { xn, xnT: tf.transpose(xn) as tf.Tensor2D, mean };
    }),
  );
  try {
    for (let r0 = 0; r0 < n; r0 += block) {
      const b = Math.min(block, n - r0);
      const [idx, counts] = tf.tidy(() => {
        let pass: tf.Tensor | undefined;
        let first: tf.Tensor2D | undefined;
        prep.forEach(({ xn, xnT, mean }, m) => {
          const s = tf.matMul(tf.slice(xn, [r0, 0], [b, -1]), xnT) as tf.Tensor2D;
          if (m === 0) first = s;
          const ok = tf.greaterEqual(s, mean);
          pass = pass ? tf.logicalAnd(pass, ok) : ok;
        });
        const masked = tf.where(pass!, first!, tf.fill([b, n], -Infinity));
        const top = tf.topk(masked, kk, true);
        return [
          top.indices.dataSync().slice() as Int32Array,
          tf.sum(tf.cast(pass!, 'int32'), 1).dataSync().slice() as Int32Array,
        ];
      });
      for (let r = 0; r < b; r++) rows.push(idx.slice(r * kk, r * kk + Math.min(kk, counts[r]!)));
    }
  } finally {
    for (const p of prep) tf.dispose([p.xn, p.xnT, p.mean]);
  }
  return rows;
}

/** Binary adjacency from per-row neighbour lists, normalised D^-1/2 A D^-1/2 with D = row sums + 1e-7. */
export function binaryLaplacian(n: number, neighbours: ArrayLike<number>[]): CsrMatrix {
  const deg = neighbours.map((r) => Math.pow(r.length + 1e-7, -0.5));
  const rr: number[] = [];
  const cc: number[] = [];
  const vv: number[] = [];
  neighbours.forEach((cols, i) => {
    for (let t = 0; t < cols.length; t++) {
      const j = cols[t]!;
      rr.push(i);
      cc.push(j);
      vv.push(deg[i]! * deg[j]!);
    }
  });
  return CsrMatrix.fromCoo(n, n, rr, cc, vv);
}

export const agreementKnnGraph = defineOp({
  name: 'agreement_knn_graph',
  doc: 'Denoised kNN graph (DA-MRS): neighbours must be above the mean similarity in every modality; binary, normalised.',
  category: 'graph',
  params: Type.Object({
    k: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_NEIGHBOURS,
        default: 10,
        description: 'Neighbours kept per row (DA-MRS knn_k).',
        examples: [10],
      }),
    ),
  }),
  inputs: [
    { name: 'in', doc: 'Features whose similarity ranks the neighbours [n, f] (frozen).', kind: 'dense' },
    {
      name: 'agree',
      doc: 'Other modalities of the same rows that must also agree, each [n, f_m].',
      list: true,
      optional: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'out', doc: 'Sparse [n, n], at most k entries per row.' }],
  pure: true,
  shape: (p, inputs, env) => {
    const x = denseIn(inputs, 'in', 2);
    listIn(inputs, 'agree').forEach((t, i) => {
      if (t.kind !== 'dense' || t.dims.length !== 2 || !sameDim(t.dims[0]!, x.dims[0]!))
        throw new ShapeError(`'agree[${i}]' is ${typeToString(t)} but 'in' is ${typeToString(x)}: rows must match`, {
          port: 'agree',
        });
    });
    const rows = x.dims[0]!;
    const n = typeof rows === 'number' ? rows : env.sizes[rows];
    if (n !== undefined && p.k > n) throw new ShapeError(`'k' is ${p.k} but 'in' has only ${n} rows`, { param: 'k' });
    return { out: sparse(rows, rows) };
  },
  build: (p) => ({
    run: (v) => {
      const x = v.in as tf.Tensor2D;
      const agree = (v.agree as tf.Tensor2D[] | undefined) ?? [];
      return { out: binaryLaplacian(x.shape[0], agreementNeighbours([x, ...agree], p.k)) };
    },
  }),
});
