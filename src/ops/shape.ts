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
    throw new ShapeError(
      `${what || `'${port}'`} must be [${want.join(', ')}], got ${typeToString(t)}`,
      { port },
    );
}
