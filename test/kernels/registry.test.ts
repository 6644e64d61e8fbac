/**
 * ops/kernels/registry.ts is the one list of our kernels: what installKernels puts into tfjs's kernel table is
 * exactly what listKernels says, a second install changes nothing, cpu gets nothing, and every registered
 * gradient agrees with central differences of a float64 reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, randomCsr } from './_setup.js';
import { installKernels, listKernels } from '../../src/ops/kernels/registry.js';
import { spmm } from '../../src/ops/kernels/spmm.js';
import { propagateMean } from '../../src/ops/kernels/propagate-mean.js';
import type { CsrMatrix } from '../../src/ops/sparse.js';
import { matmul, toDense, type Dense64 } from '../ops/conformance/ref.js';
import { Rng } from '../../src/util/rng.js';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT as ROOT } from '../helpers.js';

/** name -> kernel function, as tfjs holds them for a backend now. */
const table = (backend: string) => new Map(tf.getKernelsForBackend(backend).map((k) => [k.kernelName, k.kernelFunc]));

test('installKernels(wasm) adds and replaces exactly the listed kernels, once; cpu keeps its stock table', async () => {
  const cpuBefore = table('cpu');
  await useBackend('wasm');
  const before = table('wasm');
  installKernels('wasm');
  const after = table('wasm');

  const added = [...after.keys()].filter((n) => !before.has(n)).sort();
  const replaced = [...after.keys()].filter((n) => before.has(n) && before.get(n) !== after.get(n)).sort();
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const listed = listKernels().filter((k) => k.kind === 'registered' && k.backend === 'wasm');
  assert.deepEqual(
    added,
    listed
      .filter((k) => !k.replacesStock)
      .map((k) => k.name)
      .sort(),
    'new kernels = the listed ones that replace nothing',
  );
  assert.deepEqual(
    replaced,
    listed
      .filter((k) => k.replacesStock)
      .map((k) => k.name)
      .sort(),
    'replaced kernels = the listed replacements',
  );
  assert.deepEqual(removed, []);
  for (const k of listed)
    assert.equal(!!tf.getGradient(k.name), k.gradient !== 'none', `${k.name}: gradient ${k.gradient}`);

  const gradients = new Map(listed.map((k) => [k.name, tf.getGradient(k.name)?.gradFunc]));
  installKernels('wasm');
  installKernels('cpu');
  assert.deepEqual(table('wasm'), after, 'a second install changes nothing');
  for (const [name, g] of gradients) assert.equal(tf.getGradient(name)?.gradFunc, g, `${name}: gradient unchanged`);
  assert.deepEqual(table('cpu'), cpuBefore, 'cpu keeps the kernels tfjs gave it');
});

/** Σ w ⊙ f(x) in float64 and its gradient in x by central differences (exact up to rounding for f linear in x). */
function centralGradient(
  f: (x: Float64Array) => Float64Array,
  x: Float64Array,
  w: Float64Array,
  h = 1e-3,
): Float64Array {
  const loss = (v: Float64Array) => f(v).reduce((s, y, i) => s + y * w[i]!, 0);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = Float64Array.from(x);
    const m = Float64Array.from(x);
    p[i]! += h;
    m[i]! -= h;
    g[i] = (loss(p) - loss(m)) / (2 * h);
  }
  return g;
}

const times = (a: CsrMatrix, x: Float64Array, d: number): Float64Array =>
  matmul(toDense(a), { shape: [a.cols, d], data: x } as Dense64).data;

/** Each registered gradient by kernel name: the op that reaches it on wasm and its float64 reference. */
const GRADIENT_CASES: Record<
  string,
  (rng: Rng) => {
    a: CsrMatrix;
    d: number;
    run: (x: tf.Tensor2D) => tf.Tensor2D;
    ref: (x: Float64Array) => Float64Array;
  }
> = {
  AnchorflowSpmm: (rng) => {
    const a = randomCsr(rng, 7, 9, 0.3, [2]);
    return { a, d: 4, run: (x) => spmm(a, x), ref: (x) => times(a, x, 4) };
  },
  AnchorflowPropagateMean: (rng) => {
    const a = randomCsr(rng, 8, 8, 0.3);
    const layers = 2;
    const ref = (x: Float64Array) => {
      const acc = Float64Array.from(x);
      let cur = x;
      for (let l = 0; l < layers; l++) {
        cur = times(a, cur, 4);
        cur.forEach((v, i) => (acc[i]! += v));
      }
      return acc.map((v) => v / (layers + 1));
    };
    return { a, d: 4, run: (x) => propagateMean(a, x, layers), ref };
  },
};

test('every registered gradient matches central differences of its float64 reference', async () => {
  await useBackend('wasm');
  installKernels('wasm');
  const withGradient = listKernels()
    .filter((k) => k.kind === 'registered' && k.gradient === 'ours')
    .map((k) => k.name);
  assert.deepEqual(withGradient.sort(), Object.keys(GRADIENT_CASES).sort(), 'a case for each registered gradient');
  const rng = new Rng(18);
  for (const name of withGradient) {
    const c = GRADIENT_CASES[name]!(rng);
    const x = Float64Array.from({ length: c.a.cols * c.d }, () => Math.fround(rng.normal()));
    const w = Float64Array.from({ length: c.a.rows * c.d }, () => Math.fround(rng.normal()));
    let got: Float32Array = new Float32Array(0);
    // Profiled: the op must reach the kernel by name on wasm (so the gradient used is the registered one).
    const prof = await tf.profile(() => {
      got = tf.tidy(() => {
        const xt = tf.tensor2d(Float32Array.from(x), [c.a.cols, c.d]);
        const wt = tf.tensor2d(Float32Array.from(w), [c.a.rows, c.d]);
        return tf
          .grad((v: tf.Tensor) => tf.sum(tf.mul(c.run(v as tf.Tensor2D), wt)))(xt)
          .dataSync() as Float32Array;
      });
    });
    assert.ok(prof.kernelNames.includes(name), `${name} ran: ${prof.kernelNames.join(', ')}`);
    const want = centralGradient(c.ref, x, w);
    for (let i = 0; i < want.length; i++)
      assert.ok(
        Math.abs(got[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)),
        `${name}: d/dx[${i}] ${got[i]} vs ${want[i]}`,
      );
  }
});

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((n) => {
    const p = join(dir, n);
    return statSync(join(ROOT, p)).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('the listed gradient closures are the tf.customGrad calls in src/, each named in its file', () => {
  const closures = listKernels().filter((k) => k.kind === 'closure');
  const files = sources('src').filter((f) => /tf\.customGrad\(/.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(
    [...new Set(closures.map((c) => c.file))].sort(),
    files.sort(),
    'files with a tf.customGrad = files the registry lists',
  );
  for (const c of closures) {
    const text = readFileSync(join(ROOT, c.file), 'utf8');
    assert.match(text, new RegExp(`(function|const) ${c.name}\\b`), `${c.name} is defined in ${c.file}`);
  }
  for (const k of listKernels().filter((x) => x.kind === 'registered'))
    assert.ok(
      readFileSync(join(ROOT, k.file), 'utf8').includes(k.replacesStock ? k.name : `'${k.name}'`),
      `${k.name} is in ${k.file}`,
    );
});

test('anchorflow ops --kernels prints the list, and --json gives it whole', () => {
  const text = spawnSync(process.execPath, [CLI, 'ops', '--kernels'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  for (const k of listKernels())
    assert.match(text.stdout, new RegExp(`^  ${k.name}\\s+${k.backend}, gradient: ${k.gradient}`, 'm'));
  assert.match(text.stdout, /^  Slice\s+wasm, gradient: stock, replaces stock/m);
  const json = spawnSync(process.execPath, [CLI, 'ops', '--kernels', '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), listKernels());
});
