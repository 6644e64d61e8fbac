import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import { prepare, runPipeline } from '../../src/experiments/run.js';
import { compileSymbolic, loadChecked, planJson, planText } from '../../src/graph/stages.js';
import { stableJson } from '../../src/graph/plan-json.js';
import { datasetSizes } from '../../src/engine/executor.js';

const LIGHTGCN = join(PIPELINES, 'lightgcn.yaml');

test('plan: lightgcn as a typed DAG, its shapes bound to the data, its phases and its loss weight', async () => {
  const { graph, dataset } = await prepare({ file: LIGHTGCN, epochs: 1 });
  const plan = planJson(graph, datasetSizes(dataset));
  const n = dataset.nUsers + dataset.nItems;
  assert.deepEqual(plan.order, ['ui', 'cf', 'loss:bpr']);
  assert.equal(plan.nodes.ui!.op, 'interaction_graph');
  assert.deepEqual(plan.nodes.ui!.outputs.adj, { kind: 'sparse', dims: ['users+items', 'users+items'], bound: [n, n] });
  assert.equal(plan.nodes.ui!.constant, true);
  assert.deepEqual(plan.nodes.cf!.inputs, { graph: 'ui.adj' });
  assert.equal(plan.nodes.cf!.params.dim, 64);
  assert.deepEqual(plan.nodes.cf!.outputs.users, { kind: 'dense', dims: ['users', 64], bound: [dataset.nUsers, 64] });
  assert.deepEqual(plan.nodes.cf!.outputs.items!.bound, [dataset.nItems, 64]);
  assert.equal(plan.nodes.cf!.constant, false);
  assert.equal(plan.nodes['loss:bpr']!.at, 'losses.bpr');
  assert.deepEqual(plan.phases, {
    constant: ['ui'],
    step: ['cf', 'loss:bpr'],
    eval: ['cf'],
    export: ['cf'],
    unused: [],
  });
  assert.deepEqual(plan.losses, [{ id: 'loss:bpr', label: 'bpr', op: 'bpr', weight: 1 }]);
  assert.deepEqual(plan.outputs, { user: 'cf.users', item: 'cf.items' });
  assert.equal(plan.sizes.users, dataset.nUsers);
});

test('plan: loss weights as the pipeline writes them; sums of widths bound; symbolic names stay unbound without data', async () => {
  const loaded = loadChecked(join(PIPELINES, 'anchorrec.yaml'));
  const plan = planJson(compileSymbolic(loaded), {});
  const written = Object.entries(loaded.pipeline.losses).map(([k, spec]) => [k, Number(spec.weight ?? 1)]);
  assert.deepEqual(plan.losses.map((l) => [l.label, l.weight]).sort(), written.sort());
  assert.ok(
    written.some(([, w]) => w !== 1),
    'anchorrec weighs some of its losses',
  );
  const [node, port] = plan.outputs.user!.split('.');
  assert.deepEqual(plan.nodes[node!]!.outputs[port!]!.bound, [null, loaded.pipeline.params.dim]);

  // Without data a concatenation's width is a sum of names; sizes bind it.
  const vbpr = compileSymbolic(loadChecked(join(PIPELINES, 'vbpr.yaml')));
  const symbolic = planJson(vbpr, { items: 10, feat_t: 3, feat_v: 5 }).nodes.content!.outputs.out!;
  assert.deepEqual(symbolic, { kind: 'dense', dims: ['items', 'feat_t+feat_v'], bound: [10, 8] });
  assert.deepEqual(planJson(vbpr, { items: 10 }).nodes.content!.outputs.out!.bound, [10, null]);
  // With data the shape rule already knows the width.
  const { graph, dataset } = await prepare({ file: join(PIPELINES, 'vbpr.yaml'), epochs: 1 });
  const width = dataset.features.t!.cols + dataset.features.v!.cols;
  assert.deepEqual(planJson(graph, datasetSizes(dataset)).nodes.content!.outputs.out!.bound, [dataset.nItems, width]);
});

test('plan.json: written into every run directory, atomically, byte-identical for two runs of one pipeline', async () => {
  const out = mkdtempSync(join(tmpdir(), 'af-plan-'));
  try {
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await runPipeline({ file: LIGHTGCN, epochs: 1, backend: 'wasm', out });
      const dir = result.runDir!;
      const files = readdirSync(dir);
      assert.ok(files.includes('plan.json'), `${dir} holds ${files.join(', ')}`);
      assert.deepEqual(
        files.filter((f) => f.endsWith('.tmp')),
        [],
        'no temp file is left behind',
      );
      texts.push(readFileSync(join(dir, 'plan.json'), 'utf8'));
    }
    assert.equal(readdirSync(out).length, 1, 'one pipeline');
    assert.equal(readdirSync(join(out, 'lightgcn')).length, 2, 'two run directories');
    assert.equal(texts[0], texts[1]);
    // Keys sorted at every level, and the same text the plan stage gives for this graph and data.
    assert.equal(texts[0], stableJson(JSON.parse(texts[0]!)));
    const { graph, dataset } = await prepare({ file: LIGHTGCN, epochs: 1 });
    assert.equal(texts[0], planText(graph, datasetSizes(dataset)));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('plan.json: --no-save writes nothing, plan included', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'af-nosave-'));
  try {
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', LIGHTGCN, '--epochs', '1', '--no-save', '--json', '--backend', 'wasm'],
      { cwd, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(cwd), []);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
