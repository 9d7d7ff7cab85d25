/**
 * Prefix sums, and unique values and insertion points in sorted arrays.
 * @internal
 */
import { describeValue } from '../describe.js';
import { article, elementType, invalidArgument, numericArray, sameType, type BigIntArray, type NumericArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, syncOptions, writeBack, type AsyncOptions } from './run.js';

/** What `scan` gives for `A`: floats and 64-bit integers keep their type; smaller integers sum into a Float64Array. */
export type ScanOf<A extends NumericArray> = A extends Float32Array ? Float32Array : A extends BigIntArray ? A : Float64Array;

/** Options of `scan`. */
export interface ScanOptions<A extends NumericArray> {
  /** `out[i]` sums `a[0..i)` instead of `a[0..=i]` (default false). */
  exclusive?: boolean;
  /** Where to write the sums (the type {@link ScanOf} says; may be `a` itself when that is the same type). */
  out?: ScanOf<A>;
}

function scanArray<A extends NumericArray>(a: A, length: number): ScanOf<A> {
  if (a instanceof Float32Array) return new Float32Array(length) as ScanOf<A>;
  if (a instanceof BigInt64Array) return new BigInt64Array(length) as ScanOf<A>;
  if (a instanceof BigUint64Array) return new BigUint64Array(length) as ScanOf<A>;
  return new Float64Array(length) as ScanOf<A>;
}

function scanArgs<A extends NumericArray>(what: string, a: A, options: ScanOptions<A>): { exclusive: boolean; out?: ScanOf<A> } {
  numericArray(what, 'a', a);
  const { exclusive = false, out } = options;
  if (typeof exclusive !== 'boolean') invalidArgument(what, 'options.exclusive', `must be a boolean, got ${describeValue(exclusive)}`);
  if (out !== undefined) {
    numericArray(what, 'out', out);
    const sums = scanArray(a, 0).constructor.name;
    if (elementType(out) !== sums) invalidArgument(what, 'out', `must be ${article(sums)} (what scan writes for ${article(a.constructor.name)}), got ${out.constructor.name}`);
    if (out.length !== a.length) invalidArgument(what, 'out', `must have a's length ${a.length}, got ${out.length}`);
  }
  return { exclusive, out };
}

/**
 * Prefix sums: `out[i] = a[0] + ... + a[i]` (exclusive: up to `a[i - 1]`, `out[0] = 0`).
 * Floats accumulate in float64; integers of up to 32 bits sum exactly into a Float64Array
 * (to 2⁵³); BigInt64Array and BigUint64Array wrap. Parallel in two passes with a fixed
 * chunk size, so the result does not depend on the thread count.
 *
 * @example
 * compute.scanSync(new Int32Array([1, 2, 3])) // Float64Array [1, 3, 6]
 * compute.scanSync(new Float64Array([1, 2, 3]), { exclusive: true }) // Float64Array [0, 1, 3]
 */
export function scanSync<A extends NumericArray>(a: A, options?: ScanOptions<A>): ScanOf<A> {
  const what = 'compute.scanSync';
  const { exclusive, out } = scanArgs(what, a, syncOptions(what, options, ['exclusive', 'out']));
  const target = out ?? scanArray(a, a.length);
  runSync(what, (k) => k.scan(a, target, exclusive));
  return target;
}

/**
 * {@link scanSync} off the calling thread.
 *
 * @example
 * const sums = await compute.scan(xs)
 */
export function scan<A extends NumericArray>(a: A, options?: ScanOptions<A> & AsyncOptions): Promise<ScanOf<A>> {
  const what = 'compute.scan';
  try {
    const opts = asyncOptions(what, options, ['exclusive', 'out']);
    const { exclusive, out } = scanArgs(what, a, opts);
    return runAsync(what, opts, out === undefined ? [a] : [a, out], (k, job) => k.scanAsync(a, out ?? null, exclusive, job)).then((r) =>
      out === undefined ? (r as ScanOf<A>) : writeBack(what, 'out', out, r as ScanOf<A> | undefined),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The values of the sorted array `a` without repeats (SameValueZero: NaN equals NaN, -0
 * equals +0; the first of each run is kept), as a new array of `a`'s type. `a` must be
 * sorted ascending as `sort()` leaves it (INVALID_ARGUMENT otherwise).
 *
 * @example
 * compute.uniqueSync(new Int32Array([1, 1, 2, 5, 5])) // Int32Array [1, 2, 5]
 */
export function uniqueSync<A extends NumericArray>(a: A): A {
  const what = 'compute.uniqueSync';
  numericArray(what, 'a', a);
  return fixClamped(a, runSync(what, (k) => k.unique(a)) as A);
}

/** {@link uniqueSync} off the calling thread. @example await compute.unique(sorted) */
export function unique<A extends NumericArray>(a: A, options?: AsyncOptions): Promise<A> {
  const what = 'compute.unique';
  try {
    numericArray(what, 'a', a);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [a], (k, job) => k.uniqueAsync(a, job)).then((r) => fixClamped(a, r as A));
  } catch (err) {
    return Promise.reject(err);
  }
}

function fixClamped<A extends NumericArray>(a: A, r: A): A {
  return (a instanceof Uint8ClampedArray ? new Uint8ClampedArray(r.buffer, r.byteOffset, r.length) : r) as A;
}

/** Options of `searchSorted`. */
export interface SearchOptions {
  /** 'left' (default): the first index where each value could go; 'right': the last. */
  side?: 'left' | 'right';
}

function sideOf(what: string, options: SearchOptions): 'left' | 'right' {
  const { side = 'left' } = options;
  if (side !== 'left' && side !== 'right') invalidArgument(what, 'options.side', `must be 'left' or 'right', got ${describeValue(side)}`);
  return side;
}

/**
 * For each of `values`, the index where it would go in the sorted array `a` to keep it
 * sorted (numpy.searchsorted; NaN sorts last), as a Uint32Array.
 *
 * @example
 * compute.searchSortedSync(new Float64Array([1, 3, 5]), new Float64Array([0, 3, 9])) // Uint32Array [0, 1, 3]
 */
export function searchSortedSync<A extends NumericArray>(a: A, values: A, options?: SearchOptions): Uint32Array {
  const what = 'compute.searchSortedSync';
  numericArray(what, 'a', a);
  numericArray(what, 'values', values);
  sameType(what, a, 'values', values, false);
  const side = sideOf(what, syncOptions(what, options, ['side']));
  return runSync(what, (k) => k.searchSorted(a, values, side));
}

/** {@link searchSortedSync} off the calling thread. @example await compute.searchSorted(a, values) */
export function searchSorted<A extends NumericArray>(a: A, values: A, options?: SearchOptions & AsyncOptions): Promise<Uint32Array> {
  const what = 'compute.searchSorted';
  try {
    numericArray(what, 'a', a);
    numericArray(what, 'values', values);
    sameType(what, a, 'values', values, false);
    const opts = asyncOptions(what, options, ['side']);
    const side = sideOf(what, opts);
    return runAsync(what, opts, [a, values], (k, job) => k.searchSortedAsync(a, values, side, job));
  } catch (err) {
    return Promise.reject(err);
  }
}
