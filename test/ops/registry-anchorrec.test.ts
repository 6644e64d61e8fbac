import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinOps, registry } from '../../src/ops/registry.js';

const EXPECTED: Record<string, { category: string; pure: boolean; loss: boolean }> = {
  knn_graph: { category: 'graph', pure: true, loss: false },
  gated_refine: { category: 'refine', pure: false, loss: false },
  propagate: { category: 'graph', pure: true, loss: false },
  mix: { category: 'combine', pure: true, loss: false },
  stop_gradient: { category: 'combine', pure: true, loss: false },
  normalize: { category: 'combine', pure: true, loss: false },
  infonce: { category: 'loss', pure: false, loss: true },
  structure_preservation: { category: 'loss', pure: false, loss: true },
  triplet: { category: 'loss', pure: false, loss: true },
  graph_smoothing: { category: 'loss', pure: false, loss: true },
};

describe('AnchorRec ops in the registry', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    test(`${name}: registered, documented, flagged`, () => {
      const op = registry.get(name);
      assert.ok(op, `${name} registered`);
      assert.ok(builtinOps.includes(op!));
      assert.equal(op!.category, want.category);
      assert.equal(op!.pure ?? false, want.pure);
      assert.equal(op!.loss ?? false, want.loss);
      assert.ok(op!.doc.length > 10 && !op!.doc.includes('\n'), 'one-line doc');
      for (const [k, s] of Object.entries(op!.params.properties)) {
        assert.ok(typeof s.description === 'string' && s.description.length > 5, `${name}.${k} has a description`);
        assert.ok(Array.isArray(s.examples) && s.examples.length > 0, `${name}.${k} has examples`);
      }
      for (const p of [...op!.inputs, ...op!.outputs]) assert.ok(p.doc.length > 3, `${name}.${p.name} has a doc`);
      if (want.loss)
        assert.deepEqual(
          op!.outputs.map((o) => o.name),
          ['loss'],
        );
    });
  }
});
