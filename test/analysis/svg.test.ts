import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmap, lineChart, logTicks, tickLabels, type LineSeries } from '../../src/analysis/svg.js';
import { extent, svgTexts } from './svg-text.js';

/** True when 1-2-5 x 10^k (a round tick on a log axis). */
function roundLogTick(v: number): boolean {
  const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
  return [1, 2, 5].some((r) => Math.abs(m - r) < 1e-6);
}

const decay = (name: string, from: number, rate: number, epochs: number): LineSeries => ({
  name,
  color: '#000',
  points: Array.from({ length: epochs }, (_, e) => [e, from * Math.exp(-rate * e)] as [number, number]),
});

test('lineChart: a log loss plot has labelled axes, round ticks and no overlapping labels', () => {
  for (const epochs of [2, 12, 37, 250]) {
    const series = [
      decay('bpr', 0.69, 0.05, epochs),
      decay('aal (anchor alignment)', 0.02, 0.01, epochs),
      decay('amp', 0.004, 0.2, epochs),
      decay('total', 0.72, 0.05, epochs),
    ];
    const svg = lineChart(series, { title: 'Loss terms', yLabel: 'loss', logY: true, width: 480, marker: epochs - 1 });
    const texts = svgTexts(svg);
    const ylabel = texts.find((t) => t.cls.includes('ylabel'));
    assert.ok(
      ylabel && ylabel.rotated && /loss/.test(ylabel.text) && /log scale/.test(ylabel.text),
      `y label: ${ylabel?.text}`,
    );
    assert.equal(texts.find((t) => t.cls.includes('xlabel'))?.text, 'epoch');

    const xt = texts.filter((t) => t.cls.includes('xtick'));
    assert.ok(xt.length >= 2, `${epochs} epochs: ${xt.length} x ticks`);
    const xv = xt.map((t) => Number(t.text));
    assert.ok(xv.every(Number.isInteger), `x ticks ${xv}`);
    for (let i = 1; i < xt.length; i++) {
      assert.ok(xv[i]! > xv[i - 1]!, `x ticks increase: ${xv}`);
      assert.ok(extent(xt[i - 1]!, 9.5)[1] + 2 < extent(xt[i]!, 9.5)[0], `x tick labels overlap: ${xv}`);
    }

    const yt = texts.filter((t) => t.cls.includes('ytick'));
    assert.ok(yt.length >= 2, `${epochs} epochs: y ticks ${yt.map((t) => t.text)}`);
    for (const t of yt) assert.ok(roundLogTick(Number(t.text)), `y tick ${t.text} is not 1, 2 or 5 x 10^k`);
    for (let i = 1; i < yt.length; i++) assert.ok(Math.abs(yt[i]!.y - yt[i - 1]!.y) >= 12, 'y tick labels overlap');

    const legend = texts.filter((t) => t.cls.includes('legend'));
    assert.deepEqual(
      legend.map((t) => t.text),
      series.map((s) => s.name),
    );
    for (let i = 0; i < legend.length; i++)
      for (let j = i + 1; j < legend.length; j++) {
        if (legend[i]!.y !== legend[j]!.y) continue;
        const [a, b] = [extent(legend[i]!, 11), extent(legend[j]!, 11)];
        assert.ok(
          a[1] + 18 <= b[0] || b[1] + 18 <= a[0],
          `legend entries '${legend[i]!.text}' and '${legend[j]!.text}' overlap`,
        );
      }
    // The "best" marker's label sits above the plot frame, below the legend.
    const best = texts.find((t) => t.text.startsWith('best'));
    const frameTop = Number(/<rect x="[^"]*" y="([^"]*)"[^>]*fill="none" stroke="#ccc"/.exec(svg)![1]);
    assert.ok(
      best && best.y < frameTop && best.y - 9 > Math.max(...legend.map((t) => t.y)),
      'best marker label between legend and frame',
    );
  }
});

test('logTicks: powers of ten over several decades, 1-2-5 steps over one, nothing outside the range', () => {
  assert.deepEqual(logTicks(0.0003, 0.8), [0.001, 0.01, 0.1]);
  assert.deepEqual(logTicks(0.15, 0.7), [0.2, 0.5]);
  for (const [lo, hi] of [
    [0.0003, 0.8],
    [0.15, 0.7],
    [1.2, 1.9],
    [3e-7, 40],
    [0.5, 0.52],
  ] as const) {
    const t = logTicks(lo, hi);
    assert.ok(t.length >= 1 && t.length <= 6, `${lo}..${hi}: ${t}`);
    assert.ok(
      t.every((v) => v >= lo && v <= hi),
      `${lo}..${hi}: ${t}`,
    );
  }
});

test('heatmap: vmax sets the colour scale, so equal values get equal colours across heatmaps', () => {
  const a = [
    [1, 0.3],
    [0.3, 1],
  ];
  const b = [
    [1, 0.3, 0.8],
    [0.3, 1, 0.1],
    [0.8, 0.1, 1],
  ];
  const fill = (svg: string, title: string) => new RegExp(`fill="([^"]+)"[^>]*><title>${title}`).exec(svg)![1];
  const own = [heatmap(['x', 'y'], a, { title: 'a' }), heatmap(['x', 'y', 'z'], b, { title: 'b' })];
  assert.notEqual(fill(own[0]!, 'x × y'), fill(own[1]!, 'x × y'), 'each scaled to its own maximum');
  const shared = [
    heatmap(['x', 'y'], a, { title: 'a', vmax: 0.8 }),
    heatmap(['x', 'y', 'z'], b, { title: 'b', vmax: 0.8 }),
  ];
  assert.equal(fill(shared[0]!, 'x × y'), fill(shared[1]!, 'x × y'));
  for (const svg of shared) {
    assert.match(svg, /<g class="colour-scale" data-vmin="0" data-vmax="0.8000">/);
    assert.deepEqual(
      svgTexts(svg)
        .filter((t) => /^(0|0\.40|0\.80)$/.test(t.text))
        .map((t) => t.text),
      ['0.80', '0.40', '0'],
    );
  }
});

test('tickLabels: one number of decimals per axis; powers of ten as written; exponents for tiny values', () => {
  assert.deepEqual(tickLabels([0.69, 0.691, 0.692]), ['0.690', '0.691', '0.692']);
  assert.deepEqual(tickLabels([0, 0.05, 0.1]), ['0.00', '0.05', '0.10']);
  assert.deepEqual(tickLabels([0.001, 0.01, 0.1, 1]), ['0.001', '0.01', '0.1', '1']);
  assert.deepEqual(tickLabels([1e-5, 1e-4, 1e-3]), ['1e-5', '1e-4', '1e-3']);
  assert.deepEqual(tickLabels([0, 2, 4]), ['0', '2', '4']);
});
