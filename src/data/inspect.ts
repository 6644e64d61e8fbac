/** A dataset summary for `anchorflow data inspect`: counts, sparsity, feature statistics and warnings. */
import type { Dataset, FeatureMatrix, UserItems } from './types.js';

export interface FeatureSummary {
  name: string;
  rows: number;
  cols: number;
  source: string;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Rows that are all zero (items with no usable content). */
  zeroRows: number;
}

export interface DatasetSummary {
  name: string;
  dir?: string;
  users: number;
  items: number;
  interactions: { train: number; valid: number; test: number; total: number };
  /** Percent of the user x item matrix that is filled (all splits), and its complement. */
  densityPct: number;
  sparsityPct: number;
  usersWithoutTrain: number;
  /** Users with valid/test rows but no train row: MMRec drops them from evaluation. */
  evalUsersWithoutTrain: { valid: number; test: number };
  itemsNeverInTrain: number;
  /** Items that occur in no split at all. */
  itemsNeverSeen: number;
  duplicateTrainRows: number;
  /** Repeated (user, item) rows within valid / test: each repeat counts in |T| (as MMRec counts it). */
  duplicateEvalRows: { valid: number; test: number };
  /** Distinct (user, item) pairs that occur in both splits. */
  overlap: { trainValid: number; trainTest: number; validTest: number };
  /** Train interactions per user. */
  trainPerUser: { min: number; median: number; mean: number; max: number };
  features: FeatureSummary[];
  warnings: string[];
}

function featureSummary(f: FeatureMatrix): FeatureSummary {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  let zeroRows = 0;
  for (let r = 0; r < f.rows; r++) {
    let nz = false;
    for (let c = r * f.cols, e = c + f.cols; c < e; c++) {
      const x = f.data[c]!;
      s += x;
      s2 += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x !== 0) nz = true;
    }
    if (!nz) zeroRows++;
  }
  const n = f.rows * f.cols;
  const mean = n ? s / n : 0;
  const std = n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : 0;
  return {
    name: f.name,
    rows: f.rows,
    cols: f.cols,
    source: f.source,
    mean,
    std,
    min: n ? min : 0,
    max: n ? max : 0,
    zeroRows,
  };
}

function degrees(ui: UserItems, nUsers: number): Int32Array {
  const d = new Int32Array(nUsers);
  for (let u = 0; u < nUsers; u++) d[u] = ui.indptr[u + 1]! - ui.indptr[u]!;
  return d;
}

function duplicates(ui: UserItems, nUsers: number): number {
  let k = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let j = ui.indptr[u]! + 1; j < ui.indptr[u + 1]!; j++) if (ui.indices[j] === ui.indices[j - 1]) k++;
  }
  return k;
}

/** Distinct (user, item) pairs present in both per-user lists (each list sorted ascending). */
function overlapping(a: UserItems, b: UserItems, nUsers: number): number {
  let k = 0;
  for (let u = 0; u < nUsers; u++) {
    let i = a.indptr[u]!;
    let j = b.indptr[u]!;
    const ea = a.indptr[u + 1]!;
    const eb = b.indptr[u + 1]!;
    while (i < ea && j < eb) {
      const x = a.indices[i]!;
      const y = b.indices[j]!;
      if (x < y) i++;
      else if (y < x) j++;
      else {
        k++;
        while (i < ea && a.indices[i] === x) i++;
        while (j < eb && b.indices[j] === x) j++;
      }
    }
  }
  return k;
}

export function inspectDataset(ds: Dataset): DatasetSummary {
  const tr = ds.train.users.length;
  const va = ds.valid.users.length;
  const te = ds.test.users.length;
  const total = tr + va + te;
  const trainDeg = degrees(ds.trainByUser, ds.nUsers);
  const noTrain = (ui: UserItems) => {
    let k = 0;
    for (let u = 0; u < ds.nUsers; u++) if (trainDeg[u] === 0 && ui.indptr[u + 1]! > ui.indptr[u]!) k++;
    return k;
  };
  const seen = new Uint8Array(ds.nItems);
  for (const s of [ds.train, ds.valid, ds.test]) for (let r = 0; r < s.items.length; r++) seen[s.items[r]!] = 1;
  const itemsNeverSeen = ds.nItems - seen.reduce((a, b) => a + b, 0);
  const sorted = Int32Array.from(trainDeg).sort();
  const density = ds.nUsers && ds.nItems ? (100 * total) / (ds.nUsers * ds.nItems) : 0;

  const sum: DatasetSummary = {
    name: ds.name,
    users: ds.nUsers,
    items: ds.nItems,
    interactions: { train: tr, valid: va, test: te, total },
    densityPct: density,
    sparsityPct: 100 - density,
    usersWithoutTrain: trainDeg.reduce((a, d) => a + (d === 0 ? 1 : 0), 0),
    evalUsersWithoutTrain: { valid: noTrain(ds.validByUser), test: noTrain(ds.testByUser) },
    itemsNeverInTrain: ds.nItems - ds.trainItems.length,
    itemsNeverSeen,
    duplicateTrainRows: duplicates(ds.trainByUser, ds.nUsers),
    duplicateEvalRows: { valid: duplicates(ds.validByUser, ds.nUsers), test: duplicates(ds.testByUser, ds.nUsers) },
    overlap: {
      trainValid: overlapping(ds.trainByUser, ds.validByUser, ds.nUsers),
      trainTest: overlapping(ds.trainByUser, ds.testByUser, ds.nUsers),
      validTest: overlapping(ds.validByUser, ds.testByUser, ds.nUsers),
    },
    trainPerUser: {
      min: sorted.length ? sorted[0]! : 0,
      median: sorted.length ? sorted[sorted.length >> 1]! : 0,
      mean: ds.nUsers ? tr / ds.nUsers : 0,
      max: sorted.length ? sorted[sorted.length - 1]! : 0,
    },
    features: Object.values(ds.features).map(featureSummary),
    warnings: [],
  };
  if (ds.dir !== undefined) sum.dir = ds.dir;

  const w = sum.warnings;
  if (sum.usersWithoutTrain > 0) {
    w.push(
      `${sum.usersWithoutTrain} users have no train rows` +
        (sum.evalUsersWithoutTrain.valid + sum.evalUsersWithoutTrain.test > 0
          ? ` (${sum.evalUsersWithoutTrain.valid} of them in valid, ${sum.evalUsersWithoutTrain.test} in test are dropped from evaluation)`
          : ''),
    );
  }
  if (sum.itemsNeverInTrain > 0)
    w.push(`${sum.itemsNeverInTrain} items never occur in train (never drawn as negatives, not masked in ranking)`);
  if (itemsNeverSeen > 0) w.push(`${itemsNeverSeen} item ids below max itemID occur in no split`);
  if (sum.duplicateTrainRows > 0) w.push(`${sum.duplicateTrainRows} duplicate (user, item) rows in train`);
  for (const split of ['valid', 'test'] as const) {
    const n = sum.duplicateEvalRows[split];
    // MMRec's |T| is the length of the user's list, so each repeat raises the denominator of Recall, NDCG and MAP.
    if (n > 0)
      w.push(
        `${n} duplicate (user, item) rows in ${split}: each counts in |T| (as in MMRec), so recall is lower than with distinct items`,
      );
  }
  const o = sum.overlap;
  // A train pair is masked out of the ranking, so the same pair in valid/test can never be hit.
  if (o.trainTest > 0)
    w.push(
      `${o.trainTest} (user, item) pairs are in both train and test: masked as train items, they can never be hit`,
    );
  if (o.trainValid > 0)
    w.push(
      `${o.trainValid} (user, item) pairs are in both train and valid: masked as train items, they can never be hit`,
    );
  if (o.validTest > 0) w.push(`${o.validTest} (user, item) pairs are in both valid and test`);
  if (va === 0) w.push('no valid rows (x_label 1): early stopping has nothing to watch');
  if (te === 0) w.push('no test rows (x_label 2)');
  for (const f of sum.features) {
    if (f.zeroRows > 0) w.push(`feature ${f.name}: ${f.zeroRows} all-zero rows (cosine kNN is undefined for them)`);
    if (f.std === 0) w.push(`feature ${f.name}: constant matrix`);
  }
  return sum;
}

function num(x: number, digits = 3): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(digits);
}

function table(head: string[], rows: string[][]): string[] {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(w[c]!) : s.padStart(w[c]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)];
}

export function formatInspect(s: DatasetSummary): string {
  const out: string[] = [`dataset ${s.name}${s.dir ? `  (${s.dir})` : ''}`, ''];
  const i = s.interactions;
  const pct = (n: number) => (i.total ? ((100 * n) / i.total).toFixed(1) + '%' : '-');
  out.push(
    ...table(
      ['', 'count', 'share'],
      [
        ['users', num(s.users), ''],
        ['items', num(s.items), ''],
        ['train', num(i.train), pct(i.train)],
        ['valid', num(i.valid), pct(i.valid)],
        ['test', num(i.test), pct(i.test)],
        ['total', num(i.total), ''],
      ],
    ),
  );
  out.push('');
  out.push(`density ${s.densityPct.toFixed(4)}%  (sparsity ${s.sparsityPct.toFixed(4)}%)`);
  const t = s.trainPerUser;
  out.push(`train rows per user: min ${t.min}, median ${t.median}, mean ${t.mean.toFixed(2)}, max ${t.max}`);
  out.push(`users without train rows: ${s.usersWithoutTrain}; items never in train: ${s.itemsNeverInTrain}`);
  const d = s.duplicateEvalRows;
  const o = s.overlap;
  out.push(
    `duplicate rows: train ${s.duplicateTrainRows}, valid ${d.valid}, test ${d.test}; pairs in two splits: train+valid ${o.trainValid}, train+test ${o.trainTest}, valid+test ${o.validTest}`,
  );
  if (s.features.length) {
    out.push('');
    out.push(
      ...table(
        ['feature', 'rows', 'cols', 'mean', 'std', 'min', 'max', 'source'],
        s.features.map((f) => [
          f.name,
          num(f.rows),
          num(f.cols),
          num(f.mean),
          num(f.std),
          num(f.min),
          num(f.max),
          f.source,
        ]),
      ),
    );
  } else {
    out.push('', 'features: none loaded');
  }
  if (s.warnings.length) {
    out.push('');
    for (const w of s.warnings) out.push(`warning: ${w}`);
  }
  return out.join('\n');
}
