/**
 * `anchorflow sweep`: plan the points, skip those already stored, run the rest (local processes or a Redis
 * queue), then write the results. Safe to start again at any time: it continues where the last run stopped.
 */
import { availableParallelism } from 'node:os';
import type { BackendChoice } from '../../engine/backend.js';
import { runLocal } from './local.js';
import { planSweep, type PlanOptions, type SweepPlan } from './plan.js';
import { SweepTracker, type SweepSink } from './progress.js';
import { openQueue, runCoordinator } from './queue.js';
import { redactUrl } from './redis-url.js';
import { aggregate, writeResults, type SweepResults } from './results.js';
import { SweepStore } from './store.js';
import { chooseProtocol } from '../run.js';

export { planSweep, type SweepPlan, type PlannedPoint, type PointTask } from './plan.js';
export { runWorker, DEFAULT_QUEUE_NAME } from './queue.js';
export { redactUrl, parseRedisUrl } from './redis-url.js';
export type { SweepEvent, SweepStatus, SweepSink } from './progress.js';
export type { SweepResults, ConfigResult } from './results.js';
export type { PointRecord } from './store.js';

export interface SweepOptions extends PlanOptions {
  workers?: number;
  /** Redis URL: enqueue the points there instead of running them here. */
  queue?: string;
  queueName?: string;
  /** Extra attempts for a point whose process died. */
  retries?: number;
  backend?: BackendChoice;
  dataDir?: string;
  plugins?: string[];
  emit?: SweepSink;
  signal?: AbortSignal;
}

export interface SweepOutcome {
  plan: SweepPlan;
  results: SweepResults;
  files: string[];
  /** Points run now (not found in the store). */
  ran: number;
  failed: number;
  interrupted: boolean;
}

export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  opts = { ...opts, protocol: chooseProtocol(opts) };
  const plan = planSweep(opts);
  const store = new SweepStore(plan.dir);
  const workers = opts.workers ?? availableParallelism();
  // Two configurations can resolve to the same pipeline (a swept value equal to the default elsewhere): one run.
  const unique = new Set(plan.points.map((p) => p.id));
  const tracker = new SweepTracker(
    {
      name: plan.name,
      dir: plan.dir,
      total: unique.size,
      metric: plan.spec.metric,
      workers: opts.queue ? 'queue' : workers,
    },
    opts.emit ?? (() => {}),
  );
  const { records, todo } = store.partition(plan.points, (p, r) => tracker.reuse(p, r));
  // Connect before writing anything: a wrong queue URL or an unreachable Redis leaves no store behind.
  const conn = opts.queue && todo.length ? await openQueue(opts.queue, opts.queueName) : undefined;
  try {
    store.init({
      pipeline: plan.name,
      file: plan.file,
      hash: plan.hash,
      dataset: plan.dataset,
      protocol: opts.protocol ?? 'mmrec',
      overrides: plan.baseOverrides,
      axes: plan.spec.axes,
      random: plan.spec.random,
      seeds: plan.spec.seeds,
      metric: plan.spec.metric,
      configurations: plan.configs.map((c) => ({
        label: c.label,
        overrides: c.overrides,
        points: plan.points.filter((p) => p.config.key === c.key).map((p) => ({ seed: p.seed, id: p.id })),
      })),
      ...(opts.queue ? { queue: redactUrl(opts.queue) } : {}),
    });
    tracker.emit({
      type: 'sweep_start',
      configs: plan.configs.length,
      seeds: plan.spec.seeds,
      ...(opts.queue ? { queue: redactUrl(opts.queue) } : {}),
    });
    const retries = opts.retries ?? 2;
    if (conn) {
      await runCoordinator(conn, plan.name, todo, store, tracker, { retries, signal: opts.signal });
    } else if (todo.length) {
      await runLocal(plan.name, todo, store, tracker, {
        workers,
        retries,
        backend: opts.backend ?? 'auto',
        dataDir: opts.dataDir,
        plugins: opts.plugins,
        signal: opts.signal,
      });
    }
  } finally {
    await conn?.close();
  }
  for (const p of todo) {
    const r = store.load(p);
    if (r) records.set(p.id, r);
  }
  const results = aggregate(plan, records);
  const files = writeResults(plan, store, results);
  const status = tracker.status();
  tracker.emit({
    type: 'sweep_end',
    files: files.map((f) => f),
    ...(results.best
      ? {
          best: {
            label: results.best.label,
            valid: results.best.valid.mean,
            test: results.best.test.mean,
            validStd: results.best.valid.std,
            testStd: results.best.test.std,
          },
        }
      : {}),
  });
  return {
    plan,
    results,
    files,
    ran: todo.filter((p) => records.has(p.id)).length,
    failed: status.failed,
    interrupted: Boolean(opts.signal?.aborted) && records.size < unique.size,
  };
}
