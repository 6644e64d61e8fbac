import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline, resolveExtends, toPlain } from '../../src/dsl/index.js';
import { FIXTURES } from '../helpers.js';
import { formatUserError } from '../../src/util/errors.js';
import { FAKE_SCHEMA } from './fake-ops.js';
import { userError, writeTree, DSL_FIXTURES } from './tmp.js';

const D = DSL_FIXTURES;
const fx = (name: string): string => join(D, name);

test('maps merge recursively, the child winning; lists are replaced', () => {
  const dir = writeTree({
    'a.yaml': 'train: { epochs: 5, optimizer: { adam: { lr: 0.1, eps: 1e-8 } } }\neval: { k: [5, 10, 20] }\n',
    'b.yaml': 'extends: a.yaml\ntrain: { optimizer: { adam: { lr: 0.01 } } }\neval: { k: [50] }\n',
  });
  const { tree, files } = resolveExtends(join(dir, 'b.yaml'));
  assert.deepEqual(toPlain(tree), {
    train: { epochs: 5, optimizer: { adam: { lr: 0.01, eps: 1e-8 } } },
    eval: { k: [50] },
  });
  assert.deepEqual(files, [join(dir, 'b.yaml'), join(dir, 'a.yaml')]);
});

test('a node with op replaces the parent node whole; without op it patches it; null deletes', () => {
  const p = loadPipeline(fx('child.yaml'), { schema: FAKE_SCHEMA }).pipeline;
  // p_id was { op: mlp, in, dims }: the identity replacement must not inherit `dims`.
  assert.deepEqual(p.nodes.p_id, { op: 'identity', in: 'cf.items' });
  // cf patched: layers from the child, op and dim from the parent.
  assert.deepEqual(p.nodes.cf, { op: 'lightgcn', dim: 64, layers: 3 });
  assert.deepEqual(Object.keys(p.losses), ['bpr']);
  assert.equal(p.name, 'child');
  assert.equal(p.train.batch_size, 512);
  assert.equal(p.train.epochs, 10, 'train.epochs inherited from base');
});

test('the same op under extends still replaces (stale params dropped)', () => {
  const dir = writeTree({
    'a.yaml': 'nodes: { m: { op: mlp, in: x, dims: [4] } }\n',
    'b.yaml': 'extends: a.yaml\nnodes: { m: { op: mlp, in: y } }\n',
  });
  assert.deepEqual(toPlain(resolveExtends(join(dir, 'b.yaml')).tree), { nodes: { m: { op: 'mlp', in: 'y' } } });
});

test('three-level chain with a relative path from a subfolder', () => {
  const lp = loadPipeline(fx('deeper/grandchild.yaml'), { schema: FAKE_SCHEMA });
  assert.deepEqual(lp.files, [fx('deeper/grandchild.yaml'), fx('child.yaml'), fx('base.yaml')]);
  const p = lp.pipeline;
  assert.equal(p.name, 'grandchild');
  assert.equal(p.params.dim, 32);
  // params from the grandchild reach ${dim} written in the base file.
  assert.equal(p.nodes.cf!.dim, 32);
  assert.equal(p.nodes.cf!.layers, 3);
  assert.deepEqual(p.data.features, { t: 'text_feat.npy', v: 'other_image.npy' });
  assert.equal(p.description, 'A small two-modality model used by the dsl tests.');
});

test('locate() across extends points into the file that last set the value', () => {
  const lp = loadPipeline(fx('deeper/grandchild.yaml'), { schema: FAKE_SCHEMA });
  const layers = lp.locate(['nodes', 'cf', 'layers']);
  assert.deepEqual([layers.file, layers.line, layers.col], [fx('child.yaml'), 5, 17]);
  const op = lp.locate(['nodes', 'cf', 'op']);
  assert.deepEqual(
    [op.file, op.line, op.col, op.excerpt],
    [fx('base.yaml'), 13, 13, '  cf: { op: lightgcn, dim: ${dim}, layers: 2 }'],
  );
  const dim = lp.locate(['params', 'dim']);
  assert.deepEqual([dim.file, dim.line, dim.col], [fx('deeper/grandchild.yaml'), 5, 8]);
  const pid = lp.locate(['nodes', 'p_id', 'op']);
  assert.equal(pid.file, fx('child.yaml'));
  assert.equal(pid.line, 4);
  // A default filled by the schema has no position of its own: the nearest ancestor answers.
  const seed = lp.locate(['train', 'seed']);
  assert.deepEqual([seed.file, seed.line, seed.excerpt], [fx('child.yaml'), 8, 'train:']);
});

test('extends a list: parents merge in order, then the file itself', () => {
  const dir = writeTree({
    'a.yaml': 'params: { x: 1, y: 1 }\nname: a\n',
    'b.yaml': 'params: { y: 2, z: 2 }\n',
    'c.yaml': 'extends: [a.yaml, b.yaml]\nparams: { z: 3 }\n',
  });
  const r = resolveExtends(join(dir, 'c.yaml'));
  assert.deepEqual(toPlain(r.tree), { params: { x: 1, y: 2, z: 3 }, name: 'a' });
  assert.equal(r.files.length, 3);
});

test('extends loop names the chain and is located at the extends that closes it', () => {
  const e = userError(() => resolveExtends(fx('loop-a.yaml')));
  assert.equal(e.message, `extends loop: ${fx('loop-a.yaml')} -> ${fx('loop-b.yaml')} -> ${fx('loop-a.yaml')}`);
  assert.deepEqual([e.loc?.file, e.loc?.line, e.loc?.col], [fx('loop-b.yaml'), 2, 10]);
});

test('a file extending itself is a loop', () => {
  const dir = writeTree({ 's.yaml': 'extends: ./s.yaml\n' });
  assert.match(userError(() => resolveExtends(join(dir, 's.yaml'))).message, /^extends loop: /);
});

test('diamond (two parents sharing a grandparent) is not a loop', () => {
  const dir = writeTree({
    'root.yaml': 'params: { r: 1 }\n',
    'l.yaml': 'extends: root.yaml\nparams: { l: 1 }\n',
    'r.yaml': 'extends: root.yaml\nparams: { rr: 1 }\n',
    'd.yaml': 'extends: [l.yaml, r.yaml]\n',
  });
  assert.deepEqual(toPlain(resolveExtends(join(dir, 'd.yaml')).tree), { params: { r: 1, l: 1, rr: 1 } });
});

test('missing extends file is located at the extends value', () => {
  const e = userError(() => resolveExtends(join(FIXTURES, 'dsl', 'missing-parent.yaml')));
  assert.match(e.message, /cannot read '.*no-such-file\.yaml': no such file/);
  assert.equal(e.loc?.line, 2);
  assert.equal(e.loc?.col, 10);
  assert.equal(e.loc?.excerpt, 'extends: no-such-file.yaml');
});

test('extends must be a file name', () => {
  const dir = writeTree({ 'x.yaml': 'extends: { a: 1 }\n' });
  const e = userError(() => resolveExtends(join(dir, 'x.yaml')));
  assert.match(e.message, /extends must be a file name or a list of file names, got a mapping/);
  assert.equal(e.loc?.line, 1);
});

// ---- files that are not pipelines ------------------------------------------------------------------------------

test('extends may name only regular .yaml/.yml files: system files, devices, links and FIFOs are refused', () => {
  const dir = writeTree({ 'base.yml': 'name: base\n', 'notes.txt': 'text\n' });
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  symlinkSync('/etc/passwd', join(dir, 'passwd.yaml'));
  execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
  const cases: [string, RegExp][] = [
    ['/proc/self/environ', /must be named \*\.yaml or \*\.yml/],
    ['/etc/passwd', /must be named/],
    ['/dev/zero', /must be named/],
    ['notes.txt', /must be named/],
    ['zero.yaml', /not a regular file/],
    ['fifo.yaml', /not a regular file/],
    ['passwd.yaml', /a link to a file that is not named \*\.yaml/],
  ];
  for (const [target, message] of cases) {
    writeFileSync(join(dir, 'p.yaml'), `name: p\nextends: ${target}\n`);
    const e = userError(() => resolveExtends(join(dir, 'p.yaml')));
    assert.match(e.message, message, target);
    assert.deepEqual([e.loc?.line, e.loc?.col], [2, 10], target);
    assert.ok(!formatUserError(e).includes('root:'), target);
  }
  writeFileSync(join(dir, 'p.yaml'), 'extends: base.yml\n');
  assert.equal((toPlain(resolveExtends(join(dir, 'p.yaml')).tree) as { name: string }).name, 'base');
});

test('a file over 256 KB is refused from its size, before reading it', () => {
  const dir = writeTree({ 'p.yaml': 'extends: big.yaml\n', 'big.yaml': 'name: big\n' });
  truncateSync(join(dir, 'big.yaml'), 1 << 30);
  const t0 = Date.now();
  const e = userError(() => resolveExtends(join(dir, 'p.yaml')));
  assert.ok(Date.now() - t0 < 2000);
  assert.match(e.message, /cannot read '.*big\.yaml': larger than 256 KB \(1073741824 bytes\)/);
  assert.equal(e.loc?.line, 1);
});

test('extends that would load more than 100 files stops (a fan-out of repeated parents, or a long chain)', () => {
  const files: Record<string, string> = { 'f5.yaml': 'name: leaf\n' };
  for (let i = 0; i < 5; i++)
    files[`f${i}.yaml`] = `extends: [${Array(10)
      .fill(`f${i + 1}.yaml`)
      .join(', ')}]\n`;
  for (let i = 0; i < 120; i++) files[`c${i}.yaml`] = `extends: c${i + 1}.yaml\n`;
  files['c120.yaml'] = 'name: end\n';
  const dir = writeTree(files);
  assert.match(userError(() => resolveExtends(join(dir, 'f0.yaml'))).message, /extends loads more than 100 files/);
  assert.match(userError(() => resolveExtends(join(dir, 'c0.yaml'))).message, /extends loads more than 100 files/);
  assert.equal((toPlain(resolveExtends(join(dir, 'c30.yaml')).tree) as { name: string }).name, 'end');
});
