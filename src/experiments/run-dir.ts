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

  constructor(root: string, name: string, hash: string) {
    let path = join(root, name, `${stamp()}-${hash}`);
    for (let i = 2; existsSync(path); i++) path = join(root, name, `${stamp()}-${hash}-${i}`);
    mkdirSync(path, { recursive: true });
    this.path = path;
    this.eventsFile = join(path, 'events.jsonl');
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

  /** A checkpoint: one binary blob of float32 values and a manifest of names, shapes and offsets. */
  writeCheckpoint(rel: string, weights: Map<string, Float32Array>, shapes: Map<string, number[]>, meta: Record<string, unknown>): void {
    const entries: { name: string; shape: number[]; offset: number; length: number }[] = [];
    let total = 0;
    for (const [name, v] of weights) {
      entries.push({ name, shape: shapes.get(name) ?? [v.length], offset: total, length: v.length });
      total += v.length;
    }
    const blob = new Float32Array(total);
    for (const e of entries) blob.set(weights.get(e.name)!, e.offset);
    writeFileAtomic(join(this.path, rel, 'weights.bin'), new Uint8Array(blob.buffer));
    this.writeJson(join(rel, 'manifest.json'), { ...meta, format: 'float32-le', variables: entries });
  }
}
