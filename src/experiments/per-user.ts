/**
 * Per-user test metrics at a seed's best valid epoch: `seed-<n>/per-user-test.json` in the run directory. They
 * let the zoo compare two models user by user (a paired bootstrap over test users) instead of only by their
 * means. Kept as plain JSON numbers so that the values are exactly those the evaluator averaged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerUserMetric } from '../engine/evaluator.js';
import type { Pipeline } from '../dsl/types.js';

/** The metric kept per user: the headline Recall@20. */
export const PER_USER_TEST_METRIC = 'recall@20';

export const perUserTestFile = (seed: number) => join(`seed-${seed}`, 'per-user-test.json');

/** The file's content (and the best checkpoint's copy of it, which `--resume` reads back). */
export interface PerUserJson {
  metric: string;
  /** The best valid epoch the values belong to. */
  epoch: number;
  users: number[];
  values: number[];
}

/** The per-user metric to keep, if this pipeline's evaluation computes it. */
export function perUserMetricFor(p: Pipeline): string | undefined {
  const [name, k] = PER_USER_TEST_METRIC.split('@');
  // metrics is typed as the schema's enum; the name parsed from a string is checked against it as a string.
  return (p.eval.metrics as readonly string[]).includes(name!) && p.eval.k.includes(Number(k))
    ? PER_USER_TEST_METRIC
    : undefined;
}

export function toPerUserJson(p: PerUserMetric, epoch: number): PerUserJson {
  return { metric: p.metric, epoch, users: Array.from(p.users), values: Array.from(p.values) };
}

export function fromPerUserJson(j: PerUserJson): PerUserMetric {
  return { metric: j.metric, users: Int32Array.from(j.users), values: Float64Array.from(j.values) };
}

/**
 * A seed's per-user test metrics in `runDir`, or undefined where there are none (older runs) or they are unreadable.
 */
export function readPerUserTest(runDir: string, seed: number): PerUserJson | undefined {
  const f = join(runDir, perUserTestFile(seed));
  if (!existsSync(f)) return undefined;
  try {
    const j = JSON.parse(readFileSync(f, 'utf8')) as PerUserJson;
    const ok =
      typeof j.metric === 'string' &&
      Array.isArray(j.users) &&
      Array.isArray(j.values) &&
      j.users.length === j.values.length;
    return ok ? j : undefined;
  } catch {
    return undefined;
  }
}
