/** Distinct indices of a batch (torch.unique), shared by the DA-MRS losses that work on distinct rows. */
export function uniqueIndices(...arrs: ArrayLike<number>[]): Int32Array {
  const s = new Set<number>();
  for (const a of arrs) for (let i = 0; i < a.length; i++) s.add(a[i]!);
  return Int32Array.from(s);
}

/** Distinct values of a batch column in first-seen order, with how often each occurs. */
export function distinctWithCounts(a: ArrayLike<number>): { unique: Int32Array; counts: Float32Array } {
  const at = new Map<number, number>();
  const counts: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const k = at.get(a[i]!);
    if (k === undefined) {
      at.set(a[i]!, counts.length);
      counts.push(1);
    } else counts[k]!++;
  }
  return { unique: Int32Array.from(at.keys()), counts: Float32Array.from(counts) };
}
