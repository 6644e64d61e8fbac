import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, StringEnum } from '../types.js';
import { initSchema, parseInit } from '../init.js';
import { MAX_WIDTH } from '../../util/size-limits.js';

/** A trainable ID embedding table for users or items (MF / VBPR style, no propagation). */
export const embedding = defineOp({
  name: 'embedding',
  doc: 'A trainable ID embedding table, one row per user or per item.',
  category: 'encoder',
  rowwise: true,
  params: Type.Object({
    rows: StringEnum(['users', 'items'], { description: 'Whose table: users or items.', examples: ['users'] }),
    dim: Type.Integer({ minimum: 1, maximum: MAX_WIDTH, description: 'Embedding size.', examples: [64] }),
    init: Defaulted(initSchema({ default: 'xavier_uniform' })),
  }),
  inputs: [],
  outputs: [{ name: 'out', doc: 'The table [rows, dim].' }],
  shape: (p) => ({ out: dense(p.rows, p.dim) }),
  variableShapes: (p, _in, sizes) => [[sizes[p.rows]!, p.dim]],
  build: (p, _in, ctx) => {
    const w = ctx.variable('table', [ctx.sizes[p.rows]!, p.dim], parseInit(p.init, 'xavier_uniform'));
    return { run: () => ({ out: w }) };
  },
});
