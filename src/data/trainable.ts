/**
 * What a dataset must have before training on it can mean anything: validation and test rows, users in those
 * splits that also have training rows (the evaluator skips cold users, so an all-cold split scores 0 forever),
 * and for every user at least one item to draw as a BPR negative. Checked before a run directory is created, so
 * such data ends in a located error and writes nothing; `data inspect` still summarises it.
 */
import { UserError, type SourceLocation } from '../util/errors.js';
import { findRow } from './inter.js';
import type { Dataset, UserItems } from './types.js';

const SPLITS = [
  { key: 'valid', label: 1, what: 'validation', why: 'model selection and early stopping read them' },
  { key: 'test', label: 2, what: 'test', why: 'the reported metrics are computed on them' },
] as const;

function distinctCount(ui: UserItems, u: number): number {
  let k = 0;
  for (let p = ui.indptr[u]!; p < ui.indptr[u + 1]!; p++)
    if (p === ui.indptr[u] || ui.indices[p] !== ui.indices[p - 1]) k++;
  return k;
}

export function checkTrainable(ds: Dataset): void {
  const file = ds.interFile;
  const at = (test: Parameters<typeof findRow>[1]): SourceLocation | undefined =>
    file === undefined ? undefined : (findRow(file, test) ?? { file });

  for (const s of SPLITS) {
    const rows = ds[s.key];
    if (rows.users.length === 0) {
      throw new UserError(
        `no ${s.what} interactions (no row has x_label ${s.label}); ${s.why}`,
        file === undefined ? undefined : { file },
      );
    }
    const byUser = s.key === 'valid' ? ds.validByUser : ds.testByUser;
    let users = 0;
    let warm = 0;
    for (let u = 0; u < ds.nUsers; u++) {
      if (byUser.indptr[u + 1] === byUser.indptr[u]) continue;
      users++;
      if (ds.trainByUser.indptr[u + 1]! > ds.trainByUser.indptr[u]!) warm++;
    }
    if (warm === 0) {
      throw new UserError(
        `none of the ${users} user${users === 1 ? '' : 's'} with ${s.what} rows has a training row (x_label 0): every one is cold, ` +
          `and users without training rows are not evaluated, so the ${s.what} metrics would be empty`,
        at((get) => get('x_label') === s.label),
      );
    }
  }

  for (let u = 0; u < ds.nUsers; u++) {
    if (distinctCount(ds.trainByUser, u) < ds.nItems) continue;
    throw new UserError(
      `user ${u} has training interactions with all ${ds.nItems} items, so BPR has no negative item to sample for them; ` +
        `drop the user or hold some of their items out`,
      at((get) => get('userID') === u && get('x_label') === 0),
    );
  }
}
