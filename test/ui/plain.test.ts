import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlainReporter } from '../../src/ui/plain.js';
import { collector, scriptedRun } from './events-fixture.js';

test('plain reporter prints one line per run/epoch/eval/seed and a result table, no escape codes', () => {
  const out = collector();
  const err = collector();
  const r = createPlainReporter({ out: out.write, err: err.write });
  for (const e of scriptedRun()) r.sink(e);
  const text = out.text();
  assert.doesNotMatch(text, /\x1b/);
  assert.doesNotMatch(err.text(), /\x1b/);
  const lines = text.trimEnd().split('\n');
  assert.match(
    lines[0]!,
    /^run anchorrec · dataset synth:small · backend wasm · seed 7 \(1\/1\) · 1000 users, 2000 items, 50000 train/,
  );
  assert.match(text, /^epoch  1\/50  total 0\.5543  bpr 0\.5432  aal 0\.0111  lr 1e-3  1\.5s$/m);
  assert.match(
    text,
    /^eval   2  valid recall@20 0\.0812 ndcg@20 0\.0406 \| test recall@20 0\.0792 ndcg@20 0\.0396 \| best 2 \*/m,
  );
  assert.match(text, /^seed 7 \(1\/1\) done: best epoch 2 of 2 · valid recall@20 0\.0812/m);
  // The summary: mean ± std for every metric/K present, best epochs.
  assert.match(text, /^result anchorrec on synth:small \(wasm\), 1 seed: 7$/m);
  for (const k of ['recall@10', 'recall@20', 'ndcg@10', 'ndcg@20', 'precision@20', 'map@20'])
    assert.match(text, new RegExp(`^  ${k} +\\d\\.\\d{4} ± \\d\\.\\d{4} +\\d\\.\\d{4} ± \\d\\.\\d{4}$`, 'm'));
  assert.match(text, /recall@20 +0\.0812 ± 0\.0021 +0\.0790 ± 0\.0018/);
  assert.match(text, /best epoch 2 \(ran 2\+ epochs/);
  // Batches are not printed one by one; logs go to stderr.
  assert.doesNotMatch(text, /batch \d/);
  assert.doesNotMatch(text, /tensor count/);
  assert.equal(err.text(), 'warn: tensor count grew\ninfo: checkpoint saved\n');
  // Metric rows come in reading order: recall before ndcg before precision before map.
  assert.ok(text.indexOf('  recall@20') < text.indexOf('  ndcg@10'));
  assert.ok(text.indexOf('  precision@20') < text.indexOf('  map@20'));
});

test('plain reporter prints a batch progress line only after the interval passes', () => {
  const out = collector();
  let t = 0;
  const r = createPlainReporter({ out: out.write, err: () => {}, now: () => t, progressIntervalMs: 10_000 });
  const events = scriptedRun(100);
  for (const e of events) {
    if (e.type === 'batch') t += 150; // 15 s per epoch of 100 batches
    r.sink(e);
  }
  const progress = out
    .text()
    .split('\n')
    .filter((l) => l.startsWith('  epoch'));
  assert.equal(progress.length, 2, out.text());
  assert.match(progress[0]!, /^  epoch  1  batch 67\/100 \(67%\)  total 0\.\d{4}  bpr .* 6\.7 batch\/s$/);
});

test('quiet plain reporter keeps warnings and the summary only', () => {
  const out = collector();
  const err = collector();
  const r = createPlainReporter({ out: out.write, err: err.write, quiet: true });
  for (const e of scriptedRun()) r.sink(e);
  assert.match(out.text(), /^result anchorrec/);
  assert.doesNotMatch(out.text(), /^(run|epoch|eval|seed) /m);
  assert.equal(err.text(), 'warn: tensor count grew\n');
});
