/**
 * `anchorflow zoo` end to end: two small pipelines x 2 seeds on synth:small, run as real worker processes
 * through the sweep machinery; the Markdown and JSON tables must hold one row per model whose mean ± std are
 * those of the stored per-seed records, and running the same command again must run nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import { meanStd } from '../../src/experiments/stats.js';
import type { PointRecord } from '../../src/experiments/sweep/store.js';
import type { ZooResults } from '../../src/experiments/zoo.js';

test('zoo: two models x two seeds give a table of per-seed means; a re-run runs nothing', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-zoo-'));
  const args = [
    CLI,
    'zoo',
    '--models',
    'lightgcn,vbpr',
    '--dataset',
    'synth:small',
    '--epochs',
    '2',
    '--seeds',
    '2',
    '--workers',
    '2',
    '--pipelines',
    PIPELINES,
    '--store',
    join(dir, 'store'),
    '--out',
    join(dir, 'results.md'),
    '--plain',
  ];
  const env = { ...process.env, CI: 'true' };
  const first = execFileSync(process.execPath, args, { env, encoding: 'utf8' });
  assert.match(first, /zoo: 4 points run, 0 reused/);

  const pointsDir = join(dir, 'store', 'zoo', 'synth_small', 'points');
  const files = readdirSync(pointsDir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 4);
  const recs = files.map((f) => JSON.parse(readFileSync(join(pointsDir, f), 'utf8')) as PointRecord);
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ZooResults;
  const md = readFileSync(join(dir, 'results.md'), 'utf8');

  assert.deepEqual(json.models.map((m) => m.model).sort(), ['lightgcn', 'vbpr']);
  assert.equal(json.dataset, 'synth:small');
  assert.deepEqual(json.seeds, [999, 1000]);
  assert.ok(json.backend.length > 0 && !Number.isNaN(Date.parse(json.date)));
  assert.match(md, /command: `anchorflow zoo --models lightgcn,vbpr --dataset synth:small --epochs 2 --seeds 2/);
  assert.match(md, /- dataset: synth:small/);
  assert.match(md, /- seeds: 999, 1000/);
  assert.match(md, /- backend: \S+/);
  assert.match(md, /- date: \d{4}-\d\d-\d\dT/);

  for (const row of json.models) {
    const mine = recs.filter((r) => r.configuration === row.model).sort((a, b) => a.seed - b.seed);
    assert.deepEqual(
      mine.map((r) => r.seed),
      [999, 1000],
      `${row.model}: one record per seed`,
    );
    assert.deepEqual(row.missingSeeds, []);
    const v = meanStd(mine.map((r) => r.valid));
    const t = meanStd(mine.map((r) => r.test));
    for (const k of ['recall@20', 'ndcg@20']) {
      assert.equal(row.valid.mean[k], v.mean[k]);
      assert.equal(row.valid.std[k], v.std[k]);
      assert.equal(row.test.mean[k], t.mean[k]);
      assert.equal(row.test.std[k], t.std[k]);
    }
    assert.equal(row.bestEpoch.mean, (mine[0]!.bestEpoch + mine[1]!.bestEpoch) / 2);
    assert.equal(row.epochs.mean, 2);
    assert.ok(row.secondsPerEpoch.mean > 0);
    // The Markdown row shows the same numbers, rounded.
    const f = (m: number, s: number) => `${m.toFixed(4)} ± ${s.toFixed(4)}`;
    const line = md.split('\n').find((l) => l.startsWith(`| ${row.model} |`));
    assert.ok(line, `a Markdown row for ${row.model}`);
    assert.ok(
      line.includes(
        `| ${f(v.mean['recall@20']!, v.std['recall@20']!)} | ${f(v.mean['ndcg@20']!, v.std['ndcg@20']!)} | ${f(t.mean['recall@20']!, t.std['recall@20']!)} | ${f(t.mean['ndcg@20']!, t.std['ndcg@20']!)} |`,
      ),
      line,
    );
  }

  const mtimes = files.map((f) => statSync(join(pointsDir, f)).mtimeMs);
  const second = execFileSync(process.execPath, args, { env, encoding: 'utf8' });
  assert.match(second, /zoo: 0 points run, 4 reused/);
  assert.deepEqual(
    files.map((f) => statSync(join(pointsDir, f)).mtimeMs),
    mtimes,
    'stored points untouched',
  );
  const again = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ZooResults;
  assert.deepEqual(again.models, json.models);

  // --merge: run only vbpr (reused from the store) and carry lightgcn's row from the table above.
  const mergeArgs = (from: string, out: string) => [
    CLI,
    'zoo',
    '--models',
    'vbpr',
    '--dataset',
    'synth:small',
    '--epochs',
    '2',
    '--seeds',
    '2',
    '--workers',
    '2',
    '--pipelines',
    PIPELINES,
    '--store',
    join(dir, 'store'),
    '--merge',
    from,
    '--out',
    join(dir, out),
    '--plain',
  ];
  const merged = execFileSync(process.execPath, mergeArgs(join(dir, 'results.json'), 'merged.md'), {
    env,
    encoding: 'utf8',
  });
  assert.match(merged, /zoo: 0 points run, 2 reused/);
  const mj = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ZooResults;
  const mmd = readFileSync(join(dir, 'merged.md'), 'utf8');
  assert.deepEqual(
    mj.models.map((m) => m.model),
    json.models.map((m) => m.model),
    'one table, in zoo order',
  );
  const carried = mj.models.find((m) => m.model === 'lightgcn')!;
  const { source, ...rest } = carried;
  assert.deepEqual(
    rest,
    json.models.find((m) => m.model === 'lightgcn'),
    'the carried row is the earlier row',
  );
  assert.deepEqual(source, { command: again.command, date: again.date });
  assert.equal(mj.models.find((m) => m.model === 'vbpr')!.source, undefined, 'the model this run ran is not carried');
  assert.match(mmd, /^\| lightgcn \(1\) \|/m);
  assert.match(mmd, /^\| vbpr \|/m);
  assert.ok(mmd.includes(`- (1) \`${again.command}\` (${again.date})`), mmd);
  assert.equal(mj.backend, again.backend, "the carried rows' backend is named");

  // A carried row whose point id is not what the current pipeline gives is refused before anything runs.
  const tampered = structuredClone(json);
  tampered.models.find((m) => m.model === 'lightgcn')!.perSeed[0]!.id = '0123456789abcdef0123';
  writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
  const bad = spawnSync(process.execPath, mergeArgs(join(dir, 'tampered.json'), 'bad.md'), { env, encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(
    bad.stderr,
    /tampered\.json: --merge: lightgcn seed 999 was point 0123456789abcdef0123, but \S+lightgcn\.yaml now gives [0-9a-f]{20}/,
  );
  // So is a table of another dataset.
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...json, dataset: 'tiktok' }));
  const other = spawnSync(process.execPath, mergeArgs(join(dir, 'other.json'), 'bad.md'), { env, encoding: 'utf8' });
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /other\.json: --merge: that table is for dataset 'tiktok', this run is on 'synth:small'/);
  assert.ok(!existsSync(join(dir, 'bad.md')) && !existsSync(join(dir, 'bad.json')), 'a refused merge writes nothing');

  // --merge completes a table: vbpr's seed 999 is carried from an earlier table that lacks seed 1000, so a fresh
  // store runs only seed 1000, and the row is the mean of the carried seed and the new one.
  const partial = structuredClone(again);
  const vrow = partial.models.find((m) => m.model === 'vbpr')!;
  const kept = vrow.perSeed.find((x) => x.seed === 999)!;
  vrow.perSeed = [kept];
  vrow.seeds = [999];
  vrow.missingSeeds = [1000];
  writeFileSync(join(dir, 'partial.json'), JSON.stringify(partial));
  const fresh = [...mergeArgs(join(dir, 'partial.json'), 'completed.md')];
  fresh[fresh.indexOf('--store') + 1] = join(dir, 'fresh-store');
  const completed = execFileSync(process.execPath, fresh, { env, encoding: 'utf8' });
  assert.match(completed, /zoo: 1 point run, 0 reused from the store, 1 carried from --merge/);
  const cj = JSON.parse(readFileSync(join(dir, 'completed.json'), 'utf8')) as ZooResults;
  const crow = cj.models.find((m) => m.model === 'vbpr')!;
  assert.deepEqual(crow.seeds, [999, 1000]);
  assert.deepEqual(crow.missingSeeds, []);
  assert.deepEqual(
    crow.perSeed[0]!.source,
    { command: again.command, date: again.date },
    'the carried seed says where it came from',
  );
  assert.equal(crow.perSeed[1]!.source, undefined, 'the seed run here has no source');
  const newRec = JSON.parse(
    readFileSync(join(dir, 'fresh-store', 'zoo', 'synth_small', 'points', `${crow.perSeed[1]!.id}.json`), 'utf8'),
  ) as PointRecord;
  assert.equal(newRec.seed, 1000);
  const both = meanStd([kept.test, newRec.test]);
  assert.equal(crow.test.mean['recall@20'], both.mean['recall@20']);
  assert.equal(crow.test.std['ndcg@20'], both.std['ndcg@20']);
  assert.match(readFileSync(join(dir, 'completed.md'), 'utf8'), /^\| vbpr \(1\) \|/m);

  // Named pipeline files take their seeds from a table with more seeds, and the table's other rows stay out: a
  // 1-seed run of vbpr.yaml merged with the 2-seed table runs nothing and has no lightgcn row.
  const named = [CLI, 'zoo', join(PIPELINES, 'vbpr.yaml'), ...fresh.slice(fresh.indexOf('--dataset'))];
  named[named.indexOf('--seeds') + 1] = '1';
  named[named.indexOf('--store') + 1] = join(dir, 'named-store');
  named[named.indexOf('--merge') + 1] = join(dir, 'results.json');
  named[named.indexOf('--out') + 1] = join(dir, 'named.md');
  const namedOut = execFileSync(process.execPath, named, { env, encoding: 'utf8' });
  assert.match(namedOut, /zoo: 0 points run, 0 reused from the store, 1 carried from --merge/);
  const nj = JSON.parse(readFileSync(join(dir, 'named.json'), 'utf8')) as ZooResults;
  assert.deepEqual(
    nj.models.map((m) => m.model),
    ['vbpr'],
  );
  assert.deepEqual(nj.models[0]!.seeds, [999]);
  assert.deepEqual(
    nj.models[0]!.perSeed[0]!.test,
    again.models.find((m) => m.model === 'vbpr')!.perSeed.find((x) => x.seed === 999)!.test,
  );

  // --table-only runs nothing: on an empty store the row is all missing seeds.
  const only = [...args];
  only[only.indexOf('--store') + 1] = join(dir, 'empty-store');
  only[only.indexOf('--out') + 1] = join(dir, 'only.md');
  const onlyOut = execFileSync(process.execPath, [...only, '--table-only'], { env, encoding: 'utf8' });
  assert.match(onlyOut, /zoo: 0 points run, 0 reused from the store, 0 failed/);
  assert.ok(!existsSync(join(dir, 'empty-store')), 'a table-only run writes nothing into the store');
  assert.match(
    readFileSync(join(dir, 'only.md'), 'utf8'),
    /^\| lightgcn \| – \| – \| – \| – \| – \| – \| – \| 0\/2 \(missing 999, 1000\) \|$/m,
  );
});
