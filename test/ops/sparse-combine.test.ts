import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sparseCombine } from '../../src/ops/graph/sparse-combine.js';
import { sparse, dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { randomCsr } from '../kernels/_setup.js';
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

describe('sparse_combine shape rule', () => {
  test('same-shaped sparse inputs give that shape', () => {
    assert.deepEqual(
      shapeOf(sparseCombine, { weights: [0.1, 0.9] }, { in: [sparse('items', 'items'), sparse('items', 'items')] }).out,
      sparse('items', 'items'),
    );
  });
  test('a dense input, mismatched shapes and a wrong weight count name the port / param', () => {
    assertShapeError(() => shapeOf(sparseCombine, {}, { in: [sparse('items', 'items'), dense('items', 'items')] }), {
      port: 'in',
    });
    assertShapeError(() => shapeOf(sparseCombine, {}, { in: [sparse('items', 'items'), sparse('users', 'items')] }), {
      port: 'in',
    });
    assertShapeError(
      () => shapeOf(sparseCombine, { weights: [1] }, { in: [sparse('items', 'items'), sparse('items', 'items')] }),
      { param: 'weights' },
    );
    assertShapeError(
      () => shapeOf(sparseCombine, { mode: 'max', weights: [1, 1] }, { in: [sparse('a', 'a'), sparse('a', 'a')] }),
      { param: 'weights' },
    );
  });
});

describe('sparse_combine values', () => {
  test("'sum' is Σ w_m A_m (FREEDOM's mm_adj)", async () => {
    await useBackend('wasm');
    const rng = new Rng(1);
    const a = randomCsr(rng, 7, 7, 0.3);
    const b = randomCsr(rng, 7, 7, 0.3);
    const op = buildOp(sparseCombine, { weights: [0.1, 0.9] }, { in: [sparse(7, 7), sparse(7, 7)] });
    const da = densify(a);
    const db = densify(b);
    assertClose(
      densify(runSparse(op, { in: [a, b] }, runContext())),
      da.map((v, e) => 0.1 * v + 0.9 * db[e]!),
      1e-6,
      'sum',
    );
  });
  test("'max' keeps the union of the entries with the larger value (SMORE's max_pool_fusion)", async () => {
    await useBackend('wasm');
    const rng = new Rng(2);
    const a = randomCsr(rng, 9, 9, 0.3);
    const b = randomCsr(rng, 9, 9, 0.3);
    const op = buildOp(sparseCombine, { mode: 'max' }, { in: [sparse(9, 9), sparse(9, 9)] });
    const out = runSparse(op, { in: [a, b] }, runContext());
    const has = (m: typeof a, i: number, j: number) => {
      for (let k = m.indptr[i]!; k < m.indptr[i + 1]!; k++) if (m.indices[k] === j) return m.values[k]!;
      return undefined;
    };
    for (let i = 0; i < 9; i++)
      for (let j = 0; j < 9; j++) {
        const va = has(a, i, j);
        const vb = has(b, i, j);
        const want = va === undefined ? vb : vb === undefined ? va : Math.max(va, vb);
        assert.equal(has(out, i, j), want, `(${i}, ${j})`);
      }
  });
});
