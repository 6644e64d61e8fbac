import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping, type EarlyStoppingRule } from '../../src/engine/early-stopping.js';

/** Feeds evaluations (epoch, value) in turn; returns the rule and whether each improved. */
function feed(rule: EarlyStoppingRule, evals: [number, number][]): { s: EarlyStopping; improved: boolean[] } {
  const s = new EarlyStopping(rule);
  return { s, improved: evals.map(([e, v]) => s.update(e, v)) };
}

test('each strictly better value improves, records its epoch and resets the count', () => {
  const { s, improved } = feed({ patience: 3 }, [
    [1, 0.1],
    [2, 0.05],
    [3, 0.2],
    [4, 0.3],
  ]);
  assert.deepEqual(improved, [true, false, true, true]);
  assert.deepEqual(s.counters(), { best: 0.3, bestEpoch: 4, sinceBest: 0 });
  assert.equal(s.stopped, false);
  assert.equal(s.patienceLeft, 3);
});

test('before any evaluation the best is -1 at epoch -1, and a first value of 0 improves on it', () => {
  const s = new EarlyStopping({ patience: 2 });
  assert.deepEqual(s.counters(), { best: -1, bestEpoch: -1, sinceBest: 0 });
  assert.equal(s.update(1, 0), true);
  assert.deepEqual(s.counters(), { best: 0, bestEpoch: 1, sinceBest: 0 });
});

test('a tie is no improvement: the first epoch reaching the best value stays the best epoch', () => {
  const { s, improved } = feed({ patience: 5 }, [
    [1, 0.25],
    [2, 0.25],
    [3, 0.25],
  ]);
  assert.deepEqual(improved, [true, false, false]);
  assert.deepEqual(s.counters(), { best: 0.25, bestEpoch: 1, sinceBest: 2 });
});

test('patience p tolerates p failed evaluations in a row and stops at the (p+1)-th', () => {
  for (const patience of [1, 2, 5]) {
    const s = new EarlyStopping({ patience });
    s.update(1, 0.5);
    for (let k = 1; k <= patience; k++) {
      s.update(1 + k, 0.4);
      assert.equal(s.stopped, false, `patience ${patience}, after ${k} failures`);
      assert.equal(s.patienceLeft, patience - k);
    }
    s.update(2 + patience, 0.5);
    assert.equal(s.stopped, true, `patience ${patience}: a tie is the (p+1)-th failure`);
    assert.equal(s.patienceLeft, -1);
    assert.equal(s.bestEpoch, 1);
  }
});

test('an improvement just before the limit restarts the count', () => {
  const { s } = feed({ patience: 2 }, [
    [1, 0.1],
    [2, 0.0],
    [3, 0.0],
    [4, 0.11],
    [5, 0.0],
    [6, 0.0],
  ]);
  assert.equal(s.stopped, false);
  assert.deepEqual(s.counters(), { best: 0.11, bestEpoch: 4, sinceBest: 2 });
  s.update(7, 0.1);
  assert.equal(s.stopped, true);
});

test('patience counts evaluations, not epochs (eval_every 5)', () => {
  const { s } = feed({ patience: 1 }, [
    [5, 0.3],
    [10, 0.2],
  ]);
  assert.equal(s.stopped, false, 'one failed evaluation, ten epochs after the best, is within patience 1');
  s.update(15, 0.2);
  assert.equal(s.stopped, true);
  assert.equal(s.bestEpoch, 5);
});

test('stop: false never stops but still tracks the best epoch; patience left is Infinity', () => {
  const { s } = feed({ patience: 1, stop: false }, [
    [1, 0.2],
    [2, 0.3],
    [3, 0.1],
    [4, 0.1],
    [5, 0.1],
    [6, 0.1],
  ]);
  assert.equal(s.stopped, false);
  assert.equal(s.patienceLeft, Infinity);
  assert.deepEqual(s.counters(), { best: 0.3, bestEpoch: 2, sinceBest: 4 });
  assert.equal(new EarlyStopping({ patience: 1, stop: true }).patienceLeft, 1, 'stop: true is the default rule');
});

test('NaN never improves and counts as a failed evaluation; a later real value still improves', () => {
  const first = feed({ patience: 1 }, [[1, NaN]]);
  assert.deepEqual(first.improved, [false]);
  assert.deepEqual(first.s.counters(), { best: -1, bestEpoch: -1, sinceBest: 1 });
  const mid = feed({ patience: 1 }, [
    [1, 0.3],
    [2, NaN],
    [3, 0.4],
  ]);
  assert.deepEqual(mid.improved, [true, false, true]);
  assert.deepEqual(mid.s.counters(), { best: 0.4, bestEpoch: 3, sinceBest: 0 });
  const stops = feed({ patience: 1 }, [
    [1, 0.3],
    [2, NaN],
    [3, NaN],
  ]);
  assert.equal(stops.s.stopped, true);
  assert.equal(stops.s.best, 0.3);
});

test('resumed from the counters a checkpoint stores (through JSON), the rule continues exactly as uninterrupted', () => {
  const values = [0.1, 0.12, 0.12, NaN, 0.11, 0.15, 0.14, 0.13, 0.13, 0.16, 0.1, 0.1, 0.1, 0.1];
  for (const rule of [{ patience: 2 }, { patience: 3, stop: false }] as EarlyStoppingRule[]) {
    const whole = new EarlyStopping(rule);
    const trace = values.map((v, i) => ({
      improved: whole.update(i + 1, v),
      counters: whole.counters(),
      stopped: whole.stopped,
      left: whole.patienceLeft,
    }));
    for (let cut = 0; cut <= values.length; cut++) {
      const before = new EarlyStopping(rule);
      values.slice(0, cut).forEach((v, i) => before.update(i + 1, v));
      const saved = JSON.parse(JSON.stringify(before.counters()));
      const resumed = EarlyStopping.resume(rule, saved);
      assert.equal(resumed.stopped, cut ? trace[cut - 1]!.stopped : false, `cut ${cut}: stopped on resume`);
      values.slice(cut).forEach((v, k) => {
        const i = cut + k;
        const improved = resumed.update(i + 1, v);
        assert.deepEqual(
          { improved, counters: resumed.counters(), stopped: resumed.stopped, left: resumed.patienceLeft },
          trace[i],
          `rule ${JSON.stringify(rule)}, resumed after ${cut}, evaluation ${i + 1}`,
        );
      });
    }
  }
});
