/**
 * Weight initialisers drawn from our own seeded Rng (not tfjs's), so a seed gives the same weights on every
 * backend. Fan-in/fan-out follow PyTorch's conventions for a [rows, cols] matrix as MMRec uses them
 * (an embedding table [n, d] has fan_in = d, fan_out = n; a Linear weight stored [in, out] has fan_in = in).
 */
import type { RandomStream } from '../util/rng.js';
import type { TUnsafe } from '@sinclair/typebox';
import { StringEnum, type Init } from './types.js';

export function initValues(
  shape: number[],
  init: Init,
  rng: RandomStream,
  fans?: { fanIn: number; fanOut: number },
): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (init instanceof Float32Array) {
    if (init.length !== n) throw new Error(`initial values have ${init.length} elements, shape ${shape} needs ${n}`);
    return init;
  }
  const out = new Float32Array(n);
  const fanIn = fans?.fanIn ?? (shape.length >= 2 ? shape[shape.length - 1]! : shape[0]!);
  const fanOut = fans?.fanOut ?? (shape.length >= 2 ? shape[0]! : shape[0]!);
  if (init === 'zeros') return out;
  if (init === 'torch_default') {
    // PyTorch's nn.Linear default: kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const a = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * a;
    return out;
  }
  if (init === 'ones') return out.fill(1);
  if (init === 'xavier_uniform') {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * a;
    return out;
  }
  if (init === 'xavier_normal') {
    const s = Math.sqrt(2 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = rng.normal() * s;
    return out;
  }
  if (typeof init === 'object' && 'normal' in init) {
    for (let i = 0; i < n; i++) out[i] = rng.normal() * init.normal;
    return out;
  }
  throw new Error(`unknown initialiser ${JSON.stringify(init)}`);
}

const initNames = ['torch_default', 'xavier_uniform', 'xavier_normal', 'zeros', 'normal_0.01'] as const;
export type InitName = (typeof initNames)[number];

/** The `init` parameter of an op with weights; `options` adds the op's default (and may reword the text). */
export const initSchema = (options: Record<string, unknown> = {}): TUnsafe<InitName> =>
  StringEnum(initNames, { description: 'Weight initialiser.', examples: ['xavier_uniform'], ...options });

export function parseInit(name: string | undefined, fallback: Init): Init {
  if (!name) return fallback;
  if (name === 'normal_0.01') return { normal: 0.01 };
  return name as Init;
}
