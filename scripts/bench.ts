/**
 * `npm run bench`: for each model, on the real Amazon Baby interactions (../shared/datasets/baby) with
 * generated features of the paper's sizes, prints and writes bench/results.json: median train seconds per
 * epoch over the measured epochs after a warm-up epoch, seconds per full evaluation, peak RSS, start-up time
 * (process start to the first batch), the backend, tensor counts, and the machine's CPU model and cores.
 * Each model runs with the threads one training uses (ANCHORFLOW_THREADS, by default every core) and, when that
 * is more than one, again on one thread: its row records both and their ratio (`--single no` skips the second run).
 *   npm run bench -- [--models lightgcn,vbpr] [--epochs 3] [--dataset baby] [--data-dir ../shared/datasets] [--single
 *   no]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/util/atomic.js';
import { flag, flagEnv, flagVariable } from '../src/util/flags.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const models: Record<string, string> = {
  lightgcn: 'pipelines/lightgcn.yaml',
  vbpr: 'pipelines/vbpr.yaml',
  freedom: 'pipelines/baselines/freedom.yaml',
  anchorrec: 'pipelines/anchorrec.yaml',
  'anchorrec-official': 'pipelines/anchorrec-official.yaml',
};
const chosen = opt('models', Object.keys(models).join(',')).split(',');
const epochs = Number(opt('epochs', '3')) + 1;
const dataset = opt('dataset', 'baby');
const dataDir = opt('data-dir', flag('dataDir') ?? join(repo, '..', 'shared', 'datasets'));
const threads = flag('threads') ?? availableParallelism();
const single = opt('single', 'yes') !== 'no' && threads > 1;
const loadBefore = loadavg();

/** One model in a fresh process on `t` threads: its JSON row, or the failure's stderr. */
function benchOne(file: string, t: number): { row?: Record<string, unknown>; error?: string; status: number | null } {
  const env = { ...flagEnv(), [flagVariable('threads')]: String(t) };
  const r = spawnSync(
    process.execPath,
    [join(here, 'bench-one.js'), join(repo, file), dataset, dataDir, String(epochs)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env,
    },
  );
  if (r.status !== 0) return { error: r.stderr, status: r.status };
  return { row: JSON.parse(r.stdout.trim().split('\n').pop()!), status: 0 };
}

const rows: Record<string, unknown>[] = [];
for (const m of chosen) {
  const file = models[m] ?? m;
  const r = benchOne(file, threads);
  if (!r.row) {
    console.error(`${m}: failed (${r.status})\n${r.error!.slice(-2000)}`);
    rows.push({ model: m, error: r.error!.slice(-500) });
    continue;
  }
  const row: Record<string, unknown> = { model: m, threads, ...r.row };
  if (single) {
    const one = benchOne(file, 1).row;
    if (one) {
      row.singleThread = one;
      row.ratioToSingleThread = (row.trainSecondsPerEpoch as number) / (one.trainSecondsPerEpoch as number);
    }
  }
  rows.push(row);
  const f = (x: unknown, d = 2) => (typeof x === 'number' ? x.toFixed(d) : String(x));
  console.log(
    `${m.padEnd(20)} train ${f(row.trainSecondsPerEpoch)} s/epoch (cpu ${f(row.trainCpuSecondsPerEpoch)})  eval ${f(row.evalSeconds)} s  ` +
      `rss ${f(row.peakRssGB)} GB  start ${f(row.startupSeconds, 1)} s  tensors ${row.tensorsBefore} -> ${(row.tensorsPerEpoch as number[]).join('/')}  ` +
      `threads ${threads}${row.ratioToSingleThread === undefined ? '' : ` (x${f(row.ratioToSingleThread)} of one thread's time)`}`,
  );
}
const out = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  threads,
  loadAverage: { before: loadBefore, after: loadavg() },
  memoryGB: totalmem() / 2 ** 30,
  node: process.version,
  dataset,
  epochsMeasured: epochs - 1,
  rows,
};
writeFileAtomic(join(repo, 'bench', 'results.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`cpu: ${out.cpu} x${out.cores}; wrote bench/results.json`);
