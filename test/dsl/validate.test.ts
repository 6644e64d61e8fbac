import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { baseSchema, buildPipelineSchema, loadPipeline, loadSchemaFile } from '../../src/dsl/index.js';
import { FAKE_OPS, FAKE_SCHEMA } from './fake-ops.js';
import { MINIMAL, userError, writeTree } from './tmp.js';

const loadText = (text: string, schema: object = FAKE_SCHEMA) => {
  const dir = writeTree({ 'p.yaml': text });
  return loadPipeline(join(dir, 'p.yaml'), { schema });
};
const withNodes = (nodes: string, extra = ''): string =>
  MINIMAL.replace(
    '  cf: { op: lightgcn, dim: ${dim}, layers: 2 }\n',
    `  cf: { op: lightgcn, dim: \${dim}, layers: 2 }\n${nodes}`,
  ) + extra;

test('defaults are filled for train, eval, data, op params and loss weight', () => {
  const p = loadText(MINIMAL).pipeline;
  assert.deepEqual(p.train, {
    epochs: 1000,
    batch_size: 2048,
    optimizer: { adam: { lr: 0.001 } },
    lr_schedule: [1.0, 50],
    early_stopping: { metric: 'recall@20', patience: 20 },
    seed: 999,
    eval_every: 1,
  });
  assert.deepEqual(p.eval, { metrics: ['recall', 'ndcg', 'precision', 'map'], k: [5, 10, 20, 50], batch_users: 2048 });
  assert.deepEqual(p.data, { dataset: 'synth:small', features: {} });
  assert.equal(p.version, 1);
  assert.deepEqual(p.losses.bpr, { op: 'bpr', user: 'cf.users', item: 'cf.items', l2: 0, weight: 1 });
});

test('partial sections keep what is given and fill the rest', () => {
  const p = loadText(MINIMAL + 'train: { epochs: 7, early_stopping: { patience: 3 } }\n').pipeline;
  assert.equal(p.train.epochs, 7);
  assert.deepEqual(p.train.early_stopping, { metric: 'recall@20', patience: 3 });
  assert.equal(p.train.batch_size, 2048);
});

test('unknown op: one error with a suggestion, at the op value', () => {
  const e = userError(() => loadText(withNodes('  p_id: { op: mpl, in: cf.items }\n')));
  assert.match(
    e.message,
    /^unknown op 'mpl' in node 'p_id' \(did you mean 'mlp'\?\); known ops: lightgcn, features, mlp/,
  );
  assert.deepEqual([e.loc?.line, e.loc?.col, e.loc?.excerpt], [6, 15, '  p_id: { op: mpl, in: cf.items }']);
  // Not one error per op's if/then.
  assert.equal(e.related.length, 0);
});

test('unknown op in an inline node', () => {
  const e = userError(() => loadText(withNodes('  s: { op: sum, in: [cf.items, { op: idenity, in: cf.items }] }\n')));
  assert.match(e.message, /^unknown op 'idenity' in inline node at nodes\.s\.in\[1\] \(did you mean 'identity'\?\)/);
  assert.equal(e.loc?.line, 6);
  assert.equal(e.loc?.col, 38);
});

test('a loss op under nodes says where it belongs', () => {
  const e = userError(() => loadText(withNodes('  x: { op: bpr, user: cf.users, item: cf.items }\n')));
  assert.equal(e.message, "op 'bpr' in node 'x' is a loss; put it under losses:");
});

test('unknown parameter names the op, suggests, and lists its parameters, at the key', () => {
  const e = userError(() => loadText(MINIMAL.replace('layers: 2', 'layer: 3')));
  assert.equal(
    e.message,
    "node 'cf' (op lightgcn) has no parameter 'layer' (did you mean 'layers'?); its parameters: dim, layers",
  );
  assert.deepEqual([e.loc?.line, e.loc?.col], [5, 36]);
});

test('unknown op is reported before other problems', () => {
  const e = userError(() =>
    loadText(
      withNodes('  p_id: { op: mpl, in: cf.items }\n', 'train: { epochs: ten }\n').replace('layers: 2', 'layer: 3'),
    ),
  );
  assert.match(e.message, /^unknown op 'mpl'/);
  const rel = e.related.map((r) => r.message);
  assert.ok(
    rel.some((m) => m.startsWith("node 'cf' (op lightgcn) has no parameter 'layer'")),
    rel.join('\n'),
  );
  assert.ok(
    rel.some((m) => m === 'train.epochs must be an integer, got "ten"'),
    rel.join('\n'),
  );
  // Unknown parameter before the type error.
  assert.ok(rel.findIndex((m) => m.includes('no parameter')) < rel.findIndex((m) => m.includes('epochs')));
});

test('wrong type', () => {
  const e = userError(() => loadText(MINIMAL + 'train:\n  epochs: ten\n'));
  assert.equal(e.message, 'train.epochs must be an integer, got "ten"');
  assert.deepEqual([e.loc?.line, e.loc?.col], [10, 11]);
});

test('a substituted value with the wrong type is reported at the use', () => {
  const e = userError(() => loadText(MINIMAL.replace('dim: 64', 'dim: 6.5')));
  assert.equal(e.message, 'nodes.cf.dim must be an integer, got 6.5');
  assert.equal(e.loc?.line, 5);
});

test('missing required input and missing top-level keys', () => {
  const e1 = userError(() =>
    loadText(MINIMAL.replace('bpr: { op: bpr, user: cf.users, item: cf.items }', 'bpr: { op: bpr, user: cf.users }')),
  );
  assert.equal(e1.message, "loss 'bpr' (op bpr) is missing required 'item'");
  assert.equal(e1.loc?.line, 8);
  const e2 = userError(() => loadText(MINIMAL.replace('outputs: { user: cf.users, item: cf.items }\n', '')));
  assert.equal(e2.message, "the pipeline is missing required key 'outputs'");
  const e3 = userError(() =>
    loadText(MINIMAL.replace('outputs: { user: cf.users, item: cf.items }', 'outputs: { user: cf.users }')),
  );
  assert.equal(e3.message, "outputs is missing required key 'item'");
  const e4 = userError(() => loadText(withNodes('  x: { in: cf.items }\n')));
  assert.equal(e4.message, "node 'x' has no 'op'; every node names its operator");
});

test('input references: kind mismatch and malformed reference', () => {
  const e1 = userError(() => loadText(withNodes('  p: { op: mlp, in: 5 }\n')));
  assert.equal(e1.message, "nodes.p.in must be a reference 'node' or 'node.port' or an inline node { op: ... }, got 5");
  const e2 = userError(() => loadText(withNodes('  p: { op: mlp, in: "cf..items" }\n')));
  assert.equal(e2.message, `nodes.p.in must be a reference 'node' or 'node.port', got "cf..items"`);
  // A list input also takes a single reference.
  assert.equal(loadText(withNodes('  s: { op: sum, in: cf.items }\n')).pipeline.nodes.s!.in, 'cf.items');
});

test('unknown top-level key, bad node name, enum value', () => {
  assert.match(
    userError(() => loadText(MINIMAL + 'trian: {}\n')).message,
    /^unknown top-level key 'trian' \(did you mean 'train'\?\); allowed: version, name/,
  );
  const bad = userError(() => loadText(withNodes('  p-id: { op: identity, in: cf.items }\n')));
  assert.match(bad.message, /^invalid name 'p-id' in nodes/);
  assert.deepEqual([bad.loc?.line, bad.loc?.col], [6, 3]);
  assert.equal(
    userError(() => loadText(MINIMAL + 'eval: { metrics: [recal] }\n')).message,
    'eval.metrics[0] must be one of recall, ndcg, precision, map, got "recal" (did you mean \'recall\'?)',
  );
});

test('feature sources: the object form that fits best explains the error', () => {
  const e = userError(() => loadText(MINIMAL + 'data: { features: { v: { synthetic: "x" } } }\n'));
  assert.equal(e.message, 'data.features.v.synthetic must be an integer, got "x"');
  assert.equal(e.related.length, 0);
  const p = loadText(
    MINIMAL +
      'data: { dataset: tiktok, features: { v: image_feat.npy, mm: { concat: [v, t] }, s: { synthetic: 8 } } }\n',
  ).pipeline;
  assert.deepEqual(p.data.features.mm, { concat: ['v', 't'] });
});

test('the base schema has a description and examples on every property, and compiles strictly', () => {
  const missing: string[] = [];
  const walk = (s: unknown, path: string): void => {
    if (s === null || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object') {
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' || !Array.isArray(v.examples) || v.examples.length === 0)
          missing.push(`${path}.${k}`);
      }
    }
    for (const [k, v] of Object.entries(o)) if (typeof v === 'object') walk(v, `${path}/${k}`);
  };
  walk(baseSchema, '#');
  assert.deepEqual(missing, []);
  // strictRequired is off: the top-level if/else names keys declared in `properties`, one level up.
  const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true });
  assert.doesNotThrow(() => ajv.compile(baseSchema));
});

test('buildPipelineSchema: op enum, per-op if/then, inputs as refs, loss weight', () => {
  // A JSON Schema, read ad hoc.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const s = buildPipelineSchema(FAKE_OPS) as { definitions: Record<string, Record<string, any>> };
  assert.deepEqual(s.definitions.node!.properties.op.enum, ['lightgcn', 'features', 'mlp', 'identity', 'mix', 'sum']);
  assert.deepEqual(s.definitions.loss!.properties.op.enum, ['bpr', 'infonce']);
  assert.equal(s.definitions.node!.allOf.length, 6);
  const mix = s.definitions.op_mix!;
  assert.equal(mix.additionalProperties, false);
  assert.deepEqual(mix.required, ['weights', 'in']);
  assert.equal(mix.properties.in.$ref, '#/definitions/inputList');
  assert.equal(s.definitions.op_mlp!.properties.in.$ref, '#/definitions/input');
  assert.deepEqual(s.definitions.op_mlp!.required, ['in'], 'dims has a default, so it is optional');
  assert.equal(s.definitions.op_bpr!.properties.weight.type, 'number');
  assert.deepEqual(s.definitions.op_features!.required, ['modality']);
  // The base schema itself is not modified.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const defs = baseSchema.definitions as Record<string, Record<string, any>>;
  assert.equal(defs.node!.properties.op.enum, undefined);
  const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true });
  assert.doesNotThrow(() => ajv.compile(s));
});

test('a file that extends another may be partial for editors (schema if/else on extends)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const v = ajv.compile(FAKE_SCHEMA);
  assert.equal(v({ extends: 'a.yaml', name: 'x', nodes: {} }), true);
  assert.equal(v({ name: 'x', nodes: {} }), false);
});

test('with only the base schema, any op passes (the registry narrows it)', () => {
  const p = loadText(MINIMAL.replace('op: lightgcn', 'op: anything'), baseSchema).pipeline;
  assert.equal(p.nodes.cf!.op, 'anything');
});

test('train.rng: partial choices fill the rest with sfc32; an unknown generator is a located error', () => {
  const p = loadText(MINIMAL + 'train: { rng: { negatives: pcg64 } }\n').pipeline;
  assert.deepEqual(p.train.rng, { init: 'sfc32', shuffle: 'sfc32', negatives: 'pcg64', step: 'sfc32' });
  assert.equal(loadText(MINIMAL).pipeline.train.rng, undefined, 'absent: every stream is sfc32, as before');
  const text = MINIMAL + 'train: { rng: { shuffle: mt19937 } }\n';
  const e = userError(() => loadText(text));
  assert.match(e.message, /sfc32.*pcg64|pcg64.*sfc32/);
  assert.equal(e.loc?.line, text.split('\n').findIndex((l) => l.includes('mt19937')) + 1);
});

// ---- bounds: numbers that are finite, sizes with maxima, names that stay inside --out ------------------------

test('.inf, .nan and 1e400 are refused wherever a number is expected, with a finite-number message', () => {
  const P = 'params: { dim: 64 }';
  const L = 'bpr: { op: bpr, user: cf.users, item: cf.items }';
  for (const [from, to, path] of [
    [P, `${P}\ntrain: { optimizer: { adam: { lr: .inf } } }`, 'train.optimizer.adam.lr'],
    [P, `${P}\ntrain: { epochs: 1e400 }`, 'train.epochs'],
    [L, L.replace(' }', ', weight: .nan }'), 'losses.bpr.weight'],
    [P, 'params: { dim: -.inf }', 'params.dim'],
  ] as const) {
    const e = userError(() => loadText(MINIMAL.replace(from, to)));
    assert.match(
      e.message,
      new RegExp(`^${path.replace(/\./g, '\\.')} must be a finite number, got -?\\.(inf|nan)$`),
      to,
    );
  }
});

test('sizes have maxima with room for real use: 4096-wide features and embeddings pass, 1e9 and 2e5 do not', () => {
  const schema = loadSchemaFile();
  const pipeline = (dim: string, extra = '') => `version: 1
name: wide.model-1
data: { features: { v: { synthetic: 4096 } } }
nodes:
  ui: { op: interaction_graph }
  cf: { op: lightgcn, graph: ui.adj, dim: ${dim}, layers: 4 }
outputs: { user: cf.users, item: cf.items }
losses:
  bpr: { op: bpr, user: cf.users, item: cf.items }
${extra}`;
  loadText(pipeline('4096', 'train: { batch_size: 65536 }\neval: { k: [5, 10, 20, 50, 100] }\n'), schema);
  for (const [dim, extra, message] of [
    ['1e9', '', /^nodes\.cf\.dim must be <= 8192, got 1000000000$/],
    ['2e5', '', /^nodes\.cf\.dim must be <= 8192/],
    ['64', 'train: { batch_size: 1e12 }\n', /^train\.batch_size must be <= 1048576/],
    ['64', 'eval: { k: [1e9] }\n', /^eval\.k\[0\] must be <= 1000/],
    ['64', 'train: { seed: 1e30 }\n', /^train\.seed must be <= 4294967295/],
  ] as const) {
    assert.match(userError(() => loadText(pipeline(dim, extra), schema)).message, message, `${dim} ${extra}`);
  }
  const layers = userError(() => loadText(pipeline('64').replace('layers: 4', 'layers: 1e6'), schema));
  assert.match(layers.message, /^nodes\.cf\.layers must be <= 64/);
  const synth = userError(() => loadText(pipeline('64').replace('synthetic: 4096', 'synthetic: 1e9'), schema));
  assert.match(synth.message, /^data\.features\.v\.synthetic must be <= 8192/);
});

test('a name is one folder name: no slashes, no leading dot or dash, no control characters, at most 100 characters', () => {
  for (const ok of ['anchorrec', 'ablation-noproj', 'm.v2_1', '_x', '1st'])
    loadText(MINIMAL.replace('name: minimal', `name: ${ok}`));
  for (const bad of [
    '../../x',
    '/etc/x',
    '..',
    '.hidden',
    '-rf',
    'a/b',
    '"a\\0b"',
    '"a\\nb"',
    'my model',
    'n'.repeat(101),
  ]) {
    const e = userError(() => loadText(MINIMAL.replace('name: minimal', `name: ${bad}`)));
    assert.match(e.message, /^name (must be one folder name|must NOT have more than 100 characters)/, bad);
    assert.equal(e.loc?.line, 2, bad);
  }
});

test('output names become file names, so they are plain names', () => {
  const e = userError(() =>
    loadText(
      MINIMAL.replace(
        'outputs: { user: cf.users, item: cf.items }',
        'outputs: { user: cf.users, item: cf.items, "../../x": cf.items }',
      ),
    ),
  );
  assert.match(e.message, /invalid name '\.\.\/\.\.\/x' in outputs/);
  assert.equal(e.loc?.line, 6);
});
