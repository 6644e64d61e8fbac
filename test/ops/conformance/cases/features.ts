import type { DataAccess } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { randDense } from '../ref.js';

const feat = randDense(1, 5, 3);
const data: DataAccess = {
  nUsers: 2,
  nItems: 5,
  trainPairs: { users: new Int32Array(0), items: new Int32Array(0) },
  modalities: ['mm'],
  feature: (m) => {
    if (m !== 'mm') throw new Error(`no feature ${m}`);
    return { rows: 5, cols: 3, data: Float32Array.from(feat.data) };
  },
};

/** The trainable copy of the features: out = the table, initialised from the feature file. */
export default {
  op: 'features',
  params: { modality: 'mm', trainable: true },
  sizes: { users: 2, items: 5, feat_mm: 3 },
  modalities: ['mm'],
  data,
  types: {},
  inputs: {},
  law: (out) => {
    // The table starts as the features themselves.
    if (!out.out!.every((v, i) => v === feat.data[i]))
      throw new Error('features: the trainable table does not start as the features');
  },
  reference: (_x, v) => ({ out: v.table!.slice() }),
} satisfies ConformanceCase;
