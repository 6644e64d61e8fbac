/**
 * Seedable random streams, so that shuffling, negative sampling, weight initialisation and synthetic data are
 * repeatable for a seed and independent of the tfjs backend. `RandomStream` is what the consumers take; `Rng`
 * (sfc32) is the project's default generator and pcg64.ts holds numpy's, selectable per stream (streams.ts).
 */

/** A uniform 32-bit source plus the derived draws every consumer uses; states round-trip for checkpoints. */
export abstract class RandomStream {
  /** Uniform integer in [0, 2^32). */
  abstract nextU32(): number;
  /** Derives an independent stream, e.g. one per seed or per component. */
  abstract fork(label: string): RandomStream;
  /** The whole state as plain numbers (for a checkpoint); `setState` puts it back exactly. */
  abstract getState(): number[];
  abstract setState(state: number[]): void;

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/**
 * sfc32 seeded through splitmix32. The state is four uint32 words. `int(n)` is floor(u32 · n / 2^32): each
 * value's probability is off from 1/n by less than n / 2^32 relative, far below what any run can see.
 */
export class Rng extends RandomStream {
  private s: Uint32Array;

  constructor(seed: number | Uint32Array) {
    super();
    if (seed instanceof Uint32Array) {
      this.s = Uint32Array.from(seed);
      return;
    }
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next()]);
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Derives an independent stream, e.g. one per seed or per component, from this one's seed words. */
  fork(label: string): Rng {
    let h = 2166136261;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
    return new Rng((this.s[0]! ^ h ^ Math.imul(this.s[3]!, 31)) >>> 0);
  }

  nextU32(): number {
    const s = this.s;
    const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
    s[3] = (s[3]! + 1) >>> 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) >>> 0;
    s[2] = (s[2]! + t) >>> 0;
    return t;
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: number[]): void {
    if (state.length !== 4)
      throw new Error(`an sfc32 state has 4 words, got ${state.length} (a checkpoint of another generator?)`);
    this.s = Uint32Array.from(state);
  }
}
