/**
 * `anchorflow zoo --merge <results.json>`: carry rows of an earlier zoo table into this one, for the models this
 * run does not run. A zoo on real data takes hours per model; when one model is (re)run later, or on another
 * machine whose point store does not hold the others, the table should still be one table — but each carried
 * row must say where it came from, and it must be what this checkout would compute.
 *
 * So a carried row is accepted only when the earlier file is a zoo table for the same dataset and seeds, and
 * each of its per-seed point ids equals the id the current pipeline gives that model and seed (the id hashes the
 * resolved pipeline and the dataset; a pipeline edited since is a different id). Anything else is a UserError
 * located at the file, exit 2.
 *
 * For a model this run does run, the earlier table's seeds whose point ids are among this run's points count as
 * done (a table can be completed later: run the missing seeds, carry the rest); seeds of an edited pipeline have
 * other ids and simply run again. Those seeds may be any of the earlier table's: a 3-seed study can take seeds
 * 999–1001 of a 5-seed table.
 *
 * When the run names its pipeline files (`zoo a.yaml dir/ b.yaml`), the table is those models: the earlier
 * table's other rows are not carried (an ablation chain merged with the zoo's table takes its seeds for the
 * chain's models, not the zoo's baselines), and its seeds need not be this run's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import type { SeedResult, ZooModel, ZooResults, ZooRow } from './zoo.js';

/** What --merge contributes to a zoo run. */
export interface Merge {
  /** Rows of the models this run does not run, each with its source. */
  rows: ZooRow[];
  /** Per point id, seeds of the models this run runs that the earlier table already holds. */
  seeds: Map<string, SeedResult>;
  /** The earlier table's backend(s). */
  backends: string[];
  /** Zoo order of every model (the table lists the carried rows among the run ones). */
  order: string[];
}

/**
 * Reads `file` and checks it against this run's plan and `every` current zoo pipeline (planned with this run's
 * seeds); throws a located UserError for anything that cannot be carried.
 */
export function planMerge(
  file: string,
  plan: { dataset: string; seeds: number[]; models: ZooModel[] },
  every: ZooModel[],
  named = false,
): Merge {
  const src = readMergeSource(file);
  const listed = new Set(every.map((m) => m.name));
  const names = new Set(
    carriedModels(
      src,
      plan.models.map((m) => m.name),
    ).filter((n) => !named || listed.has(n)),
  );
  const whole = { ...src, results: { ...src.results, models: src.results.models.filter((m) => names.has(m.model)) } };
  return {
    rows: carriedRows(whole, plan.dataset, plan.seeds, every),
    seeds: carriedSeedResults(src, plan.models),
    backends: src.results.backend.split(', ').filter(Boolean),
    order: every.map((m) => m.name),
  };
}

export interface MergeSource {
  file: string;
  results: ZooResults;
}

/** Reads and shape-checks an earlier zoo results.json. */
export function readMergeSource(file: string): MergeSource {
  const where = { file };
  if (!existsSync(file)) throw new UserError(`--merge: no such file`, where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`--merge: not JSON (${(e as Error).message})`, where);
  }
  const r = parsed as Partial<ZooResults>;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    typeof r.command === 'string' &&
    typeof r.dataset === 'string' &&
    typeof r.date === 'string' &&
    Array.isArray(r.seeds) &&
    Array.isArray(r.models) &&
    r.models.every((m) => typeof m?.model === 'string' && Array.isArray(m.perSeed) && m.valid && m.test);
  if (!ok)
    throw new UserError(
      `--merge: not a zoo results file (expected the JSON that \`anchorflow zoo\` writes beside its table)`,
      where,
    );
  return { file, results: r as ZooResults };
}

/** The models of the source that this run does not run (names the caller must plan, to check their ids). */
export function carriedModels(src: MergeSource, running: string[]): string[] {
  const mine = new Set(running);
  return src.results.models.map((m) => m.model).filter((n) => !mine.has(n));
}

/**
 * The carried rows, each stamped with its source, after checking dataset, seeds and every point id against
 * `planned` (every current zoo pipeline's points, planned with this run's seeds).
 */
export function carriedRows(src: MergeSource, dataset: string, seeds: number[], planned: ZooModel[]): ZooRow[] {
  const r = src.results;
  const where = { file: src.file };
  if (r.dataset !== dataset)
    throw new UserError(`--merge: that table is for dataset '${r.dataset}', this run is on '${dataset}'`, where);
  // A whole row is carried as it is, so its seeds must be this table's; no rows, no constraint.
  if (r.models.length > 0 && r.seeds.join(',') !== seeds.join(','))
    throw new UserError(
      `--merge: that table's seeds are ${r.seeds.join(', ')}, this run's are ${seeds.join(', ')}`,
      where,
    );
  const byName = new Map(planned.map((m) => [m.name, m]));
  return carriedModels(src, []).flatMap((name) => {
    const row = r.models.find((m) => m.model === name)!;
    const model = byName.get(name);
    if (!model)
      throw new UserError(`--merge: that table has a row for ${name}, which is no longer a zoo pipeline here`, where);
    for (const s of row.perSeed) {
      const p = model.points.find((q) => q.seed === s.seed);
      if (!p || p.id !== s.id)
        throw new UserError(
          `--merge: ${name} seed ${s.seed} was point ${s.id}, but ${model.file} now gives ${p?.id ?? 'no such seed'}: ` +
            `the pipeline (or its defaults) changed since that table; run ${name} again instead of carrying it`,
          where,
        );
    }
    // A row that the earlier table itself carried keeps its own origin.
    return [{ ...row, source: row.source ?? { command: r.command, date: r.date } }];
  });
}

/** Per point id: the earlier table's seeds of the models run here whose ids this run plans. */
export function carriedSeedResults(src: MergeSource, running: ZooModel[]): Map<string, SeedResult> {
  const r = src.results;
  const out = new Map<string, SeedResult>();
  for (const model of running) {
    const row = r.models.find((m) => m.model === model.name);
    if (!row) continue;
    for (const s of row.perSeed) {
      if (!model.points.some((p) => p.id === s.id && p.seed === s.seed)) continue;
      out.set(s.id, {
        valid: s.valid,
        test: s.test,
        bestEpoch: s.bestEpoch,
        epochs: s.epochs,
        secondsPerEpoch: s.secondsPerEpoch,
        backend: r.backend,
        source: s.source ?? row.source ?? { command: r.command, date: r.date },
      });
    }
  }
  return out;
}
