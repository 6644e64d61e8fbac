/**
 * DEMO ONLY: plays a made-up but realistic-looking run (fake losses and metrics, no model, no tfjs) through
 * createReporter, to look at the reporters by eye and to test output behaviour (e.g. EPIPE under `| head`).
 *
 *   npx tsx scripts/ui-demo.ts [auto|ink|plain|json] [--fast] [--seeds N] [--epochs N] [--quiet]
 *
 * --fast shrinks the delays (the run takes well under a second per seed).
 */
import type { EngineEvent, Metrics, SeedEndEvent } from '../src/engine/events.js';
import { createReporter, type ReporterMode } from '../src/ui/index.js';

const args = process.argv.slice(2);
const mode = (args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'auto') as ReporterMode;
const flag = (name: string) => args.includes(name);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const fast = flag('--fast');
const nSeeds = num('--seeds', 2);
const maxEpochs = num('--epochs', 40);
const batchesPerEpoch = 120;
const patience = 6;

let stopped = false;
const reporter = createReporter({
  mode,
  quiet: flag('--quiet'),
  onClosedEarly: () => {
    stopped = true;
  },
});
const emit = (e: EngineEvent) => reporter.sink(e);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, fast ? Math.min(ms, 1) : ms));

// A small deterministic generator so every demo run looks the same.
let state = 12345;
const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const noise = (scale: number) => (rand() - 0.5) * 2 * scale;

const KS = [5, 10, 20, 50];
function fakeMetrics(epoch: number, seedShift: number, split: 'valid' | 'test'): Metrics {
  // Saturating learning curve with a small late decline, so early stopping eventually triggers.
  const q = (1 - Math.exp(-epoch / 7)) * (1 - 0.004 * Math.max(0, epoch - 18)) + seedShift + noise(0.01);
  const m: Metrics = {};
  for (const k of KS) {
    const recall = ((0.09 * q * Math.log2(1 + k)) / Math.log2(21)) * (split === 'test' ? 0.97 : 1);
    m[`recall@${k}`] = recall;
    m[`ndcg@${k}`] = recall * 0.48;
    m[`precision@${k}`] = (recall * 6.1) / k;
    m[`map@${k}`] = recall * 0.31;
  }
  return m;
}

function meanStd(records: Metrics[]): { mean: Metrics; std: Metrics } {
  const mean: Metrics = {};
  const std: Metrics = {};
  for (const k of Object.keys(records[0] ?? {})) {
    const xs = records.map((r) => r[k]!);
    const mu = xs.reduce((a, x) => a + x, 0) / xs.length;
    mean[k] = mu;
    std[k] = Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / Math.max(1, xs.length - 1));
  }
  return { mean, std };
}

async function main() {
  const seeds = Array.from({ length: nSeeds }, (_, i) => 2024 + i);
  const perSeed: SeedEndEvent[] = [];
  emit({ type: 'log', level: 'info', message: 'demo: fake events, no model is trained' });
  emit({ type: 'log', level: 'info', message: 'backend auto: tfjs-node not installed, using wasm' });
  for (const [seedIndex, seed] of seeds.entries()) {
    if (stopped) break;
    const seedShift = noise(0.03);
    const t0 = Date.now();
    emit({
      type: 'run_start',
      pipeline: 'anchorrec',
      dataset: 'synth:small',
      backend: 'wasm',
      seed,
      seedIndex,
      seeds: nSeeds,
      nUsers: 19445,
      nItems: 7050,
      nTrain: 118551,
      batchesPerEpoch,
      maxEpochs,
      parameters: 1_732_096,
      runDir: `runs/anchorrec/20261114-1532-${(0xa3f1c + seedIndex).toString(16)}`,
    });
    let best = { epoch: 0, valid: {} as Metrics, test: {} as Metrics, score: -1 };
    let left = patience;
    let epoch = 0;
    let stoppedEarly = false;
    while (epoch < maxEpochs && !stopped) {
      epoch++;
      emit({ type: 'epoch_start', epoch, lr: 0.001 });
      const sums: Record<string, number> = {};
      const e0 = Date.now();
      for (let batch = 1; batch <= batchesPerEpoch && !stopped; batch++) {
        const decay = Math.exp(-(epoch - 1 + batch / batchesPerEpoch) / 6);
        const bpr = 0.25 + 0.44 * decay + noise(0.02);
        const aal = 0.01 * (2.2 + 1.5 * decay + noise(0.1));
        const amp = 0.01 * (0.4 * decay + 0.05 + noise(0.01));
        const recon = 0.0005 * (1.3 + noise(0.1));
        const losses = { bpr, aal, amp, recon, total: bpr + aal + amp + recon };
        for (const [k, v] of Object.entries(losses)) sums[k] = (sums[k] ?? 0) + v;
        emit({ type: 'batch', epoch, batch, batches: batchesPerEpoch, losses });
        if (batch % 4 === 0) await sleep(8);
      }
      if (stopped) break;
      const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / batchesPerEpoch]));
      emit({ type: 'epoch_end', epoch, losses: means, trainSeconds: (Date.now() - e0) / 1000, tensors: 412 });
      if (epoch === 5 && seedIndex === 0)
        emit({ type: 'log', level: 'warn', message: 'tensor count grew by 3 during epoch 5 (412 -> 415)' });
      await sleep(250);
      const valid = fakeMetrics(epoch, seedShift, 'valid');
      const test = fakeMetrics(epoch, seedShift, 'test');
      const improved = valid['recall@20']! > best.score;
      if (improved) {
        best = { epoch, valid, test, score: valid['recall@20']! };
        left = patience;
      } else left--;
      emit({
        type: 'eval',
        epoch,
        valid,
        test,
        evalSeconds: fast ? 0.001 : 0.25,
        improved,
        bestEpoch: best.epoch,
        bestValid: best.valid,
        bestTest: best.test,
        patienceLeft: left,
      });
      if (left <= 0) {
        stoppedEarly = true;
        break;
      }
    }
    if (stopped) break;
    const seconds = (Date.now() - t0) / 1000;
    const end: SeedEndEvent = {
      type: 'seed_end',
      seed,
      seedIndex,
      bestEpoch: best.epoch,
      epochs: epoch,
      valid: best.valid,
      test: best.test,
      stoppedEarly,
      seconds,
      secondsPerEpoch: seconds / epoch,
    };
    perSeed.push(end);
    emit(end);
  }
  if (!stopped) {
    const v = meanStd(perSeed.map((s) => s.valid));
    const t = meanStd(perSeed.map((s) => s.test));
    emit({
      type: 'result',
      pipeline: 'anchorrec',
      dataset: 'synth:small',
      backend: 'wasm',
      seeds,
      perSeed,
      mean: { valid: v.mean, test: t.mean },
      std: { valid: v.std, test: t.std },
      runDir: 'runs/anchorrec/20261114-1532-a3f1c',
    });
  }
  await reporter.close();
  // What a CLI would do when its reader went away: stop quietly and exit 0.
  if (reporter.closedEarly) process.stderr.write('ui-demo: stdout closed by its reader; stopped\n');
}

await main();
