/**
 * numpy's default bit generator, PCG64 (a 128-bit LCG with the XSL-RR 64-bit output), as a RandomStream, so a
 * run can swap any of its streams for a well-known generator. It reproduces numpy bit for bit:
 * `new Pcg64(seed)` is `np.random.PCG64(seed)` (seeded through numpy's SeedSequence), `nextU64` is
 * `random_raw()`, `next()` is `Generator.random()`, successive `int(n)` are one `Generator.integers(0, n, size)`
 * call (Lemire's unbiased method on 32-bit draws), `shuffle` is `Generator.shuffle` of a 1-d array; `fork(label)` is a
 * SeedSequence child whose spawn key adds a hash of the label. Only `normal()` differs (Box-Muller here,
 * numpy's is a ziggurat).
 * The 128-bit arithmetic runs on eight 16-bit limbs in plain numbers: every partial product and carry stays
 * far below 2^53, so it is exact without BigInt.
 */
import { RandomStream } from './rng.js';

/** PCG's default 128-bit multiplier, as 16-bit limbs, least significant first. */
const MULT = limbs128([0x2360ed05, 0x1fc65da4, 0x4385df64, 0x9fccf645]);

/** 128-bit value from four uint32 words, most significant first, as 16-bit limbs, least significant first. */
function limbs128(words: number[]): number[] {
  const out: number[] = [];
  for (let w = 3; w >= 0; w--) out.push(words[w]! & 0xffff, words[w]! >>> 16);
  return out;
}

/** Four uint32 words, most significant first, from eight 16-bit limbs. */
function words128(l: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let w = 3; w >= 0; w--) out.push((l[2 * w]! | (l[2 * w + 1]! << 16)) >>> 0);
  return out;
}

/** numpy's SeedSequence(entropy, spawn_key).generate_state(n) as uint32 words (numpy/random/bit_generator.pyx). */
export function seedSequenceWords(entropy: number[], spawnKey: number[], nWords: number): number[] {
  const INIT_A = 0x43b0d7e5;
  const MULT_A = 0x931e8875;
  const INIT_B = 0x8b51f9dd;
  const MULT_B = 0x58f38ded;
  const MIX_MULT_L = 0xca01f9dd;
  const MIX_MULT_R = 0x4973f715;
  const POOL = 4;
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const run = entropy.map((e) => e >>> 0);
  if (spawnKey.length > 0) while (run.length < POOL) run.push(0);
  const ent = [...run, ...spawnKey.map((k) => k >>> 0)];
  const pool = new Array<number>(POOL);
  for (let i = 0; i < POOL; i++) pool[i] = hashmix(i < ent.length ? ent[i]! : 0);
  for (let s = 0; s < POOL; s++) for (let d = 0; d < POOL; d++) if (s !== d) pool[d] = mix(pool[d]!, hashmix(pool[s]!));
  for (let s = POOL; s < ent.length; s++) for (let d = 0; d < POOL; d++) pool[d] = mix(pool[d]!, hashmix(ent[s]!));
  let hb = INIT_B;
  const out: number[] = [];
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL]! ^ hb) >>> 0;
    hb = Math.imul(hb, MULT_B) >>> 0;
    v = Math.imul(v, hb) >>> 0;
    out.push((v ^ (v >>> 16)) >>> 0);
  }
  return out;
}

/** An integer seed as numpy coerces it into uint32 words (least significant first). */
function seedWords(seed: number): number[] {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`a PCG64 seed must be a non-negative integer, got ${seed}`);
  const out = [seed >>> 0];
  for (let hi = Math.floor(seed / 4294967296); hi > 0; hi = Math.floor(hi / 4294967296)) out.push(hi >>> 0);
  return out;
}

/** FNV-1a of a label: the spawn-key word that `fork(label)` adds. */
export function labelKey(label: string): number {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export class Pcg64 extends RandomStream {
  /** State and increment as 16-bit limbs, least significant first. */
  private readonly st = new Float64Array(8);
  private readonly inc = new Float64Array(8);
  private readonly tmp = new Float64Array(8);
  /** numpy's buffered half of a 64-bit draw (`has_uint32`, `uinteger`). */
  private hasU32 = 0;
  private u32 = 0;
  /** High and low words of the last 64-bit output. */
  private outHi = 0;
  private outLo = 0;

  /**
   * `seed`: numpy's `PCG64(seed)`; `spawnKey`: the SeedSequence's spawn key (what `fork` extends).
   * `Pcg64.fromState` makes one from a raw state instead.
   */
  constructor(
    seed: number,
    private readonly spawnKey: number[] = [],
    private readonly entropy: number[] = seedWords(seed),
  ) {
    super();
    const w = seedSequenceWords(this.entropy, spawnKey, 8);
    // generate_state(4, uint64) read as little-endian uint64s: val[0..1] seed the state, val[2..3] the stream,
    // and pcg64_set_seed takes val[0] as the high half.
    this.seed([w[1]!, w[0]!, w[3]!, w[2]!], [w[5]!, w[4]!, w[7]!, w[6]!]);
  }

  /** A generator at numpy's raw state: `state`, `inc` as four uint32 words each, most significant first. */
  static fromState(state: number[], inc: number[]): Pcg64 {
    const g = new Pcg64(0);
    g.setState([...state, ...inc, 0, 0]);
    return g;
  }

  /** pcg_setseq_128_srandom_r: inc = seq << 1 | 1, then step, add the seed, step. */
  private seed(initState: number[], initSeq: number[]): void {
    const seq = limbs128(initSeq);
    let carry = 1;
    for (let i = 0; i < 8; i++) {
      const v = seq[i]! * 2 + carry;
      this.inc[i] = v & 0xffff;
      carry = v >>> 16;
    }
    this.st.fill(0);
    this.step();
    const add = limbs128(initState);
    carry = 0;
    for (let i = 0; i < 8; i++) {
      const v = this.st[i]! + add[i]! + carry;
      this.st[i] = v & 0xffff;
      carry = v >>> 16;
    }
    this.step();
    this.hasU32 = 0;
    this.u32 = 0;
  }

  /** state = state · MULT + inc (mod 2^128). */
  private step(): void {
    const s = this.st;
    const r = this.tmp;
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let acc = carry + this.inc[k]!;
      for (let i = 0; i <= k; i++) acc += s[i]! * MULT[k - i]!;
      r[k] = acc % 65536;
      carry = Math.floor(acc / 65536);
    }
    s.set(r);
  }

  /** One 64-bit output (`random_raw`), left in outHi / outLo: XSL-RR of the advanced state. */
  private draw(): void {
    this.step();
    const s = this.st;
    const hiHi = (s[6]! | (s[7]! << 16)) >>> 0;
    const hiLo = (s[4]! | (s[5]! << 16)) >>> 0;
    const loHi = (s[2]! | (s[3]! << 16)) >>> 0;
    const loLo = (s[0]! | (s[1]! << 16)) >>> 0;
    let xh = (hiHi ^ loHi) >>> 0;
    let xl = (hiLo ^ loLo) >>> 0;
    let rot = hiHi >>> 26;
    if (rot >= 32) {
      const t = xh;
      xh = xl;
      xl = t;
      rot -= 32;
    }
    if (rot > 0) {
      const h = ((xh >>> rot) | (xl << (32 - rot))) >>> 0;
      const l = ((xl >>> rot) | (xh << (32 - rot))) >>> 0;
      xh = h;
      xl = l;
    }
    this.outHi = xh;
    this.outLo = xl;
  }

  /** The next 64-bit output as [high, low] uint32 words (numpy's `random_raw()`). */
  nextU64(): [number, number] {
    this.draw();
    return [this.outHi, this.outLo];
  }

  /** numpy's next_uint32: the low half of a 64-bit draw, then its high half. */
  nextU32(): number {
    if (this.hasU32) {
      this.hasU32 = 0;
      return this.u32;
    }
    this.draw();
    this.hasU32 = 1;
    this.u32 = this.outHi;
    return this.outLo;
  }

  /** numpy's next_double: the top 53 bits of a 64-bit draw (the buffered half is left alone, as numpy does). */
  override next(): number {
    this.draw();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) / 9007199254740992;
  }

  /** numpy's `integers(0, n)` for n <= 2^32: Lemire's multiply-shift with its rejection, so exactly uniform. */
  override int(n: number): number {
    if (n <= 1) return 0;
    if (n > 4294967296) throw new RangeError(`int(n) needs n <= 2^32, got ${n}`);
    if (n === 4294967296) return this.nextU32();
    let [hi, lo] = mulU32(this.nextU32(), n);
    if (lo < n) {
      const threshold = (4294967296 - n) % n;
      while (lo < threshold) [hi, lo] = mulU32(this.nextU32(), n);
    }
    return hi;
  }

  /** numpy's Generator.shuffle of a 1-d array: Fisher-Yates with masked rejection (`random_interval`). */
  override shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** numpy's random_interval(max) for max < 2^32: draws masked to the next power of two until <= max. */
  private interval(max: number): number {
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    while ((v = (this.nextU32() & mask) >>> 0) > max);
    return v;
  }

  fork(label: string): Pcg64 {
    return new Pcg64(0, [...this.spawnKey, labelKey(label)], this.entropy);
  }

  /** state (4 words, most significant first), inc (4 words), has_uint32, uinteger. */
  getState(): number[] {
    return [...words128(this.st), ...words128(this.inc), this.hasU32, this.u32];
  }

  setState(state: number[]): void {
    if (state.length !== 10)
      throw new Error(`a PCG64 state has 10 words, got ${state.length} (a checkpoint of another generator?)`);
    this.st.set(limbs128(state.slice(0, 4)));
    this.inc.set(limbs128(state.slice(4, 8)));
    this.hasU32 = state[8]! ? 1 : 0;
    this.u32 = state[9]! >>> 0;
  }
}

/** The 64-bit product of two uint32 values as [high, low] words, exactly. */
function mulU32(a: number, b: number): [number, number] {
  const bl = b & 0xffff;
  const bh = (b - bl) / 65536;
  const pl = a * bl;
  const ph = a * bh;
  const lo = Math.imul(a, b >>> 0) >>> 0;
  const hi = Math.floor(ph / 65536) + Math.floor(((ph % 65536) * 65536 + pl) / 4294967296);
  return [hi, lo];
}
