/**
 * Operator conformance (issue 18): every op of the registry, on every backend this machine has, against its own
 * case in conformance/cases/<op>.ts: shape rule, forward vs a float64 reference, gradient vs central differences
 * on that reference, no tensor leak (conformance/check.ts states the tolerances). The cases are found by reading
 * the directory, so adding an op means adding its case file; an op without one, or a case for an op that is not
 * registered, fails here.
 */
import { describe, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-wasm';
import { registry } from '../../src/ops/registry.js';
import { installKernels } from '../../src/ops/kernels/registry.js';
import { loadNativeBackend, summariseNativeProblem } from '../../src/engine/native-backend.js';
import { tf } from './harness.js';
import type { ConformanceCase } from './conformance/case.js';
import { checkCase } from './conformance/check.js';

const casesDir = new URL('./conformance/cases/', import.meta.url);
const caseFiles = readdirSync(fileURLToPath(casesDir))
  .filter((f) => f.endsWith('.js'))
  .sort();
const cases: { file: string; c: ConformanceCase }[] = [];
for (const file of caseFiles) {
  const mod = (await import(new URL(file, casesDir).href)) as { default?: ConformanceCase };
  if (!mod.default) throw new Error(`conformance case ${file} has no default export`);
  cases.push({ file: file.replace(/\.js$/, ''), c: mod.default });
}

test('every registered op has a conformance case, and every case names a registered op', () => {
  const names = new Set(cases.map((k) => k.c.op));
  const missing = registry.names().filter((n) => !names.has(n));
  assert.deepEqual(missing, [], `registered ops without a case in test/ops/conformance/cases/: ${missing.join(', ')}`);
  const unknown = cases.filter((k) => !registry.has(k.c.op)).map((k) => k.file);
  assert.deepEqual(unknown, [], `cases for ops that are not registered: ${unknown.join(', ')}`);
  const misnamed = cases.filter((k) => k.file !== k.c.op).map((k) => `${k.file} (op ${k.c.op})`);
  assert.deepEqual(misnamed, [], `case files must be named after their op: ${misnamed.join(', ')}`);
});

// tfjs-node is tried as the engine tries it; where it does not load, its section is skipped with the reason.
const nativeProblem = await loadNativeBackend('node');
const backends: { name: string; skip?: string; use: () => Promise<void> }[] = [
  { name: 'cpu', use: async () => void assert.ok(await tf.setBackend('cpu')) },
  {
    name: 'wasm',
    use: async () => {
      assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialise');
      // The project's own wasm kernels, as the engine installs them (ops/kernels/registry.ts).
      installKernels('wasm');
    },
  },
  {
    name: 'tensorflow',
    skip: nativeProblem ? `tfjs-node is not usable here: ${summariseNativeProblem('node', nativeProblem)}` : undefined,
    use: async () => void assert.ok(await tf.setBackend('tensorflow')),
  },
];

tf.enableProdMode();
for (const b of backends) {
  describe(`conformance on ${b.name}`, { skip: b.skip }, () => {
    before(async () => {
      await b.use();
      await tf.ready();
      assert.equal(tf.getBackend(), b.name);
    });
    for (const { c } of cases) {
      const def = registry.get(c.op);
      test(c.op, { skip: def ? undefined : 'not registered (see the registry test)' }, () => checkCase(c, def!));
    }
  });
}
