/**
 * The project's own kernels (heap kernels, the wasm copy kernels, the fused SIMD paths) serve the wasm backend
 * only; on any other backend tfjs's stock kernels run. That must not change what a model learns: the same
 * pipeline trained on the `cpu` backend (standing in for tfjs-node / tfjs-node-gpu, which do not install here)
 * and on `wasm` gives the same per-epoch losses and the same metrics. Each backend runs in its own CLI process,
 * because the backend is chosen once per process.
 *
 * Tolerances: the two backends sum in different orders (float32), so losses agree to rounding, not bit for bit;
 * a relative 1e-5 is well above what these three pipelines show (the test reports its largest). Metrics are
 * computed from rankings, which float32 reordering can only change through a near-tie swapping two items;
 * |difference| < 5e-4 (equal to three decimals) allows one such swap among the 1,000 users.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import type { EngineEvent, EpochEndEvent, EvalEvent, RunStartEvent, SeedEndEvent } from '../../src/engine/events.js';

const LOSS_REL = 1e-5;
const METRIC_ABS = 5e-4;

interface Case {
  pipeline: string;
  /** The same for both backends. */
  epochs: number;
}

// The cpu backend's matMul is plain JS, and what dominates these steps does not depend on the batch size: the
// projections of every item's wide features (4,096-d image features) run at each step. AnchorRec, with several
// such projections, is by far the slowest of the three there, so it trains one epoch (on both backends); a
// smaller batch would only add steps.
const CASES: Case[] = [
  { pipeline: 'lightgcn.yaml', epochs: 2 },
  { pipeline: 'vbpr.yaml', epochs: 2 },
  { pipeline: 'anchorrec.yaml', epochs: 1 },
];

interface Run {
  events: EngineEvent[];
  stderr: string;
  code: number | null;
}

function train(pipeline: string, backend: string, epochs: number): Promise<Run> {
  const args = [
    CLI,
    'run',
    join(PIPELINES, pipeline),
    '--backend',
    backend,
    '--epochs',
    String(epochs),
    '--json',
    '--no-save',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as EngineEvent);
      resolve({ events, stderr, code });
    });
  });
}

function ofType<T extends EngineEvent['type']>(run: Run, type: T): Extract<EngineEvent, { type: T }>[] {
  return run.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
}

/** The largest differences seen in one comparison, reported with the test (the tolerances were set from them). */
interface Worst {
  lossRel: number;
  metricAbs: number;
}

function assertLossesClose(a: EpochEndEvent, b: EpochEndEvent, what: string, worst: Worst): void {
  assert.deepEqual(Object.keys(b.losses).sort(), Object.keys(a.losses).sort(), `${what}: the same loss terms`);
  for (const [term, x] of Object.entries(a.losses)) {
    const y = b.losses[term]!;
    const rel = Math.abs(x - y) / Math.max(Math.abs(x), 1e-12);
    worst.lossRel = Math.max(worst.lossRel, rel);
    assert.ok(
      Number.isFinite(x) && rel <= LOSS_REL,
      `${what}, ${term}: wasm ${x}, cpu ${y} (relative difference ${rel.toExponential(2)})`,
    );
  }
}

function assertMetricsClose(a: Record<string, number>, b: Record<string, number>, what: string, worst: Worst): void {
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), `${what}: the same metrics`);
  for (const [name, x] of Object.entries(a)) {
    const d = Math.abs(x - b[name]!);
    worst.metricAbs = Math.max(worst.metricAbs, d);
    assert.ok(d < METRIC_ABS, `${what}, ${name}: wasm ${x}, cpu ${b[name]} (difference ${d.toExponential(2)})`);
  }
}

for (const c of CASES) {
  test(`${c.pipeline}, ${c.epochs} epoch(s), trains alike on the cpu backend (stock tfjs kernels) and on wasm: losses to ${LOSS_REL} relative, metrics to 3 decimals`, async (t) => {
    const worst: Worst = { lossRel: 0, metricAbs: 0 };
    const [wasm, cpu] = await Promise.all([train(c.pipeline, 'wasm', c.epochs), train(c.pipeline, 'cpu', c.epochs)]);
    for (const [backend, run] of [
      ['wasm', wasm],
      ['cpu', cpu],
    ] as const) {
      assert.equal(run.code, 0, `${backend}: ${run.stderr}`);
      const start = ofType(run, 'run_start') as RunStartEvent[];
      assert.equal(start.length, 1);
      assert.equal(start[0]!.backend, backend, 'run_start says which backend ran');
      assert.equal(ofType(run, 'result')[0]?.backend, backend, 'the result says which backend ran');
      assert.equal(ofType(run, 'epoch_end').length, c.epochs);
    }
    const [ew, ec] = [ofType(wasm, 'epoch_end'), ofType(cpu, 'epoch_end')] as [EpochEndEvent[], EpochEndEvent[]];
    ew.forEach((e, i) => assertLossesClose(e, ec[i]!, `epoch ${e.epoch}`, worst));
    // Training moved: a comparison of two runs that learned nothing would prove little.
    if (ew.length > 1) assert.notEqual(ew[1]!.losses.total, ew[0]!.losses.total);

    const [vw, vc] = [ofType(wasm, 'eval'), ofType(cpu, 'eval')] as [EvalEvent[], EvalEvent[]];
    assert.equal(vc.length, vw.length);
    vw.forEach((e, i) => assertMetricsClose(e.valid, vc[i]!.valid, `epoch ${e.epoch} valid`, worst));

    const [sw, sc] = [ofType(wasm, 'seed_end')[0], ofType(cpu, 'seed_end')[0]] as SeedEndEvent[];
    assert.equal(sc!.bestEpoch, sw!.bestEpoch, 'the same best epoch');
    assertMetricsClose(sw!.valid, sc!.valid, 'final valid', worst);
    assertMetricsClose(sw!.test, sc!.test, 'final test', worst);
    assert.ok(sw!.valid['recall@20']! > 0, 'the metrics are not all zero');
    t.diagnostic(
      `largest relative loss difference ${worst.lossRel.toExponential(2)}, largest metric difference ${worst.metricAbs.toExponential(2)}`,
    );
  });
}
