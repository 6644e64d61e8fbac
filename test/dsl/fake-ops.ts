/** A small stand-in for the op registry, in the shape buildPipelineSchema takes. */
import { buildPipelineSchema, type OpSchemaInput } from '../../src/dsl/index.js';

const dims = { type: 'array', items: { type: 'integer', minimum: 1 }, description: 'Layer widths.' };

export const FAKE_OPS: OpSchemaInput[] = [
  {
    name: 'lightgcn',
    doc: 'LightGCN propagation over the user-item graph; ports users, items.',
    params: {
      dim: { type: 'integer', minimum: 1, default: 64, description: 'Embedding width.' },
      layers: { type: 'integer', minimum: 0, default: 2, description: 'Propagation layers.' },
    },
    inputs: [],
  },
  {
    name: 'features',
    doc: 'A frozen feature matrix.',
    params: {
      type: 'object',
      properties: { modality: { type: 'string', description: 'Modality key.' } },
      required: ['modality'],
    },
    inputs: [],
  },
  {
    name: 'mlp',
    doc: 'Multi-layer perceptron.',
    params: { dims: { ...dims, default: [64] } },
    inputs: [{ name: 'in', doc: 'Input rows.' }],
  },
  { name: 'identity', doc: 'Passes its input through.', params: {}, inputs: [{ name: 'in', doc: 'Input.' }] },
  {
    name: 'mix',
    doc: 'Weighted sum of inputs.',
    params: { weights: { type: 'array', items: { type: 'number' }, description: 'One weight per input.' } },
    inputs: [{ name: 'in', list: true, doc: 'Inputs.' }],
  },
  { name: 'sum', doc: 'Sum of inputs.', params: {}, inputs: [{ name: 'in', list: true, doc: 'Inputs.' }] },
  {
    name: 'bpr',
    doc: 'Bayesian personalised ranking.',
    params: { l2: { type: 'number', minimum: 0, default: 0, description: 'L2 weight.' } },
    inputs: [
      { name: 'user', doc: 'User embeddings.' },
      { name: 'item', doc: 'Item embeddings.' },
    ],
    loss: true,
  },
  {
    name: 'infonce',
    doc: 'InfoNCE between an anchor and views.',
    params: { tau: { type: 'number', exclusiveMinimum: 0, default: 0.2, description: 'Temperature.' } },
    inputs: [
      { name: 'anchor', doc: 'Anchor.' },
      { name: 'views', list: true, doc: 'Views.' },
    ],
    loss: true,
  },
];

export const FAKE_SCHEMA = buildPipelineSchema(FAKE_OPS);
