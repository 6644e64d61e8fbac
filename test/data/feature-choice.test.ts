import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chooseFeatures, missingFeatureError, mmrecFiles } from '../../src/data/feature-choice.js';
import { tempDir, write } from './util.js';

const DEFAULTS = { t: { synthetic: 384 }, v: { synthetic: 4096 }, mm: { synthetic: 768 } };

test('a folder without a profile gets its MMRec files, never the generated defaults of data.features', (t) => {
  const root = tempDir(t);
  const dir = join(root, 'shop');
  write(join(dir, 'shop.inter'), 'userID\titemID\tx_label\n0\t0\t0\n');
  write(join(dir, 'image_feat.npy'), 'x');
  write(join(dir, 'text_feat.npy'), 'x');
  const c = chooseFeatures({ declared: DEFAULTS, name: 'shop', dir });
  assert.deepEqual(c.sources, { v: 'image_feat.npy', t: 'text_feat.npy', mm: { concat: ['v', 't'] } });
  assert.deepEqual(c.chosenBy, { v: 'mmrec file name', t: 'mmrec file name', mm: 'mmrec file name' });
  assert.deepEqual(c.missing, {});

  // Only image: t and mm have no source; they are missing (an error if read), not generated.
  const only = join(root, 'only');
  write(join(only, 'image_feat.npy'), 'x');
  const o = chooseFeatures({ declared: DEFAULTS, name: 'only', dir: only });
  assert.deepEqual(o.sources, { v: 'image_feat.npy' });
  assert.deepEqual(o.missing, { t: { synthetic: 384 }, mm: { synthetic: 768 } });
});

test('MMRec names: audio stands in for text only without text_feat.npy; mm from mm_feat.npy or <name>_beit3', (t) => {
  const root = tempDir(t);
  const dir = join(root, 'tk');
  write(join(dir, 'image_feat.npy'), 'x');
  write(join(dir, 'audio_feat.npy'), 'x');
  assert.deepEqual(mmrecFiles(dir, 'tk'), { v: 'image_feat.npy', t: 'audio_feat.npy', a: 'audio_feat.npy' });
  write(join(dir, 'text_feat.npy'), 'x');
  assert.deepEqual(mmrecFiles(dir, 'tk'), { v: 'image_feat.npy', t: 'text_feat.npy', a: 'audio_feat.npy' });
  write(join(root, 'tk_beit3', 'image_feat.npy'), 'x');
  assert.equal(mmrecFiles(dir, 'tk').mm, join('..', 'tk_beit3', 'image_feat.npy'));
  write(join(dir, 'mm_feat.npy'), 'x');
  assert.equal(mmrecFiles(dir, 'tk').mm, 'mm_feat.npy');
});

test("per modality: --features, then the profile, then the pipeline's own files, then MMRec names", (t) => {
  const dir = tempDir(t);
  write(join(dir, 'image_feat.npy'), 'x');
  write(join(dir, 'text_feat.npy'), 'x');
  const c = chooseFeatures({
    flag: { v: 'mine.npy' },
    profile: { v: 'profile_v.npy', t: { synthetic: 16 } },
    declared: { ...DEFAULTS, x: 'extra.npy' },
    name: 'shop',
    dir,
  });
  assert.deepEqual(c.sources, { v: 'mine.npy', t: { synthetic: 16 }, x: 'extra.npy', mm: { concat: ['v', 't'] } });
  assert.deepEqual(c.chosenBy, { v: 'flag', t: 'profile', x: 'pipeline', mm: 'mmrec file name' });
});

test('built-in datasets take data.features as they are (generated data by definition)', () => {
  const c = chooseFeatures({ declared: DEFAULTS, name: 'synth:small' });
  assert.deepEqual(c.sources, DEFAULTS);
  assert.deepEqual(Object.values(c.chosenBy), ['built-in dataset', 'built-in dataset', 'built-in dataset']);
});

test('the missing-feature error names the modality, the folder, its files and both ways out', (t) => {
  const dir = tempDir(t);
  write(join(dir, 'audio.npy'), 'x');
  const e = missingFeatureError('v', { synthetic: 4096 }, { name: 'shop', dir });
  assert.equal(e.loc?.file, dir);
  assert.match(
    e.message,
    new RegExp(
      `^modality 'v' has no feature file in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(its MMRec name is image_feat\\.npy\\); \\.npy files there: audio\\.npy\\.`,
    ),
  );
  assert.match(e.message, /--features v=audio\.npy \(or in data\.profiles\.shop\.features\)/);
  assert.match(e.message, /--features v=synthetic:4096/);
});
