import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { CheckWatchView } from '../../src/ui/ink/CheckWatchView.js';
import { checkWatchLines, type CheckWatchState } from '../../src/ui/check-watch.js';

const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');

const state: CheckWatchState = {
  round: 2,
  at: new Date(2024, 0, 1, 12, 30, 5).getTime(),
  changed: 'vbpr.yaml',
  watching: 3,
  files: [
    {
      file: 'lightgcn.yaml',
      ok: true,
      summary: {
        name: 'lightgcn',
        nodes: 2,
        losses: 1,
        outputs: [
          { name: 'user', type: '[users, 64]' },
          { name: 'item', type: '[items, 64]' },
        ],
      },
    },
    {
      file: 'vbpr.yaml',
      ok: false,
      error: {
        head: "vbpr.yaml:16:36: unknown node 'f_vv' (did you mean 'f_v'?)",
        detail: ['  16 |   content: { op: concat, in: [f_t, f_vv] }', '                                          ^'],
      },
    },
  ],
};

test('the check --watch screen shows the located error with its line, the green summary and the status', () => {
  const view = render(<CheckWatchView state={state} />);
  const frame = plain(view.lastFrame());
  assert.match(frame, /round 2 at 12:30:05 · changed vbpr\.yaml/);
  assert.match(frame, /✔ lightgcn\.yaml lightgcn, 2 nodes, 1 loss/);
  assert.match(frame, /outputs user \[users, 64\], item \[items, 64\]/);
  assert.match(frame, /✘ vbpr\.yaml:16:36: unknown node 'f_vv'/);
  assert.match(frame, /16 \| {3}content: \{ op: concat, in: \[f_t, f_vv\] \}/);
  assert.match(frame, /1 of 2 failed · watching 3 files/);
  view.unmount();
});

test('the plain watch lines carry the time, the CLI error format and a status line', () => {
  const lines = checkWatchLines(state);
  assert.deepEqual(lines, [
    '[12:30:05] changed: vbpr.yaml',
    '[12:30:05] ok  lightgcn.yaml: lightgcn, 2 nodes, 1 loss; outputs user [users, 64], item [items, 64]',
    "[12:30:05] error vbpr.yaml:16:36: unknown node 'f_vv' (did you mean 'f_v'?)",
    '  16 |   content: { op: concat, in: [f_t, f_vv] }',
    '                                          ^',
    '[12:30:05] 1 of 2 failed; watching 3 files (Ctrl+C to stop)',
  ]);
});
