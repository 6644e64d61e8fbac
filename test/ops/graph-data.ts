/** A tiny interaction dataset for the graph-op tests (duplicates and an isolated user / item on purpose). */
import type { DataAccess } from '../../src/ops/types.js';

export function tinyData(): DataAccess {
  // users 0..3, items 0..4; user 3 and item 4 have no train rows; (0, 1) appears twice.
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 1],
    [1, 1],
    [1, 2],
    [2, 0],
    [2, 2],
    [2, 3],
    [1, 3],
  ];
  return {
    nUsers: 4,
    nItems: 5,
    trainPairs: { users: Int32Array.from(pairs.map((p) => p[0])), items: Int32Array.from(pairs.map((p) => p[1])) },
    modalities: [],
    feature(m: string) {
      throw new Error(`no feature ${m}`);
    },
  };
}

/** Dense 0/1 bipartite adjacency of the unique pairs, [(U + I) x (U + I)] row-major. */
export function denseBipartite(d: DataAccess): Float64Array {
  const N = d.nUsers + d.nItems;
  const a = new Float64Array(N * N);
  for (let k = 0; k < d.trainPairs.users.length; k++) {
    const u = d.trainPairs.users[k]!;
    const i = d.nUsers + d.trainPairs.items[k]!;
    a[u * N + i] = 1;
    a[i * N + u] = 1;
  }
  return a;
}
