/**
 * A constant sparse matrix in CSR form, held in JS memory. Graph propagation multiplies it with dense
 * tensors through fused kernels (kernels/spmm.ts) instead of gather + unsortedSegmentSum, which is missing
 * or slow on the wasm backend.
 */
export class CsrMatrix {
  readonly isCsr = true;
  private transposeCache?: CsrMatrix;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {}

  get nnz(): number {
    return this.indices.length;
  }

  /** Builds from COO triplets; duplicate entries are summed, columns sorted within a row. */
  static fromCoo(
    rows: number,
    cols: number,
    r: ArrayLike<number>,
    c: ArrayLike<number>,
    v: ArrayLike<number>,
  ): CsrMatrix {
    const n = r.length;
    const counts = new Int32Array(rows + 1);
    for (let k = 0; k < n; k++) counts[r[k]! + 1]!++;
    for (let i = 0; i < rows; i++) counts[i + 1]! += counts[i]!;
    const order = new Int32Array(n);
    const fill = counts.slice(0, rows);
    for (let k = 0; k < n; k++) order[fill[r[k]!]!++] = k;
    const indptr = new Int32Array(rows + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < rows; i++) {
      const seg = Array.from(order.subarray(counts[i]!, counts[i + 1]!)).sort((a, b) => c[a]! - c[b]!);
      let last = -1;
      for (const k of seg) {
        if (c[k] === last) val[val.length - 1]! += v[k]!;
        else {
          idx.push(c[k]!);
          val.push(v[k]!);
          last = c[k]!;
        }
      }
      indptr[i + 1] = idx.length;
    }
    return new CsrMatrix(rows, cols, indptr, Int32Array.from(idx), Float32Array.from(val));
  }

  /** The transpose, computed once and cached (the backward pass of A·X needs Aᵀ·dY). */
  transpose(): CsrMatrix {
    if (this.transposeCache) return this.transposeCache;
    const counts = new Int32Array(this.cols + 1);
    for (let k = 0; k < this.nnz; k++) counts[this.indices[k]! + 1]!++;
    for (let j = 0; j < this.cols; j++) counts[j + 1]! += counts[j]!;
    const fill = counts.slice(0, this.cols);
    const indices = new Int32Array(this.nnz);
    const values = new Float32Array(this.nnz);
    for (let i = 0; i < this.rows; i++) {
      for (let k = this.indptr[i]!; k < this.indptr[i + 1]!; k++) {
        const j = this.indices[k]!;
        const p = fill[j]!++;
        indices[p] = i;
        values[p] = this.values[k]!;
      }
    }
    const t = new CsrMatrix(this.cols, this.rows, counts, indices, values);
    t.transposeCache = this;
    this.transposeCache = t;
    return t;
  }

  /** Marks this matrix as its own transpose (symmetric normalised adjacency), saving the copy. */
  markSymmetric(): this {
    this.transposeCache = this;
    return this;
  }
}

export function isCsr(v: unknown): v is CsrMatrix {
  return typeof v === 'object' && v !== null && (v as CsrMatrix).isCsr === true;
}
