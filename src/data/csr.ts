/** Per-user item lists and the set of train items, built once per dataset. */
import type { Interactions, UserItems } from './types.js';

/** CSR of items per user, each user's items sorted ascending (the sampler binary-searches them). */
export function buildUserItems(inter: Interactions, nUsers: number): UserItems {
  const indptr = new Int32Array(nUsers + 1);
  const n = inter.users.length;
  for (let r = 0; r < n; r++) indptr[inter.users[r]! + 1]!++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1]! += indptr[u]!;
  const fill = indptr.slice(0, nUsers);
  const indices = new Int32Array(n);
  for (let r = 0; r < n; r++) indices[fill[inter.users[r]!]!++] = inter.items[r]!;
  for (let u = 0; u < nUsers; u++) {
    const a = indptr[u]!;
    const b = indptr[u + 1]!;
    if (b - a > 1) indices.subarray(a, b).sort();
  }
  return { indptr, indices };
}

/** Distinct items occurring in `inter`, ascending. */
export function distinctItems(inter: Interactions, nItems: number): Int32Array {
  const seen = new Uint8Array(nItems);
  for (let r = 0; r < inter.items.length; r++) seen[inter.items[r]!] = 1;
  let k = 0;
  for (let i = 0; i < nItems; i++) k += seen[i]!;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < nItems; i++) if (seen[i]) out[k++] = i;
  return out;
}

/** Whether `item` is in user u's sorted list. */
export function hasItem(ui: UserItems, u: number, item: number): boolean {
  let lo = ui.indptr[u]!;
  let hi = ui.indptr[u + 1]! - 1;
  const idx = ui.indices;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = idx[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
