import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileSymbolic, loadChecked } from '../../src/experiments/run.js';
import { writeTree } from '../dsl/tmp.js';

function compileText(yaml: string) {
  const dir = writeTree({
    'p.yaml': `version: 1\ndata: { dataset: 'synth:small', features: { v: { synthetic: 16 } } }\n${yaml.trimStart()}`,
  });
  return compileSymbolic(loadChecked(join(dir, 'p.yaml')));
}

const labels = (g: ReturnType<typeof compileText>, ids: string[]) => ids.map((id) => g.nodes.get(id)!.label);

test('vbpr: the item table and its content projection run on the batch items; the user table and constants do not', () => {
  const g = compileText(`
name: t
nodes:
  f_v: { op: features, modality: v }
  content: { op: linear, in: f_v, out: 8 }
  item_id: { op: embedding, rows: items, dim: 8 }
  item: { op: concat, in: [item_id, content] }
  user: { op: embedding, rows: users, dim: 16 }
outputs: { user: user, item: item }
losses:
  bpr: { op: bpr, user: user, item: item }
`);
  assert.deepEqual(labels(g, g.plan.pushdown.nodes).sort(), ['content', 'item', 'item_id']);
  assert.deepEqual(labels(g, g.plan.pushdown.losses), ['bpr']);
  // The gradient multiplies this step's rows of f_v, so the whole constant is not transposed once.
  assert.deepEqual(g.plan.transposes, []);
});

test('a node that another loss reads in full, or that a graph propagates, stays on every row (and so do its inputs)', () => {
  const g = compileText(`
name: t
nodes:
  f_v: { op: features, modality: v }
  content: { op: linear, in: f_v, out: 8 }
  item_id: { op: embedding, rows: items, dim: 8 }
  item: { op: sum, in: [item_id, content] }
  user: { op: embedding, rows: users, dim: 8 }
outputs: { user: user, item: item }
losses:
  bpr: { op: bpr, user: user, item: item }
  cl: { op: infonce_full, anchor: item, positive: content }
`);
  assert.deepEqual(g.plan.pushdown.nodes, []);
  assert.deepEqual(g.plan.pushdown.losses, []);
  assert.deepEqual(g.plan.transposes, ['f_v.out']);
  const lg = compileText(`
name: t
nodes:
  ui: { op: interaction_graph }
  cf: { op: lightgcn, graph: ui.adj, dim: 8, layers: 2 }
outputs: { user: cf.users, item: cf.items }
losses:
  bpr: { op: bpr, user: cf.users, item: cf.items }
`);
  assert.deepEqual(lg.plan.pushdown.nodes, [], 'propagation mixes rows: nothing to push down');
});
