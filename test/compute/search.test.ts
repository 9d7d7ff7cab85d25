// compute.unique and compute.searchSorted on every element type, sync and async, against
// plain JS references on sorted seeded data (sorted as TypedArray.prototype.sort leaves it:
// ascending, NaN last, -0 and +0 equal): unique keeps the first of each run by SameValueZero
// and returns the input's type; searchSorted gives numpy.searchsorted's left and right
// insertion points as a Uint32Array; both refuse an unsorted input.
import { describe, expect, it } from 'vitest';

import { compute, type NumericArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import { TYPES, arrayOf, edgeArray, expectElements, memo, random, randomArray, same, shared, smallArray, type ElementType } from '../fixtures/typed-arrays.js';

type Side = 'left' | 'right';

const UNIQUE_FORMS = [
  ['uniqueSync', async (a: NumericArray) => compute.uniqueSync(a)],
  ['unique', (a: NumericArray) => compute.unique(a)],
] as const;

const SEARCH_FORMS = [
  ['searchSortedSync', async (a: NumericArray, values: NumericArray, options?: { side?: Side }) => compute.searchSortedSync(a, values, options)],
  ['searchSorted', (a: NumericArray, values: NumericArray, options?: { side?: Side }) => compute.searchSorted(a, values, options)],
] as const;

/** The array sorted as `sort()` sorts it. */
function sorted<A extends NumericArray>(a: A): A {
  return (a.slice() as unknown as { sort(): A }).sort();
}

/** The order sort() leaves, with -0 and +0 equal: `x < y`, or `y` is NaN and `x` is not. */
function before(x: number | bigint, y: number | bigint): boolean {
  return x < y || (Number.isNaN(y) && !Number.isNaN(x));
}

/** SameValueZero. */
function sameValueZero(x: number | bigint, y: number | bigint): boolean {
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

function referenceUnique(a: NumericArray): Array<number | bigint> {
  const out: Array<number | bigint> = [];
  for (let i = 0; i < a.length; i++) if (i === 0 || !sameValueZero(a[i - 1]!, a[i]!)) out.push(a[i]!);
  return out;
}

/** numpy.searchsorted by bisection: left, the first index whose element is not before the value; right, the first whose element the value is before. */
function referenceSearch(a: NumericArray, values: NumericArray, side: Side): number[] {
  return Array.from({ length: values.length }, (_, j) => {
    const v = values[j]!;
    let [lo, hi] = [0, a.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const goRight = side === 'left' ? before(a[mid]!, v) : !before(v, a[mid]!);
      if (goRight) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/** Sorted inputs: random values (few repeats), small values (long runs), and edge values (NaN, ±0, ±Infinity, extremes). */
function sortedInputs(type: ElementType, next: () => number): NumericArray[] {
  const sizes = [0, 1, 2, 129, 32_769, 131_073];
  return [...sizes.map((n) => sorted(randomArray(type, n, next))), ...sizes.map((n) => sorted(smallArray(type, n, next))), ...[3, 130, 40_000].map((n) => sorted(edgeArray(type, n, next)))];
}

describe.each(TYPES.map((type) => [type.name, type] as const))('unique and searchSorted of a %s', (name, type) => {
  const next = random(800 + name.length);
  const inputs = sortedInputs(type, next);
  // Values to look up: random, small and edge values, and elements of a (all of them for
  // the largest random input: a parallel search; every few of them elsewhere).
  const probes = inputs.map((a, i) => {
    const step = i === 5 ? 1 : Math.max(1, Math.floor(a.length / 1000));
    const picked = a.filter((_: unknown, j: number) => j % step === 0 || j % 32_768 < 2) as NumericArray;
    const values = new type.Ctor(picked.length + 300);
    const pool = [randomArray(type, 100, next), smallArray(type, 100, next), edgeArray(type, 100, next), picked];
    pool.forEach((p, k) => (values as unknown as { set(x: NumericArray, at: number): void }).set(p, k * 100));
    return values;
  });
  // References made once and shared by both forms.
  const searches = new Map<string, number[]>();
  const search = (i: number, side: Side): number[] => {
    const key = `${i} ${side}`;
    if (!searches.has(key)) searches.set(key, referenceSearch(inputs[i]!, probes[i]!, side));
    return searches.get(key)!;
  };
  const uniques = memo((a: NumericArray) => referenceUnique(a));

  describe.each(UNIQUE_FORMS)('%s', (form, run) => {
    it('keeps the first of each run (SameValueZero), as a new array of the input type', async () => {
      for (const a of inputs) {
        const got = await run(a);
        expect(got !== a, 'a new array').toBe(true);
        expectElements(got, type.Ctor, uniques(a), `${form} ${name}[${a.length}]`);
      }
    });

    it('reads an input over a SharedArrayBuffer or a view with an offset', async () => {
      const a = inputs[10]!;
      expectElements(await run(shared(a)), type.Ctor, referenceUnique(a), 'shared');
      const wide = new type.Ctor(a.length + 2);
      (wide as unknown as { set(x: NumericArray, at: number): void }).set(a, 1);
      expectElements(await run(wide.subarray(1, 1 + a.length)), type.Ctor, referenceUnique(a), 'view');
    });

    it('refuses an unsorted input, wherever the disorder is', async () => {
      const a = inputs[11]!; // small values, 131073 sorted
      for (const at of [0, 32_767, 32_768, a.length - 2]) {
        const bad = a.slice();
        // A strictly larger value before a smaller one.
        (bad as { [i: number]: number | bigint })[at] = type.max;
        (bad as { [i: number]: number | bigint })[at + 1] = type.min;
        const err = await rejectsWith(run(bad), 'INVALID_ARGUMENT');
        expect(err.message).toMatch(new RegExp(`^compute\\.${form}: a must be sorted ascending \\(as sort\\(\\) leaves it\\)`));
      }
    });
  });

  describe.each(SEARCH_FORMS)('%s', (form, run) => {
    it('left and right insertion points match numpy.searchsorted (NaN last, -0 equal to +0)', async () => {
      for (const [i, a] of inputs.entries()) {
        for (const side of ['left', 'right'] as const) {
          const got = await run(a, probes[i]!, { side });
          expectElements(got, Uint32Array, search(i, side), `${form} ${name}[${a.length}] ${side}`);
        }
        // side defaults to left.
        expectElements(await run(a, probes[i]!.subarray(0, 50)), Uint32Array, referenceSearch(a, probes[i]!.subarray(0, 50), 'left'), `${form} default side`);
      }
    });

    it('an empty a gives zeros; no values give an empty Uint32Array', async () => {
      const values = randomArray(type, 5, next);
      expectElements(await run(new type.Ctor(0), values), Uint32Array, [0, 0, 0, 0, 0], 'empty a');
      expectElements(await run(inputs[3]!, new type.Ctor(0), { side: 'right' }), Uint32Array, [], 'no values');
    });

    it('refuses an unsorted a', async () => {
      const bad = arrayOf(type, [3, 1, 2]);
      const err = await rejectsWith(run(bad, arrayOf(type, [1])), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(new RegExp(`^compute\\.${form}: a must be sorted ascending \\(as sort\\(\\) leaves it\\)`));
      // The values need no order.
      expectElements(await run(arrayOf(type, [1, 2, 3]), arrayOf(type, [3, 1, 2])), Uint32Array, [2, 0, 1], 'unsorted values');
    });
  });
});

describe('sorted-order edge cases', () => {
  it('-0 and +0 are one value, in either order; NaN runs collapse to one NaN', () => {
    const u = compute.uniqueSync(new Float64Array([-Infinity, -0, 0, -0, 1, NaN, NaN]));
    expect(u).toHaveLength(4);
    expect([same(u[0], -Infinity), same(u[1], -0), same(u[2], 1), Number.isNaN(u[3])]).toEqual([true, true, true, true]);
    expect(same(compute.uniqueSync(new Float32Array([0, -0]))[0], 0)).toBe(true);
    expect(Array.from(compute.searchSortedSync(new Float64Array([-1, -0, 0, 0, 2]), new Float64Array([0, -0]), { side: 'left' }))).toEqual([1, 1]);
    expect(Array.from(compute.searchSortedSync(new Float64Array([-1, -0, 0, 0, 2]), new Float64Array([0, -0]), { side: 'right' }))).toEqual([4, 4]);
  });

  it('NaN goes after Infinity: left before the first NaN, right at the end', () => {
    const a = new Float32Array([1, Infinity, NaN, NaN]);
    expect(Array.from(compute.searchSortedSync(a, new Float32Array([NaN, Infinity, 2]), { side: 'left' }))).toEqual([2, 1, 1]);
    expect(Array.from(compute.searchSortedSync(a, new Float32Array([NaN, Infinity, 2]), { side: 'right' }))).toEqual([4, 2, 1]);
  });

  it('NaN before a number, and 64-bit values past 2^53, are in order only as sort() leaves them', () => {
    expect(throwsWith(() => compute.uniqueSync(new Float64Array([NaN, 1])), 'INVALID_ARGUMENT').message).toMatch(/a must be sorted ascending/);
    // 2^53 + 1 and 2^53 are different bigints (the same double): compared as integers.
    const big = new BigInt64Array([2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 1n]);
    expectElements(compute.uniqueSync(big), BigInt64Array, [2n ** 53n, 2n ** 53n + 1n]);
    expect(throwsWith(() => compute.uniqueSync(new BigUint64Array([2n ** 53n + 1n, 2n ** 53n])), 'INVALID_ARGUMENT').message).toMatch(/a must be sorted ascending/);
    expect(Array.from(compute.searchSortedSync(big, new BigInt64Array([2n ** 53n + 1n]), { side: 'left' }))).toEqual([1]);
  });

  it('unique of a Uint8ClampedArray is a Uint8ClampedArray; searchSorted takes it with a Uint8Array', async () => {
    const a = new Uint8ClampedArray([1, 1, 2, 255]);
    expectElements(compute.uniqueSync(a), Uint8ClampedArray, [1, 2, 255]);
    expectElements(await compute.unique(a), Uint8ClampedArray, [1, 2, 255]);
    expectElements(compute.searchSortedSync(a, new Uint8Array([2]) as never), Uint32Array, [2]);
    expectElements(await compute.searchSorted(new Uint8Array([1, 3]), a as never, { side: 'right' }), Uint32Array, [1, 1, 1, 2]);
  });

  it('async: the result is that of the inputs at the call, whatever JS writes or transfers meanwhile', async () => {
    const a = Float64Array.from({ length: 200_000 }, (_, i) => Math.floor(i / 3));
    const values = Float64Array.from({ length: 1000 }, (_, i) => i * 50.5);
    const wantUnique = compute.uniqueSync(a);
    const wantSearch = compute.searchSortedSync(a, values);
    const [ca, cv] = [a.slice(), values.slice()];
    const u = compute.unique(ca);
    const s = compute.searchSorted(ca, cv);
    ca.reverse();
    cv.fill(NaN);
    expectElements(await u, Float64Array, wantUnique, 'unique, written meanwhile');
    expectElements(await s, Uint32Array, wantSearch, 'searchSorted, written meanwhile');
    const [ta, tv] = [a.slice(), values.slice()];
    const s2 = compute.searchSorted(ta, tv, { side: 'left' });
    structuredClone([ta.buffer, tv.buffer], { transfer: [ta.buffer, tv.buffer] });
    expectElements(await s2, Uint32Array, wantSearch, 'searchSorted, transferred meanwhile');
  });
});

describe('search bad input', () => {
  it('values must have a\'s element type; side must be left or right', async () => {
    const a = new Int32Array([1, 2]);
    const both = async (values: unknown, options: unknown, message: RegExp, param: string): Promise<void> => {
      const sync = throwsWith(() => compute.searchSortedSync(a, values as never, options as never), 'INVALID_ARGUMENT');
      expect(sync.message).toMatch(new RegExp(`^compute\\.searchSortedSync: ${message.source}`));
      const async = await rejectsWith(compute.searchSorted(a, values as never, options as never), 'INVALID_ARGUMENT');
      expect(async.message).toMatch(new RegExp(`^compute\\.searchSorted: ${message.source}`));
      expect([sync.details.param, async.details.param]).toEqual([param, param]);
    };
    await both(new Uint32Array(1), undefined, /values must be an Int32Array like a, got Uint32Array/, 'values');
    await both([1], undefined, /values must be a Float64Array, .*, got \[1\]/, 'values');
    await both(new Int32Array(1), { side: 'middle' }, /options\.side must be 'left' or 'right', got "middle"/, 'options.side');
    await both(new Int32Array(1), { side: null }, /options\.side must be 'left' or 'right', got null/, 'options.side');
    expect(throwsWith(() => compute.searchSortedSync(a, a, { sid: 'left' } as never), 'INVALID_ARGUMENT').message).toMatch(/option "sid" is not a known option \(did you mean "side"\?\)/);
  });

  it('unique and searchSorted refuse anything but a numeric TypedArray as a', async () => {
    for (const bad of [undefined, [1, 2], new ArrayBuffer(8)]) {
      expect(throwsWith(() => compute.uniqueSync(bad as never), 'INVALID_ARGUMENT').message).toMatch(/^compute\.uniqueSync: a must be a Float64Array/);
      expect((await rejectsWith(compute.unique(bad as never), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.unique: a must be a Float64Array/);
      expect((await rejectsWith(compute.searchSorted(bad as never, new Int8Array(1)), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.searchSorted: a must be a Float64Array/);
    }
  });
});
