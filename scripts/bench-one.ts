/**
 * Measures one pipeline in this process (the bench runs each model in a fresh child process so that peak RSS
 * and start-up are its own): start-up to the first batch, median train seconds per epoch after a warm-up
 * epoch, seconds per full evaluation, peak RSS, tensor counts. Prints one JSON object.
 *   node dist/scripts/bench-one.js <pipeline.yaml> <dataset> <dataDir> <epochs> [--set k=v]...
 */
import { runPipeline } from '../src/experiments/run.js';
import type { EngineEvent } from '../src/engine/events.js';
import * as tf from '@tensorflow/tfjs';

const [file, dataset, dataDir, epochsArg, ...rest] = process.argv.slice(2);
const set: string[] = [];
for (let i = 0; i < rest.length; i++) if (rest[i] === '--set') set.push(rest[++i]!);
const epochs = Number(epochsArg ?? 4);

const startedAt = performance.timeOrigin;
let firstBatch: number | undefined;
let tensorsBefore: number | undefined;
const epochSecs: number[] = [];
const epochCpu: number[] = [];
const evalSecs: number[] = [];
const tensorsAfter: number[] = [];
let cpuAtEpochStart = process.cpuUsage();
let backend = '';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

await runPipeline({
  file: file!,
  dataset,
  dataDir,
  epochs,
  set: [...set, 'train.early_stopping.patience=1000'],
  out: false,
  emit: (e: EngineEvent) => {
    if (e.type === 'log' && e.message.startsWith('backend')) backend = e.message;
    if (e.type === 'run_start') tensorsBefore = tf.memory().numTensors;
    if (e.type === 'epoch_start') cpuAtEpochStart = process.cpuUsage();
    if (e.type === 'batch' && firstBatch === undefined)
      firstBatch = (performance.timeOrigin + performance.now() - startedAt) / 1000;
    if (e.type === 'epoch_end') {
      epochSecs.push(e.trainSeconds);
      const c = process.cpuUsage(cpuAtEpochStart);
      epochCpu.push((c.user + c.system) / 1e6);
      tensorsAfter.push(e.tensors);
    }
    if (e.type === 'eval') evalSecs.push(e.evalSeconds);
  },
});
const after = epochSecs.slice(1); // the first epoch is the warm-up
console.log(
  JSON.stringify({
    pipeline: file,
    dataset,
    backend,
    epochsMeasured: after.length,
    trainSecondsPerEpoch: median(after),
    trainCpuSecondsPerEpoch: median(epochCpu.slice(1)),
    evalSeconds: median(evalSecs.slice(1)),
    startupSeconds: firstBatch,
    peakRssGB: process.resourceUsage().maxRSS / 1024 / 1024,
    tensorsBefore,
    tensorsPerEpoch: tensorsAfter,
  }),
);
process.exit(0);
