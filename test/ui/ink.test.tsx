import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { RunView } from '../../src/ui/ink/RunView.js';
import { ViewStore } from '../../src/ui/ink/store.js';
import { scriptedRun } from './events-fixture.js';

const tick = () => new Promise((r) => setTimeout(r, 20));
// Colours are not the point here; strip SGR codes so the assertions read the text.
const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');

test('the Ink view shows epoch, losses, metrics and the best epoch, then the final summary', async () => {
  let t = 0;
  const store = new ViewStore(100, () => t);
  const view = render(<RunView store={store} />);
  try {
    const events = scriptedRun(4);
    const upToSecondEval = events.findIndex((e) => e.type === 'eval' && e.epoch === 2);
    for (const e of events.slice(0, upToSecondEval + 1)) {
      t += 100;
      store.dispatch(e);
    }
    // Followed by a batch of epoch 3, so the live loss column and the epoch means both show.
    store.dispatch({ type: 'epoch_start', epoch: 3, lr: 0.001 });
    t += 500;
    store.dispatch({
      type: 'batch',
      epoch: 3,
      batch: 2,
      batches: 4,
      losses: { bpr: 0.4321, aal: 0.0099, total: 0.442 },
    });
    store.flush();
    await tick();
    const frame = plain(view.lastFrame());
    assert.match(frame, /anchorrec on synth:small · backend wasm · seed 7 \(1\/1\)/);
    assert.match(frame, /epoch +3\/50/);
    assert.match(frame, /batch +2\/4/);
    assert.match(frame, /50%/);
    assert.match(frame, /bpr +0\.4321 +0\.5432/); // latest batch, mean of epoch 2
    assert.match(frame, /total +0\.4420 +0\.5543/);
    assert.match(frame, /metrics, epoch 2/);
    assert.match(frame, /valid +recall +0\.0650 +0\.0812/); // @10, @20
    assert.match(frame, /test +recall +0\.0634 +0\.0792/);
    assert.match(frame, /precision/);
    assert.match(
      frame,
      /best epoch 2 · patience 20 left\n +valid recall@20 0\.0812 ndcg@20 0\.0406 · test recall@20 0\.0792/,
    );
    assert.match(frame, /valid recall@20 [▁-█]{2}/); // sparkline of two evaluations
    assert.match(frame, /4\.0 batch\/s/); // 2 batches in 0.5 s of fake time

    for (const e of events.slice(upToSecondEval + 1)) store.dispatch(e);
    store.flush();
    await tick();
    const summary = plain(view.lastFrame());
    assert.match(summary, /done, 1 seed \(7\)/);
    assert.match(summary, /recall@20 +0\.0812 ± 0\.0021 +0\.0790 ± 0\.0018/);
    assert.match(summary, /best epoch 2/);
    assert.match(summary, /1 warning during the run:\n⚠ tensor count grew/);
  } finally {
    view.unmount();
    store.dispose();
  }
});

test('the store publishes at most once per interval however many events arrive', async () => {
  const store = new ViewStore(50);
  let published = 0;
  store.subscribe(() => published++);
  const before = store.getSnapshot();
  for (let i = 1; i <= 5000; i++)
    store.dispatch({ type: 'batch', epoch: 1, batch: i, batches: 5000, losses: { total: 1 / i } });
  assert.equal(published, 0);
  assert.equal(store.getSnapshot(), before, 'the snapshot only changes on publish');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(published, 1);
  assert.equal(store.getSnapshot().batch?.batch, 5000);
  store.dispose();
});
