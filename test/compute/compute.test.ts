// Compute kernels: results against plain JS references for both float widths and every
// size edge (empty, partial blocks, the parallel threshold), Math.min/Math.max's NaN and
// signed-zero rules, the sum's error bound against an exact sum, calls from pool workers
// sharing the kernel pool, and typed errors for bad input.
import { describe, expect, it } from 'vitest';

import { compute, type FloatArray } from '@weft/core';

import { makePool, throwsWith } from '../fixtures/pool-helpers.js';

/** Expects `fn` to throw INVALID_ARGUMENT with a message matching `message`. */
function refuses(fn: () => unknown, message: RegExp): void {
  expect(throwsWith(fn, 'INVALID_ARGUMENT').message).toMatch(message);
}

const COMPUTE_TASKS = new URL('../fixtures/compute-tasks.mjs', import.meta.url);

// Around the leaf (128), the parallel threshold (2^17) and a partial last parallel task.
const SIZES = [0, 1, 127, 128, 129, 5_000, (1 << 17) - 1, 1 << 17, 300_007];

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** An exact sum of doubles rounded once (Shewchuk's expansions, as Python's math.fsum). */
function exactSum(xs: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    let x = xs[i];
    let kept = 0;
    for (const y of partials) {
      const [big, small] = Math.abs(x) < Math.abs(y) ? [y, x] : [x, y];
      const hi = big + small;
      const lo = small - (hi - big);
      if (lo !== 0) partials[kept++] = lo;
      x = hi;
    }
    partials.length = kept;
    partials.push(x);
  }
  return partials.reduceRight((acc, p) => acc + p, 0);
}

function sumBound(xs: ArrayLike<number>): number {
  let abs = 0;
  for (let i = 0; i < xs.length; i++) abs += Math.abs(xs[i]);
  const m = 20 + Math.ceil(Math.log2(Math.max(1, Math.ceil(xs.length / 128))));
  return m * 2 ** -53 * abs * 1.000001;
}

function jsMin(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.min(m, xs[i]);
  return m;
}

function jsMax(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]);
  return m;
}

const WIDTHS: Array<[string, (n: number, next: () => number) => FloatArray]> = [
  ['Float64Array', (n, next) => Float64Array.from({ length: n }, () => (next() * 2 - 1) * 2 ** Math.floor(next() * 40 - 20))],
  ['Float32Array', (n, next) => Float32Array.from({ length: n }, () => next() * 2 - 1)],
];

describe.each(WIDTHS)('reductions on %s', (_name, make) => {
  it('sum stays within its error bound of the exact sum at every size', () => {
    const next = random(1);
    for (const n of SIZES) {
      const xs = make(n, next);
      expect(Math.abs(compute.sumSync(xs) - exactSum(xs))).toBeLessThanOrEqual(sumBound(xs));
    }
  });

  it('min and max equal Math.min and Math.max at every size', () => {
    const next = random(2);
    for (const n of SIZES) {
      const xs = make(n, next);
      expect(compute.minSync(xs)).toBe(jsMin(xs));
      expect(compute.maxSync(xs)).toBe(jsMax(xs));
    }
  });

  it('dot stays within the error bound of the exact sum of products', () => {
    const next = random(3);
    for (const n of SIZES) {
      const a = make(n, next);
      const b = make(n, next);
      const products = Array.from(a, (x, i) => x * b[i]);
      expect(Math.abs(compute.dotSync(a, b) - exactSum(products))).toBeLessThanOrEqual(sumBound(products));
    }
  });
});

describe('special values', () => {
  it('NaN propagates through every reduction, small and parallel', () => {
    for (const n of [3, 200_000]) {
      const xs = new Float64Array(n).fill(1);
      xs[n - 1] = NaN;
      expect(compute.sumSync(xs)).toBeNaN();
      expect(compute.minSync(xs)).toBeNaN();
      expect(compute.maxSync(xs)).toBeNaN();
      expect(compute.dotSync(xs, xs)).toBeNaN();
    }
  });

  it('-0 sorts below +0 as in Math.min and Math.max, across parallel tasks', () => {
    for (const n of [4, 300_000]) {
      const xs = new Float64Array(n);
      expect(Object.is(compute.minSync(xs), 0)).toBe(true);
      xs[n - 1] = -0;
      expect(Object.is(compute.minSync(xs), -0)).toBe(true);
      expect(Object.is(compute.maxSync(xs), 0)).toBe(true);
      expect(Object.is(compute.maxSync(new Float32Array(n).fill(-0)), -0)).toBe(true);
    }
  });

  it('empty arrays give the identities: 0, Infinity, -Infinity', () => {
    expect(compute.sumSync(new Float64Array(0))).toBe(0);
    expect(compute.minSync(new Float32Array(0))).toBe(Infinity);
    expect(compute.maxSync(new Float64Array(0))).toBe(-Infinity);
    expect(compute.dotSync(new Float32Array(0), new Float32Array(0))).toBe(0);
  });

  it('a Float32Array sums in float64 precision', () => {
    // 2^24 + 1 ones: a float32 accumulator would stop at 2^24.
    expect(compute.sumSync(new Float32Array(2 ** 24 + 1).fill(1))).toBe(2 ** 24 + 1);
  });

  it('reads only the view, not the whole buffer under it', () => {
    const buffer = new Float64Array([100, 1, 2, 3, 100]).buffer;
    const view = new Float64Array(buffer, 8, 3);
    expect(compute.sumSync(view)).toBe(6);
    expect(compute.maxSync(view)).toBe(3);
  });

  it('a detached array is refused, naming the argument', () => {
    const xs = new Float64Array([1, 2, 3]);
    structuredClone(xs.buffer, { transfer: [xs.buffer] });
    expect(xs.length).toBe(0);
    refuses(() => compute.sumSync(xs), /compute\.sumSync: a is detached/);
  });
});

describe('threads', () => {
  it('reports the pool size and resizes it; results do not depend on it', () => {
    const xs = Float64Array.from({ length: 500_000 }, (_, i) => (i % 1000) / 8);
    const before = compute.threads();
    expect(before).toBeGreaterThanOrEqual(1);
    const sums = [1, 3].map((n) => {
      compute.setThreads(n);
      expect(compute.threads()).toBe(n);
      return compute.sumSync(xs);
    });
    compute.setThreads(before);
    expect(sums[0]).toBe(sums[1]); // exact values: every order of addition is exact
    expect(sums[0]).toBe(exactSum(xs));
  });

  it('pool workers call kernels concurrently on the shared kernel pool', async () => {
    const pool = makePool({ filename: COMPUTE_TASKS, size: 2 });
    const n = 400_000;
    const xs = Float64Array.from({ length: n }, (_, i) => (i % 97) - 48);
    const expected = [exactSum(xs), -48, 48, exactSum(Array.from(xs, (x) => x * x))];
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.run('stats', n)));
    for (const r of results) expect(r).toEqual(expected);
    const buf = new Float64Array([1.5, 2.5, 3]).buffer;
    expect(await pool.run('sum', buf, { transfer: [buf] })).toBe(7);
  });
});

describe('bad input', () => {
  it('refuses anything but a numeric TypedArray, naming the argument', () => {
    for (const bad of [undefined, null, 1, 'x', [1, 2], new DataView(new ArrayBuffer(8)), new ArrayBuffer(8)]) {
      refuses(() => compute.sumSync(bad as never), /compute\.sumSync: a must be a Float64Array, Float32Array, .* or BigUint64Array/);
      refuses(() => compute.minSync(bad as never), /compute\.minSync: a /);
      refuses(() => compute.dotSync(bad as never, new Float64Array(2)), /compute\.dotSync: a /);
    }
  });

  it('reads arrays over a SharedArrayBuffer in place', () => {
    const shared = new Float64Array(new SharedArrayBuffer(64));
    shared.set([3, -1, 7]);
    expect(compute.maxSync(shared)).toBe(7);
    expect(compute.sumSync(shared)).toBe(9);
  });

  it('dot refuses mixed element types and mismatched lengths', () => {
    refuses(() => compute.dotSync(new Float64Array(2), new Float32Array(2) as never), /b must be a Float64Array like a, got Float32Array/);
    refuses(() => compute.dotSync(new Float64Array(2), new Float64Array(3)), /b must have a's length 2, got 3/);
  });

  it('setThreads refuses what is not an integer from 1 to 1024', () => {
    for (const bad of [0, -1, 1.5, 1025, NaN, Infinity, '2', null]) {
      refuses(() => compute.setThreads(bad as never), /compute\.setThreads: n must be an integer from 1 to 1024/);
    }
  });
});
