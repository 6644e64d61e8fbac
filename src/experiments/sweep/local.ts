/**
 * The local pool: up to N points at once, each in its own process. A point whose process dies (a crash, a
 * SIGKILL, the OOM killer) is retried; a user error (bad data) stops the sweep, since every point would hit it.
 */
import { hostname } from 'node:os';
import { UserError } from '../../util/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import type { PlannedPoint } from './plan.js';
import { runPointProcess } from './point-process.js';
import { threadsPerWorker } from '../../util/cores.js';
import type { SweepTracker } from './progress.js';
import type { SweepStore } from './store.js';

export interface LocalOptions {
  workers: number;
  retries: number;
  backend: BackendChoice;
  dataDir?: string;
  plugins?: string[];
  signal?: AbortSignal;
}

export async function runLocal(
  pipeline: string,
  todo: PlannedPoint[],
  store: SweepStore,
  tracker: SweepTracker,
  opts: LocalOptions,
): Promise<void> {
  const queue = [...todo];
  let fatal: UserError | undefined;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // A point's warnings (generated features, above all) reach the sweep's output once, not once per point.
  const warned = new Set<string>();
  const slots = Math.max(1, Math.min(opts.workers, todo.length));
  const threads = threadsPerWorker(slots);

  async function slot(): Promise<void> {
    for (let p = queue.shift(); p && !stop.signal.aborted; p = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        tracker.started(p, 'local');
        let epoch = 0;
        let pid: number | undefined;
        const marker = () =>
          store.markRunning(p!.id, {
            pid,
            host: hostname(),
            attempt,
            epoch,
            seed: p!.seed,
            configuration: p!.config.label,
          });
        const out = await runPointProcess(p, {
          backend: opts.backend,
          dataDir: opts.dataDir,
          plugins: opts.plugins,
          runDir: store.runDir(p.id),
          signal: stop.signal,
          threads,
          onSpawn: (c) => {
            pid = c.pid;
            marker();
          },
          onEvent: (e) => {
            if (e.type === 'log' && e.level === 'warn' && !warned.has(e.message)) {
              warned.add(e.message);
              tracker.log('warn', e.message);
            }
            if (e.type === 'run_start') tracker.progress(p!.id, 0, e.maxEpochs);
            if (e.type === 'epoch_end') {
              epoch = e.epoch;
              marker(); // the marker tells an observer how far the point got
              tracker.progress(p!.id, e.epoch);
            }
          },
        });
        if (out.ok) {
          const rec = store.save(p, pipeline, {
            summary: out.summary,
            backend: out.backend,
            worker: `local:${pid}`,
            attempt,
          });
          tracker.done(p, rec);
          break;
        }
        if (stop.signal.aborted) return; // interrupted: the .running marker stays; the next run re-runs it
        if (out.userError) {
          store.clearRunning(p.id);
          fatal ??= new UserError(
            `point ${p.config.label} seed ${p.seed}: ${out.reason.replace(/^exited with code 2: /, '')}`,
          );
          tracker.fail(p, out.reason);
          stop.abort();
          return;
        }
        if (attempt > opts.retries) {
          store.markFailed(p.id, out.reason);
          tracker.fail(p, out.reason);
          break;
        }
        tracker.retry(p, out.reason);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: slots }, slot));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (fatal) throw fatal;
}
