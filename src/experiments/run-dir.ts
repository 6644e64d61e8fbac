/**
 * The run directory: runs/<name>/<time>-<hash>/ with the resolved pipeline, events.jsonl, metrics.json and,
 * per seed, the best checkpoint and the final embeddings (.npy). Files are written atomically (temp + rename);
 * the directory is only created once the pipeline, graph and data have all been checked.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { writeNpy } from '../data/npy.js';
import type { EngineEvent } from '../engine/events.js';

export function pipelineHash(resolvedYaml: string, dataset: string): string {
  return createHash('sha256').update(resolvedYaml).update('\0').update(dataset).digest('hex').slice(0, 8);
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export class RunDir {
  readonly path: string;
  private readonly eventsFile: string;

  private constructor(path: string) {
    this.path = path;
    this.eventsFile = join(path, 'events.jsonl');
  }

  /** A new, empty run directory under root/name, named by the time and the pipeline's hash. */
  static create(root: string, name: string, hash: string): RunDir {
    let path = join(root, name, `${stamp()}-${hash}`);
    for (let i = 2; existsSync(path); i++) path = join(root, name, `${stamp()}-${hash}-${i}`);
    mkdirSync(path, { recursive: true });
    return new RunDir(path);
  }

  /** A run directory at exactly `path`, created if missing (a sweep point's folder in its store). */
  static at(path: string): RunDir {
    mkdirSync(path, { recursive: true });
    return new RunDir(path);
  }

  /** An existing run directory (for --resume). */
  static open(path: string): RunDir {
    return new RunDir(path);
  }

  writeText(rel: string, text: string): void {
    writeFileAtomic(join(this.path, rel), text);
  }

  writeJson(rel: string, value: unknown): void {
    this.writeText(rel, JSON.stringify(value, null, 2) + '\n');
  }

  /** Appends one event per line; batch events are left out (they are many and carry no state). */
  event(e: EngineEvent): void {
    if (e.type === 'batch') return;
    appendFileSync(this.eventsFile, JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
  }

  writeMatrix(rel: string, data: Float32Array, shape: number[]): void {
    mkdirSync(join(this.path, rel, '..'), { recursive: true });
    writeNpy(join(this.path, rel), data, shape);
  }

}
