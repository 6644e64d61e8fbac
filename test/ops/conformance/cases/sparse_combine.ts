import { sparse } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { randSparse, SL, toDense } from '../ref.js';

/** SMORE's max-pool fusion: the union of the entries, each the largest value present (absent counts as −∞). */
export default {
  op: 'sparse_combine',
  params: { mode: 'max' },
  sizes: { items: 5 },
  types: { in: [sparse('items', 'items'), sparse('items', 'items')] },
  inputs: { in: [randSparse(1, 5, 5, 0.4), randSparse(2, 5, 5, 0.4)] },
  gradient: 'none',
  note: 'combines constant graphs: its output is sparse, there is nothing to differentiate',
  reference: (x) => {
    const [a, b] = SL(x.in).map((m) => ({
      d: toDense(m).data,
      has: new Set(
        Array.from({ length: m.rows }, (_, i) =>
          Array.from(m.indices.subarray(m.indptr[i]!, m.indptr[i + 1]!), (j) => i * m.cols + j),
        ).flat(),
      ),
    }));
    return {
      out: a!.d
        .map((_, e) => Math.max(a!.has.has(e) ? a!.d[e]! : -Infinity, b!.has.has(e) ? b!.d[e]! : -Infinity))
        .map((v) => (v === -Infinity ? 0 : v)),
    };
  },
} satisfies ConformanceCase;
