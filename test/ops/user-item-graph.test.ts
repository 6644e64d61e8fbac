import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { userItemGraph } from '../../src/ops/graph/user-item-graph.js';
import { interactionGraph } from '../../src/ops/graph/interaction-graph.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
  runContext,
  runSparse,
  shapeOf,
  useBackend,
} from './harness.js';
import { denseBipartite, tinyData } from './graph-data.js';

/** The expected normalised adjacency in float64. */
function reference(norm: 'symmetric' | 'row' | 'none', selfLoops: boolean): Float64Array {
  const data = tinyData();
  const N = data.nUsers + data.nItems;
  const a = denseBipartite(data);
  if (selfLoops) for (let i = 0; i < N; i++) a[i * N + i] = 1;
  const deg = Array.from({ length: N }, (_, i) => a.subarray(i * N, (i + 1) * N).reduce((s, v) => s + v, 0));
  return a.map((v, e) => {
    const i = Math.floor(e / N);
    const j = e % N;
    if (norm === 'symmetric') return v / Math.sqrt((deg[i]! + 1e-7) * (deg[j]! + 1e-7));
    if (norm === 'row') return deg[i]! > 0 ? v / deg[i]! : 0;
    return v;
  });
}

describe('ui_graph shape rule', () => {
  test('adj over users+items and the two blocks', () => {
    const out = shapeOf(userItemGraph, { norm: 'row' }, {});
    assert.deepEqual(out.adj, { kind: 'sparse', dims: ['users+items', 'users+items'] });
    assert.deepEqual(out.ui, { kind: 'sparse', dims: ['users', 'items'] });
    assert.deepEqual(out.iu, { kind: 'sparse', dims: ['items', 'users'] });
  });
  test('an unknown normalisation names the param', () => {
    assertShapeError(() => shapeOf(userItemGraph, { norm: 'left' }, {}), { param: 'norm' });
  });
});

describe('ui_graph values', () => {
  for (const norm of ['symmetric', 'row', 'none'] as const) {
    for (const selfLoops of [false, true]) {
      test(`norm ${norm}${selfLoops ? ', self-loops' : ''}: adj and its blocks match the dense reference`, async () => {
        await useBackend('wasm');
        const data = tinyData();
        const N = data.nUsers + data.nItems;
        const op = buildOp(userItemGraph, { norm, self_loops: selfLoops }, {}, { data });
        const ref = reference(norm, selfLoops);
        assertClose(densify(runSparse(op, {}, runContext(), 'adj')), ref, 1e-6, 'adj');
        const ui = densify(runSparse(op, {}, runContext(), 'ui'));
        const iu = densify(runSparse(op, {}, runContext(), 'iu'));
        for (let u = 0; u < data.nUsers; u++)
          for (let i = 0; i < data.nItems; i++) {
            assert.ok(Math.abs(ui[u * data.nItems + i]! - ref[u * N + data.nUsers + i]!) < 1e-6, `ui[${u},${i}]`);
            assert.ok(Math.abs(iu[i * data.nUsers + u]! - ref[(data.nUsers + i) * N + u]!) < 1e-6, `iu[${i},${u}]`);
          }
      });
    }
  }
  test("'symmetric' without self-loops is interaction_graph", async () => {
    await useBackend('wasm');
    const data = tinyData();
    const a = densify(runSparse(buildOp(userItemGraph, {}, {}, { data }), {}, runContext(), 'adj'));
    const b = densify(runSparse(buildOp(interactionGraph, {}, {}, { data }), {}, runContext(), 'adj'));
    assertClose(a, b, 1e-7, 'adj');
  });
  test("'row' gives LGMRec's user mean: rows of the ui block sum to 1 (0 for a user without items)", async () => {
    await useBackend('wasm');
    const data = tinyData();
    const ui = densify(runSparse(buildOp(userItemGraph, { norm: 'row' }, {}, { data }), {}, runContext(), 'ui'));
    const sums = [0, 1, 2, 3].map((u) => ui.subarray(u * 5, u * 5 + 5).reduce((s, v) => s + v, 0));
    assertClose(sums, [1, 1, 1, 0], 1e-6, 'row sums');
  });
});
