/**
 * Reductions over every element type: sum, mean, variance, std, min, max, minMax, dot,
 * countNonZero, countNaN, and histogram.
 * @internal
 */
import { describeValue } from '../describe.js';
import { invalidArgument, numericArray, sameType, type ElementOf, type NumericArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, syncOptions, type AsyncOptions } from './run.js';

type Name = 'sum' | 'mean' | 'variance' | 'std' | 'min' | 'max' | 'minMax' | 'countNonZero' | 'countNaN';

/** Options of `variance` and `std`. */
export interface VarianceOptions {
  /** Delta degrees of freedom: the divisor is `n - ddof` (0: population, 1: sample). Default 0. */
  ddof?: number;
}

/** Options of `histogram`. */
export interface HistogramOptions {
  /** How many equal-width bins (a positive integer). */
  bins: number;
  /** `[lo, hi]`: the bins span it and values outside are not counted. Default: the smallest and largest finite values. */
  range?: readonly [number, number];
}

/** A histogram: `counts[i]` values fell in `[edges[i], edges[i + 1])` (the last bin includes its right edge). */
export interface Histogram {
  counts: Float64Array;
  edges: Float64Array;
}

function ddofOf(what: string, options: VarianceOptions): number {
  const { ddof = 0 } = options;
  if (typeof ddof !== 'number' || !Number.isFinite(ddof) || ddof < 0) {
    invalidArgument(what, 'options.ddof', `must be a finite number >= 0, got ${describeValue(ddof)}`);
  }
  return ddof;
}

function reduceSync(name: Name, a: NumericArray, ddof = 0): unknown {
  const what = `compute.${name}Sync`;
  numericArray(what, 'a', a);
  return runSync(what, (k) => k.reduce(name, a, ddof));
}

function reduceAsync(name: Name, a: NumericArray, options: (AsyncOptions & VarianceOptions) | undefined, extra: readonly string[] = []): Promise<unknown> {
  const what = `compute.${name}`;
  try {
    numericArray(what, 'a', a);
    const opts = asyncOptions(what, options, extra);
    const ddof = extra.length > 0 ? ddofOf(what, opts) : 0;
    return runAsync(what, opts, [a], (k, job) => k.reduceAsync(name, a, ddof, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The sum of `a` (0 when empty). Floats: pairwise, accumulated in float64 (a
 * Float32Array's sum keeps float64 precision), with a rounding error of at most
 * `(20 + ⌈log₂⌈n/128⌉⌉)·2⁻⁵³·Σ|aᵢ|`; NaN if any element is NaN. Integers: exact, as a
 * number (rounded to the nearest double past 2⁵³) or, for BigInt64Array and
 * BigUint64Array, as an exact bigint.
 *
 * @example
 * compute.sumSync(new Float64Array([0.1, 0.2, 0.3])) // 0.6000000000000001
 * compute.sumSync(new BigInt64Array([2n ** 62n, 2n ** 62n])) // 9223372036854775808n
 */
export function sumSync<A extends NumericArray>(a: A): ElementOf<A> {
  return reduceSync('sum', a) as ElementOf<A>;
}

/**
 * {@link sumSync} on the kernel pool, off the calling thread.
 *
 * @example
 * await compute.sum(new Float64Array([1, 2, 3])) // 6
 */
export function sum<A extends NumericArray>(a: A, options?: AsyncOptions): Promise<ElementOf<A>> {
  return reduceAsync('sum', a, options) as Promise<ElementOf<A>>;
}

/**
 * The mean (NaN when empty), from the pairwise sum.
 *
 * @example
 * compute.meanSync(new Int32Array([1, 2, 3, 4])) // 2.5
 */
export function meanSync(a: NumericArray): number {
  return reduceSync('mean', a) as number;
}

/**
 * {@link meanSync} off the calling thread.
 *
 * @example
 * await compute.mean(xs)
 */
export function mean(a: NumericArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('mean', a, options) as Promise<number>;
}

/**
 * The variance `Σ(aᵢ - mean)² / (n - ddof)`, two-pass (the mean first, then the squared
 * deviations, both pairwise), so it stays accurate when the mean is large beside the
 * spread. NaN when empty. As numpy's, a divisor `n - ddof <= 0` is taken as 0: Infinity,
 * or NaN when every deviation is 0 (a single element with `ddof: 1`).
 *
 * @example
 * compute.varianceSync(new Float64Array([1, 2, 3, 4])) // 1.25
 * compute.varianceSync(new Float64Array([1, 2, 3, 4]), { ddof: 1 }) // 1.6666666666666667
 * compute.varianceSync(new Float64Array([5]), { ddof: 1 }) // NaN
 */
export function varianceSync(a: NumericArray, options?: VarianceOptions): number {
  const what = 'compute.varianceSync';
  return reduceSync('variance', a, ddofOf(what, syncOptions(what, options, ['ddof']))) as number;
}

/**
 * {@link varianceSync} off the calling thread.
 *
 * @example
 * await compute.variance(xs, { ddof: 1 })
 */
export function variance(a: NumericArray, options?: AsyncOptions & VarianceOptions): Promise<number> {
  return reduceAsync('variance', a, options, ['ddof']) as Promise<number>;
}

/**
 * The standard deviation: the square root of {@link varianceSync}.
 *
 * @example
 * compute.stdSync(new Float64Array([2, 4, 4, 4, 5, 5, 7, 9])) // 2
 */
export function stdSync(a: NumericArray, options?: VarianceOptions): number {
  const what = 'compute.stdSync';
  return reduceSync('std', a, ddofOf(what, syncOptions(what, options, ['ddof']))) as number;
}

/**
 * {@link stdSync} off the calling thread.
 *
 * @example
 * await compute.std(xs)
 */
export function std(a: NumericArray, options?: AsyncOptions & VarianceOptions): Promise<number> {
  return reduceAsync('std', a, options, ['ddof']) as Promise<number>;
}

/**
 * The smallest element. Number arrays: as `Math.min(...a)`, NaN if any element is NaN,
 * -0 below +0, Infinity when empty. BigInt64Array / BigUint64Array: a bigint; empty is
 * INVALID_ARGUMENT.
 *
 * @example
 * compute.minSync(new Float32Array([3, -1, 2])) // -1
 */
export function minSync<A extends NumericArray>(a: A): ElementOf<A> {
  return reduceSync('min', a) as ElementOf<A>;
}

/**
 * {@link minSync} off the calling thread.
 *
 * @example
 * await compute.min(new Float64Array([3, -1, 2])) // -1
 */
export function min<A extends NumericArray>(a: A, options?: AsyncOptions): Promise<ElementOf<A>> {
  return reduceAsync('min', a, options) as Promise<ElementOf<A>>;
}

/**
 * The largest element, as {@link minSync} with `Math.max`'s rules (+0 above -0,
 * -Infinity when empty).
 *
 * @example
 * compute.maxSync(new Float64Array([3, -1, 2])) // 3
 */
export function maxSync<A extends NumericArray>(a: A): ElementOf<A> {
  return reduceSync('max', a) as ElementOf<A>;
}

/**
 * {@link maxSync} off the calling thread.
 *
 * @example
 * await compute.max(new Float64Array([3, -1, 2])) // 3
 */
export function max<A extends NumericArray>(a: A, options?: AsyncOptions): Promise<ElementOf<A>> {
  return reduceAsync('max', a, options) as Promise<ElementOf<A>>;
}

function pair<A extends NumericArray>(r: unknown): { min: ElementOf<A>; max: ElementOf<A> } {
  const [lo, hi] = r as [ElementOf<A>, ElementOf<A>];
  return { min: lo, max: hi };
}

/**
 * `{ min, max }` in one pass, with {@link minSync}'s and {@link maxSync}'s rules.
 *
 * @example
 * compute.minMaxSync(new Int16Array([4, -2, 9])) // { min: -2, max: 9 }
 */
export function minMaxSync<A extends NumericArray>(a: A): { min: ElementOf<A>; max: ElementOf<A> } {
  return pair<A>(reduceSync('minMax', a));
}

/**
 * {@link minMaxSync} off the calling thread.
 *
 * @example
 * const { min, max } = await compute.minMax(xs)
 */
export function minMax<A extends NumericArray>(a: A, options?: AsyncOptions): Promise<{ min: ElementOf<A>; max: ElementOf<A> }> {
  return reduceAsync('minMax', a, options).then((r) => pair<A>(r));
}

/**
 * How many elements are not zero (NaN counts, -0 does not).
 *
 * @example
 * compute.countNonZeroSync(new Float64Array([0, -0, 1, NaN])) // 2
 */
export function countNonZeroSync(a: NumericArray): number {
  return reduceSync('countNonZero', a) as number;
}

/**
 * {@link countNonZeroSync} off the calling thread.
 *
 * @example
 * await compute.countNonZero(mask)
 */
export function countNonZero(a: NumericArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('countNonZero', a, options) as Promise<number>;
}

/**
 * How many elements are NaN (0 for integer arrays).
 *
 * @example
 * compute.countNaNSync(new Float32Array([NaN, 1, NaN])) // 2
 */
export function countNaNSync(a: NumericArray): number {
  return reduceSync('countNaN', a) as number;
}

/**
 * {@link countNaNSync} off the calling thread.
 *
 * @example
 * await compute.countNaN(xs)
 */
export function countNaN(a: NumericArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('countNaN', a, options) as Promise<number>;
}

/**
 * The dot product `Σ aᵢ·bᵢ` of two arrays of the same type and length, accumulated in
 * float64 with {@link sumSync}'s error bound over the products.
 *
 * @example
 * compute.dotSync(new Float64Array([1, 2]), new Float64Array([3, 4])) // 11
 */
export function dotSync<A extends NumericArray>(a: A, b: A): number {
  const what = 'compute.dotSync';
  numericArray(what, 'a', a);
  numericArray(what, 'b', b);
  sameType(what, a, 'b', b);
  return runSync(what, (k) => k.dot(a, b));
}

/**
 * {@link dotSync} off the calling thread.
 *
 * @example
 * await compute.dot(new Float64Array([1, 2]), new Float64Array([3, 4])) // 11
 */
export function dot<A extends NumericArray>(a: A, b: A, options?: AsyncOptions): Promise<number> {
  const what = 'compute.dot';
  try {
    numericArray(what, 'a', a);
    numericArray(what, 'b', b);
    sameType(what, a, 'b', b);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [a, b], (k, job) => k.dotAsync(a, b, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

function histogramArgs(what: string, a: unknown, options: HistogramOptions | undefined): { bins: number; lo?: number; hi?: number } {
  numericArray(what, 'a', a);
  if (typeof options !== 'object' || options === null) invalidArgument(what, 'options', `must give bins, got ${describeValue(options)}`);
  const { bins, range } = options;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1) {
    invalidArgument(what, 'options.bins', `must be a positive integer, got ${describeValue(bins)}`);
  }
  if (range === undefined) return { bins };
  if (!Array.isArray(range) || range.length !== 2 || range.some((x) => typeof x !== 'number' || !Number.isFinite(x)) || range[0] > range[1]) {
    invalidArgument(what, 'options.range', `must be [lo, hi] with finite lo <= hi, got ${describeValue(range)}`);
  }
  return { bins, lo: range[0], hi: range[1] };
}

/**
 * Counts of `a`'s values in `bins` equal-width bins over `range`, as numpy.histogram
 * computes them (NaN and values outside the range are not counted; the last bin includes
 * its right edge; a zero-width range is widened by 0.5 each way).
 *
 * @example
 * compute.histogramSync(new Float64Array([1, 2, 2, 3]), { bins: 2 })
 * // { counts: Float64Array [1, 3], edges: Float64Array [1, 2, 3] }
 */
export function histogramSync(a: NumericArray, options: HistogramOptions): Histogram {
  const what = 'compute.histogramSync';
  const { bins, lo, hi } = histogramArgs(what, a, syncOptions(what, options, ['bins', 'range']));
  const [counts, edges] = runSync(what, (k) => k.histogram(a, bins, lo, hi));
  return { counts, edges };
}

/**
 * {@link histogramSync} off the calling thread.
 *
 * @example
 * const { counts, edges } = await compute.histogram(xs, { bins: 100, range: [0, 1] })
 */
export function histogram(a: NumericArray, options: HistogramOptions & AsyncOptions): Promise<Histogram> {
  const what = 'compute.histogram';
  try {
    const opts = asyncOptions(what, options, ['bins', 'range']);
    const { bins, lo, hi } = histogramArgs(what, a, opts as HistogramOptions);
    return runAsync(what, opts, [a], (k, job) => k.histogramAsync(a, bins, lo, hi, job)).then(([counts, edges]) => ({ counts, edges }));
  } catch (err) {
    return Promise.reject(err);
  }
}
