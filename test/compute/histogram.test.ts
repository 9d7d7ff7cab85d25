// compute.histogram and histogramSync on every element type against a reference with
// numpy.histogram's semantics: edges by linspace (in float32 for a Float32Array, as numpy
// computes them), the last bin closed, NaN and values outside the range not counted, the
// default range over the finite values, a zero-width range widened by 0.5 each way, and
// "too many bins" where the range's floats cannot separate the edges; and INVALID_ARGUMENT
// for bad bins, ranges and options.
import { describe, expect, it } from 'vitest';

import { compute, type NumericArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import { TYPES, arrayOf, edgeArray, expectElements, random, randomArray, type ElementType } from '../fixtures/typed-arrays.js';

type Histogram = { counts: Float64Array; edges: Float64Array };
type HistogramOptions = { bins: number; range?: readonly [number, number] };

const HISTOGRAM_FORMS = [
  ['histogramSync', async (a: NumericArray, options: HistogramOptions) => compute.histogramSync(a, options)],
  ['histogram', (a: NumericArray, options: HistogramOptions) => compute.histogram(a, options)],
] as const;

/** Expects `histogramSync` to throw and `histogram` to reject INVALID_ARGUMENT with `message`. */
async function histogramRefuses(a: unknown, options: unknown, message: RegExp, param?: string): Promise<void> {
  const sync = throwsWith(() => compute.histogramSync(a as never, options as never), 'INVALID_ARGUMENT');
  expect(sync.message).toMatch(new RegExp(`^compute\\.histogramSync:? ${message.source}`));
  const async = await rejectsWith(compute.histogram(a as never, options as never), 'INVALID_ARGUMENT');
  expect(async.message).toMatch(new RegExp(`^compute\\.histogram:? ${message.source}`));
  if (param !== undefined) {
    expect(sync.details.param).toBe(param);
    expect(async.details.param).toBe(param);
  }
}

/** `numpy.linspace(first, last, bins + 1)` with every operation rounded by `round` (float32 or float64), the last edge exactly `last`. */
function linspace(first: number, last: number, bins: number, round: (x: number) => number): number[] {
  const delta = round(last - first);
  const step = round(delta / bins);
  const edges = Array.from({ length: bins + 1 }, (_, i) => round((step === 0 ? round(round(i / bins) * delta) : round(i * step)) + first));
  edges[bins] = last;
  return edges;
}

/**
 * numpy.histogram(a, bins, range) in plain JS: the edges as numpy computes them, then each
 * value in the bin whose edges hold it (`edges[i] <= v < edges[i + 1]`, the last bin closed);
 * null where numpy refuses the bins (edges that do not all increase).
 */
function referenceHistogram(type: ElementType, a: NumericArray, bins: number, range?: readonly [number, number]): Histogram | null {
  const f32 = type.name === 'Float32Array';
  const round = f32 ? Math.fround : (x: number): number => x;
  let edges: number[];
  if (range !== undefined) {
    let [lo, hi] = range;
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
    edges = linspace(lo, hi, bins, (x) => x).map(round);
  } else {
    let lo: number | bigint | undefined;
    let hi: number | bigint | undefined;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (typeof x === 'number' && !Number.isFinite(x)) continue;
      if (lo === undefined || x < lo) lo = x;
      if (hi === undefined || x > hi) hi = x;
    }
    if (lo === undefined || hi === undefined) {
      edges = linspace(0, 1, bins, (x) => x).map(round);
    } else if (type.family === 'float') {
      // In the data's own precision, as numpy's `a.min() - 0.5` and linspace.
      let [l, h] = [lo as number, hi as number];
      if (l === h) [l, h] = [round(l - 0.5), round(h + 0.5)];
      edges = linspace(l, h, bins, round);
    } else {
      const equal = lo === hi;
      let [l, h] = [Number(lo), Number(hi)];
      if (equal) [l, h] = [l - 0.5, h + 0.5];
      edges = linspace(l, h, bins, (x) => x);
    }
  }
  // numpy refuses edges that do not all increase ("too many bins for data range").
  if (edges.some((e, i) => i > 0 && !(edges[i - 1]! < e))) return null;
  const counts = new Float64Array(bins);
  const [first, last] = [edges[0]!, edges[bins]!];
  for (let i = 0; i < a.length; i++) {
    const v = round(Number(a[i]!));
    if (!(v >= first && v <= last)) continue;
    // The last edge <= v, by binary search over edges[0..bins).
    let [lo, hi] = [0, bins - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    counts[lo]!++;
  }
  return { counts, edges: Float64Array.from(edges) };
}

/** Expects `run()` to give the reference histogram, or to refuse the bins where numpy does. */
async function expectHistogram(run: () => Promise<Histogram>, want: Histogram | null, what: string): Promise<void> {
  if (want === null) {
    const err = await rejectsWith(run(), 'INVALID_ARGUMENT');
    expect(err.message, what).toMatch(/bins is too many for the range \[.*\]: the bins would not all have a width/);
    return;
  }
  const got = await run();
  expect(Object.keys(got)).toEqual(['counts', 'edges']);
  expectElements(got.edges, Float64Array, want.edges, `${what} edges`);
  expectElements(got.counts, Float64Array, want.counts, `${what} counts`);
}

/** A range over the middle of the type's values (so some fall outside), as JS numbers. */
function middleRange(type: ElementType): [number, number] {
  if (type.family === 'float') return [-0.25, 0.5];
  const [lo, hi] = [Number(type.min), Number(type.max)];
  return [lo + (hi - lo) / 4, hi - (hi - lo) / 3];
}

describe.each(TYPES.map((type) => [type.name, type] as const))('histogram of a %s', (name, type) => {
  const next = random(600 + name.length);
  // References made once and shared by both forms.
  const references = new Map<string, Histogram | null>();
  const reference = (a: NumericArray, id: number, bins: number, range?: readonly [number, number]): Histogram | null => {
    const key = `${id} ${bins} ${range}`;
    if (!references.has(key)) references.set(key, referenceHistogram(type, a, bins, range));
    return references.get(key)!;
  };
  const arrays = [0, 1, 129, 32_769, 131_073].map((n) => randomArray(type, n, next));
  // Edge values with the largest finite floats scaled down: a default range from -max to
  // max is wider than any float (refused; tested below).
  const edgeArrays = [1, 129, 32_769, 131_073].map((n) => {
    const a = edgeArray(type, n, next);
    if (type.family === 'float') for (let i = 0; i < n; i++) if (Math.abs(a[i] as number) === type.max) (a as Float64Array)[i] = (a[i] as number) / 1024;
    return a;
  });

  describe.each(HISTOGRAM_FORMS)('%s', (form, run) => {
    it('matches numpy.histogram over the default range and a given one, for several bin counts', async () => {
      for (const [id, a] of arrays.entries()) {
        for (const bins of [1, 7, 100]) {
          await expectHistogram(() => run(a, { bins }), reference(a, id, bins), `${form} ${name}[${a.length}], ${bins} bins`);
          const range = middleRange(type);
          await expectHistogram(() => run(a, { bins, range }), reference(a, id, bins, range), `${form} ${name}[${a.length}], ${bins} bins over [${range}]`);
        }
      }
    });

    it('NaN, Infinity and values outside the range are not counted; the default range spans the finite values', async () => {
      for (const [id, a] of edgeArrays.entries()) {
        for (const bins of [3, 64]) {
          const want = reference(a, 100 + id, bins);
          await expectHistogram(() => run(a, { bins }), want, `${form} ${name} edges[${a.length}], ${bins} bins`);
          let finite = 0;
          for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number' || Number.isFinite(a[i])) finite++;
          if (want !== null) expect(want.counts.reduce((s, c) => s + c, 0)).toBe(finite);
          const range: [number, number] = [-1, 1];
          await expectHistogram(() => run(a, { bins, range }), reference(a, 100 + id, bins, range), `${form} ${name} edges[${a.length}] over [-1, 1]`);
        }
      }
    });

    it('bins are half-open except the last, which holds its right edge', async () => {
      const a = arrayOf(type, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11]);
      const got = await run(a, { bins: 5, range: [0, 10] });
      expect(Array.from(got.edges)).toEqual([0, 2, 4, 6, 8, 10]);
      expect(Array.from(got.counts)).toEqual([2, 2, 2, 2, 4]);
    });

    it('a zero-width range is widened by 0.5 each way; an empty or all-NaN input spans 0..1', async () => {
      const a = arrayOf(type, [3, 3, 3]);
      for (const options of [{ bins: 2 }, { bins: 2, range: [3, 3] as const }]) {
        const got = await run(a, options);
        expect(Array.from(got.edges)).toEqual([2.5, 3, 3.5]);
        expect(Array.from(got.counts)).toEqual([0, 3]);
      }
      const empty = await run(new type.Ctor(0), { bins: 4 });
      expect(Array.from(empty.edges)).toEqual([0, 0.25, 0.5, 0.75, 1]);
      expect(Array.from(empty.counts)).toEqual([0, 0, 0, 0]);
      if (type.family === 'float') {
        const nan = await run(arrayOf(type, [NaN, NaN, Infinity]), { bins: 2 });
        expect(Array.from(nan.edges)).toEqual([0, 0.5, 1]);
        expect(Array.from(nan.counts)).toEqual([0, 0]);
      }
    });
  });
});

describe('histogram edges as numpy computes them', () => {
  it('a Float32Array gets float32 edges (numpy linspace in float32), a Float64Array float64 ones', () => {
    const values = [0.1, 0.7, 0.3, 0.9];
    const f32 = compute.histogramSync(Float32Array.from(values), { bins: 3 });
    expect(Array.from(f32.edges)).toEqual(linspace(Math.fround(0.1), Math.fround(0.9), 3, Math.fround));
    expect(f32.edges.every((e) => e === Math.fround(e))).toBe(true);
    const f64 = compute.histogramSync(Float64Array.from(values), { bins: 3 });
    expect(Array.from(f64.edges)).toEqual(linspace(0.1, 0.9, 3, (x) => x));
    // A given range: linspace in float64, then rounded to float32 for float32 data.
    const given = compute.histogramSync(Float32Array.from(values), { bins: 3, range: [0.1, 0.9] });
    expect(Array.from(given.edges)).toEqual(linspace(0.1, 0.9, 3, (x) => x).map(Math.fround));
  });

  it('64-bit integers bin as their nearest doubles', () => {
    const a = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 2n ** 62n]);
    const got = compute.histogramSync(a, { bins: 2 });
    expect(Array.from(got.edges)).toEqual([-(2 ** 63), 0, 2 ** 63]);
    expect(Array.from(got.counts)).toEqual([1, 3]);
  });
});

describe('histogram bad input', () => {
  const a = new Float64Array([1, 2, 3]);

  it('bins must be a positive integer, at most 2^26', async () => {
    for (const [bad, shown] of [[0, '0'], [-1, '-1'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], ['2', '"2"'], [2n, '2n'], [null, 'null'], [undefined, 'undefined']] as const) {
      await histogramRefuses(a, { bins: bad }, new RegExp(`options\\.bins must be a positive integer, got ${shown.replace(/[.+]/g, '\\$&')}$`), 'options.bins');
    }
    await histogramRefuses(a, { bins: 2 ** 26 + 1 }, /bins must be an integer from 1 to 67108864, got 67108865/);
    await histogramRefuses(a, { bins: 2 ** 33 }, /bins must be an integer from 1 to 67108864, got 8589934592/);
    expect(compute.histogramSync(a, { bins: 2 ** 16 }).counts).toHaveLength(2 ** 16);
  });

  it('options must be given', async () => {
    await histogramRefuses(a, undefined, /options\.bins must be a positive integer, got undefined/, 'options.bins');
    await histogramRefuses(a, null, /options must be an object, got null/, 'options');
    await histogramRefuses(a, 5, /options must be an object, got 5/, 'options');
    await histogramRefuses(a, { bins: 2, bin: 3 }, /option "bin" is not a known option/);
  });

  it('range must be [lo, hi] with finite lo <= hi', async () => {
    for (const [bad, shown] of [
      [[1], '\\[1\\]'],
      [[1, 2, 3], '\\[1,2,3\\]'],
      ['x', '"x"'],
      [{ 0: 1, 1: 2 }, '\\{"0":1,"1":2\\}'],
      [[NaN, 1], '\\[NaN,1\\]'],
      [[0, Infinity], '\\[0,Infinity\\]'],
      [[-Infinity, 0], '\\[-Infinity,0\\]'],
      [[2, 1], '\\[2,1\\]'],
      [['0', 1], '\\["0",1\\]'],
      [null, 'null'],
    ] as const) {
      await histogramRefuses(a, { bins: 2, range: bad }, new RegExp(`options\\.range must be \\[lo, hi\\] with finite lo <= hi, got ${shown}$`), 'options.range');
    }
  });

  it('a range too wide for a float, or too narrow for the bins, is refused', async () => {
    await histogramRefuses(a, { bins: 2, range: [-1.7e308, 1.7e308] }, /range must be narrower than the largest float, got \[-1\.7e308, 1\.7e308\]/);
    await histogramRefuses(new Float64Array([-1.7e308, 1.7e308]), { bins: 2 }, /range must be narrower than the largest float/);
    // A Float32Array's own range is computed in float32, which overflows sooner.
    await histogramRefuses(new Float32Array([-3e38, 3e38]), { bins: 2 }, /range must be narrower than the largest float/);
    expect(Array.from(compute.histogramSync(new Float64Array([-3e38, 3e38]), { bins: 2 }).counts)).toEqual([1, 1]);
    await histogramRefuses(a, { bins: 8, range: [1, 1 + 2 ** -50] }, /bins is too many for the range \[1, 1\.0000000000000009\]: the bins would not all have a width/);
    await histogramRefuses(new Float32Array([1]), { bins: 4, range: [1, 1 + 2 ** -30] }, /bins is too many for the range/);
    // One value too large for ±0.5 to widen it, as numpy ("too many bins for data range").
    await histogramRefuses(new Float64Array([2 ** 60]), { bins: 1 }, /bins is too many for the range \[1152921504606847000, 1152921504606847000\]/);
    await histogramRefuses(new BigUint64Array([2n ** 60n]), { bins: 1 }, /bins is too many for the range/);
    expect(Array.from(compute.histogramSync(new Float64Array([2 ** 40]), { bins: 1 }).edges)).toEqual([2 ** 40 - 0.5, 2 ** 40 + 0.5]);
  });

  it('a must be a numeric TypedArray', async () => {
    for (const bad of [undefined, [1, 2], new ArrayBuffer(8), 'x']) {
      await histogramRefuses(bad, { bins: 2 }, /a must be a Float64Array, .* or BigUint64Array, got /, 'a');
    }
  });
});
