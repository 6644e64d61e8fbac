import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, PIPELINES } from '../helpers.js';
import { pipelineSchema } from '../../src/graph/schema.js';
import { registry } from '../../src/ops/registry.js';

test('schemas/pipeline.schema.json is generated from the op registry and is current (run `npm run schema`)', () => {
  const onDisk = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'pipeline.schema.json'), 'utf8'));
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(pipelineSchema(registry))));
});

test('every shipped pipeline points editors at the schema', () => {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.yaml') ? [join(d, e.name)] : []));
  for (const f of walk(PIPELINES)) assert.match(readFileSync(f, 'utf8'), /^# yaml-language-server: \$schema=(\.\.\/)+schemas\/pipeline\.schema\.json$/m, f);
});

test('every op parameter has a description and examples (editor hover text)', () => {
  for (const op of registry.list())
    for (const [k, v] of Object.entries(op.params.properties)) {
      assert.ok(typeof v.description === 'string' && v.description.length > 0, `${op.name}.${k} has no description`);
      assert.ok(Array.isArray(v.examples) && v.examples.length > 0, `${op.name}.${k} has no examples`);
    }
});
