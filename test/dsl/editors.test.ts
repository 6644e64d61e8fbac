/**
 * What an editor sees. Every shipped YAML file must be plain YAML 1.2 to a parser other than the one anchorflow
 * uses (js-yaml), and valid as written against the source-file schema under a JSON Schema 2020-12 validator
 * other than ajv (@cfworker/json-schema); every resolved pipeline must be valid against the resolved schema under
 * both. The negative cases show that each check can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load as strictYaml } from 'js-yaml';
import { Validator } from '@cfworker/json-schema';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadPipeline, parseYamlFile, parseYamlText, toPlain } from '../../src/dsl/index.js';
import { pipelineSchema, pipelineSourceSchema } from '../../src/graph/schema.js';
import { registry } from '../../src/ops/registry.js';
import { shippedYamlFiles, PIPELINES } from '../helpers.js';
import { FAKE_SCHEMA } from './fake-ops.js';
import { MINIMAL, writeTree } from './tmp.js';
// The example pipeline runs a plugin op; importing the plugin registers it, as `--plugin` does.
import '../../examples/custom-op/layer-norm.js';

const files = shippedYamlFiles();
const resolvedSchema = pipelineSchema(registry);
const sourceSchema = pipelineSourceSchema(registry);

/** Both validators of one schema: ajv (the project's own) and @cfworker/json-schema (independent). */
function validators(schema: Record<string, unknown>, draft: '7' | '2020-12') {
  // strict: the generated schema must use only keywords ajv knows (a misspelt one would be silently ignored).
  const ajv =
    draft === '2020-12'
      ? new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true })
      : null;
  const a = ajv?.compile(schema);
  const c = new Validator(schema as never, draft, false);
  return {
    ajv: (doc: unknown): boolean => (a ? a(doc) : true),
    cfworker: (doc: unknown): string[] => {
      const r = c.validate(doc);
      return r.valid ? [] : r.errors.map((e) => `${e.instanceLocation} ${e.keywordLocation}: ${e.error}`);
    },
  };
}
const source = validators(sourceSchema, '2020-12');
const resolved = validators(resolvedSchema, '7');

const readStrict = (f: string): unknown => strictYaml(readFileSync(f, 'utf8'), { filename: f });
const clone = <T>(x: T): T => structuredClone(x);

test('the shipped YAML files are found, pipelines and fragments and examples', () => {
  const names = files.map((f) => basename(f));
  for (const n of ['_mmrec.yaml', 'anchorrec.yaml', 'ablation-noaal.yaml', 'smore.yaml', 'lightgcn-layernorm.yaml'])
    assert.ok(names.includes(n), n);
});

test("every shipped YAML file is plain YAML 1.2: js-yaml reads the same data as anchorflow's loader", () => {
  for (const f of files) {
    const strict = readStrict(f);
    assert.deepEqual(strict, toPlain(parseYamlFile(f)), f);
  }
});

test('an unquoted ${x} inside { } is rejected by a strict parser; anchorflow reads it, and the quoted form, the same way', () => {
  const unquoted = MINIMAL;
  const quoted = MINIMAL.replace('dim: ${dim}', 'dim: "${dim}"');
  assert.notEqual(quoted, unquoted);
  assert.throws(() => strictYaml(unquoted), /flow collection|comma|unexpected/i);
  assert.deepEqual(strictYaml(quoted), toPlain(parseYamlText(quoted, 'q.yaml')));
  assert.deepEqual(toPlain(parseYamlText(quoted, 'q.yaml')), toPlain(parseYamlText(unquoted, 'u.yaml')));
  // The quoted whole-value reference keeps the parameter's type after substitution, as the plain one does.
  const dir = writeTree({
    'q.yaml': quoted,
    'u.yaml': unquoted,
    'e.yaml': MINIMAL.replace('dim: ${dim}', 'dim: "2 * ${dim}"'),
  });
  const q = loadPipeline(join(dir, 'q.yaml'), { schema: FAKE_SCHEMA }).pipeline;
  const u = loadPipeline(join(dir, 'u.yaml'), { schema: FAKE_SCHEMA }).pipeline;
  assert.deepEqual(q, u);
  assert.equal(q.nodes.cf!.dim, 64);
  assert.equal(loadPipeline(join(dir, 'e.yaml'), { schema: FAKE_SCHEMA }).pipeline.nodes.cf!.dim, 128);
});

test("the source-file schema is JSON Schema 2020-12 and compiles under ajv's strict mode", () => {
  assert.equal(sourceSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.ok(!JSON.stringify(sourceSchema).includes('#/definitions/'), 'refs point into $defs');
});

test('every shipped YAML file, as written, is valid against the source-file schema under ajv and @cfworker/json-schema', () => {
  for (const f of files) {
    const doc = readStrict(f);
    assert.deepEqual(source.cfworker(doc), [], f);
    assert.ok(source.ajv(doc), f);
  }
});

test('every shipped pipeline, resolved, is valid against the resolved schema under ajv (check) and @cfworker/json-schema', () => {
  let n = 0;
  for (const f of files.filter((x) => !basename(x).startsWith('_'))) {
    // loadPipeline validates with ajv and throws on the first problem.
    const p = loadPipeline(f, { schema: resolvedSchema }).pipeline;
    assert.deepEqual(resolved.cfworker(p), [], f);
    // A resolved document is also a valid file as written (one that extends nothing).
    assert.deepEqual(source.cfworker(p), [], f);
    assert.ok(source.ajv(p), f);
    n++;
  }
  assert.ok(n >= 19, `${n} pipelines`);
});

/** Asserts that both validators reject (false) or accept (true) a document against the source schema. */
function sourceVerdict(doc: unknown, valid: boolean, what: string): void {
  assert.equal(source.cfworker(doc).length === 0, valid, `@cfworker/json-schema: ${what}`);
  assert.equal(source.ajv(doc), valid, `ajv: ${what}`);
}

test("the source schema rejects a typo'd op, a non-expression string for a number, and an unknown node key", () => {
  const anchorrec = readStrict(join(PIPELINES, 'anchorrec.yaml')) as { nodes: Record<string, Record<string, unknown>> };
  sourceVerdict(anchorrec, true, 'anchorrec.yaml as shipped');

  const typo = clone(anchorrec);
  typo.nodes.cf!.op = 'lightgnc';
  sourceVerdict(typo, false, 'op lightgnc');

  for (const [value, valid] of [
    ['sixty-four', false],
    ['64', false],
    [true, false],
    [-1, false],
    ['${dim}', true],
    ['2 * ${dim}', true],
    ['${ dim }', true],
    [128, true],
  ] as const) {
    const d = clone(anchorrec);
    d.nodes.cf!.dim = value;
    sourceVerdict(d, valid, `dim: ${JSON.stringify(value)}`);
  }
  const inList = clone(anchorrec);
  inList.nodes.p_id!.dims = ['${dim}', 'wide'];
  sourceVerdict(inList, false, "dims: ['${dim}', 'wide']");

  const unknownKey = clone(anchorrec);
  unknownKey.nodes.cf!.dimm = 64;
  sourceVerdict(unknownKey, false, 'node cf with key dimm');

  // Which op a node runs is never an expression: it decides which keys the node may have.
  const opExpr = clone(anchorrec);
  opExpr.nodes.cf!.op = '${encoder}';
  sourceVerdict(opExpr, false, 'op: ${encoder}');

  const badName = clone(anchorrec);
  badName.nodes['2cf'] = badName.nodes.cf!;
  sourceVerdict(badName, false, 'node name 2cf');
});

test('the source schema takes partial files that extend another, and asks a file that extends nothing to be complete', () => {
  const ablation = readStrict(join(PIPELINES, 'ablation-noanchor.yaml')) as Record<string, unknown>;
  sourceVerdict(ablation, true, 'ablation-noanchor.yaml (null deletions)');

  const patch = {
    extends: 'anchorrec.yaml',
    params: { dim: 128, knn_k: null },
    nodes: { p_id: { dims: ['${dim}', 32] }, h_t: null },
    outputs: { item: 'h_mm' },
    train: { optimizer: { adam: { lr: 0.01 } }, seed: null },
  };
  sourceVerdict(patch, true, 'a patch: node without op, null deletions, one-key outputs');

  const { extends: _parent, ...withoutExtends } = patch;
  sourceVerdict({ ...withoutExtends, name: 'partial' }, false, 'the same patch without extends');
  const complete = {
    name: 'complete',
    params: { dim: 128 },
    nodes: { ui: { op: 'interaction_graph' }, cf: { op: 'lightgcn', graph: 'ui.adj', dim: '${dim}' } } as Record<
      string,
      unknown
    >,
    outputs: { user: 'cf.users', item: 'cf.items' } as Record<string, unknown>,
    losses: { bpr: { op: 'bpr', user: 'cf.users', item: 'cf.items' } },
  };
  sourceVerdict(complete, true, 'complete without extends');
  sourceVerdict({ ...complete, outputs: { item: 'cf.items' } }, false, 'one-key outputs without extends');
  sourceVerdict(
    { ...complete, nodes: { ...complete.nodes, p: { dims: [64] } } },
    false,
    'node without op without extends',
  );
  sourceVerdict({ ...complete, nodes: { ...complete.nodes, h_t: null } }, false, 'null node without extends');
  sourceVerdict({ ...complete, description: null }, false, 'null key without extends');
  const { name: _name, ...unnamed } = complete;
  sourceVerdict(unnamed, false, 'no name without extends');
  // A fragment of shared settings (no model, no extends), like _mmrec.yaml, is not a pipeline of its own.
  sourceVerdict({ version: 1, train: { epochs: 10 } }, true, 'settings fragment');

  // A patch names keys that some op has; a misspelt one is caught even without knowing the parent's op.
  sourceVerdict({ extends: 'a.yaml', nodes: { p_id: { dimz: [64] } } }, false, 'patch key dimz');
  sourceVerdict({ extends: 'a.yaml', losses: { aal: { weight: '${w}' } } }, true, 'loss patch weight');
  sourceVerdict(
    { extends: 'a.yaml', nodes: { p_id: { op: 'mlp', in: 'cf.items', dimz: [64] } } },
    false,
    'node with op in a patch is complete',
  );
  sourceVerdict({ extends: 'a.yaml', colour: 'red' }, false, 'unknown top-level key');
});
