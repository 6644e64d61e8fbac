/** Cosine k-nearest neighbours of every row, for measuring how much structure two feature matrices share. */
export function knn(data: Float32Array, rows: number, cols: number, k: number): Int32Array {
  const x = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < cols; c++) n += data[r * cols + c]! ** 2;
    const f = 1 / Math.sqrt(n || 1);
    for (let c = 0; c < cols; c++) x[r * cols + c] = data[r * cols + c]! * f;
  }
  const sim = new Float64Array(rows * rows);
  for (let a = 0; a < rows; a++) {
    for (let b = a + 1; b < rows; b++) {
      let s = 0;
      for (let c = 0, pa = a * cols, pb = b * cols; c < cols; c++) s += x[pa + c]! * x[pb + c]!;
      sim[a * rows + b] = sim[b * rows + a] = s;
    }
  }
  const out = new Int32Array(rows * k);
  const idx = Array.from({ length: rows }, (_, i) => i);
  for (let a = 0; a < rows; a++) {
    const row = sim.subarray(a * rows, (a + 1) * rows);
    const top = idx
      .filter((b) => b !== a)
      .sort((p, q) => row[q]! - row[p]!)
      .slice(0, k);
    out.set(top, a * k);
  }
  return out;
}

/** Mean fraction of shared neighbours between two kNN lists over the same rows. */
export function overlap(a: Int32Array, b: Int32Array, rows: number, k: number): number {
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const s = new Set(a.subarray(r * k, (r + 1) * k));
    for (let j = 0; j < k; j++) if (s.has(b[r * k + j]!)) hits++;
  }
  return hits / (rows * k);
}
