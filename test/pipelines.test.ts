import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PIPELINES } from './helpers.js';
import { loadChecked, runPipeline } from '../src/experiments/run.js';
import type { Pipeline } from '../src/dsl/types.js';
import type { EngineEvent, EpochEndEvent } from '../src/engine/events.js';

const load = (f: string) => loadChecked(join(PIPELINES, f)).pipeline;

/** Names of nodes / losses whose definitions differ between two pipelines (added, removed or changed). */
function diff(a: Pipeline, b: Pipeline, section: 'nodes' | 'losses' | 'outputs' | 'params'): string[] {
  const keys = new Set([...Object.keys(a[section]), ...Object.keys(b[section])]);
  return [...keys]
    .filter(
      (k) => !isDeepStrictEqual((a[section] as Record<string, unknown>)[k], (b[section] as Record<string, unknown>)[k]),
    )
    .sort();
}

const flagship = load('anchorrec.yaml');

const expected: Record<string, { nodes: string[]; losses: string[] }> = {
  'ablation-noproj.yaml': { nodes: ['p_id', 'p_mm', 'p_t', 'p_v'], losses: [] },
  'ablation-noanchor.yaml': { nodes: [], losses: ['aal', 'amp'] },
  'ablation-noaal.yaml': { nodes: [], losses: ['aal'] },
  'ablation-noamp.yaml': { nodes: [], losses: ['amp'] },
  'ablation-idanchor.yaml': { nodes: [], losses: ['aal'] },
};

for (const [file, want] of Object.entries(expected)) {
  test(`${file} differs from the flagship exactly where intended`, () => {
    const p = load(file);
    assert.deepEqual(diff(flagship, p, 'nodes'), want.nodes);
    assert.deepEqual(diff(flagship, p, 'losses'), want.losses);
    assert.deepEqual(diff(flagship, p, 'outputs'), []);
    assert.deepEqual(diff(flagship, p, 'params'), []);
    assert.deepEqual(p.train, flagship.train);
    assert.deepEqual(p.eval, flagship.eval);
    assert.deepEqual(p.data, flagship.data);
  });
}

test('the ablations change what they say: identity projections, removed losses, the ID anchor', () => {
  const noproj = load('ablation-noproj.yaml');
  for (const m of ['id', 'mm', 't', 'v']) assert.equal(noproj.nodes[`p_${m}`]!.op, 'identity');
  assert.equal(noproj.nodes.p_mm!.in, 'h_mm');
  assert.deepEqual(Object.keys(load('ablation-noanchor.yaml').losses), ['bpr']);
  const id = load('ablation-idanchor.yaml').losses.aal!;
  assert.equal(id.anchor, 'p_id');
  assert.deepEqual(id.views, ['p_mm', 'p_mix']);
  assert.equal(flagship.losses.aal!.anchor, 'p_mm');
});

test('the official variant says what reference-notes lists', () => {
  const off = load('anchorrec-official.yaml');
  assert.deepEqual(diff(flagship, off, 'losses'), ['aal', 'amp', 'bpr', 'smooth', 'triplet']);
  assert.deepEqual(off.nodes.p_mix!.weights, [0.75, 0.25]);
  assert.deepEqual(off.nodes.p_mix!.in, ['p_t', 'p_v']);
  assert.equal(off.nodes.p_t!.in, 'f_t');
  assert.deepEqual(off.losses.aal!.stop_grad_anchor, [false, true]);
  assert.deepEqual(off.losses.amp!.weights, [1, 0.03, 0.01]);
  assert.equal(off.nodes.ft_v!.trainable, true);
  assert.deepEqual(off.nodes.item!.in, ['cf.items', 'h_mm', 'h_t', 'recon']);
  assert.deepEqual(off.nodes.user!.in, ['cf.users', 'u_mm', 'u_t']);
  assert.equal(off.outputs.user, 'user');
});

test('the official variant defaults to the official TikTok grid point (n_layers 1, lambda 1e-3, knn_k 10, lr 1e-3, aal .01, amp .01, tau .2)', () => {
  const off = load('anchorrec-official.yaml');
  for (const m of ['mm', 't', 'v']) {
    assert.equal(off.nodes[`h_${m}`]!.layers, 1, `h_${m} layers`);
    assert.equal(off.nodes[`knn_${m}`]!.k, 10, `knn_${m} k`);
  }
  assert.equal(off.losses.bpr!.l2, 1e-3);
  assert.equal(off.train.optimizer.adam.lr, 1e-3);
  assert.equal(off.losses.aal!.weight, 0.01);
  assert.equal(off.losses.amp!.weight, 0.01);
  assert.equal(off.losses.aal!.tau, 0.2);
  // Only tau differs from the paper file's defaults.
  assert.deepEqual(
    diff(flagship, off, 'params').filter((k) => k in flagship.params),
    ['tau'],
  );
});

for (const file of ['anchorrec.yaml', 'anchorrec-official.yaml', ...Object.keys(expected)]) {
  test(`${file} trains an epoch on built-in data with finite losses`, async () => {
    const events: EngineEvent[] = [];
    const r = await runPipeline({
      file: join(PIPELINES, file),
      epochs: 1,
      backend: 'wasm',
      out: false,
      emit: (e) => events.push(e),
    });
    const end = events.find((e): e is EpochEndEvent => e.type === 'epoch_end')!;
    for (const [k, v] of Object.entries(end.losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
    assert.ok(r.mean.test['recall@20']! > 0);
  });
}

/** Sorted keys all the way down: the order in which extends merged a patch is not part of a pipeline's meaning. */
const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;

test('the attribution chain: each step extends the one before and changes something, and the chain ends at the official variant', () => {
  const dir = join(PIPELINES, 'attribution');
  const steps = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.deepEqual(
    steps.map((f) => Number(f.split('-')[0])),
    [1, 2, 3, 4, 5, 6],
    'steps 1..6; step 7 is anchorrec-official.yaml',
  );
  let before = flagship;
  for (const f of steps) {
    const text = readFileSync(join(dir, f), 'utf8');
    const parent = /^extends: (.+)$/m.exec(text)?.[1];
    assert.equal(
      parent,
      before === flagship ? '../anchorrec.yaml' : steps[steps.indexOf(f) - 1],
      `${f} extends the step before it`,
    );
    const p = loadChecked(join(dir, f)).pipeline;
    const changed = (['nodes', 'losses', 'outputs', 'params'] as const).flatMap((s) => diff(before, p, s));
    assert.ok(changed.length > 0, `${f} changes nothing`);
    before = p;
  }
  // Step 6 plus the last element (trainable feature tables feeding the gates) is the official file, setting for
  // setting.
  const tmp = mkdtempSync(join(tmpdir(), 'anchorflow-attr-'));
  const last = join(tmp, 'official-from-chain.yaml');
  writeFileSync(
    last,
    [
      `extends: ${join(dir, steps.at(-1)!)}`,
      'name: anchorrec-official',
      'description: AnchorRec, official-code variant.',
      'nodes:',
      ...['mm', 't', 'v'].flatMap((m) => [
        `  ft_${m}: { op: features, modality: ${m}, trainable: true }`,
        `  g_${m}: { features: ft_${m} }`,
      ]),
      '',
    ].join('\n'),
  );
  const official = load('anchorrec-official.yaml');
  const fromChain = loadChecked(last).pipeline;
  assert.deepEqual(canonical(fromChain), canonical(official));
  // ...and without that last element it is not (the check above can fail).
  assert.notDeepEqual(
    canonical({ ...before, name: official.name, description: official.description }),
    canonical(official),
  );
});
