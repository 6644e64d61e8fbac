/** Small helpers for shape rules: symbolic dimension equality and readable checks. */
import { ShapeError, typeToString, type Dim, type InputTypes, type TensorType, type DenseType } from './types.js';

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b || (typeof a === 'string' && typeof b === 'string' && a.replace(/\s/g, '') === b.replace(/\s/g, ''));
}

/** The dense input on `port`, which must have `rank` dims. */
export function denseIn(inputs: InputTypes, port: string, rank?: number): DenseType {
  const t = inputs[port];
  if (t === undefined) throw new ShapeError(`missing input '${port}'`, { port });
  if (Array.isArray(t)) throw new ShapeError(`'${port}' takes one reference, not a list`, { port });
  if (t.kind !== 'dense') throw new ShapeError(`'${port}' needs a dense tensor, got ${typeToString(t)}`, { port });
  if (rank !== undefined && t.dims.length !== rank)
    throw new ShapeError(`'${port}' needs a rank-${rank} tensor, got ${typeToString(t)}`, { port });
  return t;
}

export function listIn(inputs: InputTypes, port: string): TensorType[] {
  const t = inputs[port];
  if (t === undefined) return [];
  return Array.isArray(t) ? t : [t];
}

/** Checks that `t` has dims `want` (symbols or numbers; '*' matches anything). */
export function expectDims(t: TensorType, want: Dim[], port: string, what = ''): void {
  const ok = t.dims.length === want.length && want.every((w, i) => w === '*' || sameDim(w, t.dims[i]!));
  if (!ok)
    throw new ShapeError(`${what || `'${port}'`} must be [${want.join(', ')}], got ${typeToString(t)}`, { port });
}

/**
 * The list input on `port`: at least one tensor, all of `kind` and of one shape (element-wise combinators:
 * sum, mix, sparse_combine). Returns the tensors; the first gives the shape.
 */
export function sameShapeList(inputs: InputTypes, port: string, kind: 'dense' | 'sparse'): TensorType[] {
  const ts = listIn(inputs, port);
  if (ts.length === 0) throw new ShapeError(`'${port}' needs at least one input`, { port });
  const first = ts[0]!;
  ts.forEach((t, i) => {
    if (t.kind !== kind)
      throw new ShapeError(
        `'${port}[${i}]' must be ${kind === 'dense' ? 'dense' : 'a sparse matrix'}, got ${typeToString(t)}`,
        { port },
      );
    if (t.dims.length !== first.dims.length || !t.dims.every((d, j) => sameDim(d, first.dims[j]!)))
      throw new ShapeError(`'${port}[${i}]' is ${typeToString(t)} but '${port}[0]' is ${typeToString(first)}`, {
        port,
      });
  });
  return ts;
}
