/**
 * The PCG64 stream against numpy 1.24's own output. The expected values were printed by /usr/bin/python3 with
 * numpy (lk = FNV-1a of a label, as labelKey):
 *   np.random.PCG64(999).random_raw(4); np.random.PCG64(2**40 + 5).random_raw(2)
 *   np.random.Generator(np.random.PCG64(999)).random(3)
 *   np.random.Generator(np.random.PCG64(1000)).integers(0, n, size=10) for n = 3000000000 and 7050
 *   np.random.Generator(np.random.PCG64(999)).permutation(20)
 *   np.random.PCG64(np.random.SeedSequence(999, spawn_key=(lk('train'), lk('negatives')))).random_raw(2)
 *   bg.state = {'bit_generator': 'PCG64', 'state': {'state': S, 'inc': I}, 'has_uint32': 0, 'uinteger': 0};
 *   bg.random_raw(3); bg.state
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pcg64 } from '../../src/util/pcg64.js';
import { rootStream } from '../../src/util/streams.js';
import { Rng } from '../../src/util/rng.js';

const u64 = ([hi, lo]: [number, number]) => ((BigInt(hi) << 32n) | BigInt(lo)).toString();
const words = (x: bigint) => [3, 2, 1, 0].map((k) => Number((x >> BigInt(32 * k)) & 0xffffffffn));

test("PCG64(seed) gives numpy's random_raw, seeded through SeedSequence (one-word and two-word seeds)", () => {
  const g = new Pcg64(999);
  assert.deepEqual(
    [0, 1, 2, 3].map(() => u64(g.nextU64())),
    ['14366785777505629437', '3177426409875869023', '13163094698724657654', '13841239149316705243'],
  );
  const h = new Pcg64(2 ** 40 + 5);
  assert.deepEqual(
    [0, 1].map(() => u64(h.nextU64())),
    ['87427594128977387', '6872972437549564694'],
  );
});

test("PCG64 from a raw state steps and outputs as numpy, and its state after the draws is numpy's", () => {
  const S = 0x0123456789abcdeffedcba9876543210n;
  const I = 0x5851f42d4c957f2d14057b7ef767814fn;
  const g = Pcg64.fromState(words(S), words(I));
  assert.deepEqual(
    [0, 1, 2].map(() => u64(g.nextU64())),
    ['1424439221856460657', '5686171991734704082', '8181800719197138693'],
  );
  assert.deepEqual(g.getState(), [
    ...words(325188783482473721438777951102144773537n),
    ...words(117397592171526113268558934119004209487n),
    0,
    0,
  ]);
});

test("next, int and shuffle are numpy Generator's random, integers and permutation", () => {
  const g = new Pcg64(999);
  assert.deepEqual([g.next(), g.next(), g.next()], [0.7788250175802724, 0.17224863082501163, 0.713572793449485]);
  // 3e9 rejects about a third of the 32-bit draws, so Lemire's rejection branch is exercised.
  const big = new Pcg64(1000);
  assert.deepEqual(
    Array.from({ length: 10 }, () => big.int(3000000000)),
    [
      1564157213, 2545263835, 1811525540, 1412825391, 609743827, 1508857382, 1586277076, 889452672, 1498486181,
      844636795,
    ],
  );
  const small = new Pcg64(1000);
  assert.deepEqual(
    Array.from({ length: 10 }, () => small.int(7050)),
    [1436, 3675, 5981, 4257, 5770, 3320, 1471, 1432, 3545, 3727],
  );
  const p = new Pcg64(999).shuffle(Int32Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(Array.from(p), [7, 15, 2, 4, 9, 18, 10, 8, 5, 19, 6, 13, 14, 0, 17, 1, 16, 12, 3, 11]);
});

test("fork(label) is the SeedSequence child whose spawn key adds the label's hash", () => {
  const g = new Pcg64(999).fork('train').fork('negatives');
  assert.deepEqual(
    [0, 1].map(() => u64(g.nextU64())),
    ['6445970199397369651', '16152274810297036964'],
  );
  // A fork depends on the seed and the labels only, not on how far the parent has run.
  const parent = new Pcg64(999);
  for (let i = 0; i < 5; i++) parent.nextU32();
  assert.deepEqual(parent.fork('x').getState(), new Pcg64(999).fork('x').getState());
});

test('a PCG64 state restored mid-draw (buffered half pending) continues exactly', () => {
  const a = new Pcg64(7);
  a.nextU32(); // leaves the high half buffered
  const saved = a.getState();
  assert.equal(saved[8], 1);
  const rest = Array.from({ length: 9 }, () => a.nextU32());
  const b = new Pcg64(1);
  b.setState(saved);
  assert.deepEqual(
    Array.from({ length: 9 }, () => b.nextU32()),
    rest,
  );
  assert.throws(() => b.setState(new Rng(1).getState()), /PCG64 state has 10 words/);
  assert.throws(() => new Rng(1).setState(saved), /sfc32 state has 4 words/);
});

test('rootStream picks the generator by name and keeps sfc32 identical to Rng', () => {
  assert.deepEqual(rootStream('sfc32', 42).getState(), new Rng(42).getState());
  assert.ok(rootStream('pcg64', 42) instanceof Pcg64);
  assert.deepEqual(rootStream('pcg64', 42).getState(), new Pcg64(42).getState());
});
