/**
 * The run directory: runs/<name>/<time>-<hash>/ with the resolved pipeline, events.jsonl, metrics.json and,
 * per seed, the best checkpoint and the final embeddings (.npy). Files are written atomically (temp + rename);
 * the directory is only created once the pipeline, graph and data have all been checked.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ATOMIC_TEMP, diskError, makeDir, writeFileAtomic } from '../util/atomic.js';
import { writeNpy } from '../data/npy.js';
import type { EngineEvent, EpochEndEvent, EvalEvent } from '../engine/events.js';

/** An event log larger than this is not read back for a resumed run's history (it is display only). */
const HISTORY_MAX_BYTES = 64 << 20;

export function pipelineHash(resolvedYaml: string, dataset: string): string {
  return createHash('sha256').update(resolvedYaml).update('\0').update(dataset).digest('hex').slice(0, 8);
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes the temp files of atomic writes (checkpoints, embeddings, JSON) that a killed process left under
 * `dir`; a checkpoint's is as large as the model, so kills would otherwise pile them up until the disk is full.
 * Those of a writer that is still running are kept. Returns how many were removed.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removed += removeStaleTemps(p);
    else if (e.isFile()) {
      const m = ATOMIC_TEMP.exec(e.name);
      if (m && (Number(m[1]) === process.pid || !alive(Number(m[1])))) {
        rmSync(p, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

export class RunDir {
  readonly path: string;
  /** The outermost folder `create` made (to remove if the run fails before it has written anything). */
  readonly created?: string;
  private readonly eventsFile: string;

  private constructor(path: string, created?: string) {
    this.path = path;
    this.created = created;
    this.eventsFile = join(path, 'events.jsonl');
  }

  /** A new, empty run directory under root/name, named by the time and the pipeline's hash. */
  static create(root: string, name: string, hash: string): RunDir {
    let path = join(root, name, `${stamp()}-${hash}`);
    for (let i = 2; existsSync(path); i++) path = join(root, name, `${stamp()}-${hash}-${i}`);
    return new RunDir(path, makeDir(path));
  }

  /** A run directory at exactly `path`, created if missing (a sweep point's folder in its store). */
  static at(path: string): RunDir {
    makeDir(path);
    removeStaleTemps(path);
    return new RunDir(path);
  }

  /** An existing run directory (for --resume); temp files of killed writes are removed. */
  static open(path: string): RunDir {
    removeStaleTemps(path);
    return new RunDir(path);
  }

  /** Whether a seed has checkpointed an epoch or finished: from then on the directory is worth resuming. */
  hasCheckpoint(): boolean {
    let seeds: string[];
    try {
      seeds = readdirSync(this.path).filter((f) => f.startsWith('seed-'));
    } catch {
      return false;
    }
    return seeds.some(
      (s) => existsSync(join(this.path, s, 'result.json')) || existsSync(join(this.path, s, 'checkpoint', 'last.ckpt')),
    );
  }

  /** Removes what `create` made: for a run that failed before it wrote anything worth keeping. */
  discard(): void {
    if (this.created) rmSync(this.created, { recursive: true, force: true });
  }

  writeText(rel: string, text: string): void {
    writeFileAtomic(join(this.path, rel), text);
  }

  writeJson(rel: string, value: unknown): void {
    this.writeText(rel, JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * Appends one event per line. Batch events are left out (they are many and carry no state), and so is a resumed
   * run's history (it repeats what the log already holds).
   */
  event(e: EngineEvent): void {
    if (e.type === 'batch' || e.type === 'history') return;
    try {
      appendFileSync(this.eventsFile, JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
    } catch (err) {
      throw diskError(err, this.eventsFile);
    }
  }

  /**
   * The epoch_end and eval events of `seed`'s first `epochsDone` epochs, from the event log (what a resumed run
   * shows as its history). One entry per epoch and kind, the latest logged winning, since a resumed run may log
   * an epoch again; a line cut short by a kill, or a log that cannot be read, only shortens the history.
   */
  history(seed: number, epochsDone: number): (EpochEndEvent | EvalEvent)[] {
    let text: string;
    try {
      if (statSync(this.eventsFile).size > HISTORY_MAX_BYTES) return [];
      text = readFileSync(this.eventsFile, 'utf8');
    } catch {
      return [];
    }
    const ends = new Map<number, EpochEndEvent>();
    const evals = new Map<number, EvalEvent>();
    let current: number | undefined;
    for (const line of text.split('\n')) {
      let e: { type?: unknown; seed?: unknown; epoch?: unknown; time?: unknown };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        continue;
      }
      if (typeof e !== 'object' || e === null) continue;
      if (e.type === 'run_start') current = typeof e.seed === 'number' ? e.seed : undefined;
      if (current !== seed || typeof e.epoch !== 'number' || e.epoch < 1 || e.epoch > epochsDone) continue;
      const { time: _time, ...event } = e;
      if (e.type === 'epoch_end') ends.set(e.epoch, event as EpochEndEvent);
      else if (e.type === 'eval') evals.set(e.epoch, event as EvalEvent);
    }
    const out: (EpochEndEvent | EvalEvent)[] = [];
    for (let epoch = 1; epoch <= epochsDone; epoch++) {
      if (ends.has(epoch)) out.push(ends.get(epoch)!);
      if (evals.has(epoch)) out.push(evals.get(epoch)!);
    }
    return out;
  }

  writeMatrix(rel: string, data: Float32Array, shape: number[]): void {
    makeDir(join(this.path, rel, '..'));
    writeNpy(join(this.path, rel), data, shape);
  }
}
