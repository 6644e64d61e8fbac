/**
 * Training a pipeline from TypeScript through the public API: load, override, run, and read the events and
 * the result. In a project of your own, import from 'anchorflow'.
 *
 *   node dist/examples/train-from-typescript.js [epochs]
 */
import { runPipeline, type EngineEvent } from '../src/index.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
// Works from examples/ (tsx) and from dist/examples/ (compiled).
const repo = here.includes('/dist/') ? join(here, '..', '..') : join(here, '..');

export async function trainExample(epochs = 5) {
  const curve: { epoch: number; recall20: number }[] = [];
  const result = await runPipeline({
    file: join(repo, 'pipelines', 'lightgcn.yaml'),
    set: ['params.dim=32'], // the same overrides as --set on the command line
    epochs,
    backend: 'auto',
    out: false, // no run directory
    emit: (e: EngineEvent) => {
      if (e.type === 'eval') curve.push({ epoch: e.epoch, recall20: e.valid['recall@20']! });
    },
  });
  return { result, curve };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const epochs = Number(process.argv[2] ?? 5);
  const { result, curve } = await trainExample(epochs);
  for (const p of curve) console.log(`epoch ${p.epoch}: valid recall@20 ${p.recall20.toFixed(4)}`);
  console.log(
    `test recall@20 at the best valid epoch: ${result.mean.test['recall@20']!.toFixed(4)} (${result.backend})`,
  );
}
