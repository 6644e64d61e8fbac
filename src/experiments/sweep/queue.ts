/**
 * Distributed sweeps over Redis with BullMQ. The coordinator (`sweep --queue`) enqueues one job per point
 * (job id = point id, so a point is enqueued once however often the sweep is started) and stores each result
 * as it completes: it alone writes the store, so a point retried after a dead worker is still stored once.
 * Workers (`worker --queue`) run each job in a child process, like the local pool. A worker that dies
 * mid-point stops renewing its lock; BullMQ's stalled-job check in the other workers puts the job back in the
 * queue and another worker runs it. Whoever can write to the Redis can write a job, so a worker checks each job
 * as untrusted input before it runs anything (job.ts). If Redis loses the jobs (restarted empty, flushed), the
 * coordinator's polling finds them missing and enqueues them again.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { UserError, formatUserError, isUserError } from '../../util/errors.js';
import { resolveDataDir } from '../../data/index.js';
import type { BackendChoice } from '../../engine/backend.js';
import type { PlannedPoint, PointTask } from './plan.js';
import { runPointProcess } from './point-process.js';
import { threadsPerWorker } from '../../util/cores.js';
import type { SweepTracker } from './progress.js';
import type { PointOutput, SweepStore } from './store.js';
import { checkJobData, checkJobResult } from './job.js';
import { parseRedisUrl, redactSecrets, type RedisTarget } from './redis-url.js';

export const DEFAULT_QUEUE_NAME = 'anchorflow-points';
/** Kept so that a restarted coordinator can collect results finished while it was away. */
const KEEP_SECONDS = 7 * 24 * 3600;

export type JobResult = PointOutput;

const unreachable = (target: RedisTarget, why: string) =>
  new UserError(`cannot reach the queue at ${target.redacted}: ${redactSecrets(why, target.secrets)}`, {
    file: '--queue',
  });

/**
 * Checks, with a throwaway connection that does not retry, that the queue's Redis answers and accepts the
 * credentials: at start-up a wrong host, port or password will not fix itself, and the long-lived connections
 * opened afterwards retry forever (they must, to ride out a Redis restart). A BullMQ connection that never came
 * up also cannot be closed cleanly, which is one more reason to find out first.
 */
async function probe(target: RedisTarget, name: string): Promise<void> {
  const q = new Queue(name, { connection: { ...target.connection, retryStrategy: () => null, connectTimeout: 10000 } });
  let first: Error | undefined;
  q.on('error', (e: Error) => {
    first ??= e;
  });
  try {
    await q.waitUntilReady();
  } catch (e) {
    throw unreachable(target, (first ?? (e as Error)).message);
  } finally {
    await q.close().catch(() => {});
  }
}

/** Waits for a long-lived connection (after a successful probe), failing with the redacted URL after a timeout. */
async function ready(
  target: RedisTarget,
  client: { waitUntilReady(): Promise<unknown> },
  timeoutMs = 10000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreachable(target, `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job's return value as the coordinator stores it: it came through Redis, so it is checked like a job. */
function parseResult(v: unknown): JobResult {
  return checkJobResult(typeof v === 'string' ? JSON.parse(v) : v);
}

export interface CoordinatorOptions {
  retries: number;
  signal?: AbortSignal;
  /** How often outstanding jobs are checked directly, in case an event was missed (ms). */
  pollMs?: number;
}

/** A coordinator's connection to the queue, opened before the sweep writes anything. */
export interface QueueConnection {
  name: string;
  target: RedisTarget;
  queue: Queue<PointTask, JobResult>;
  events: QueueEvents;
  /** Where connection trouble after start-up is reported (set by whoever runs the coordinator). */
  warn: (message: string) => void;
  close(): Promise<void>;
}

/**
 * Connects to the queue, or fails with a `--queue` user error (the URL redacted) when it cannot: the sweep
 * calls this before it writes its store, so a wrong URL leaves nothing behind.
 */
export async function openQueue(url: string, queueName = DEFAULT_QUEUE_NAME): Promise<QueueConnection> {
  const target = parseRedisUrl(url);
  await probe(target, queueName);
  const queue = new Queue<PointTask, JobResult>(queueName, { connection: target.connection });
  const events = new QueueEvents(queueName, { connection: target.connection });
  const conn: QueueConnection = {
    name: queueName,
    target,
    queue,
    events,
    warn: () => {},
    close: async () => {
      await events.close().catch(() => {});
      await queue.close().catch(() => {});
    },
  };
  // ioredis reports connection trouble as 'error' events; unhandled, they would crash the process. Lasting
  // trouble shows as no progress (and the reconcile loop failing loudly), so one warning per message is enough.
  const seen = new Set<string>();
  const onError = (e: Error) => {
    const message = redactSecrets(e.message, target.secrets);
    if (!seen.has(message)) conn.warn(`queue: ${message}`);
    seen.add(message);
  };
  queue.on('error', onError);
  events.on('error', onError);
  try {
    await ready(target, queue);
    await ready(target, events);
  } catch (e) {
    // A connection that never came up may never finish closing; the error matters more than a tidy close.
    await Promise.race([conn.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    throw e;
  }
  return conn;
}

export async function runCoordinator(
  conn: QueueConnection,
  pipeline: string,
  todo: PlannedPoint[],
  store: SweepStore,
  tracker: SweepTracker,
  opts: CoordinatorOptions,
): Promise<void> {
  const { queue, events, target, name } = conn;
  conn.warn = (m) => tracker.log('warn', m);
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
    // A worker of another version, or a forged job, may have put a secret into the reason.
    const safe = redactSecrets(reason, target.secrets);
    store.markFailed(id, safe);
    tracker.fail(p, safe);
    wake();
  };
  const enqueue = (p: PlannedPoint) =>
    queue.add('point', taskOf(p), {
      jobId: p.id,
      attempts: opts.retries + 1,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
  /**
   * Reads a job's state from Redis and acts on it: the path that needs no event. `first`: the sweep is starting,
   * so a missing job is enqueued and a failed one retried. Later, a missing job was lost (Redis restarted empty
   * or was flushed): unless the store has its result, it is enqueued again and 'lost' is returned.
   */
  const reconcile = async (id: string, first: boolean): Promise<'lost' | undefined> => {
    const p = outstanding.get(id);
    if (!p) return undefined;
    const job = (await queue.getJob(id)) as Job<PointTask, JobResult> | undefined;
    if (!job) {
      if (!first) {
        const stored = store.load(p);
        if (stored) {
          outstanding.delete(id);
          tracker.reuse(p, stored);
          wake();
          return undefined;
        }
      }
      await enqueue(p);
      return first ? undefined : 'lost';
    }
    const state = await job.getState();
    if (state === 'completed') {
      let result: JobResult;
      try {
        result = parseResult(job.returnvalue);
      } catch (e) {
        fail(id, (e as Error).message);
        return undefined;
      }
      finish(id, result);
    } else if (state === 'failed') {
      // Failed in an earlier run of this sweep: starting the sweep again means trying again.
      if (first) await job.retry('failed');
      else fail(id, job.failedReason || 'failed');
    }
    return undefined;
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
      void reconcile(jobId, false).catch(() => {});
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
    tracker.log(
      'info',
      `${outstanding.size} point(s) in the queue '${name}' at ${target.redacted}; waiting for workers (anchorflow worker --queue ...)`,
    );
    while (outstanding.size && !opts.signal?.aborted) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, opts.pollMs ?? 5000).unref();
      });
      let lost = 0;
      for (const id of [...outstanding.keys()]) {
        if (opts.signal?.aborted) break;
        if ((await reconcile(id, false)) === 'lost') lost++;
      }
      if (lost)
        tracker.log(
          'warn',
          `${lost} point(s) had vanished from the queue '${name}' (was Redis restarted empty, or flushed?); enqueued them again`,
        );
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    tracker.stopAll();
  }
}

/** The job's data: what any machine with the data needs to run the point. */
function taskOf(p: PlannedPoint): PointTask {
  return {
    id: p.id,
    pipelineHash: p.pipelineHash,
    resolved: p.resolved,
    seed: p.seed,
    dataset: p.dataset,
    ...(p.dataPath ? { dataPath: p.dataPath } : {}),
    label: p.label,
  };
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
  const log = (line: string) => opts.log(redactSecrets(line, target.secrets));
  const dataDir = resolveDataDir(opts.dataDir);
  await probe(target, name);
  const worker = new Worker<PointTask, JobResult>(
    name,
    async (job) => {
      let t: PointTask;
      // The job's data is checked here (cheap); its pipeline text in the point's process, where parsing and
      // validating it cannot hold up this process's lock renewals for the other points it runs.
      try {
        t = checkJobData(job.data, { jobId: job.id, dataDir });
      } catch (e) {
        if (!isUserError(e)) throw e;
        const reason = redactSecrets(`rejected: ${formatUserError(e)}`, target.secrets);
        log(`job ${JSON.stringify(job.id).slice(0, 40)} ${reason}`);
        // A forged or malformed job is the same on every attempt and on every worker.
        throw new UnrecoverableError(reason);
      }
      const label = `${t.label} seed ${t.seed} [${t.id.slice(0, 8)}]`;
      log(`start ${label} (attempt ${job.attemptsMade + 1})`);
      let maxEpochs: number | undefined;
      const out = await runPointProcess(t, {
        backend: opts.backend,
        dataDir: opts.dataDir,
        plugins: opts.plugins,
        fromQueue: true,
        signal: kill.signal,
        threads: threadsPerWorker(opts.concurrency),
        onEvent: (e) => {
          if (e.type === 'log' && e.level === 'warn') opts.log(`${label}: warning: ${e.message}`);
          if (e.type === 'run_start') maxEpochs = e.maxEpochs;
          if (e.type === 'epoch_end') {
            log(`${label}: epoch ${e.epoch}${maxEpochs ? `/${maxEpochs}` : ''}`);
            void job.updateProgress({ epoch: e.epoch, maxEpochs, worker: me }).catch(() => {});
          }
        },
      });
      if (!out.ok) {
        const reason = redactSecrets(out.reason, target.secrets);
        log(`failed ${label}: ${reason}`);
        // Bad data on this machine will not get better on a retry here; the error goes to the coordinator.
        if (out.userError) throw new UnrecoverableError(reason);
        throw new Error(reason);
      }
      log(
        `done ${label}: valid recall@20 ${out.summary.valid['recall@20']?.toFixed(4) ?? '-'} (${out.summary.seconds.toFixed(1)} s)`,
      );
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
    log(`queue error: ${e.message}`);
  });
  await ready(target, worker);
  log(`worker ${me} on queue '${name}' at ${target.redacted}, ${opts.concurrency} at a time`);
  const running = worker.run();
  await new Promise<void>((r) => {
    if (opts.signal?.aborted) return r();
    opts.signal?.addEventListener('abort', () => r(), { once: true });
  });
  log('stopping: running points go back to the queue for another worker');
  // Stop taking jobs first, then end the points: their jobs stall and are retried elsewhere.
  const closing = worker.close(true);
  kill.abort();
  await closing.catch(() => {});
  await running.catch(() => {});
}
