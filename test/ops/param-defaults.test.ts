/**
 * Each op parameter's default is declared once, in its schema: defineOp fills it in before the shape rule, the
 * variable shapes and the kernel run, so op code never repeats it as a `?? fallback`, and an op built directly
 * (tests, plugins) sees the same values as one compiled from a validated pipeline.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { builtinOps } from '../../src/ops/registry.js';
import { lightgcn } from '../../src/ops/encoder/lightgcn.js';
import { mlp } from '../../src/ops/layer/mlp.js';
import { Defaulted, defineOp, dense, scalar, sparse, type ParamsSchema } from '../../src/ops/types.js';
import { REPO_ROOT } from '../helpers.js';
import { buildOp, disposeOp, shapeOf, useBackend } from './harness.js';

const OPS_DIR = join(REPO_ROOT, 'src', 'ops');
/** The op files: src/ops/<category>/*.ts (kernels/ holds no ops). */
const opFiles = (): string[] =>
  readdirSync(OPS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'kernels')
    .flatMap((d) =>
      readdirSync(join(OPS_DIR, d.name))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(d.name, f)),
    );

/** Parameter name -> schema default, for the params of `op` that have one. */
function defaultsOf(params: ParamsSchema): Map<string, unknown> {
  return new Map(
    Object.entries(params.properties)
      .filter(([, s]) => s !== null && typeof s === 'object' && 'default' in s)
      .map(([k, s]) => [k, (s as { default: unknown }).default]),
  );
}

describe('op parameter defaults are declared once', () => {
  before(() => useBackend('cpu'));
  test('no built-in op falls back (`p.x ?? ...`) on a parameter whose schema has a default', () => {
    const byName = new Map(builtinOps.map((op) => [op.name, op]));
    const found: string[] = [];
    let scanned = 0;
    for (const file of opFiles()) {
      const src = readFileSync(join(OPS_DIR, file), 'utf8');
      // The ops a file defines: the `name:` that opens each defineOp({ ... }) (port names are not ops).
      const ops = [...src.matchAll(/defineOp(?:<[^(]*>)?\(\{\s*name: '([a-z0-9_]+)',/g)]
        .map((m) => byName.get(m[1]!))
        .filter((o) => o !== undefined);
      const defaulted = new Set(ops.flatMap((op) => [...defaultsOf(op.params).keys()]));
      for (const m of src.matchAll(/\b(?:p|params)\s*\.\s*([A-Za-z_]\w*)\s*\?\?/g)) {
        if (defaulted.has(m[1]!)) found.push(`${file}: ${m[0]}`);
      }
      scanned += ops.length;
    }
    assert.equal(scanned, builtinOps.length, 'every built-in op was found in src/ops/<category>/');
    assert.deepEqual(found, [], 'the schema default already applies; read the parameter directly');
  });

  test('every default is optional to write and valid for its own schema', () => {
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    for (const op of builtinOps) {
      for (const [k, value] of defaultsOf(op.params)) {
        assert.ok(!(op.params.required ?? []).includes(k), `${op.name}.${k} has a default but is required`);
        const check = ajv.compile(op.params.properties[k] as object);
        assert.ok(
          check(value),
          `${op.name}.${k}: default ${JSON.stringify(value)} fails its schema: ${ajv.errorsText(check.errors)}`,
        );
      }
    }
  });

  test('lightgcn built with no params has the schema dim in its shapes and its variables', () => {
    const graph = sparse('users+items', 'users+items');
    assert.deepEqual(shapeOf(lightgcn, {}, { graph }).users, dense('users', 64));
    assert.deepEqual(lightgcn.variableShapes!({} as never, { graph }, { users: 3, items: 5 }), [
      [3, 64],
      [5, 64],
    ]);
    const built = buildOp(lightgcn, {}, { graph }, { sizes: { users: 3, items: 5 } });
    try {
      assert.deepEqual(built.variables.get('user_emb')!.shape, [3, 64]);
      assert.deepEqual(built.variables.get('item_emb')!.shape, [5, 64]);
    } finally {
      disposeOp(built);
    }
  });

  test('mlp built with only dims has biases (default bias: true)', () => {
    const built = buildOp(mlp, { dims: [4, 2] }, { in: dense('items', 3) }, { sizes: { items: 5 } });
    try {
      assert.deepEqual([...built.variables.keys()], ['layer0/w', 'layer0/b', 'layer1/w', 'layer1/b']);
    } finally {
      disposeOp(built);
    }
  });
});

describe('defineOp fills defaults for TypeBox and plain JSON Schema params', () => {
  /** An op that records the params its shape rule, variableShapes and build receive. */
  function recorder(params: ParamsSchema) {
    const seen: Record<string, unknown>[] = [];
    const op = defineOp<Record<string, unknown>>({
      name: 'recorder',
      doc: 'records params',
      category: 'layer',
      params,
      inputs: [],
      outputs: [{ name: 'out', doc: 'a scalar' }],
      shape: (p) => (seen.push(p), { out: scalar() }),
      variableShapes: (p) => (seen.push(p), []),
      build: (p) => (seen.push(p), { run: () => ({}) }),
    });
    return { op, seen };
  }
  const call = (op: ReturnType<typeof recorder>['op'], p: Record<string, unknown>): void => {
    op.shape(p, {}, { sizes: {}, modalities: [] });
    op.variableShapes!(p, {}, {});
    op.build(p, {}, {} as never);
  };

  const typebox = Type.Object({
    k: Defaulted(Type.Integer({ default: 10 })),
    dims: Defaulted(Type.Array(Type.Integer(), { default: [1, 2] })),
    out: Type.Integer(),
    note: Type.Optional(Type.String()),
  });
  const plain: ParamsSchema = {
    type: 'object',
    properties: {
      k: { type: 'integer', default: 10 },
      dims: { type: 'array', default: [1, 2] },
      out: { type: 'integer' },
      note: { type: 'string' },
    },
    required: ['out'],
  };

  for (const [kind, schema] of [
    ['TypeBox', typebox],
    ['plain JSON Schema', plain],
  ] as const) {
    test(`${kind}: missing params get their defaults in shape, variableShapes and build; given ones are kept`, () => {
      const { op, seen } = recorder(schema);
      const given = { out: 3 };
      call(op, given);
      assert.equal(seen.length, 3);
      for (const p of seen) assert.deepEqual(p, { out: 3, k: 10, dims: [1, 2] });
      assert.deepEqual(given, { out: 3 }, "the caller's object is not modified");
      seen.length = 0;
      call(op, { out: 3, k: 7, dims: [5] });
      for (const p of seen) assert.deepEqual(p, { out: 3, k: 7, dims: [5] });
    });

    test(`${kind}: a default that is an object is a fresh copy each time`, () => {
      const { op, seen } = recorder(schema);
      call(op, { out: 1 });
      (seen[0]!.dims as number[]).push(99);
      seen.length = 0;
      call(op, { out: 1 });
      assert.deepEqual(seen[0]!.dims, [1, 2]);
    });
  }

  test('Defaulted() refuses a schema without a default', () => {
    assert.throws(() => Defaulted(Type.Integer()), /has no default/);
  });
});
