import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsonReporter } from '../../src/ui/json.js';
import { collector, scriptedRun } from './events-fixture.js';

test('json reporter writes one parseable event per line, ending with result, batches throttled to 1/s', () => {
  const out = collector();
  let t = 0;
  const r = createJsonReporter({ out: out.write, now: () => t });
  // 2 epochs x 250 batches at 4 ms a batch: 500 batches over 2 s of fake time.
  const events = scriptedRun(250);
  for (const e of events) {
    if (e.type === 'batch') t += 4;
    r.sink(e);
  }
  const lines = out.text().trimEnd().split('\n');
  const parsed = lines.map((l) => JSON.parse(l) as { type: string });
  assert.equal(parsed[parsed.length - 1]!.type, 'result');
  const nonBatch = events.filter((e) => e.type !== 'batch');
  assert.deepEqual(
    parsed.filter((e) => e.type !== 'batch'),
    JSON.parse(JSON.stringify(nonBatch)),
  );
  const batches = parsed.filter((e) => e.type === 'batch').length;
  // The first, then one per second.
  assert.ok(batches >= 2 && batches <= 3, `batch lines: ${batches}`);
});

test('json reporter keeps non-finite numbers visible and the line parseable', () => {
  const out = collector();
  const r = createJsonReporter({ out: out.write });
  r.sink({ type: 'epoch_end', epoch: 1, losses: { total: NaN, bpr: Infinity }, trainSeconds: 1, tensors: 3 });
  const e = JSON.parse(out.text()) as { losses: Record<string, unknown> };
  assert.deepEqual(e.losses, { total: 'NaN', bpr: 'Infinity' });
});
