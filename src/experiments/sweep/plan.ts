/**
 * A sweep's plan: every point (configuration x seed) with its resolved pipeline, hash and id. The id is a
 * content hash of what the point runs (resolved pipeline, dataset), so a changed pipeline, setting or seed is
 * a different point and never reuses a stale result, and the same point always has the same id: on disk
 * (resume) and as the queue's job id (enqueued once).
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { dumpResolved, type Pipeline } from '../../dsl/index.js';
import { UserError, isUserError } from '../../util/errors.js';
import { loadChecked, overridesFor, pinData } from '../run.js';
import type { FeatureSource } from '../../data/types.js';
import { configurations, readSpec, type Configuration, type SweepSpec } from './spec.js';
import type { Protocol } from '../protocol.js';

export interface PlanOptions {
  file: string;
  set?: string[];
  grid?: string[];
  dataset?: string;
  dataPath?: string;
  epochs?: number;
  seeds?: number;
  seed?: number;
  samples?: number;
  metric?: string;
  /** Root of sweep stores (default ./sweeps). */
  out?: string;
  /** Training protocol (protocol.ts); part of every point's resolved pipeline, hence of its id. */
  protocol?: Protocol;
  /** `--features`: pinned into the dataset's profile, so the points' resolved pipelines (and ids) carry it. */
  features?: Record<string, FeatureSource>;
}

/** What a process needs to run one point; also the BullMQ job's data. Holds no machine-specific secrets. */
export interface PointTask {
  id: string;
  pipelineHash: string;
  /** The resolved pipeline text: a worker needs only this and the data, not the pipeline files. */
  resolved: string;
  seed: number;
  dataset: string;
  dataPath?: string;
  /** For people reading a worker's log: the configuration's label. */
  label: string;
}

export interface PlannedPoint extends PointTask {
  config: Configuration;
}

export interface SweepPlan {
  name: string;
  file: string;
  hash: string;
  dir: string;
  dataset: string;
  spec: SweepSpec;
  configs: Configuration[];
  points: PlannedPoint[];
  baseOverrides: string[];
}

/** sha256 hex of the parts joined by NUL; point ids and pipeline hashes (the zoo computes them the same way). */
export const sha = (...parts: string[]) => {
  const h = createHash('sha256');
  parts.forEach((p, i) => (i ? h.update('\0').update(p) : h.update(p)));
  return h.digest('hex');
};

/** The resolved text of a point: the `sweep:` section is left out (it describes the sweep, not the run). */
export function resolvedText(p: Pipeline, seed: number): string {
  const { sweep: _sweep, ...rest } = p;
  const clone = structuredClone(rest) as Pipeline;
  clone.train.seed = seed;
  return dumpResolved(clone);
}

export function planSweep(opts: PlanOptions): SweepPlan {
  const file = resolve(opts.file);
  const baseOverrides = overridesFor({
    set: opts.set,
    dataset: opts.dataset,
    epochs: opts.epochs,
    protocol: opts.protocol,
  });
  const base = loadChecked(file, baseOverrides);
  const spec = readSpec({
    section: base.pipeline.sweep,
    locate: base.locate,
    grid: opts.grid,
    seeds: opts.seeds,
    seed: opts.seed,
    samples: opts.samples,
    metric: opts.metric,
    baseSeed: base.pipeline.train.seed,
  });
  const configs = configurations(spec);
  const dataPath = opts.dataPath ? resolve(opts.dataPath) : undefined;
  const dataset = dataPath ? basename(dataPath) : base.pipeline.data.dataset;
  const points: PlannedPoint[] = [];
  for (const config of configs) {
    let p: Pipeline;
    try {
      p = loadChecked(file, [...baseOverrides, ...config.overrides]).pipeline;
      pinData(p, { dataPath, features: opts.features });
    } catch (e) {
      if (!isUserError(e)) throw e;
      // Point at the sweep entry too: the value came from there, not from a --set the user typed.
      throw new UserError(`sweep configuration '${config.label}': ${e.message}`, e.loc, [
        ...e.related,
        { message: 'swept here', loc: base.locate(['sweep']) },
      ]);
    }
    for (const seed of spec.seeds) {
      const resolved = resolvedText(p, seed);
      const pipelineHash = sha(resolved).slice(0, 16);
      const id = sha(pipelineHash, dataset, dataPath ?? '').slice(0, 20);
      points.push({
        id,
        pipelineHash,
        resolved,
        seed,
        dataset,
        ...(dataPath ? { dataPath } : {}),
        label: config.label,
        config,
      });
    }
  }
  const hash = sha(...points.map((p) => p.id).sort()).slice(0, 10);
  const dir = join(resolve(opts.out ?? 'sweeps'), base.pipeline.name, hash);
  return { name: base.pipeline.name, file, hash, dir, dataset, spec, configs, points, baseOverrides };
}
