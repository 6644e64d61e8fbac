import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveFeatures, type FeatureContext } from '../../src/data/features.js';
import { writeNpy } from '../../src/data/npy.js';
import { generateSynthetic, SYNTH_PRESETS } from '../../src/data/synthetic.js';
import { tempDir, throwsUser } from './util.js';

function ctx(dir: string | undefined, nItems: number, extra: Partial<FeatureContext> = {}): FeatureContext {
  const train = { users: Int32Array.of(0, 1, 1), items: Int32Array.of(0, 1, nItems - 1) };
  return {
    name: 'toy',
    dir,
    interFile: dir ? join(dir, 'toy.inter') : undefined,
    nUsers: 2,
    nItems,
    train,
    seed: 1,
    ...extra,
  };
}

test('file, {file}, concat and synthetic sources resolve to one row per item', (t) => {
  const dir = tempDir(t);
  writeNpy(join(dir, 'a.npy'), Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]);
  writeNpy(join(dir, 'b.npy'), Float32Array.of(7, 8, 9), [3, 1]);
  const out = resolveFeatures(
    { mm: { concat: ['v', 't'] }, v: 'a.npy', t: { file: 'b.npy' }, s: { synthetic: 5 } },
    ctx(dir, 3),
  );
  assert.deepEqual(Object.keys(out), ['mm', 'v', 't', 's']);
  assert.equal(out.v!.cols, 2);
  assert.match(out.v!.source, /a\.npy \(<f4\)$/);
  assert.equal(out.mm!.rows, 3);
  assert.equal(out.mm!.cols, 3);
  assert.deepEqual(Array.from(out.mm!.data), [1, 2, 7, 3, 4, 8, 5, 6, 9]);
  assert.equal(out.mm!.source, 'concat(v, t)');
  assert.equal(out.s!.rows, 3);
  assert.equal(out.s!.cols, 5);
  assert.equal(out.s!.name, 's');
  // The same file under two keys is read once and shared.
  const twice = resolveFeatures({ x: 'a.npy', y: 'a.npy' }, ctx(dir, 3));
  assert.equal(twice.x!.data, twice.y!.data);
  assert.equal(twice.y!.name, 'y');
});

test('a feature matrix whose rows differ from the item count names the file, rows and items', (t) => {
  const dir = tempDir(t);
  const few = join(dir, 'few.npy');
  writeNpy(few, new Float32Array(8), [4, 2]);
  throwsUser(
    () => resolveFeatures({ v: 'few.npy' }, ctx(dir, 6)),
    /feature matrix for v has 4 rows but the dataset has 6 items .*toy\.inter has item ids up to 5, beyond the last feature row \(3\)/,
    { file: few },
  );
  throwsUser(
    () => resolveFeatures({ v: 'few.npy' }, ctx(dir, 3)),
    /has 4 rows but the dataset has 3 items .*another dataset/,
    { file: few },
  );
  writeNpy(join(dir, 'flat.npy'), new Float32Array(3), [3]);
  throwsUser(() => resolveFeatures({ v: 'flat.npy' }, ctx(dir, 3)), /expected a 2-D matrix .* found shape \(3\)/);
});

test('unknown references, cycles and bad sources are clear errors', (t) => {
  const dir = tempDir(t);
  writeNpy(join(dir, 'a.npy'), new Float32Array(6), [3, 2]);
  const c = ctx(dir, 3);
  throwsUser(
    () => resolveFeatures({ v: 'a.npy', mm: { concat: ['v', 't'] } }, c),
    /data\.features\.mm: concat refers to t, which is not a declared modality \(declared: v, mm\)/,
  );
  throwsUser(
    () => resolveFeatures({ a: { concat: ['b'] }, b: { concat: ['c'] }, c: { concat: ['a'] } }, c),
    /concat cycle: a -> b -> c -> a/,
  );
  throwsUser(() => resolveFeatures({ a: { concat: ['a'] } }, c), /concat cycle: a -> a/);
  throwsUser(() => resolveFeatures({ a: { concat: [] } }, c), /concat must list one or more modality keys/);
  throwsUser(() => resolveFeatures({ a: { synthetic: 0 } }, c), /synthetic width must be a positive integer, found 0/);
  throwsUser(() => resolveFeatures({ a: { bogus: 1 } as never }, c), /unknown feature source \{"bogus":1\}/);
  throwsUser(
    () => resolveFeatures({ v: 'image_feat.npy' }, c),
    /feature file not found: .*image_feat\.npy \(\.npy files in .*: a\.npy\)/,
  );
  // With YAML positions from the caller, the error points at the pipeline.
  const loc = { file: 'p.yaml', line: 4, col: 7 };
  throwsUser(
    () => resolveFeatures({ mm: { concat: ['zz'] } }, { ...c, locs: { mm: loc } }),
    /^concat refers to zz/,
    loc,
  );
});

test('built-in synthetic data maps keys and file names to generated modalities', () => {
  const synthetic = generateSynthetic(SYNTH_PRESETS.small!, 0);
  const c = ctx(undefined, synthetic.nItems, { synthetic });
  const out = resolveFeatures(
    { mm: 'mm_feat.npy', t: 'text_feat.npy', image: 'image_feat.npy', both: { concat: ['t', 'image'] } },
    c,
  );
  assert.deepEqual([out.mm!.cols, out.t!.cols, out.image!.cols, out.both!.cols], [768, 384, 4096, 4480]);
  assert.match(out.image!.source, /synthetic\(v, 4096/);
  throwsUser(
    () => resolveFeatures({ audio: 'audio_feat.npy' }, c),
    /built-in synthetic data and has no file audio_feat\.npy/,
  );
});
