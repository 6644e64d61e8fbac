import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { threadsPerWorker } from '../../src/util/cores.js';
import { resetFlags, setFlag } from '../../src/util/flags.js';

afterEach(() => resetFlags('threads'));

test('workers x threads per point stays within the cores, and each point gets at least one thread', () => {
  for (const cores of [1, 2, 3, 8, 16])
    for (const workers of [1, 2, 3, 5, 16, 40]) {
      const t = threadsPerWorker(workers, cores);
      assert.ok(t >= 1, `${workers} workers on ${cores} cores`);
      if (workers <= cores) assert.ok(workers * t <= cores, `${workers} x ${t} on ${cores} cores`);
      else assert.equal(t, 1);
    }
  assert.equal(threadsPerWorker(1, 16), 16);
  assert.equal(threadsPerWorker(4, 16), 4);
  assert.equal(threadsPerWorker(3, 16), 5);
});

test('ANCHORFLOW_THREADS, when set, is what every point gets', () => {
  setFlag('threads', 3);
  assert.equal(threadsPerWorker(8, 2), 3);
});
