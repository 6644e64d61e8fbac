/** `--features` on sweep and zoo: part of every point's resolved pipeline (so of its id), and warned about. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLI, PIPELINES } from '../helpers.js';
import { planSweep } from '../../src/experiments/sweep/plan.js';
import { planZoo } from '../../src/experiments/zoo.js';

function folder(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const rows = ['userID\titemID\tx_label'];
  for (let u = 0; u < 20; u++) {
    for (let j = 0; j < 4; j++) rows.push(`${u}\t${(u * 3 + j) % 15}\t0`);
    rows.push(`${u}\t${(u * 3 + 6) % 15}\t1`, `${u}\t${(u * 3 + 8) % 15}\t2`);
  }
  writeFileSync(join(dir, `${name}.inter`), rows.join('\n') + '\n');
  return dir;
}

test('sweep/zoo plans pin --features and the --data folder name into each point, and the ids follow them', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-sweep-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = folder(root, 'bare');
  const file = join(PIPELINES, 'vbpr.yaml');
  const base = { file, dataPath: dir, grid: ['dim=4,8'], out: join(root, 'sweeps') };
  const a = planSweep({ ...base, features: { v: { synthetic: 4 }, t: { synthetic: 3 } } });
  const b = planSweep({ ...base, features: { v: { synthetic: 5 }, t: { synthetic: 3 } } });
  const resolved = parseYaml(a.points[0]!.resolved);
  assert.equal(resolved.data.dataset, 'bare');
  assert.deepEqual(resolved.data.profiles.bare.features, { v: { synthetic: 4 }, t: { synthetic: 3 } });
  assert.notDeepEqual(
    a.points.map((p) => p.id),
    b.points.map((p) => p.id),
    'other features, other points',
  );

  const zoo = planZoo({ files: [file], dataPath: dir, features: { v: 'image_feat.npy' } });
  assert.deepEqual(parseYaml(zoo.models[0]!.points[0]!.resolved).data.profiles.bare.features, { v: 'image_feat.npy' });
});

test('a sweep on generated features asked for by --features says so once, in its plain output', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-sweep-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = folder(root, 'bare');
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'sweep',
      join(PIPELINES, 'vbpr.yaml'),
      '--data',
      dir,
      '--features',
      'v=synthetic:4,t=synthetic:3',
      '--grid',
      'dim=4,8',
      '--epochs',
      '1',
      '--workers',
      '1',
      '--backend',
      'cpu',
      '--plain',
      '--out',
      join(root, 'sweeps'),
    ],
    { encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr
    .split('\n')
    .filter((l) =>
      /^warning: GENERATED features, not read from .*bare: t \(3-d\), v \(4-d\), asked for by data\.profiles\.bare/.test(
        l,
      ),
    );
  assert.equal(warnings.length, 1, r.stderr);
});
