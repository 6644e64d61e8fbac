import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { compileSymbolic, loadChecked } from '../../src/experiments/run.js';
import { renderDot, renderMermaid, renderText } from '../../src/graph/render.js';
import { typeToString } from '../../src/ops/types.js';

test('lightgcn: the adjacency is folded once; propagation runs per step and at evaluation', () => {
  const g = compileSymbolic(loadChecked(join(PIPELINES, 'lightgcn.yaml')));
  assert.deepEqual(g.plan.constant, ['ui']);
  assert.deepEqual(g.plan.step, ['cf', 'loss:bpr']);
  assert.deepEqual(g.plan.eval, ['cf']);
  assert.deepEqual(g.plan.unused, []);
  assert.equal(typeToString(g.nodes.get('ui')!.outputTypes.adj!), 'sparse[users+items, users+items]');
  assert.equal(typeToString(g.outputTypes.user!), '[users, 64]');
});

test('vbpr: frozen features and their concatenation are constants; the item side runs on the batch items', () => {
  const g = compileSymbolic(loadChecked(join(PIPELINES, 'vbpr.yaml')));
  assert.deepEqual(g.plan.constant.sort(), ['content', 'f_t', 'f_v']);
  // The content projection's gradient multiplies the step's rows of the constant, so it is not transposed once.
  assert.deepEqual(g.plan.pushdown.nodes, ['item_id', 'item_content', 'item']);
  assert.deepEqual(g.plan.transposes, []);
  assert.equal(typeToString(g.outputTypes.user!), '[users, 128]');
  assert.equal(typeToString(g.nodes.get('content')!.outputTypes.out!), '[items, feat_t+feat_v]');
});

test('--set overrides reach shapes: params.dim=32 changes every width', () => {
  const g = compileSymbolic(loadChecked(join(PIPELINES, 'vbpr.yaml'), ['params.dim=32']));
  assert.equal(typeToString(g.outputTypes.user!), '[users, 64]');
  assert.equal(typeToString(g.outputTypes.item!), '[items, 64]');
});

test('inline nodes are hoisted and typed', () => {
  const loaded = loadChecked(join(PIPELINES, 'lightgcn.yaml'), [
    'nodes.mixed={op: sum, in: [cf.items, {op: linear, in: cf.items, out: 64}]}',
    'outputs.item=mixed',
  ]);
  const g = compileSymbolic(loaded);
  assert.ok(g.nodes.has('mixed/in/1'));
  assert.equal(g.nodes.get('mixed/in/1')!.op.name, 'linear');
  assert.ok(g.plan.eval.includes('mixed/in/1'));
});

test('renderers name every node', () => {
  const loaded = loadChecked(join(PIPELINES, 'vbpr.yaml'));
  const g = compileSymbolic(loaded);
  const text = renderText(g, 'vbpr');
  const dot = renderDot(g, 'vbpr');
  const mer = renderMermaid(g);
  for (const id of g.order) {
    assert.ok(text.includes(g.nodes.get(id)!.label), `text lacks ${id}`);
    assert.ok(dot.includes(`"${id}"`), `dot lacks ${id}`);
  }
  assert.match(dot, /^digraph "vbpr" \{/);
  assert.match(mer, /^flowchart TD/);
  assert.match(
    text,
    /computed once \(constants\):[\s\S]*per training step:[\s\S]*on the batch's items only \(row pushdown\): item_id, item_content, item -> bpr/,
  );
});
