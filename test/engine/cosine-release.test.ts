import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { prepare } from '../../src/experiments/run.js';
import { Model } from '../../src/engine/executor.js';
import { initBackend } from '../../src/engine/backend.js';
import { cachedCosineCount, releaseCosineMatrices } from '../../src/ops/kernels/cosine.js';

// After the constants are folded, only the cosine matrices that a step reads stay in memory: none for FREEDOM
// (its kNN graphs are built once), one per frozen feature that AnchorRec's structure preservation compares with.
for (const [file, kept] of [
  ['baselines/freedom.yaml', 0],
  ['anchorrec.yaml', 3],
] as const) {
  test(`${file}: ${kept} cosine matrices kept after the constants are folded`, async () => {
    const backend = await initBackend('wasm');
    releaseCosineMatrices(new Set());
    const { graph, dataset } = await prepare({ file: join(PIPELINES, file), epochs: 1 });
    const model = new Model(graph, dataset, 1, backend.tfBackend);
    try {
      assert.equal(cachedCosineCount(), kept);
    } finally {
      model.dispose();
    }
    assert.equal(cachedCosineCount(), 0, 'released with the model');
  });
}
