/**
 * `anchorflow analyze <runDir...>`: embedding-space analyses (neighbourhood overlap, collapse, ID dominance,
 * neighbour retrieval, t-SNE, training curves) of finished runs, written as analysis.json and report.html.
 *
 * Suggested wiring in main.ts:
 *   program.command('analyze').description('embedding-space analyses and an HTML report of run directories')
 *     .argument('<runDirs...>', 'run directories (several: compared side by side)')
 *     .option('--out <dir>', 'output folder (default <first run dir>/analysis)')
 *     .option('--k <n>', 'neighbourhood size K (default 10)', int('--k'))
 *     .option('--sample <n>', 'items sampled for retrieval and t-SNE (default 100)', int('--sample'))
 *     .option('--seed <n>', 'sampling and t-SNE seed (default 0)', nonNegativeInt)
 *     .action(cmdAnalyze);
 */
import { isAbsolute, relative } from 'node:path';
import { analyzeRuns, DEFAULT_K, DEFAULT_SAMPLE } from '../analysis/report.js';
import { initBackend } from '../engine/backend.js';
import { UserError } from '../util/errors.js';

export interface AnalyzeFlags {
  out?: string;
  k?: number;
  sample?: number;
  seed?: number;
}

function checkInt(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new UserError(`${name} must be an integer >= ${min}, got '${String(v)}'`, { file: name });
  }
  return n;
}

export async function cmdAnalyze(runDirs: string[], flags: AnalyzeFlags = {}): Promise<void> {
  if (!runDirs.length) throw new UserError('analyze needs at least one run directory');
  const k = checkInt('--k', flags.k, 1) ?? DEFAULT_K;
  const sample = checkInt('--sample', flags.sample, 1) ?? DEFAULT_SAMPLE;
  const seed = checkInt('--seed', flags.seed, 0) ?? 0;
  const backend = await initBackend('auto');
  process.stderr.write(`backend: ${backend.choice}\n`);
  const t0 = performance.now();
  const { json, outDir } = await analyzeRuns(runDirs, {
    out: flags.out,
    k,
    sample,
    seed,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
  const lines = [
    `analysed ${json.runs.length} run${json.runs.length > 1 ? 's' : ''} in ${secs} s (K=${k}, S=${sample}, seed ${seed})`,
  ];
  for (const r of json.runs) {
    const h = r.headline;
    const f = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));
    lines.push(
      `  ${r.name}: overlap(f,h) ${f(h['structure.f_h'])}  cross-modal h ${f(h['cross.h'])} p ${f(h['cross.p'])}  collapse h ${f(h['collapse.original'])} p ${f(h['collapse.projection'])}  ID dominance ${f(h['dominance.index'])}` +
        (r.skipped.length ? `  (${r.skipped.length} skipped, see the report)` : ''),
    );
    if (r.generatedFeatures.length)
      lines.push(`  warning: ${r.name}: features ${r.generatedFeatures.join(', ')} are GENERATED, not real content`);
  }
  lines.push(`wrote ${rel(`${outDir}/analysis.json`)} and ${rel(`${outDir}/report.html`)}`);
  process.stdout.write(lines.join('\n') + '\n');
}
