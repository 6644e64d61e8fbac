/**
 * The results store of one sweep: `<out>/<pipeline>/<sweep hash>/`
 *   sweep.json              what was swept (configurations, seeds, point ids)
 *   points/<id>.json        one finished point, written atomically when it finishes
 *   points/<id>.running     a point in progress (pid, epoch); a point with only this file is re-run
 *   points/<id>.failed.json the last failure of a point that gave up; re-running the sweep tries it again
 *   runs/<id>/              a point's run directory (local workers): a checkpoint after every epoch, so an
 *                           interrupted point continues from its last epoch; embeddings for `analyze` at the end
 *   results.{md,csv,json}, plot-<setting>.svg
 * Only the process that owns the sweep (the local pool or the queue coordinator) writes here, so a point is
 * stored exactly once however often it was attempted.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';
import type { Metrics, SeedEndEvent } from '../../engine/events.js';
import type { PlannedPoint } from './plan.js';

export interface PointRecord {
  id: string;
  pipeline: string;
  pipelineHash: string;
  dataset: string;
  dataPath?: string;
  seed: number;
  configuration: string;
  overrides: string[];
  values: Record<string, unknown>;
  valid: Metrics;
  test: Metrics;
  bestEpoch: number;
  epochs: number;
  stoppedEarly: boolean;
  seconds: number;
  secondsPerEpoch: number;
  backend: string;
  /** Which process ran it (`local` or `host:pid` of a queue worker) and on which attempt. */
  worker: string;
  attempt: number;
  finished: string;
  /** The resolved pipeline this result belongs to. */
  resolved: string;
}

/** What a finished point process reports; the store adds the rest from the plan. */
export interface PointOutput {
  summary: SeedEndEvent;
  backend: string;
  worker: string;
  attempt: number;
}

export class SweepStore {
  readonly pointsDir: string;
  constructor(readonly dir: string) {
    this.pointsDir = join(dir, 'points');
  }

  init(meta: unknown): void {
    mkdirSync(this.pointsDir, { recursive: true });
    writeFileAtomic(join(this.dir, 'sweep.json'), JSON.stringify(meta, null, 2) + '\n');
  }

  private path(id: string, suffix: string): string {
    return join(this.pointsDir, `${id}${suffix}`);
  }

  /** The stored result of a point, if it is there, readable, and for exactly this resolved pipeline. */
  /**
   * Splits points (duplicates by id removed) into those already stored, reported through `onReuse`, and those
   * still to run — what makes a restarted sweep or zoo skip finished points.
   */
  partition(
    points: PlannedPoint[],
    onReuse: (p: PlannedPoint, r: PointRecord) => void,
  ): { records: Map<string, PointRecord>; todo: PlannedPoint[]; unique: PlannedPoint[] } {
    const unique = [...new Map(points.map((p) => [p.id, p])).values()];
    const records = new Map<string, PointRecord>();
    const todo: PlannedPoint[] = [];
    for (const p of unique) {
      const r = this.load(p);
      if (r) {
        records.set(p.id, r);
        onReuse(p, r);
      } else todo.push(p);
    }
    return { records, todo, unique };
  }

  load(p: PlannedPoint): PointRecord | undefined {
    const f = this.path(p.id, '.json');
    if (!existsSync(f)) return undefined;
    try {
      const r = JSON.parse(readFileSync(f, 'utf8')) as PointRecord;
      return r.id === p.id && r.pipelineHash === p.pipelineHash && r.valid && r.test ? r : undefined;
    } catch {
      return undefined; // unreadable: run it again rather than trust it
    }
  }

  /** Where a local worker keeps the point's run directory. */
  runDir(id: string): string {
    return join(this.dir, 'runs', id);
  }

  has(p: PlannedPoint): boolean {
    return this.load(p) !== undefined;
  }

  save(p: PlannedPoint, pipeline: string, out: PointOutput): PointRecord {
    const s = out.summary;
    const rec: PointRecord = {
      id: p.id,
      pipeline,
      pipelineHash: p.pipelineHash,
      dataset: p.dataset,
      ...(p.dataPath ? { dataPath: p.dataPath } : {}),
      seed: p.seed,
      configuration: p.config.label,
      overrides: p.config.overrides,
      values: p.config.values,
      valid: s.valid,
      test: s.test,
      bestEpoch: s.bestEpoch,
      epochs: s.epochs,
      stoppedEarly: s.stoppedEarly,
      seconds: s.seconds,
      secondsPerEpoch: s.secondsPerEpoch,
      backend: out.backend,
      worker: out.worker,
      attempt: out.attempt,
      finished: new Date().toISOString(),
      resolved: p.resolved,
    };
    writeFileAtomic(this.path(p.id, '.json'), JSON.stringify(rec, null, 2) + '\n');
    rmSync(this.path(p.id, '.running'), { force: true });
    rmSync(this.path(p.id, '.failed.json'), { force: true });
    return rec;
  }

  markRunning(id: string, info: Record<string, unknown>): void {
    writeFileAtomic(this.path(id, '.running'), JSON.stringify({ ...info, updated: new Date().toISOString() }) + '\n');
  }

  clearRunning(id: string): void {
    rmSync(this.path(id, '.running'), { force: true });
  }

  markFailed(id: string, reason: string): void {
    writeFileAtomic(
      this.path(id, '.failed.json'),
      JSON.stringify({ id, reason, time: new Date().toISOString() }, null, 2) + '\n',
    );
    rmSync(this.path(id, '.running'), { force: true });
  }

  writeText(rel: string, text: string): string {
    const f = join(this.dir, rel);
    writeFileAtomic(f, text);
    return f;
  }
}
