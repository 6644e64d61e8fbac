import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyzeRuns, HEADLINES, type AnalysisJson } from '../../src/analysis/report.js';
import { cmdAnalyze } from '../../src/cli/analyze.js';
import { UserError } from '../../src/util/errors.js';
import { FAKE_FEATURES, makeFakeRun } from './fake-run.js';
import { svgTexts } from './svg-text.js';
import { generatedFeatures } from '../../src/analysis/load.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-analysis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('analyze: end to end on two fake runs (flagship and a collapsed one)', async (t) => {
  assert.equal(await tf.setBackend('wasm'), true);
  const root = tempDir(t);
  const a = await makeFakeRun(join(root, 'anchorrec'));
  const b = await makeFakeRun(join(root, 'alignrec'), { collapsed: true, omit: ['p_id'] });
  const { html, outDir } = await analyzeRuns([a, b], { k: 10, sample: 40, seed: 1, tsneIterations: 300 });
  assert.equal(outDir, join(a, 'analysis'));
  const onDisk = JSON.parse(readFileSync(join(outDir, 'analysis.json'), 'utf8')) as AnalysisJson;
  assert.equal(readFileSync(join(outDir, 'report.html'), 'utf8'), html);
  assert.deepEqual(onDisk.runDirs, [a, b]);
  assert.equal(onDisk.k, 10);
  assert.equal(onDisk.sample, 40);
  assert.equal(onDisk.seed, 1);
  assert.equal(onDisk.runs.length, 2);

  const [ra, rb] = onDisk.runs as [AnalysisJson['runs'][0], AnalysisJson['runs'][0]];
  assert.equal(ra.name, 'anchorrec');
  assert.equal(ra.nItems, 600);
  assert.deepEqual(ra.overlap!.spaces, [
    'f_mm',
    'f_t',
    'f_v',
    'h_mm',
    'h_t',
    'h_v',
    'p_mm',
    'p_t',
    'p_v',
    'h_id',
    'p_id',
    'item',
  ]);
  assert.equal(ra.overlap!.matrix.length, 12);
  assert.equal(ra.spaces.f_v!.cols, 4096);
  assert.ok(ra.spaces.f_v!.source.length > 0);
  assert.deepEqual(rb.overlap!.spaces.includes('p_id'), false);
  assert.ok(
    rb.skipped.some((s) => s.startsWith('p_id')),
    rb.skipped.join('; '),
  );
  // The collapsed run is measured as more collapsed, and more ID-dominated.
  assert.ok(rb.collapse.original!.meanPairwiseCosine > 0.9);
  assert.ok(ra.collapse.original!.meanPairwiseCosine < 0.3);
  assert.ok(rb.dominance!.index! > ra.dominance!.index!);
  // Headline measures exist for every declared key.
  for (const h of HEADLINES) assert.ok(h.key in ra.headline, h.key);
  assert.equal(ra.headline['test.recall@20'], 0.12);
  // Retrieval: 40 targets with three neighbours each, text and vision similarities.
  assert.equal(ra.retrieval!.targets, 40);
  assert.equal(ra.retrieval!.perTarget.length, 40);
  assert.equal(ra.retrieval!.perTarget[0]!.neighbors.length, 3);
  assert.equal(typeof ra.retrieval!.mean.text, 'number');
  assert.equal(typeof ra.retrieval!.mean.vision, 'number');
  // Same sample seed -> the same targets in both runs.
  assert.deepEqual(
    ra.retrieval!.perTarget.map((x) => x.item),
    rb.retrieval!.perTarget.map((x) => x.item),
  );
  // t-SNE maps: 40 items x 4 spaces in the original domain; 3 in rb's projection domain.
  assert.equal(ra.tsne.original!.points.length, 160);
  assert.equal(rb.tsne.projection!.spaces.length, 3);
  // Curves from events.jsonl (the non-JSON line is skipped).
  assert.equal(ra.curves!.losses.length, 12);
  assert.deepEqual(Object.keys(ra.curves!.losses[0]!.terms).sort(), ['aal', 'amp', 'bpr', 'total']);
  assert.ok(ra.curves!.evals.length > 0);
  assert.equal(typeof ra.curves!.evals[0]!.valid['recall@20'], 'number');

  // The report: one self-contained file, an <svg> per figure and per run, nothing from the network.
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
  const svgs = html.match(/<svg[\s>]/g) ?? [];
  // Per run: heatmap, retrieval bars, 2 t-SNE maps, 2 curve charts = 6; plus the comparison bars.
  assert.equal(svgs.length, 2 * 6 + 1);
  for (const title of ['Figure 4', 'Figure 5a', 'Figure 1', 'Training curves', 'Comparison of headline measures'])
    assert.ok(html.includes(title), title);
  assert.equal(html.split('<svg').length - 1, svgs.length);
});

test('analyze: a run with only user/item outputs is analysed as far as it goes', async (t) => {
  const root = tempDir(t);
  const a = await makeFakeRun(join(root, 'lightgcn'), {
    name: 'lightgcn',
    omit: ['h_id', 'h_mm', 'h_t', 'h_v', 'p_id', 'p_mm', 'p_t', 'p_v'],
  });
  rmSync(join(a, 'events.jsonl'));
  const out = join(root, 'out');
  const { json, html } = await analyzeRuns([a], { out, sample: 10, tsneIterations: 50 });
  assert.ok(existsSync(join(out, 'analysis.json')) && existsSync(join(out, 'report.html')));
  const r = json.runs[0]!;
  assert.deepEqual(r.overlap!.spaces, ['f_mm', 'f_t', 'f_v', 'item']);
  assert.equal(r.collapse.original, undefined);
  assert.equal(r.tsne.original, undefined);
  assert.equal(r.dominance!.index, undefined);
  assert.ok(r.retrieval);
  for (const what of ['h_id', 'collapse (original)', 't-SNE (projection)', 'training curves'])
    assert.ok(
      r.skipped.some((s) => s.startsWith(what)),
      what,
    );
  assert.ok(html.includes('Skipped'));
  assert.doesNotMatch(html, /https?:\/\//);
});

test('analyze: bad input is a UserError naming the path', async (t) => {
  const root = tempDir(t);
  const missing = join(root, 'no-such-run');
  await assert.rejects(
    cmdAnalyze([missing], {}),
    (e: unknown) => e instanceof UserError && e.message.includes(missing),
  );
  // A run directory without embeddings.
  const bare = join(root, 'bare');
  mkdirSync(bare);
  writeFileSync(
    join(bare, 'run.json'),
    JSON.stringify({ dataset: 'synth:small', features: FAKE_FEATURES, seeds: [1] }),
  );
  await assert.rejects(
    analyzeRuns([bare]),
    (e: unknown) => e instanceof UserError && e.message.includes(join(bare, 'embeddings')),
  );
  // Not a run directory at all.
  const plain = join(root, 'plain');
  mkdirSync(plain);
  await assert.rejects(
    analyzeRuns([plain]),
    (e: unknown) => e instanceof UserError && e.message.includes(join(plain, 'run.json')),
  );
  await assert.rejects(
    cmdAnalyze([plain], { k: 0 }),
    (e: unknown) => e instanceof UserError && e.message.includes('--k'),
  );
});

test('analyze: several seeds -> the first seed folder is analysed', async (t) => {
  const root = tempDir(t);
  const src = await makeFakeRun(join(root, 'src'), { omit: ['p_id', 'p_mm', 'p_t', 'p_v'] });
  const multi = join(root, 'multi');
  mkdirSync(multi);
  cpSync(join(src, 'embeddings'), join(multi, 'seed-3', 'embeddings'), { recursive: true });
  const info = JSON.parse(readFileSync(join(src, 'run.json'), 'utf8'));
  writeFileSync(join(multi, 'run.json'), JSON.stringify({ ...info, seeds: [3, 4] }));
  const { json } = await analyzeRuns([multi], { sample: 8, tsneIterations: 50 });
  assert.equal(json.runs[0]!.seed, 3);
  assert.equal(json.runs[0]!.seedDir, 'seed-3');
  assert.equal(json.runs[0]!.spaces.item!.source, 'seed-3/embeddings/item.npy');
});

/**
 * The report of two fake runs whose overlaps differ (a flagship-like run and a collapsed one), analysed
 * lightly; made once and shared by the report-structure tests below.
 */
let twoRuns: Promise<{ json: AnalysisJson; html: string }> | undefined;
const twoRunRoot = mkdtempSync(join(tmpdir(), 'anchorflow-report-'));
after(() => rmSync(twoRunRoot, { recursive: true, force: true }));
function twoRunReport(): Promise<{ json: AnalysisJson; html: string }> {
  twoRuns ??= (async () => {
    const a = await makeFakeRun(join(twoRunRoot, 'anchorrec'));
    const b = await makeFakeRun(join(twoRunRoot, 'alignrec'), { collapsed: true });
    const { json, html } = await analyzeRuns([a, b], { out: join(twoRunRoot, 'out'), sample: 12, tsneIterations: 30 });
    return { json, html };
  })();
  return twoRuns;
}

/** The report's sections: each <h2> title with the HTML up to the next one. */
function sections(html: string): { title: string; body: string }[] {
  return html
    .split('<h2>')
    .slice(1)
    .map((s) => ({ title: s.slice(0, s.indexOf('</h2>')), body: s }));
}

test('report: sections follow the paper (Figure 1, then 4, then 5a) and are titled by what they show', async () => {
  const { html } = await twoRunReport();
  const titles = sections(html).map((s) => s.title);
  const expected = [
    /^Comparison of headline measures$/,
    /^Positional collapse: t-SNE of each item's modality embeddings \(the paper's Figure 1\)$/,
    /^Positional collapse and ID dominance, measured/,
    /^Neighbourhood overlap across embedding spaces \(the paper's Figure 4\)$/,
    /^Neighbour retrieval under the final item embedding.*\(the paper's Figure 5a\)$/,
    /^Training curves$/,
    /^Skipped$/,
    /^Definitions$/,
  ];
  assert.equal(titles.length, expected.length, titles.join(' | '));
  titles.forEach((title, i) => assert.match(title, expected[i]!));
  // A title never starts with a bare figure number, and the figures come in the paper's order.
  for (const title of titles) assert.doesNotMatch(title, /^Figure/);
  const figures = titles.flatMap((title) => [...title.matchAll(/Figure (\d+)/g)].map((m) => Number(m[1])));
  assert.deepEqual(
    figures,
    [...figures].sort((x, y) => x - y),
  );
  assert.deepEqual([...new Set(figures)], [1, 4, 5]);
  // The headline rows read in the same order as the sections.
  const rows = HEADLINES.map((h) => html.indexOf(`<td>${h.label.replace(/&/g, '&amp;')}`));
  assert.ok(rows.every((p) => p > 0));
  const firstOf = (prefix: string) => rows[HEADLINES.findIndex((h) => h.key.startsWith(prefix))]!;
  assert.ok(firstOf('collapse') < firstOf('structure') && firstOf('structure') < firstOf('retrieval'));
});

test('report: the overlap heatmaps of several runs share one colour scale', async () => {
  const { json, html } = await twoRunReport();
  const overlap = sections(html).find((s) => s.title.startsWith('Neighbourhood overlap'))!;
  const svgs = overlap.body.split('<svg').slice(1);
  assert.equal(svgs.length, 2);
  // Each run's largest off-diagonal overlap, from analysis.json; the runs differ, so a per-run scale would show.
  const ownMax = json.runs.map((r) =>
    Math.max(...r.overlap!.matrix.flatMap((row, i) => row.filter((_, j) => j !== i))),
  );
  assert.ok(Math.abs(ownMax[0]! - ownMax[1]!) > 0.1, `fake runs too alike: ${ownMax}`);
  const scales = svgs.map((svg) => {
    const m = /<g class="colour-scale" data-vmin="([^"]+)" data-vmax="([^"]+)">/.exec(svg);
    assert.ok(m, 'a colour bar with its range');
    const labels = svgTexts(svg.slice(m.index)).map((x) => x.text);
    return { vmin: Number(m[1]), vmax: Number(m[2]), top: labels[0], bottom: labels[labels.length - 1] };
  });
  assert.deepEqual(scales[0], scales[1]);
  assert.equal(scales[0]!.vmin, 0);
  assert.ok(Math.abs(scales[0]!.vmax - Math.max(...ownMax)) < 1e-4, `${scales[0]!.vmax} vs ${ownMax}`);
  assert.equal(scales[0]!.top, Math.max(...ownMax).toFixed(2));
  assert.equal(scales[0]!.bottom, '0');
  // Both runs share the raw features, so f_mm x f_t has the same overlap in each: it must get the same colour.
  const fillOf = (svg: string) => /fill="([^"]+)"[^>]*><title>f_mm × f_t: /.exec(svg)![1];
  assert.equal(json.runs[0]!.overlap!.matrix[0]![1], json.runs[1]!.overlap!.matrix[0]![1]);
  assert.equal(fillOf(svgs[0]!), fillOf(svgs[1]!));
});

test('report: the loss plot has labelled axes and a legend of every loss term', async () => {
  const { html } = await twoRunReport();
  const curves = sections(html).find((s) => s.title === 'Training curves')!;
  const loss = curves.body
    .split('<svg')
    .slice(1)
    .filter((svg) => svg.includes('Loss terms'));
  assert.equal(loss.length, 2);
  for (const svg of loss) {
    const texts = svgTexts(svg);
    assert.match(texts.find((x) => x.cls.includes('ylabel'))?.text ?? '', /^loss, log scale$/);
    assert.equal(texts.find((x) => x.cls.includes('xlabel'))?.text, 'epoch');
    assert.deepEqual(
      texts.filter((x) => x.cls.includes('legend')).map((x) => x.text),
      ['aal', 'amp', 'bpr', 'total'],
    );
    const xt = texts.filter((x) => x.cls.includes('xtick')).map((x) => Number(x.text));
    assert.ok(xt.length >= 3 && xt.every(Number.isInteger), `x ticks ${xt}`);
    assert.ok(texts.filter((x) => x.cls.includes('ytick')).length >= 2);
  }
});

test('analyze: which raw features were generated, from run.json provenance or (older runs) the sources', () => {
  const real = {
    dataset: 'tiktok',
    dataDir: '/d',
    features: { v: 'image_feat.npy', t: 'audio_feat.npy', mm: { concat: ['v', 't'] } },
  };
  assert.deepEqual(
    generatedFeatures({
      ...real,
      featureProvenance: { v: { source: 'file' }, t: { source: 'file' }, mm: { source: 'concat' } },
    }),
    [],
  );
  assert.deepEqual(generatedFeatures(real), [], 'files without provenance are files');
  const mixed = {
    dataset: 'shop',
    dataPath: '/d/shop',
    features: { v: 'pics.npy', t: { synthetic: 3 }, mm: { concat: ['v', 't'] } },
  };
  assert.deepEqual(
    generatedFeatures({ ...mixed, featureProvenance: { v: { source: 'file' }, t: { source: 'synthetic', dim: 3 } } }),
    ['mm', 't'],
  );
  assert.deepEqual(generatedFeatures({ dataset: 'synth:small', features: FAKE_FEATURES }), ['mm', 't', 'v']);
  assert.deepEqual(
    generatedFeatures({ dataset: 'synth:small', features: { v: 'image_feat.npy' } }),
    ['v'],
    'a built-in dataset maps file names to generated features',
  );
});
