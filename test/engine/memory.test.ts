import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { prepare } from '../../src/experiments/run.js';
import { Model } from '../../src/engine/executor.js';
import { initBackend } from '../../src/engine/backend.js';
import { checkMemory, estimateMemory } from '../../src/engine/memory.js';
import { trainSpecOf } from '../../src/experiments/train-spec.js';
import { isUserError } from '../../src/util/errors.js';

// The estimate reads each op's declared variable shapes; building the model creates the real ones. They must
// agree, or the refusal would guard a different plan from the one that runs. Together these pipelines use every
// op that has trainable state: embedding, lightgcn, linear, mlp, gated_refine, shared_linear, spectral_filter,
// learned_item_graph and trainable features.
const FILES = [
  'vbpr.yaml',
  'anchorrec.yaml',
  'anchorrec-official.yaml',
  'baselines/bm3.yaml',
  'baselines/smore.yaml',
  'baselines/lattice.yaml',
];

test('the memory estimate counts exactly the parameters the model allocates', async () => {
  const backend = await initBackend('wasm');
  for (const file of FILES) {
    const { graph, dataset, loaded } = await prepare({ file: join(PIPELINES, file), epochs: 1 });
    const est = estimateMemory(graph, dataset, trainSpecOf(loaded.pipeline).eval);
    const model = new Model(graph, dataset, 1, backend.tfBackend);
    try {
      assert.equal(est.parameters, model.parameterCount(), file);
    } finally {
      model.dispose();
    }
    assert.doesNotThrow(
      () => checkMemory(graph, dataset, trainSpecOf(loaded.pipeline).eval, backend.tfBackend, (p) => loaded.locate(p)),
      file,
    );
  }
});

test('a plan that cannot fit is refused with its figure, at the node holding the most parameters', async () => {
  // The schema bounds every width, so what cannot fit is a large dataset: 10 million users at the default dim 64.
  const { graph, dataset, loaded } = await prepare({ file: join(PIPELINES, 'lightgcn.yaml'), epochs: 1 });
  const large = { ...dataset, nUsers: 10_000_000 };
  let err: unknown;
  try {
    checkMemory(graph, large, trainSpecOf(loaded.pipeline).eval, 'wasm', (p) => loaded.locate(p));
  } catch (e) {
    err = e;
  }
  assert.ok(isUserError(err), String(err));
  assert.match(
    err.message,
    /^this plan needs ~[\d.]+ (GB|TB) \(parameters and Adam state [\d.]+ (GB|TB).*node 'cf'.*the wasm backend's heap holds at most 4\.3 GB/,
  );
  assert.match(err.loc!.file, /lightgcn\.yaml$/);
  assert.equal(err.loc!.line, loaded.locate(['nodes', 'cf']).line);
});
