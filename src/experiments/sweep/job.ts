/**
 * A queue job as untrusted input. Anyone who can write to the Redis a worker listens on can put a job there,
 * so a worker checks every field before it uses any of them:
 *  - the shape, against a JSON Schema (ajv): no field the coordinator does not write, ids and hashes as hex;
 *  - the identity: the id and the pipeline hash must be the content hashes the plan computes (plan.ts), so an
 *    id is an opaque hash of what the point runs and never a path, and the BullMQ job id must be that id;
 *  - the data: a job may name a dataset folder only inside the worker's own data directory;
 *  - the pipeline text: loaded by the dsl exactly as a pipeline file is (same YAML limits, schema, located
 *    errors), except that it may not `extends` anything (a job reads no file but its own text), and its
 *    dataset and feature files must be plain names inside the dataset folder.
 * A job that fails any of this fails for good (retrying cannot help), with a reason saying which check. The
 * worker checks the data itself (cheap); the pipeline text is checked in the point's own process, before it
 * trains, so that a large or hostile text cannot stall the worker's lock renewals for its other points.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import type { LoadedPipeline } from '../../dsl/types.js';
import type { FeatureSource } from '../../data/types.js';
import { resolvePipeline } from '../../graph/stages.js';
import { UserError } from '../../util/errors.js';
import { sha, type PointTask } from './plan.js';
import type { PointOutput as JobResult } from './store.js';

/** Far above any real resolved pipeline; a job is held in memory and written to disk, so it is bounded. */
export const MAX_JOB_PIPELINE_CHARS = 1 << 20;

/** A dataset as a job may name it: built-in synthetic data, or one folder name (no path) under the data root. */
const DATASET_NAME = '^(synth:[A-Za-z0-9_-]{1,64}|[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$';

/** Text that is printed: no control characters (a forged value could rewrite the terminal or forge log lines). */
const ONE_LINE = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

const JOB_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'pipelineHash', 'resolved', 'seed', 'dataset', 'label'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{20}$' },
    pipelineHash: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    resolved: { type: 'string', minLength: 1, maxLength: MAX_JOB_PIPELINE_CHARS },
    seed: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
    dataset: { type: 'string', pattern: DATASET_NAME },
    dataPath: { type: 'string', minLength: 2, maxLength: 4096, pattern: '^/[^\\u0000]*$' },
    label: { type: 'string', maxLength: 500, pattern: ONE_LINE },
  },
} as const;

const validateShape = new Ajv({ allErrors: false, strict: true }).compile(JOB_SCHEMA);

/** A hostile value, shown short and escaped so that it cannot garble a log line. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const FIELD_RULES: Record<string, string> = {
  id: 'a point id (20 lowercase hex digits)',
  pipelineHash: 'a pipeline hash (16 lowercase hex digits)',
  resolved: `the resolved pipeline text (1 to ${MAX_JOB_PIPELINE_CHARS} characters)`,
  seed: 'an integer seed',
  dataset: "synth:<preset> or a dataset folder name (no '/', not '..')",
  dataPath: 'an absolute folder path',
  label: 'a one-line label of at most 500 characters',
};

function shapeProblem(e: ErrorObject, data: unknown): string {
  if (e.instancePath === '') {
    if (e.keyword === 'type') return `the job's data must be an object, got ${shown(data)}`;
    if (e.keyword === 'required')
      return `the job has no '${(e.params as { missingProperty: string }).missingProperty}' field`;
    if (e.keyword === 'additionalProperties') {
      return `unexpected field '${(e.params as { additionalProperty: string }).additionalProperty}' (a job carries only ${Object.keys(JOB_SCHEMA.properties).join(', ')})`;
    }
    return `the job's data ${e.message ?? 'is invalid'}`;
  }
  const field = e.instancePath.slice(1);
  return `field '${field}' must be ${FIELD_RULES[field] ?? 'valid'}, got ${shown((data as Record<string, unknown>)[field])}`;
}

export interface JobCheckOptions {
  /** The BullMQ job id. */
  jobId: string | undefined;
  /** The worker's data root (--data-dir / ANCHORFLOW_DATA_DIR): the only place a job may point a worker at. */
  dataDir?: string;
}

/** Who the errors are about: the job, named by an id that has been checked, or by its position otherwise. */
const where = (id?: string) => ({ file: id ? `job ${id}` : 'job' });

/** Checks a job's data (not its pipeline text) and returns it as a task; throws UserError on any problem. */
export function checkJobData(data: unknown, opts: JobCheckOptions): PointTask {
  if (!validateShape(data)) throw new UserError(shapeProblem(validateShape.errors![0]!, data), where());
  const t = data as unknown as PointTask;
  const at = where(t.id);
  if (opts.jobId !== t.id)
    throw new UserError(`the queue's job id ${shown(opts.jobId)} is not the point id in its data`, at);
  if (sha(t.resolved).slice(0, 16) !== t.pipelineHash)
    throw new UserError('pipelineHash is not the hash of the resolved pipeline text', at);
  if (sha(t.pipelineHash, t.dataset, t.dataPath ?? '').slice(0, 20) !== t.id)
    throw new UserError('the id is not the hash of the pipeline and dataset it names', at);
  if (t.dataPath !== undefined) checkDataPath(t, opts.dataDir);
  return t;
}

/** A job's dataset folder must lie inside this worker's data root (after following links). */
function checkDataPath(t: PointTask, dataDir: string | undefined): void {
  const at = where(t.id);
  if (dataDir === undefined) {
    throw new UserError(
      'the job names a dataset folder, but this worker has no data directory (--data-dir or ANCHORFLOW_DATA_DIR); it reads no folder a job names',
      at,
    );
  }
  if (basename(t.dataPath!) !== t.dataset)
    throw new UserError(`dataPath does not end in the dataset's name ${shown(t.dataset)}`, at);
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const root = real(resolve(dataDir));
  const dir = real(t.dataPath!);
  if (!root || !dir || !isInside(root, dir)) {
    throw new UserError(`dataPath ${shown(t.dataPath)} is not a folder inside this worker's data directory`, at);
  }
}

/** Whether `p` lies strictly inside `root` (both already real paths). */
function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** A feature file a job may name: a plain relative name inside the dataset folder. */
function safeRelative(file: string): boolean {
  return file !== '' && !isAbsolute(file) && !file.includes('\0') && !file.split(/[\\/]/).some((part) => part === '..');
}

/**
 * Loads a checked task's pipeline text with the dsl, as a pipeline file would be, and checks that it names no
 * file outside the dataset folder. The text is written to a private temp folder, read once, and removed.
 */
export function checkJobPipeline(t: PointTask): LoadedPipeline {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-job-'));
  try {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, t.resolved, { mode: 0o600 });
    const loaded = resolvePipeline(file, {
      display: `job ${t.id}`,
      forbidExtends: "a queued job's pipeline must be self-contained (a worker reads no file a job names)",
    });
    const d = loaded.pipeline.data;
    if (!new RegExp(DATASET_NAME).test(d.dataset)) {
      throw new UserError(
        `data.dataset must be synth:<preset> or a dataset folder name in a queued job, got ${shown(d.dataset)}`,
        loaded.locate(['data', 'dataset']),
      );
    }
    if (t.dataPath === undefined && d.dataset !== t.dataset) {
      throw new UserError(
        `data.dataset ${shown(d.dataset)} is not the job's dataset ${shown(t.dataset)}`,
        loaded.locate(['data', 'dataset']),
      );
    }
    if (loaded.pipeline.train.seed !== t.seed) {
      throw new UserError(
        `train.seed ${shown(loaded.pipeline.train.seed)} is not the job's seed ${shown(t.seed)}`,
        loaded.locate(['train', 'seed']),
      );
    }
    const check = (sources: Record<string, FeatureSource> | undefined, path: (string | number)[]) => {
      for (const [key, src] of Object.entries(sources ?? {})) {
        const f =
          typeof src === 'string' ? src : src && typeof src === 'object' && 'file' in src ? src.file : undefined;
        if (typeof f === 'string' && !safeRelative(f)) {
          throw new UserError(
            `feature file ${shown(f)} is outside the dataset folder; a queued job may name only files inside it`,
            loaded.locate([...path, key]),
          );
        }
      }
    };
    check(d.features, ['data', 'features']);
    for (const [name, profile] of Object.entries(d.profiles ?? {}))
      check(profile?.features, ['data', 'profiles', name, 'features']);
    return loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const metrics = { type: 'object', additionalProperties: { type: 'number' }, maxProperties: 200 } as const;
const RESULT_SCHEMA = {
  type: 'object',
  required: ['summary', 'backend', 'worker', 'attempt'],
  properties: {
    summary: {
      type: 'object',
      required: ['valid', 'test', 'bestEpoch', 'epochs', 'stoppedEarly', 'seconds', 'secondsPerEpoch'],
      properties: {
        valid: metrics,
        test: metrics,
        bestEpoch: { type: 'integer', minimum: 0 },
        epochs: { type: 'integer', minimum: 0 },
        stoppedEarly: { type: 'boolean' },
        seconds: { type: 'number', minimum: 0 },
        secondsPerEpoch: { type: 'number', minimum: 0 },
      },
    },
    backend: { type: 'string', maxLength: 64, pattern: ONE_LINE },
    worker: { type: 'string', maxLength: 300, pattern: ONE_LINE },
    attempt: { type: 'integer', minimum: 1 },
  },
} as const;

const validateResult = new Ajv({ allErrors: false, strict: false }).compile(RESULT_SCHEMA);

/** A finished job's return value, checked before the coordinator stores it (it came through Redis too). */
export function checkJobResult(v: unknown): JobResult {
  if (!validateResult(v)) {
    const e = validateResult.errors![0]!;
    throw new Error(`malformed result from the queue: ${e.instancePath || 'the result'} ${e.message ?? 'is invalid'}`);
  }
  return v as unknown as JobResult;
}
