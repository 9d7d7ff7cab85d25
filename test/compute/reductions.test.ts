// compute's reductions on every element type, sync and async, against plain JS references
// on seeded random data at every size edge (empty, 1, around the 128-element leaf, the
// 32768-element chunk and the 131072-element parallel threshold) and on edge values:
// sum (floats within the documented bound of an exact sum, integers exact, bigints for
// the 64-bit types), mean, variance and std (ddof 0 and 1, a two-pass reference), min,
// max and minMax (Math.min/Math.max's NaN and signed-zero rules), countNonZero, countNaN
// and dot, and INVALID_ARGUMENT for bad input.
import { describe, expect, it } from 'vitest';

import { compute, type NumericArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import {
  TYPES,
  SIZES,
  arrayOf,
  bigSum,
  edgeArray,
  edgeValues,
  exactSum,
  jsMax,
  jsMin,
  memo,
  numbers,
  random,
  randomArray,
  same,
  shared,
  smallArray,
  sumBound,
  onThreadCounts,
  type ElementType,
} from '../fixtures/typed-arrays.js';

type Reduction = 'sum' | 'mean' | 'variance' | 'std' | 'min' | 'max' | 'minMax' | 'countNonZero' | 'countNaN';

type Kernels = Record<string, (...args: unknown[]) => unknown>;
const kernels = compute as unknown as Kernels;

/** The sync and async forms of a reduction, both as a Promise of the result. */
const FORMS = [
  ['sync', async (name: string, ...args: unknown[]) => kernels[`${name}Sync`]!(...args)],
  ['async', (name: string, ...args: unknown[]) => kernels[name]!(...args) as Promise<unknown>],
] as const;

/** Expects the sync form to throw and the async form to reject INVALID_ARGUMENT, each message led by its own name and matching `message`. */
async function bothRefuse(name: string, args: readonly unknown[], message: RegExp, param?: string): Promise<void> {
  const sync = throwsWith(() => kernels[`${name}Sync`]!(...args), 'INVALID_ARGUMENT');
  expect(sync.message).toMatch(new RegExp(`^compute\\.${name}Sync:? ${message.source}`));
  const async = await rejectsWith(kernels[name]!(...args) as Promise<unknown>, 'INVALID_ARGUMENT');
  expect(async.message).toMatch(new RegExp(`^compute\\.${name}:? ${message.source}`));
  if (param !== undefined) {
    expect(sync.details.param).toBe(param);
    expect(async.details.param).toBe(param);
  }
}

/** Seeded random arrays of the type at every size (made once per type: the forms share them). */
function randomArrays(type: ElementType, seed: number): NumericArray[] {
  const next = random(seed);
  return SIZES.map((n) => randomArray(type, n, next));
}

/** Edge-value arrays of the type at sizes that cross the leaf, chunk and parallel edges. */
function edgeArrays(type: ElementType, seed: number, withNaN = true): NumericArray[] {
  const next = random(seed);
  const values = edgeValues(type).filter((v) => withNaN || !Number.isNaN(v));
  const pick = (n: number): NumericArray => {
    const a = edgeArray(type, n, next);
    for (let i = 0; i < n; i++) if (!withNaN && Number.isNaN(a[i])) (a as { [i: number]: number | bigint })[i] = values[i % values.length]!;
    return a;
  };
  return [1, 2, 129, 32_769, 131_073].map(pick);
}

/**
 * The variance `Σ(x - mean)² / max(n - ddof, 0)` by a reference, as a function of ddof:
 * exact (BigInt) for integers, two exact-sum passes for floats.
 */
function referenceVariance(type: ElementType, a: NumericArray): (ddof: number) => number {
  const n = a.length;
  if (n === 0) return () => NaN;
  if (type.family !== 'float') {
    // n·Σx² - (Σx)² = n·Σ(x - mean)², exactly.
    let s1 = 0n;
    let s2 = 0n;
    for (let i = 0; i < n; i++) {
      const x = BigInt(a[i]!);
      s1 += x;
      s2 += x * x;
    }
    const num = BigInt(n) * s2 - s1 * s1;
    return (ddof) => (num === 0n ? 0 : Number(num) / n) / Math.max(n - ddof, 0);
  }
  const xs = a as Float64Array | Float32Array;
  const mean = exactSum(xs) / n;
  const d = Float64Array.from(xs, (x) => x - mean);
  const squares = Float64Array.from(d, (x) => x * x);
  const ss = exactSum(squares) - exactSum(d) ** 2 / n;
  return (ddof) => ss / Math.max(n - ddof, 0);
}

/** Expects `got` within a relative `tol` of `want` (equal when `want` is not finite, or zero). */
function expectClose(got: unknown, want: number, tol: number, what: string): void {
  expect(typeof got, what).toBe('number');
  const g = got as number;
  if (!Number.isFinite(want) || want === 0) {
    expect(same(g, want) || (want === 0 && Math.abs(g) <= tol), `${what}: ${g}, expected ${want}`).toBe(true);
    return;
  }
  expect(Math.abs(g - want), `${what}: ${g}, expected ${want}`).toBeLessThanOrEqual(tol * Math.abs(want));
}

/** The min and max by a plain loop: Math.min/Math.max for numbers, `<` and `>` for bigints. */
function referenceExtremes(type: ElementType, a: NumericArray): [number | bigint, number | bigint] {
  if (type.family !== 'bigint') {
    const xs = numbers(a);
    return [jsMin(xs), jsMax(xs)];
  }
  const big = a as BigInt64Array;
  let lo = big[0]!;
  let hi = big[0]!;
  for (const x of big) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

describe.each(TYPES.map((type) => [type.name, type] as const))('reductions of a %s', (name, type) => {
  const arrays = randomArrays(type, 100 + type.bits + name.length);
  const edges = edgeArrays(type, 200 + name.length);
  const finiteEdges = edgeArrays(type, 300 + name.length, false);
  // Second operands and references, made once and shared by both forms.
  const nextB = random(400 + name.length);
  const partners = arrays.map((a) => randomArray(type, a.length, nextB));
  const nextSmall = random(500 + name.length);
  const smallPairs = SIZES.map((n) => [smallArray(type, n, nextSmall), smallArray(type, n, nextSmall)] as const);
  const variances = memo((a: NumericArray) => referenceVariance(type, a));
  // Values a little above a large offset: the mean is large beside the spread.
  const offset = type.family === 'float' ? (type.bits === 32 ? 4096 : 1e9) : type.family === 'bigint' ? 2 ** 62 : (type.max as number) - 200;
  const offsetArrays = [1000, 131_073].map((n) => {
    const base = smallArray(type, n, nextSmall);
    const a = new type.Ctor(n);
    for (let i = 0; i < n; i++) {
      const v = Math.abs(Number(base[i])) % 100;
      (a as { [i: number]: number | bigint })[i] = type.family === 'bigint' ? BigInt(offset) + BigInt(v) : type.family === 'float' ? offset + v / 8 : offset + v;
    }
    return a;
  });
  const sums = memo((a: NumericArray) => (type.family === 'float' ? { exact: exactSum(a as Float64Array), bound: sumBound(a as Float64Array) } : { big: bigSum(a) }));
  const dots = memo((a: NumericArray) => {
    const b = partners[arrays.indexOf(a)]!;
    const products = Float64Array.from({ length: a.length }, (_, i) => Number(a[i]) * Number(b[i]));
    return { b, exact: exactSum(products), bound: sumBound(products) };
  });

  describe.each(FORMS)('%s', (_form, run) => {
    it('sum: floats within the documented bound of the exact sum, integers exact, 64-bit types as an exact bigint', async () => {
      for (const a of arrays) {
        const got = await run('sum', a);
        const { exact, bound, big } = sums(a);
        if (type.family === 'float') {
          // A Float32Array's sum may also round once to float64 from its conversion.
          expect(typeof got).toBe('number');
          expect(Math.abs((got as number) - exact!), `${name} sum of ${a.length}`).toBeLessThanOrEqual(bound! + 2 ** -53 * Math.abs(exact!));
        } else if (type.family === 'int') {
          expect(got, `${name} sum of ${a.length}`).toBe(Number(big));
        } else {
          expect(got, `${name} sum of ${a.length}`).toBe(big);
        }
      }
      expect(same(await run('sum', new type.Ctor(0)), type.family === 'bigint' ? 0n : 0)).toBe(true);
    });

    it('sum: NaN, Infinity and the integer extremes', async () => {
      for (const a of edges) {
        const got = await run('sum', a);
        if (type.family === 'float') {
          if (Array.from(a as Float64Array).some(Number.isNaN)) expect(got, `${a.length} edge values`).toBeNaN();
        } else if (type.family === 'int') {
          expect(got, `${a.length} edge values`).toBe(Number(bigSum(a)));
        } else {
          expect(got, `${a.length} edge values`).toBe(bigSum(a));
        }
      }
      if (type.family !== 'float') return;
      const max = type.max as number;
      const cases: Array<[number[], number]> = [
        [[1, Infinity, 2], Infinity],
        [[-Infinity, 1], -Infinity],
        [[Infinity, -Infinity], NaN],
        [[1, NaN], NaN],
        // A Float32Array sums in float64: no overflow there.
        [[max, max], type.bits === 32 ? 2 * max : Infinity],
        [[-max, -max], type.bits === 32 ? -2 * max : -Infinity],
        [[max, -max], 0],
        [[0.5, -0.5], 0],
      ];
      for (const [values, want] of cases) {
        for (const n of [values.length, 131_073]) {
          // The values, then zeros: the same sum, over the parallel path.
          const a = new type.Ctor(n);
          (a as Float64Array).set(values);
          expect(same(await run('sum', a), want), `${name} sum of [${values}] and ${n - values.length} zeros`).toBe(true);
        }
      }
    });

    it('mean: the sum over the length (NaN when empty)', async () => {
      for (const a of arrays) {
        const got = await run('mean', a);
        if (a.length === 0) {
          expect(got).toBeNaN();
        } else if (type.family === 'float') {
          expect(got, `${name} mean of ${a.length}`).toBe((compute.sumSync(a) as number) / a.length);
          const { exact, bound } = sums(a);
          expect(Math.abs((got as number) - exact! / a.length)).toBeLessThanOrEqual((bound! + 2 ** -52 * Math.abs(exact!)) / a.length);
        } else {
          expect(got, `${name} mean of ${a.length}`).toBe(Number(sums(a).big) / a.length);
        }
      }
    });

    it('variance and std with ddof 0 and 1 match a two-pass reference', async () => {
      for (const a of arrays) {
        for (const ddof of [0, 1]) {
          const want = variances(a)(ddof);
          const variance = await run('variance', a, { ddof });
          expectClose(variance, want, 1e-12, `${name} variance of ${a.length}, ddof ${ddof}`);
          const std = await run('std', a, { ddof });
          expect(same(std, Math.sqrt(variance as number)), `${name} std of ${a.length}`).toBe(true);
        }
      }
      // ddof defaults to 0.
      const a = arrays[5]!;
      expect(await run('variance', a)).toBe(await run('variance', a, { ddof: 0 }));
      expect(await run('std', a)).toBe(await run('std', a, {}));
    });

    it('variance: n - ddof <= 0 divides by zero (NaN without spread, Infinity with), a fractional ddof divides by n - ddof', async () => {
      const one = arrayOf(type, [7]);
      const two = arrayOf(type, [1, 3]);
      const flat = arrayOf(type, [5, 5]);
      expect(await run('variance', new type.Ctor(0))).toBeNaN();
      expect(await run('variance', new type.Ctor(0), { ddof: 1 })).toBeNaN();
      expect(await run('variance', one)).toBe(0);
      expect(await run('variance', one, { ddof: 1 })).toBeNaN();
      expect(await run('variance', two, { ddof: 2 })).toBe(Infinity);
      expect(await run('variance', two, { ddof: 5 })).toBe(Infinity);
      expect(await run('variance', flat, { ddof: 2 })).toBeNaN();
      expect(await run('variance', two, { ddof: 0.5 })).toBe(2 / 1.5);
      expect(await run('std', two, { ddof: 1 })).toBe(Math.SQRT2);
      expect(await run('std', two, { ddof: 2 })).toBe(Infinity);
    });

    it('variance stays accurate when the mean is large beside the spread', async () => {
      for (const a of offsetArrays) {
        expectClose(await run('variance', a, { ddof: 1 }), variances(a)(1), 1e-9, `${name} variance of ${a.length} around ${offset}`);
      }
    });

    it('min, max and minMax: Math.min/Math.max rules (NaN wins, -0 below +0), bigints for the 64-bit types', async () => {
      for (const a of [...arrays.slice(1), ...edges, ...finiteEdges]) {
        const [lo, hi] = referenceExtremes(type, a);
        const min = await run('min', a);
        const max = await run('max', a);
        expect(same(min, lo), `${name} min of ${a.length}: ${String(min)}, expected ${String(lo)}`).toBe(true);
        expect(same(max, hi), `${name} max of ${a.length}: ${String(max)}, expected ${String(hi)}`).toBe(true);
        const both = (await run('minMax', a)) as { min: unknown; max: unknown };
        expect(Object.keys(both)).toEqual(['min', 'max']);
        expect(same(both.min, lo) && same(both.max, hi), `${name} minMax of ${a.length}`).toBe(true);
      }
    });

    if (type.family !== 'bigint') {
      it('min and max of an empty array: Infinity and -Infinity', async () => {
        const empty = new type.Ctor(0);
        expect(await run('min', empty)).toBe(Infinity);
        expect(await run('max', empty)).toBe(-Infinity);
        expect(await run('minMax', empty)).toEqual({ min: Infinity, max: -Infinity });
      });
    }

    it('countNonZero (NaN counts, -0 does not) and countNaN', async () => {
      for (const a of [...arrays, ...edges]) {
        let nonZero = 0;
        let nan = 0;
        for (let i = 0; i < a.length; i++) {
          const x = a[i]!;
          if (x !== 0 && x !== 0n) nonZero++;
          if (Number.isNaN(x)) nan++;
        }
        expect(await run('countNonZero', a), `${name} countNonZero of ${a.length}`).toBe(nonZero);
        expect(await run('countNaN', a), `${name} countNaN of ${a.length}`).toBe(nan);
      }
    });

    it('dot: within the sum bound of the exact sum of the float64 products', async () => {
      for (const a of arrays) {
        const { b, exact, bound } = dots(a);
        const got = await run('dot', a, b);
        expect(typeof got).toBe('number');
        expect(Math.abs((got as number) - exact), `${name} dot of ${a.length}`).toBeLessThanOrEqual(bound);
        expect(await run('dot', b, a), 'dot is symmetric').toBe(got);
      }
      for (const a of edges) {
        const got = await run('dot', a, a);
        if (Array.from(a as Float64Array).some(Number.isNaN)) expect(got).toBeNaN();
        else expect(typeof got).toBe('number');
      }
    });

    it('dot of small integers is exact at every size', async () => {
      for (const [a, b] of smallPairs) {
        let want = 0;
        for (let i = 0; i < a.length; i++) want += Number(a[i]) * Number(b[i]);
        expect(await run('dot', a, b), `${name} dot of ${a.length}`).toBe(want);
      }
    });

    it('reads only the view, and arrays over a SharedArrayBuffer in place', async () => {
      const a = arrays[4]!;
      const wide = new type.Ctor(a.length + 4);
      (wide as unknown as { set(x: NumericArray, at: number): void }).set(a, 2);
      const view = wide.subarray(2, 2 + a.length);
      const sab = shared(a);
      for (const r of ['sum', 'mean', 'min', 'max', 'countNonZero'] as const) {
        const want = await run(r, a);
        expect(same(await run(r, view), want), `${r} of a view`).toBe(true);
        expect(same(await run(r, sab), want), `${r} over a SharedArrayBuffer`).toBe(true);
      }
      expect(await run('dot', view, sab)).toBe(await run('dot', a, a));
    });
  });

  if (type.family === 'bigint') {
    it('min, max and minMax of an empty array are INVALID_ARGUMENT naming a', async () => {
      for (const r of ['min', 'max', 'minMax'] as const) await bothRefuse(r, [new type.Ctor(0)], /a must not be empty/);
    });
  }
});

describe('integer sums past 2^53', () => {
  it('a Uint32Array sum rounds the exact total once to the nearest double', async () => {
    const a = new Uint32Array(2 ** 22 + 3).fill(2 ** 32 - 1);
    const exact = BigInt(a.length) * BigInt(2 ** 32 - 1);
    expect(exact > 2n ** 53n).toBe(true);
    expect(compute.sumSync(a)).toBe(Number(exact));
    expect(await compute.sum(a)).toBe(Number(exact));
    expect(compute.meanSync(a)).toBe(Number(exact) / a.length);
  });

  it('64-bit sums are exact bigints past 2^64, never wrapped', async () => {
    const max = new BigUint64Array(5).fill(2n ** 64n - 1n);
    expect(compute.sumSync(max)).toBe(5n * (2n ** 64n - 1n));
    const min = new BigInt64Array(3).fill(-(2n ** 63n));
    expect(await compute.sum(min)).toBe(-3n * 2n ** 63n);
    expect(compute.sumSync(new BigInt64Array([2n ** 62n, 2n ** 62n]))).toBe(2n ** 63n);
  });

  it('a Float32Array sums in float64 precision', () => {
    expect(compute.sumSync(new Float32Array(2 ** 24 + 1).fill(1))).toBe(2 ** 24 + 1);
  });
});

describe('results do not depend on the thread count', () => {
  it('1, 2 and 3 threads give the same bits for every reduction of a parallel-sized input', async () => {
    const next = random(77);
    const cases = TYPES.map((type) => [type, randomArray(type, 200_003, next), randomArray(type, 200_003, next)] as const);
    const runAll = async (): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (const [, a, b] of cases) {
        out.push(compute.sumSync(a), compute.meanSync(a), compute.varianceSync(a, { ddof: 1 }), compute.stdSync(a), compute.minMaxSync(a), compute.countNonZeroSync(a), compute.dotSync(a, b));
        out.push(await compute.sum(a), await compute.variance(a), await compute.dot(a, b));
      }
      return out;
    };
    const results = await onThreadCounts([1, 2, 3], runAll);
    for (const r of results.slice(1)) {
      r.forEach((x, i) => {
        const want = results[0]![i];
        const ok = typeof x === 'object' ? same((x as { min: unknown }).min, (want as { min: unknown }).min) && same((x as { max: unknown }).max, (want as { max: unknown }).max) : same(x, want);
        expect(ok, `result ${i}: ${String(x)} vs ${String(want)}`).toBe(true);
      });
    }
  });
});

describe('bad input', () => {
  const NOT_NUMERIC = [undefined, null, 1, 'x', [1, 2], new DataView(new ArrayBuffer(8)), new ArrayBuffer(8), {}];
  const REDUCTIONS: Reduction[] = ['sum', 'mean', 'variance', 'std', 'min', 'max', 'minMax', 'countNonZero', 'countNaN'];

  it('every reduction refuses anything but a numeric TypedArray, naming a', async () => {
    for (const r of REDUCTIONS) {
      for (const bad of NOT_NUMERIC) await bothRefuse(r, [bad], /a must be a Float64Array, Float32Array, .* or BigUint64Array, got /, 'a');
    }
  });

  it('every reduction refuses a detached array', async () => {
    const a = new Float64Array(4);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    for (const r of REDUCTIONS) await bothRefuse(r, [a], /a is detached/);
  });

  it('ddof must be a finite number >= 0', async () => {
    const a = new Float64Array([1, 2, 3]);
    for (const [bad, shown] of [[-1, '-1'], [-0.5, '-0.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], ['1', '"1"'], [1n, '1n'], [null, 'null'], [true, 'true']] as const) {
      for (const r of ['variance', 'std']) {
        await bothRefuse(r, [a, { ddof: bad }], new RegExp(`options\\.ddof must be a finite number >= 0, got ${shown.replace(/[.+]/g, '\\$&')}$`), 'options.ddof');
      }
    }
  });

  it('variance and std options: an object, known keys only (the sync form takes no signal)', async () => {
    const a = new Float64Array([1, 2, 3]);
    await bothRefuse('variance', [a, 5], /options must be an object, got 5/, 'options');
    await bothRefuse('std', [a, { dof: 1 }], /option "dof" is not a known option \(did you mean "ddof"\?\)/);
    expect(throwsWith(() => compute.varianceSync(a, { signal: AbortSignal.abort() } as never), 'INVALID_ARGUMENT').message).toMatch(/compute\.varianceSync option "signal" is not a known option/);
    expect(await compute.variance(a, { ddof: 1, signal: new AbortController().signal })).toBe(1);
  });

  it('dot refuses mixed element types and lengths, and takes Uint8ClampedArray with Uint8Array', async () => {
    await bothRefuse('dot', [new Float64Array(2), new Float32Array(2)], /b must be a Float64Array like a, got Float32Array/, 'b');
    await bothRefuse('dot', [new Int8Array(2), new Uint8Array(2)], /b must be an Int8Array like a, got Uint8Array/, 'b');
    await bothRefuse('dot', [new BigInt64Array(2), new BigUint64Array(2)], /b must be a BigInt64Array like a, got BigUint64Array/, 'b');
    await bothRefuse('dot', [new Int32Array(2), new Int32Array(3)], /b must have a's length 2, got 3/, 'b');
    await bothRefuse('dot', [new Int32Array(2), [1, 2]], /b must be a Float64Array, .*, got \[1,2\]/, 'b');
    const clamped = new Uint8ClampedArray([1, 2, 3]);
    const plain = new Uint8Array([4, 5, 6]);
    expect(compute.dotSync(clamped, plain as never)).toBe(32);
    expect(await compute.dot(plain, clamped as never)).toBe(32);
  });

  it('the async forms reject (never throw) and their options are checked', async () => {
    const a = new Float64Array(2);
    expect((await rejectsWith(compute.min(a, { onProgress: 'x' } as never), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.min: options\.onProgress must be a function/);
    expect((await rejectsWith(compute.countNaN(a, { signal: {} } as never), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.countNaN: options\.signal must be an AbortSignal/);
    expect((await rejectsWith(compute.dot(a, a, { sigal: 1 } as never), 'INVALID_ARGUMENT')).message).toMatch(/did you mean "signal"/);
  });
});
