/**
 * sparse_combine: one constant sparse matrix from several of the same shape.
 *  - 'sum': Σ w_m A_m, FREEDOM's item-item graph mm_image_weight · S_v + (1 − mm_image_weight) · S_t
 *    (MMRec freedom.py, the modality graphs already normalised);
 *  - 'max': the union of the entries, each the largest of the values present (an absent entry counts as −∞),
 *    SMORE's max_pool_fusion of its image and text kNN graphs.
 * Pure: with constant inputs it is folded once at build time.
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, ShapeError, sparse, StringEnum } from '../types.js';
import { sameShapeList } from '../shape.js';
import { CsrMatrix, isCsr } from '../sparse.js';

export function combineCsr(ms: CsrMatrix[], mode: 'sum' | 'max', weights?: number[]): CsrMatrix {
  const first = ms[0]!;
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  if (mode === 'sum') {
    ms.forEach((m, t) => {
      const w = weights?.[t] ?? 1;
      for (let i = 0; i < m.rows; i++)
        for (let k = m.indptr[i]!; k < m.indptr[i + 1]!; k++) {
          r.push(i);
          c.push(m.indices[k]!);
          v.push(w * m.values[k]!);
        }
    });
    return CsrMatrix.fromCoo(first.rows, first.cols, r, c, v);
  }
  // max: per row, a map column -> largest value (duplicates inside one matrix are summed first, as in COO).
  for (let i = 0; i < first.rows; i++) {
    const best = new Map<number, number>();
    for (const m of ms) {
      const own = new Map<number, number>();
      for (let k = m.indptr[i]!; k < m.indptr[i + 1]!; k++)
        own.set(m.indices[k]!, (own.get(m.indices[k]!) ?? 0) + m.values[k]!);
      for (const [j, x] of own) best.set(j, Math.max(best.get(j) ?? -Infinity, x));
    }
    for (const [j, x] of best) {
      r.push(i);
      c.push(j);
      v.push(x);
    }
  }
  return CsrMatrix.fromCoo(first.rows, first.cols, r, c, v);
}

export const sparseCombine = defineOp({
  name: 'sparse_combine',
  doc: 'Combines constant sparse graphs of one shape: weighted sum (FREEDOM) or entry-wise max over the union (SMORE).',
  category: 'graph',
  params: Type.Object({
    mode: Defaulted(
      StringEnum(['sum', 'max'], {
        default: 'sum',
        description:
          "'sum': Σ w_m A_m; 'max': union of the entries, each the largest value present (SMORE's max-pool fusion).",
        examples: ['sum', 'max'],
      }),
    ),
    weights: Type.Optional(
      Type.Array(Type.Number(), {
        description: "One weight per input for 'sum' (default all 1); not allowed with 'max'.",
        examples: [[0.1, 0.9]],
      }),
    ),
  }),
  inputs: [{ name: 'in', doc: 'Sparse matrices of one shape, e.g. [knn_v, knn_t].', list: true, kind: 'sparse' }],
  outputs: [{ name: 'out', doc: 'The combined sparse matrix, same shape.' }],
  pure: true,
  shape: (p, inputs) => {
    const ts = sameShapeList(inputs, 'in', 'sparse');
    const first = ts[0]!;
    if (p.weights && p.mode === 'max')
      throw new ShapeError(`'weights' only applies to mode 'sum'`, { param: 'weights' });
    if (p.weights && p.weights.length !== ts.length)
      throw new ShapeError(`'weights' has ${p.weights.length} entries for ${ts.length} inputs`, { param: 'weights' });
    return { out: sparse(first.dims[0]!, first.dims[1]!) };
  },
  build: (p) => ({
    run: (v) => {
      const ms = v.in as CsrMatrix[];
      if (!ms.every(isCsr)) throw new Error('sparse_combine: inputs must be sparse matrices');
      return { out: combineCsr(ms, p.mode, p.weights) };
    },
  }),
});
