/** Distinct indices of a batch (torch.unique), shared by the DA-MRS losses that work on distinct rows. */
export function uniqueIndices(...arrs: ArrayLike<number>[]): Int32Array {
  const s = new Set<number>();
  for (const a of arrs) for (let i = 0; i < a.length; i++) s.add(a[i]!);
  return Int32Array.from(s);
}
