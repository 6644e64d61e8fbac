/**
 * How a run ends: the quick protocol by default on built-in synthetic data, and the closing summary, which
 * compares with LightGCN only where a LightGCN result on the same data, protocol, epoch budget and seeds exists
 * (a run in the same runs folder, or the committed zoo table for its dataset).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import { chooseProtocol } from '../../src/experiments/run.js';
import { summarizeRun } from '../../src/experiments/summary.js';
import { protocolOverrides, QUICK_EPOCHS } from '../../src/experiments/protocol.js';
import type { Metrics, ResultEvent } from '../../src/engine/events.js';
import { summaryLines } from '../../src/ui/format.js';

const m = (r: number, n: number): Metrics => ({ 'recall@20': r, 'ndcg@20': n });

function result(over: Partial<ResultEvent> = {}): ResultEvent {
  return {
    type: 'result',
    pipeline: 'vbpr',
    dataset: 'synth:small',
    backend: 'wasm',
    seeds: [999],
    perSeed: [
      {
        type: 'seed_end',
        seed: 999,
        seedIndex: 0,
        bestEpoch: 7,
        epochs: 10,
        stoppedEarly: false,
        valid: m(0.3, 0.2),
        test: m(0.25, 0.15),
        seconds: 1,
        secondsPerEpoch: 0.1,
      },
    ],
    mean: { valid: m(0.3, 0.2), test: m(0.25, 0.15) },
    std: { valid: m(0, 0), test: m(0, 0) },
    protocol: 'quick',
    maxEpochs: 10,
    ...over,
  } as ResultEvent;
}

function lightgcnRun(out: string, name: string, fields: Record<string, unknown>): string {
  const dir = join(out, 'lightgcn', name);
  mkdirSync(dir, { recursive: true });
  const metrics = {
    pipeline: 'lightgcn',
    dataset: 'synth:small',
    protocol: 'quick',
    maxEpochs: 10,
    seeds: [999],
    mean: { test: m(0.5, 0.3) },
    ...fields,
  };
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics));
  return dir;
}

test('no --protocol: quick on built-in synthetic data, mmrec on a folder or a named dataset; an explicit one wins', () => {
  const file = join(PIPELINES, 'anchorrec.yaml');
  assert.equal(chooseProtocol({ file }), 'quick');
  assert.equal(chooseProtocol({ file, dataset: 'synth:baby' }), 'quick');
  assert.equal(chooseProtocol({ file, dataset: 'tiktok' }), 'mmrec');
  assert.equal(chooseProtocol({ file, set: ['data.dataset=tiktok'] }), 'mmrec');
  assert.equal(chooseProtocol({ file, dataPath: '/some/folder' }), 'mmrec');
  assert.equal(chooseProtocol({ file, protocol: 'mmrec' }), 'mmrec');
  // Quick only shortens: a budget already within it runs as written.
  assert.equal(chooseProtocol({ file, epochs: QUICK_EPOCHS }), 'mmrec');
  assert.equal(chooseProtocol({ file, set: ['train.epochs=3'] }), 'mmrec');
  assert.equal(chooseProtocol({ file, epochs: QUICK_EPOCHS + 1 }), 'quick');
  assert.deepEqual(protocolOverrides('quick'), [`train.epochs=${QUICK_EPOCHS}`]);
});

test('the summary compares with the newest LightGCN run of the same dataset, protocol, epochs and seeds, and only that', () => {
  const out = mkdtempSync(join(tmpdir(), 'anchorflow-summary-'));
  const none = join(out, 'no-zoo.json');
  // Each of these differs in one thing and must be passed over.
  lightgcnRun(out, '20261203-100000-other-epochs', { maxEpochs: 3 });
  lightgcnRun(out, '20261203-100001-other-seeds', { seeds: [1000] });
  lightgcnRun(out, '20261203-100002-other-protocol', { protocol: 'mmrec' });
  lightgcnRun(out, '20261203-100003-other-data', { dataset: 'synth:baby' });
  assert.equal(summarizeRun(result(), { protocol: 'quick', out, zooTable: none }).baseline, undefined);
  const older = lightgcnRun(out, '20261203-090000-match', { mean: { test: m(0.4, 0.2) } });
  const newer = lightgcnRun(out, '20261203-110000-match', {});
  const s = summarizeRun(result(), { protocol: 'quick', out, zooTable: none });
  assert.equal(s.baseline?.source, newer);
  assert.notEqual(s.baseline?.source, older);
  assert.deepEqual(s.baseline?.test, m(0.5, 0.3));
  const lines = summaryLines(s);
  assert.match(
    lines[0]!,
    /^vbpr on synth:small, quick protocol: best epoch 7 of 10 · test Recall@20 0\.2500, NDCG@20 0\.1500$/,
  );
  assert.match(lines[1]!, /^lightgcn on the same data: test Recall@20 0\.5000, NDCG@20 0\.3000, from /);
  assert.ok(
    lines.some((l) => /quick protocol: 10 epochs.*--protocol mmrec/.test(l)),
    'the quick protocol is named as a demonstration',
  );
  // A LightGCN run is not compared with itself.
  assert.equal(
    summarizeRun(result({ pipeline: 'lightgcn' }), { protocol: 'quick', out, zooTable: none }).baseline,
    undefined,
  );
});

test('the zoo table is the comparison for its own dataset, protocol and epoch budget only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-summary-zoo-'));
  const table = join(dir, 'results.json');
  writeFileSync(
    table,
    JSON.stringify({
      dataset: 'tiktok',
      protocol: 'mmrec',
      maxEpochs: 1000,
      models: [{ model: 'lightgcn', seeds: [1, 2, 3], test: { mean: m(0.0863, 0.041) } }],
    }),
  );
  const tiktok = result({ dataset: 'tiktok', protocol: 'mmrec', maxEpochs: 1000 });
  const s = summarizeRun(tiktok, { protocol: 'mmrec', zooTable: table });
  assert.deepEqual(s.baseline, { model: 'lightgcn', source: s.baseline!.source, seeds: 3, test: m(0.0863, 0.041) });
  assert.match(summaryLines(s)[1]!, /\(mean of 3 seeds\)/);
  assert.equal(
    summarizeRun({ ...tiktok, maxEpochs: 3 }, { protocol: 'mmrec', zooTable: table }).baseline,
    undefined,
    'another epoch budget',
  );
  assert.equal(summarizeRun(tiktok, { protocol: 'official', zooTable: table }).baseline, undefined, 'another protocol');
  assert.equal(
    summarizeRun(result({ protocol: 'mmrec', maxEpochs: 1000 }), { protocol: 'mmrec', zooTable: table }).baseline,
    undefined,
    'another dataset',
  );
});

test(
  'run ends with its summary: the next commands, and LightGCN beside it once LightGCN has run the same way',
  { timeout: 180_000 },
  () => {
    const out = mkdtempSync(join(tmpdir(), 'anchorflow-summary-e2e-'));
    const run = (pipeline: string) =>
      spawnSync(process.execPath, [CLI, 'run', join(PIPELINES, pipeline), '--epochs', '1', '--plain', '--out', out], {
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
      });
    const lg = run('lightgcn.yaml');
    assert.equal(lg.status, 0, lg.stderr);
    assert.match(lg.stdout, /^lightgcn on synth:small, mmrec protocol: best epoch 1 of 1/m);
    const lgDir = /^run directory: (.+)$/m.exec(lg.stdout)![1]!;
    assert.equal(
      JSON.parse(readFileSync(join(lgDir, 'run.json'), 'utf8')).protocol,
      'mmrec',
      '--epochs 1 is within the quick budget',
    );
    assert.match(lg.stdout, /^next:\n {2}npx anchorflow analyze \S+/m);
    const vbpr = run('vbpr.yaml');
    assert.equal(vbpr.status, 0, vbpr.stderr);
    assert.match(
      vbpr.stdout,
      new RegExp(
        `^lightgcn on the same data: test Recall@20 \\d\\.\\d{4}, NDCG@20 \\d\\.\\d{4}, from ${lgDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
        'm',
      ),
    );
    const json = spawnSync(
      process.execPath,
      [CLI, 'run', join(PIPELINES, 'vbpr.yaml'), '--epochs', '1', '--json', '--no-save'],
      { encoding: 'utf8' },
    );
    const last = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
    assert.equal(last.type, 'result', '--json still ends with the result event; the summary is for people');
  },
);
