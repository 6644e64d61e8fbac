/**
 * The zoo's paired comparison end to end on synth:small: two models x two seeds, vbpr compared with lightgcn
 * (--baseline). The seed differences are those of the stored records, the bootstrap uses the per-user files the
 * points wrote, and a table whose rows are carried from another store (--merge) has "n/a" for the bootstrap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import { pairedT } from '../../src/experiments/stats.js';
import { readPerUserTest } from '../../src/experiments/per-user.js';
import type { ZooResults } from '../../src/experiments/zoo.js';

test(
  "zoo --baseline: paired seed differences, a per-user bootstrap from the points' files, n/a for carried rows",
  { timeout: 600_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchorflow-zoo-compare-'));
    const common = [
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
      '--plain',
    ];
    const args = [
      CLI,
      'zoo',
      '--models',
      'lightgcn,vbpr',
      '--baseline',
      'lightgcn',
      ...common,
      '--store',
      join(dir, 'store'),
      '--out',
      join(dir, 'results.md'),
    ];
    const env = { ...process.env, CI: 'true' };
    execFileSync(process.execPath, args, { env, encoding: 'utf8' });
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ZooResults;
    assert.equal(json.baseline, 'lightgcn');
    assert.equal(
      json.protocol,
      'mmrec',
      '--epochs 2 is already shorter than the quick budget: the pipeline as written',
    );
    assert.deepEqual(
      json.comparisons!.map((c) => c.model),
      ['vbpr'],
    );
    const c = json.comparisons![0]!;
    const row = (m: string) => json.models.find((r) => r.model === m)!;
    const diffs = row('vbpr').perSeed.map(
      (s, i) => s.test['recall@20']! - row('lightgcn').perSeed[i]!.test['recall@20']!,
    );
    const t = pairedT(diffs)!;
    assert.deepEqual(c.seeds, { ...t, seeds: [999, 1000] });

    // The bootstrap's mean is the mean over users of the per-user differences averaged over both seeds.
    const runs = join(dir, 'store', 'zoo', 'synth_small', 'runs');
    const perUser = (m: string, i: number) =>
      readPerUserTest(join(runs, row(m).perSeed[i]!.id), row(m).perSeed[i]!.seed)!;
    const [a0, a1, b0, b1] = [perUser('vbpr', 0), perUser('vbpr', 1), perUser('lightgcn', 0), perUser('lightgcn', 1)];
    assert.deepEqual(a0.users, b1.users, 'the same test users for every model and seed');
    const mean =
      a0.users.reduce((s, _, k) => s + (a0.values[k]! - b0.values[k]! + a1.values[k]! - b1.values[k]!) / 2, 0) /
      a0.users.length;
    assert.ok(c.bootstrap, 'per-user values were found');
    assert.equal(c.bootstrap.users, a0.users.length);
    assert.deepEqual(c.bootstrap.seeds, [999, 1000]);
    assert.ok(Math.abs(c.bootstrap.mean - mean) < 1e-12, `${c.bootstrap.mean} vs ${mean}`);
    assert.ok(c.bootstrap.ci[0] <= c.bootstrap.mean && c.bootstrap.mean <= c.bootstrap.ci[1]);
    const noise = [c.seeds!.ci, c.bootstrap.ci].some(([lo, hi]) => lo <= 0 && hi >= 0);
    assert.equal(c.verdict, noise ? 'within noise' : c.seeds!.mean > 0 ? 'higher' : 'lower');

    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    assert.match(md, /^## Paired comparison with lightgcn \(test Recall@20, model − lightgcn\)$/m);
    const line = md.split('\n').find((l) => l.startsWith('| vbpr | ') && l.endsWith(`| ${c.verdict} |`));
    assert.ok(line, md);
    assert.ok(line.includes(`| ${c.bootstrap.users} × 2 |`), line);
    assert.ok(line.includes(c.seeds!.mean >= 0 ? `+${c.seeds!.mean.toFixed(4)}` : c.seeds!.mean.toFixed(4)), line);

    // Carried from that table into another store: the seed comparison is the same, the bootstrap is n/a.
    const carried = [
      CLI,
      'zoo',
      '--models',
      'vbpr',
      '--baseline',
      'lightgcn',
      ...common,
      '--store',
      join(dir, 'other'),
      '--merge',
      join(dir, 'results.json'),
      '--out',
      join(dir, 'carried.md'),
      '--table-only',
    ];
    execFileSync(process.execPath, carried, { env, encoding: 'utf8' });
    const cj = JSON.parse(readFileSync(join(dir, 'carried.json'), 'utf8')) as ZooResults;
    assert.deepEqual(cj.comparisons![0]!.seeds, c.seeds);
    assert.equal(cj.comparisons![0]!.bootstrap, null);
    assert.match(
      readFileSync(join(dir, 'carried.md'), 'utf8'),
      /^\| vbpr \| [^|]+ \| [^|]+ \| [^|]+ \| 2 \| n\/a \| n\/a \| n\/a \| /m,
    );

    // A --baseline that is not in the table is refused before anything runs.
    const bad = spawnSync(process.execPath, [...args.slice(0, 5), 'bm3', ...args.slice(6)], { env, encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--baseline: 'bm3' is not a model of this table \(lightgcn, vbpr\)/);
  },
);

test(
  'zoo with pipeline files named on the command line, in their order, and --baseline previous (each row against the one before)',
  { timeout: 600_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchorflow-zoo-chain-'));
    const common = [
      '--dataset',
      'synth:small',
      '--epochs',
      '2',
      '--seeds',
      '2',
      '--workers',
      '2',
      '--plain',
      '--store',
      join(dir, 'store'),
    ];
    const env = { ...process.env, CI: 'true' };
    const files = [join(PIPELINES, 'baselines', 'vbpr.yaml'), join(PIPELINES, 'baselines', 'lightgcn.yaml')];
    execFileSync(
      process.execPath,
      [CLI, 'zoo', ...files, '--baseline', 'previous', ...common, '--out', join(dir, 'chain.md')],
      { env, encoding: 'utf8' },
    );
    const json = JSON.parse(readFileSync(join(dir, 'chain.json'), 'utf8')) as ZooResults;
    assert.deepEqual(
      json.models.map((r) => r.model),
      ['vbpr', 'lightgcn'],
      'the order given, not the default set',
    );
    assert.equal(json.baseline, 'previous');
    assert.deepEqual(
      json.comparisons!.map((c) => [c.model, c.baseline]),
      [['lightgcn', 'vbpr']],
    );
    const row = (m: string) => json.models.find((r) => r.model === m)!;
    const diffs = row('lightgcn').perSeed.map(
      (s, i) => s.test['recall@20']! - row('vbpr').perSeed[i]!.test['recall@20']!,
    );
    assert.deepEqual(json.comparisons![0]!.seeds, { ...pairedT(diffs)!, seeds: [999, 1000] });
    const md = readFileSync(join(dir, 'chain.md'), 'utf8');
    assert.match(md, /^## Paired comparison of each row with the row before it \(test Recall@20, model − previous\)$/m);
    assert.match(md, /^\| lightgcn − vbpr \| [+-]\d\.\d{4} \| /m);

    // A folder stands for its pipelines (fragments skipped); the same points are found in the store, nothing runs.
    const again = execFileSync(
      process.execPath,
      [
        CLI,
        'zoo',
        join(PIPELINES, 'baselines'),
        '--models',
        'lightgcn,vbpr',
        ...common,
        '--table-only',
        '--out',
        join(dir, 'folder.md'),
      ],
      { env, encoding: 'utf8' },
    );
    assert.match(again, /zoo: 0 points run, 4 reused from the store/);
    // A path that does not exist is a located error, exit 2, before anything runs.
    const bad = spawnSync(process.execPath, [CLI, 'zoo', join(PIPELINES, 'baselines', 'vbrp.yaml'), ...common], {
      env,
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /vbrp\.yaml.*no such file; did you mean .*vbpr\.yaml/);
  },
);
