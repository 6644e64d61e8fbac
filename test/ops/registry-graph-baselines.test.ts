import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinOps, registry } from '../../src/ops/registry.js';

/** The ops added for LATTICE, FREEDOM, LGMRec and SMORE (dropout is shared with BM3 and tested with it). */
const EXPECTED: Record<string, { category: string; pure: boolean; loss: boolean }> = {
  ui_graph: { category: 'graph', pure: true, loss: false },
  degree_edge_dropout: { category: 'graph', pure: false, loss: false },
  sparse_combine: { category: 'graph', pure: true, loss: false },
  learned_item_graph: { category: 'refine', pure: false, loss: false },
  gumbel_softmax: { category: 'layer', pure: false, loss: false },
  hypergraph_propagate: { category: 'refine', pure: true, loss: false },
  infonce_full: { category: 'loss', pure: false, loss: true },
  spectral_filter: { category: 'layer', pure: false, loss: false },
  softmax: { category: 'combine', pure: true, loss: false },
  product: { category: 'combine', pure: true, loss: false },
  join_ui: { category: 'combine', pure: true, loss: false },
  split_ui: { category: 'combine', pure: true, loss: false },
};

describe('LATTICE / FREEDOM / LGMRec / SMORE ops in the registry', () => {
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
