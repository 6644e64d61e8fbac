/**
 * Built-in synthetic data with planted structure. Items belong to topics and carry a shared latent vector;
 * users prefer a few topics; interactions follow those preferences with a long-tailed item popularity.
 * Each modality sees the shared latent through its own random linear map, plus a private latent and noise,
 * so the modalities agree on structure without being copies of each other: exactly the situation that
 * alignment models are meant to exploit, and something tests can measure.
 */
import { Rng } from '../util/rng.js';
import type { FeatureMatrix, Interactions } from './types.js';

/** Width of the latent every modality shares. */
export const SHARED_DIM = 16;
/** Width of each modality's private latent. */
export const PRIVATE_DIM = 8;
/** The paper's feature widths: sentence-BERT text, VGG image, BEiT3 multimodal. */
export const PAPER_DIMS: Readonly<Record<string, number>> = { t: 384, v: 4096, mm: 768 };

export interface SynthPreset {
  users: number;
  items: number;
  /** Target total interactions (train + valid + test); the result is close, not exact. */
  interactions: number;
  topics: number;
  /** Every user gets at least this many interactions (the public sets are 5-core). */
  minPerUser: number;
}

export const SYNTH_PRESETS: Readonly<Record<string, SynthPreset>> = {
  small: { users: 1000, items: 600, interactions: 25_000, topics: 12, minPerUser: 5 },
  baby: { users: 19_445, items: 7_050, interactions: 160_792, topics: 40, minPerUser: 5 },
};

export interface SyntheticData {
  nUsers: number;
  nItems: number;
  train: Interactions;
  valid: Interactions;
  test: Interactions;
  /** Planted topic of each item. */
  itemTopic: Int32Array;
  /** Shared latent, nItems x SHARED_DIM row-major. */
  latent: Float32Array;
  seed: number;
}

/** Two independent standard normals per call of the underlying generator (Box-Muller, both halves used). */
class Gauss {
  private spare = 0;
  private has = false;
  constructor(private readonly rng: Rng) {}
  next(): number {
    if (this.has) {
      this.has = false;
      return this.spare;
    }
    let u = 0;
    while (u === 0) u = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.rng.next();
    this.spare = r * Math.sin(a);
    this.has = true;
    return r * Math.cos(a);
  }
  fill(out: Float32Array, scale = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = scale * this.next();
    return out;
  }
}

/** Index into a cumulative weight table. */
function pick(cum: Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Generates interactions and the shared latent for a preset. Deterministic for (preset, seed). */
export function generateSynthetic(preset: SynthPreset, seed: number): SyntheticData {
  const root = new Rng(seed);
  const { users: nUsers, items: nItems, topics: K } = preset;

  // Items: a topic each, a latent near the topic's centroid, a Zipf-like popularity independent of topic.
  const irng = root.fork('items');
  const ig = new Gauss(irng);
  const centroids = ig.fill(new Float32Array(K * SHARED_DIM));
  const itemTopic = new Int32Array(nItems);
  const latent = new Float32Array(nItems * SHARED_DIM);
  for (let i = 0; i < nItems; i++) {
    const k = irng.int(K);
    itemTopic[i] = k;
    for (let l = 0; l < SHARED_DIM; l++) latent[i * SHARED_DIM + l] = centroids[k * SHARED_DIM + l]! + 0.6 * ig.next();
  }
  const rank = irng.shuffle(Int32Array.from({ length: nItems }, (_, i) => i));
  // Items grouped by topic with cumulative popularity, so a draw is a binary search within the topic.
  const byTopic = Int32Array.from({ length: nItems }, (_, i) => i).sort(
    (a, b) => itemTopic[a]! - itemTopic[b]! || a - b,
  );
  const topicStart = new Int32Array(K + 1);
  for (let i = 0; i < nItems; i++) topicStart[itemTopic[i]! + 1]!++;
  for (let k = 0; k < K; k++) topicStart[k + 1]! += topicStart[k]!;
  const cum = new Float64Array(nItems);
  for (let k = 0; k < K; k++) {
    let acc = 0;
    for (let j = topicStart[k]!; j < topicStart[k + 1]!; j++) {
      acc += (rank[byTopic[j]!]! + 1) ** -0.8;
      cum[j] = acc;
    }
  }

  const urng = root.fork('users');
  const ug = new Gauss(urng);
  const mean = preset.interactions / nUsers;
  const extra = Math.max(0, mean - preset.minPerUser + 0.5);
  const cap = Math.max(preset.minPerUser, Math.min(Math.floor(nItems / 4), Math.ceil(mean * 6)));
  const out = [0, 1, 2].map(() => ({ users: [] as number[], items: [] as number[] }));
  const topicW = new Float64Array(4);
  const topicK = new Int32Array(4);
  const chosen = new Set<number>();
  for (let u = 0; u < nUsers; u++) {
    const m = 1 + urng.int(3);
    let wsum = 0;
    for (let j = 0; j < m; j++) {
      topicK[j] = urng.int(K);
      wsum += topicW[j] = Math.exp(ug.next());
    }
    const n = Math.min(cap, preset.minPerUser + Math.floor(-Math.log(1 - urng.next()) * extra));
    chosen.clear();
    for (let tries = 0; chosen.size < n && tries < 50 * n; tries++) {
      let k: number;
      if (urng.next() < 0.1)
        k = urng.int(K); // off-preference exploration
      else {
        let x = urng.next() * wsum;
        let j = 0;
        while (j < m - 1 && x >= topicW[j]!) x -= topicW[j++]!;
        k = topicK[j]!;
      }
      const a = topicStart[k]!;
      const b = topicStart[k + 1]!;
      if (a === b) continue;
      // cum restarts at 0 for each topic, so the topic's total is its last entry.
      chosen.add(byTopic[pick(cum, a, b, urng.next() * cum[b - 1]!)]!);
    }
    const list = urng.shuffle(Array.from(chosen));
    splitUser(u, list, out);
  }
  const pack = (s: { users: number[]; items: number[] }): Interactions => ({
    users: Int32Array.from(s.users),
    items: Int32Array.from(s.items),
  });
  return { nUsers, nItems, train: pack(out[0]!), valid: pack(out[1]!), test: pack(out[2]!), itemTopic, latent, seed };
}

/**
 * Per-user 8:1:1 split of a shuffled list. Users with at least 3 items get one valid and one test item at
 * minimum (so every user is evaluated), and every user keeps at least one train item.
 */
function splitUser(u: number, list: number[], out: { users: number[]; items: number[] }[]): void {
  const n = list.length;
  const nTest = n >= 2 ? Math.max(1, Math.round(n * 0.1)) : 0;
  const nValid = n >= 3 ? Math.max(1, Math.round(n * 0.1)) : 0;
  const parts = [list.slice(nTest + nValid), list.slice(nTest, nTest + nValid), list.slice(0, nTest)];
  parts.forEach((items, s) => {
    items.sort((a, b) => a - b);
    for (const i of items) {
      out[s]!.users.push(u);
      out[s]!.items.push(i);
    }
  });
}

/**
 * A shared latent for a real dataset's items, planted in its interaction graph: random item vectors smoothed
 * by a few item -> user -> item averaging steps, so items bought by the same users get similar latents.
 * Items never in train keep their random start. Every item's latent has norm sqrt(SHARED_DIM).
 */
export function graphLatent(train: Interactions, nUsers: number, nItems: number, seed: number): Float32Array {
  const g = new Gauss(new Rng(seed).fork('graph-latent'));
  const L = SHARED_DIM;
  let z = g.fill(new Float32Array(nItems * L));
  const start = Float32Array.from(z);
  const uv = new Float32Array(nUsers * L);
  const uDeg = new Int32Array(nUsers);
  const iDeg = new Int32Array(nItems);
  for (let r = 0; r < train.users.length; r++) {
    uDeg[train.users[r]!]!++;
    iDeg[train.items[r]!]!++;
  }
  const rowNormalise = (m: Float32Array, i: number) => {
    let n2 = 0;
    for (let l = 0; l < L; l++) n2 += m[i * L + l]! ** 2;
    const f = n2 > 0 ? Math.sqrt(L / n2) : 0;
    for (let l = 0; l < L; l++) m[i * L + l]! *= f;
  };
  for (let step = 0; step < 2; step++) {
    uv.fill(0);
    for (let r = 0; r < train.users.length; r++) {
      const u = train.users[r]! * L;
      const i = train.items[r]! * L;
      for (let l = 0; l < L; l++) uv[u + l]! += z[i + l]!;
    }
    const next = new Float32Array(nItems * L);
    for (let r = 0; r < train.users.length; r++) {
      const u = train.users[r]! * L;
      const i = train.items[r]! * L;
      for (let l = 0; l < L; l++) next[i + l]! += uv[u + l]! / uDeg[train.users[r]!]!;
    }
    // Averages shrink with every step; renormalising keeps the neighbourhood signal from fading out.
    for (let i = 0; i < nItems; i++) {
      if (iDeg[i]! > 0) rowNormalise(next, i);
      else next.set(start.subarray(i * L, (i + 1) * L), i * L);
    }
    z = next;
  }
  // A little of each item's own start keeps items with identical neighbourhoods distinguishable.
  for (let j = 0; j < z.length; j++) z[j]! += 0.3 * start[j]!;
  // Centre each column, then give every item the same latent norm: averaging shrinks well-connected items
  // towards the mean, and without this the cold items (still at their random start) would dominate.
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let i = 0; i < nItems; i++) s += z[i * L + l]!;
    for (let i = 0; i < nItems; i++) z[i * L + l]! -= s / nItems;
  }
  for (let i = 0; i < nItems; i++) rowNormalise(z, i);
  return z;
}

/** Weights of the three parts of a feature: what all modalities share, what this one has alone, noise. */
const W_SHARED = 1.0;
const W_PRIVATE = 0.8;
const W_NOISE = 0.4;

/**
 * Features of width `dim` for modality `key`, seen through the shared `latent` (nItems x SHARED_DIM).
 * Modality `mm` mixes the private latents of `t` and `v` (a fused encoder sees both); any other key has its
 * own. Deterministic for (latent, key, dim, seed).
 */
export function featuresFromLatent(
  latent: Float32Array,
  nItems: number,
  key: string,
  dim: number,
  seed: number,
  source: string,
): FeatureMatrix {
  const root = new Rng(seed);
  const privKeys = key === 'mm' ? ['t', 'v'] : [key];
  const P = PRIVATE_DIM * privKeys.length;
  const privs = privKeys.map((k) => new Gauss(root.fork('private:' + k)).fill(new Float32Array(nItems * PRIVATE_DIM)));
  const C = SHARED_DIM + P;
  // Row d of the map holds the weights of output column d; scaled so each part has unit variance per column.
  const map = new Gauss(root.fork(`map:${key}:${dim}`)).fill(new Float32Array(dim * C));
  for (let d = 0; d < dim; d++) {
    for (let c = 0; c < C; c++)
      map[d * C + c]! *= c < SHARED_DIM ? W_SHARED / Math.sqrt(SHARED_DIM) : W_PRIVATE / Math.sqrt(P);
  }
  const noise = new Gauss(root.fork(`noise:${key}:${dim}`));
  const data = new Float32Array(nItems * dim);
  const v = new Float64Array(C);
  for (let i = 0; i < nItems; i++) {
    for (let l = 0; l < SHARED_DIM; l++) v[l] = latent[i * SHARED_DIM + l]!;
    for (let p = 0; p < privs.length; p++) {
      for (let l = 0; l < PRIVATE_DIM; l++) v[SHARED_DIM + p * PRIVATE_DIM + l] = privs[p]![i * PRIVATE_DIM + l]!;
    }
    const row = i * dim;
    for (let d = 0; d < dim; d++) {
      let acc = 0;
      const m = d * C;
      for (let c = 0; c < C; c++) acc += v[c]! * map[m + c]!;
      data[row + d] = acc + W_NOISE * noise.next();
    }
  }
  return { name: key, rows: nItems, cols: dim, data, source };
}

/** Features of a built-in synthetic dataset. */
export function syntheticFeatures(synth: SyntheticData, key: string, dim: number): FeatureMatrix {
  return featuresFromLatent(
    synth.latent,
    synth.nItems,
    key,
    dim,
    synth.seed,
    `synthetic(${key}, ${dim}, seed ${synth.seed})`,
  );
}

/** Planted-structure features for a real dataset that has interactions only. */
export function graphFeatures(
  latent: Float32Array,
  nItems: number,
  key: string,
  dim: number,
  seed: number,
): FeatureMatrix {
  return featuresFromLatent(latent, nItems, key, dim, seed, `synthetic(${key}, ${dim}, graph latent, seed ${seed})`);
}
