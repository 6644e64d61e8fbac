import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, REPO_ROOT, shippedYamlFiles } from '../helpers.js';
import { pipelineSchema, pipelineSourceSchema } from '../../src/graph/schema.js';
import { registry } from '../../src/ops/registry.js';
import { baseSchema } from '../../src/dsl/base-schema.js';

test('schemas/pipeline.schema.json is generated from the op registry and is current (run `npm run schema`)', () => {
  const onDisk = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8'));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(pipelineSchema(registry))));
});

test('schemas/pipeline-source.schema.json is generated from the op registry and is current (run `anchorflow schema --source --write`)', () => {
  const onDisk = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'pipeline-source.schema.json'), 'utf8'));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(pipelineSourceSchema(registry))));
});

test('`anchorflow schema` prints the resolved schema, `schema --source` the source-file schema', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const resolved = cli('schema');
  assert.equal(resolved.status, 0, resolved.stderr);
  assert.equal(resolved.stdout, readFileSync(join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8'));
  const source = cli('schema', '--source');
  assert.equal(source.status, 0, source.stderr);
  assert.equal(source.stdout, readFileSync(join(REPO_ROOT, 'schemas', 'pipeline-source.schema.json'), 'utf8'));
});

test('every shipped pipeline points editors at the source-file schema', () => {
  // The source schema, not the resolved one: editors see the file as written (${...}, partial extends files).
  const files = shippedYamlFiles();
  assert.ok(files.length >= 20, `only ${files.length} shipped YAML files found`);
  for (const f of files)
    assert.match(
      readFileSync(f, 'utf8'),
      /^# yaml-language-server: \$schema=(\.\.\/)+schemas\/pipeline-source\.schema\.json$/m,
      f,
    );
});

test('every op parameter has a description and examples (editor hover text)', () => {
  for (const op of registry.list())
    for (const [k, v] of Object.entries(op.params.properties)) {
      assert.ok(typeof v.description === 'string' && v.description.length > 0, `${op.name}.${k} has no description`);
      assert.ok(Array.isArray(v.examples) && v.examples.length > 0, `${op.name}.${k} has no examples`);
    }
});

test('every property of the base schema has a description and examples (editor hover text and completion)', () => {
  // Walks everything an editor can land on: properties, map values (additionalProperties), list items, and each
  // branch of an anyOf; anyOf branches are alternatives, not positions, so they need a description only.
  const gaps: string[] = [];
  const need = (s: Record<string, unknown>, where: string, examples = true) => {
    if ('$ref' in s) return; // draft-07 ignores a $ref's siblings; the definition it names is checked instead
    if (!(typeof s.description === 'string' && s.description.length > 0)) gaps.push(`${where}: no description`);
    if (examples && !(Array.isArray(s.examples) && s.examples.length > 0)) gaps.push(`${where}: no examples`);
  };
  const walk = (s: unknown, where: string): void => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return;
    const o = s as Record<string, unknown>;
    for (const [k, v] of Object.entries((o.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) {
      need(v, `${where}.${k}`);
      walk(v, `${where}.${k}`);
    }
    if (o.additionalProperties && typeof o.additionalProperties === 'object') {
      need(o.additionalProperties as Record<string, unknown>, `${where}.*`);
      walk(o.additionalProperties, `${where}.*`);
    }
    const items = o.items;
    for (const [i, it] of (Array.isArray(items) ? items : items ? [items] : []).entries()) {
      need(it as Record<string, unknown>, `${where}[${Array.isArray(items) ? i : ''}]`);
      walk(it, `${where}[]`);
    }
    for (const [i, b] of ((o.anyOf as Record<string, unknown>[] | undefined) ?? []).entries()) {
      need(b, `${where}|${i}`, false);
      walk(b, `${where}|${i}`);
    }
  };
  walk(baseSchema, '');
  for (const [k, d] of Object.entries(baseSchema.definitions as Record<string, unknown>)) walk(d, `#/definitions/${k}`);
  assert.deepEqual(gaps, []);
});
