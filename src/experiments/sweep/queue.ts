/**
 * Distributed sweeps over Redis with BullMQ. The coordinator (`sweep --queue`) enqueues one job per point
 * (job id = point id, so a point is enqueued once however often the sweep is started) and stores each result
 * as it completes: it alone writes the store, so a point retried after a dead worker is still stored once.
 * Workers (`worker --queue`) run each job in a child process, like the local pool. A worker that dies
 * mid-point stops renewing its lock; BullMQ's stalled-job check in the other workers puts the job back in the
 * queue and another worker runs it.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { UserError } from '../../util/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import type { PlannedPoint, PointTask } from './plan.js';
import { runPointProcess } from './point-process.js';
import type { SweepTracker } from './progress.js';
import type { PointOutput, SweepStore } from './store.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

export const DEFAULT_QUEUE_NAME = 'anchorflow-points';
/** Kept so that a restarted coordinator can collect results finished while it was away. */
const KEEP_SECONDS = 7 * 24 * 3600;

export interface JobResult extends PointOutput {}

/** Fails fast, with the redacted URL, when Redis cannot be reached (ioredis would otherwise retry forever). */
async function ready(target: RedisTarget, client: { waitUntilReady(): Promise<unknown>; close(): Promise<void> }, timeoutMs = 10000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.waitUntilReady(), timeout]);
  } catch (e) {
    await client.close().catch(() => {});
    throw new UserError(`cannot reach the queue at ${target.redacted}: ${(e as Error).message}`, { file: '--queue' });
  } finally {
    clearTimeout(timer);
  }
}

function parseResult(v: unknown): JobResult {
  return (typeof v === 'string' ? JSON.parse(v) : v) as JobResult;
}

export interface CoordinatorOptions {
  url: string;
  queueName?: string;
  retries: number;
  signal?: AbortSignal;
  /** How often outstanding jobs are checked directly, in case an event was missed (ms). */
  pollMs?: number;
}

export async function runCoordinator(pipeline: string, todo: PlannedPoint[], store: SweepStore, tracker: SweepTracker, opts: CoordinatorOptions): Promise<void> {
  const target = parseRedisUrl(opts.url);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<PointTask, JobResult>(name, { connection: target.connection });
  const events = new QueueEvents(name, { connection: target.connection });
  // ioredis reports connection trouble as 'error' events; unhandled, they would crash the process. Lasting
  // trouble shows as no progress (and the reconcile loop failing loudly), so one warning per message is enough.
  const seen = new Set<string>();
  const onError = (e: Error) => {
    if (!seen.has(e.message)) tracker.log('warn', `queue: ${e.message}`);
    seen.add(e.message);
  };
  queue.on('error', onError);
  events.on('error', onError);
  await ready(target, queue);
  await ready(target, events);

  const outstanding = new Map(todo.map((p) => [p.id, p]));
  let wake: () => void = () => {};
  const finish = (id: string, result: JobResult) => {
    const p = outstanding.get(id);
    if (!p) return; // another sweep's job on the same queue, or already stored
    outstanding.delete(id);
    if (!store.has(p)) tracker.done(p, store.save(p, pipeline, result));
    wake();
  };
  const fail = (id: string, reason: string) => {
    const p = outstanding.get(id);
    if (!p) return;
    outstanding.delete(id);
    store.markFailed(id, reason);
    tracker.fail(p, reason);
    wake();
  };
  /** Reads a job's state from Redis and acts on it: the path that needs no event. */
  const reconcile = async (id: string, enqueue: boolean) => {
    const p = outstanding.get(id);
    if (!p) return;
    const job = (await queue.getJob(id)) as Job<PointTask, JobResult> | undefined;
    if (!job) {
      if (enqueue) {
        await queue.add('point', taskOf(p), {
          jobId: p.id,
          attempts: opts.retries + 1,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: { age: KEEP_SECONDS },
          removeOnFail: { age: KEEP_SECONDS },
        });
      }
      return;
    }
    const state = await job.getState();
    if (state === 'completed') finish(id, parseResult(job.returnvalue));
    else if (state === 'failed') {
      // Failed in an earlier run of this sweep: starting the sweep again means trying again.
      if (enqueue) await job.retry('failed');
      else fail(id, job.failedReason || 'failed');
    }
  };

  events.on('active', ({ jobId }) => {
    const p = outstanding.get(jobId);
    if (p) tracker.started(p);
  });
  events.on('progress', ({ jobId, data }) => {
    const d = data as { epoch?: number; maxEpochs?: number; worker?: string };
    if (outstanding.has(jobId) && typeof d?.epoch === 'number') tracker.progress(jobId, d.epoch, d.maxEpochs);
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    try {
      finish(jobId, parseResult(returnvalue));
    } catch {
      void reconcile(jobId, false);
    }
  });
  // A 'failed' event may be one attempt of several; only the job's state says whether it gave up.
  events.on('failed', ({ jobId }) => void reconcile(jobId, false).catch(() => {}));
  events.on('stalled', ({ jobId }) => {
    const p = outstanding.get(jobId);
    if (p) tracker.retry(p, 'its worker stopped answering (stalled); queued again');
  });

  const onAbort = () => wake();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (const id of [...outstanding.keys()]) await reconcile(id, true);
    tracker.log('info', `${outstanding.size} point(s) in the queue '${name}' at ${target.redacted}; waiting for workers (anchorflow worker --queue ...)`);
    while (outstanding.size && !opts.signal?.aborted) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, opts.pollMs ?? 5000).unref();
      });
      for (const id of [...outstanding.keys()]) {
        if (opts.signal?.aborted) break;
        await reconcile(id, false);
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    tracker.stopAll();
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
  }
}

/** The job's data: what any machine with the data needs to run the point. */
function taskOf(p: PlannedPoint): PointTask {
  return { id: p.id, pipelineHash: p.pipelineHash, resolved: p.resolved, seed: p.seed, dataset: p.dataset, ...(p.dataPath ? { dataPath: p.dataPath } : {}), label: p.label };
}

export interface WorkerOptions {
  url: string;
  queueName?: string;
  concurrency: number;
  backend: BackendChoice;
  dataDir?: string;
  plugins?: string[];
  /** Seconds a worker's lock on a job lasts without renewal: how soon a dead worker's job is picked up again. */
  lockSeconds: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export async function runWorker(opts: WorkerOptions): Promise<void> {
  const target = parseRedisUrl(opts.url);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const me = `${hostname()}:${process.pid}`;
  const kill = new AbortController();
  const worker = new Worker<PointTask, JobResult>(
    name,
    async (job) => {
      const t = job.data;
      const label = `${t.label} seed ${t.seed} [${t.id.slice(0, 8)}]`;
      opts.log(`start ${label} (attempt ${job.attemptsMade + 1})`);
      let maxEpochs: number | undefined;
      const out = await runPointProcess(t, {
        backend: opts.backend,
        dataDir: opts.dataDir,
        plugins: opts.plugins,
        signal: kill.signal,
        onEvent: (e) => {
          if (e.type === 'log' && e.level === 'warn') opts.log(`${label}: warning: ${e.message}`);
          if (e.type === 'run_start') maxEpochs = e.maxEpochs;
          if (e.type === 'epoch_end') {
            opts.log(`${label}: epoch ${e.epoch}${maxEpochs ? `/${maxEpochs}` : ''}`);
            void job.updateProgress({ epoch: e.epoch, maxEpochs, worker: me }).catch(() => {});
          }
        },
      });
      if (!out.ok) {
        opts.log(`failed ${label}: ${out.reason}`);
        // Bad data on this machine will not get better on a retry here; the error goes to the coordinator.
        if (out.userError) throw new UnrecoverableError(out.reason);
        throw new Error(out.reason);
      }
      opts.log(`done ${label}: valid recall@20 ${out.summary.valid['recall@20']?.toFixed(4) ?? '-'} (${out.summary.seconds.toFixed(1)} s)`);
      return { summary: out.summary, backend: out.backend, worker: me, attempt: job.attemptsMade + 1 };
    },
    {
      connection: target.connection,
      concurrency: opts.concurrency,
      lockDuration: opts.lockSeconds * 1000,
      stalledInterval: opts.lockSeconds * 1000,
      // A point may outlive a few dead workers before it is given up on.
      maxStalledCount: 3,
      autorun: false,
    },
  );
  worker.on('error', (e) => {
    opts.log(`queue error: ${e.message}`);
  });
  await ready(target, worker);
  opts.log(`worker ${me} on queue '${name}' at ${target.redacted}, ${opts.concurrency} at a time`);
  const running = worker.run();
  await new Promise<void>((r) => {
    if (opts.signal?.aborted) return r();
    opts.signal?.addEventListener('abort', () => r(), { once: true });
  });
  opts.log('stopping: running points go back to the queue for another worker');
  // Stop taking jobs first, then end the points: their jobs stall and are retried elsewhere.
  const closing = worker.close(true);
  kill.abort();
  await closing.catch(() => {});
  await running.catch(() => {});
}
