/**
 * Builds a small fake run directory on synth:small, shaped like an AnchorRec run: embeddings derived from the
 * (regenerated) synthetic features by random projections, so the analyses see real structure. `collapsed`
 * makes every h_* / p_* of an item nearly the same vector (what direct alignment does).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, writeNpy } from '../../src/data/index.js';
import type { FeatureSource } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';

export const FAKE_FEATURES: Record<string, FeatureSource> = {
  t: { synthetic: 384 },
  v: { synthetic: 4096 },
  mm: { synthetic: 768 },
};

function project(src: Float32Array, n: number, din: number, dout: number, rng: Rng): Float32Array {
  const w = new Float32Array(din * dout);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() / Math.sqrt(din);
  const out = new Float32Array(n * dout);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < din; c++) {
      const x = src[i * din + c]!;
      if (x === 0) continue;
      for (let o = 0; o < dout; o++) out[i * dout + o]! += x * w[c * dout + o]!;
    }
  return out;
}

function mix(parts: [Float32Array, number][], rng: Rng, noise: number): Float32Array {
  const out = new Float32Array(parts[0]![0].length);
  for (const [a, wt] of parts) for (let i = 0; i < out.length; i++) out[i]! += wt * a[i]!;
  for (let i = 0; i < out.length; i++) out[i]! += noise * rng.normal();
  return out;
}

function unitRows(a: Float32Array, d: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length / d; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += a[i * d + c]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < d; c++) out[i * d + c] = a[i * d + c]! * inv;
  }
  return out;
}

export interface FakeRunOptions {
  name?: string;
  collapsed?: boolean;
  /** Outputs to leave out. */
  omit?: string[];
  epochs?: number;
  seed?: number;
}

export async function makeFakeRun(dir: string, o: FakeRunOptions = {}): Promise<string> {
  const d = 32;
  const rng = new Rng(o.seed ?? 7);
  const ds = await loadDataset({ dataset: 'synth:small', features: FAKE_FEATURES });
  const n = ds.nItems;
  const f = (m: string) => ds.features[m]!;
  const base: Record<string, Float32Array> = {};
  for (const m of ['mm', 't', 'v']) base[m] = unitRows(project(f(m).data, n, f(m).cols, d, rng), d);
  // An ID embedding from the interaction graph: the mean of random user vectors over the item's users.
  const uvec = new Float32Array(ds.nUsers * d).map(() => rng.normal());
  const id = new Float32Array(n * d);
  const deg = new Float32Array(n);
  for (let r = 0; r < ds.train.users.length; r++) {
    const u = ds.train.users[r]!;
    const i = ds.train.items[r]!;
    deg[i]!++;
    for (let c = 0; c < d; c++) id[i * d + c]! += uvec[u * d + c]!;
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) id[i * d + c]! /= Math.max(1, deg[i]!);
  const hId = unitRows(id, d);
  const out: Record<string, Float32Array> = {};
  if (o.collapsed) {
    const shared = mix(
      [
        [hId, 0.8],
        [base.mm!, 0.4],
        [base.t!, 0.2],
        [base.v!, 0.2],
      ],
      rng,
      0,
    );
    for (const m of ['id', 'mm', 't', 'v']) {
      out[`h_${m}`] = mix([[shared, 1]], rng, 0.03);
      out[`p_${m}`] = mix([[shared, 1]], rng, 0.02);
    }
    out.item = mix([[shared, 1]], rng, 0.01);
  } else {
    out.h_id = hId;
    for (const m of ['mm', 't', 'v']) out[`h_${m}`] = mix([[base[m]!, 1]], rng, 0.05);
    const anchor = base.mm!;
    for (const m of ['id', 'mm', 't', 'v'])
      out[`p_${m}`] = mix(
        [
          [out[`h_${m}`]!, 0.3],
          [anchor, 0.7],
        ],
        rng,
        0.1,
      );
    out.item = mix(
      [
        [hId, 0.6],
        [out.h_mm!, 0.3],
        [out.h_t!, 0.3],
        [out.h_v!, 0.3],
      ],
      rng,
      0.05,
    );
  }
  const users = new Float32Array(ds.nUsers * d).map(() => rng.normal());
  mkdirSync(join(dir, 'embeddings'), { recursive: true });
  writeNpy(join(dir, 'embeddings', 'user.npy'), users, [ds.nUsers, d]);
  for (const [k, v] of Object.entries(out))
    if (!o.omit?.includes(k)) writeNpy(join(dir, 'embeddings', `${k}.npy`), v, [n, d]);
  const name = o.name ?? (o.collapsed ? 'alignrec-like' : 'anchorrec');
  writeFileSync(join(dir, 'pipeline.yaml'), `version: 1\nname: ${name}\n`);
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify(
      {
        pipelineFile: '/nowhere/anchorrec.yaml',
        dataset: 'synth:small',
        features: FAKE_FEATURES,
        seeds: [o.seed ?? 7],
        outputs: ['user', ...Object.keys(out)],
      },
      null,
      2,
    ),
  );
  const lines: string[] = [];
  lines.push(
    JSON.stringify({
      type: 'run_start',
      pipeline: name,
      dataset: 'synth:small',
      seed: o.seed ?? 7,
      seedIndex: 0,
      seeds: 1,
    }),
  );
  const epochs = o.epochs ?? 12;
  let best: number | undefined;
  for (let e = 0; e < epochs; e++) {
    const bpr = 0.69 * Math.exp(-e / 5) + 0.1;
    const aal = 0.02 * Math.exp(-e / 8) + 0.005;
    const amp = 0.004 / (1 + e);
    lines.push(
      JSON.stringify({
        type: 'epoch_end',
        epoch: e,
        losses: { bpr, aal, amp, total: bpr + aal + amp },
        trainSeconds: 0.1,
        tensors: 10,
      }),
    );
    const rec = 0.08 + 0.05 * (1 - Math.exp(-e / 4));
    if (e % 2 === 1 || e === epochs - 1) {
      best = e;
      lines.push(
        JSON.stringify({
          type: 'eval',
          epoch: e,
          valid: { 'recall@20': rec, 'ndcg@20': rec * 0.5 },
          test: { 'recall@20': rec * 0.95, 'ndcg@20': rec * 0.47 },
          evalSeconds: 0.1,
          improved: true,
          bestEpoch: best,
          bestValid: {},
          bestTest: {},
          patienceLeft: 10,
        }),
      );
    }
  }
  lines.push('this line is not json');
  writeFileSync(join(dir, 'events.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'metrics.json'),
    JSON.stringify({
      pipeline: name,
      dataset: 'synth:small',
      mean: { valid: { 'recall@20': 0.13, 'ndcg@20': 0.065 }, test: { 'recall@20': 0.12, 'ndcg@20': 0.06 } },
    }),
  );
  return dir;
}
