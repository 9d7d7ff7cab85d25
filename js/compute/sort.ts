/**
 * Sorting kernels: sort, argsort, sortBy, nthElement, partition and topK, in
 * `TypedArray.prototype.sort()`'s order for every element type.
 * @internal
 */
import { describeValue } from '../describe.js';
import { invalidArgument, numericArray, type ElementOf, type NumericArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, syncOptions, writeBack, type AsyncOptions } from './run.js';

/** Options of the sorting kernels. */
export interface SortOptions {
  /** Largest first (NaN still last). Default false. */
  descending?: boolean;
}

/** Options of `topK`. */
export interface TopKOptions {
  /** The k largest (default) or, with false, the k smallest. */
  largest?: boolean;
}

function descendingOf(what: string, options: SortOptions): boolean {
  const { descending = false } = options;
  if (typeof descending !== 'boolean') invalidArgument(what, 'options.descending', `must be a boolean, got ${describeValue(descending)}`);
  return descending;
}

function indexOf(what: string, a: NumericArray, k: unknown, inclusive: boolean): number {
  const limit = inclusive ? a.length : a.length - 1;
  if (limit < 0) invalidArgument(what, 'k', `must be an index into a, which is empty; got ${describeValue(k)}`);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > limit) {
    invalidArgument(what, 'k', `must be an integer from 0 to ${limit}, got ${describeValue(k)}`);
  }
  return k;
}

function clampedLike<A extends NumericArray>(a: A, r: A): A {
  return (a instanceof Uint8ClampedArray ? new Uint8ClampedArray(r.buffer, r.byteOffset, r.length) : r) as A;
}

/**
 * Sorts `a` in place, in exactly `TypedArray.prototype.sort()`'s order (numeric; -0
 * before +0; every NaN last), with `{ descending: true }` the reverse (NaN still last).
 * Parallel radix sort for 32- and 64-bit types, counting sort for 8- and 16-bit ones.
 * Returns `a`.
 *
 * @example
 * compute.sortSync(new Float64Array([3, NaN, -0, 0, -1])) // Float64Array [-1, -0, 0, 3, NaN]
 */
export function sortSync<A extends NumericArray>(a: A, options?: SortOptions): A {
  const what = 'compute.sortSync';
  numericArray(what, 'a', a);
  const descending = descendingOf(what, syncOptions(what, options, ['descending']));
  runSync(what, (k) => k.sort(a, descending));
  return a;
}

/**
 * {@link sortSync} off the calling thread. An ArrayBuffer-backed `a` is sorted in a copy
 * that is written back when the kernel ends (writes made meanwhile are overwritten; a
 * cancelled call leaves `a` untouched); a SharedArrayBuffer-backed one is sorted in place.
 *
 * @example
 * await compute.sort(xs, { descending: true })
 */
export function sort<A extends NumericArray>(a: A, options?: SortOptions & AsyncOptions): Promise<A> {
  const what = 'compute.sort';
  try {
    numericArray(what, 'a', a);
    const opts = asyncOptions(what, options, ['descending']);
    const descending = descendingOf(what, opts);
    return runAsync(what, opts, [a], (k, job) => k.sortAsync(a, descending, job)).then(([, contents]) => writeBack(what, 'a', a, contents as A | undefined));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The permutation that sorts `a` (stable: equal elements keep their order), as a
 * Uint32Array (a Float64Array for arrays longer than 2³² - 1); `a` is not changed.
 *
 * @example
 * compute.argsortSync(new Float64Array([3, 1, 2])) // Uint32Array [1, 2, 0]
 */
export function argsortSync(a: NumericArray, options?: SortOptions): Uint32Array | Float64Array {
  const what = 'compute.argsortSync';
  numericArray(what, 'a', a);
  const descending = descendingOf(what, syncOptions(what, options, ['descending']));
  return runSync(what, (k) => k.argsort(a, descending));
}

/** {@link argsortSync} off the calling thread. @example const order = await compute.argsort(scores, { descending: true }) */
export function argsort(a: NumericArray, options?: SortOptions & AsyncOptions): Promise<Uint32Array | Float64Array> {
  const what = 'compute.argsort';
  try {
    numericArray(what, 'a', a);
    const opts = asyncOptions(what, options, ['descending']);
    const descending = descendingOf(what, opts);
    return runAsync(what, opts, [a], (k, job) => k.argsortAsync(a, descending, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

function sortByArgs(what: string, keys: unknown, values: unknown): void {
  numericArray(what, 'keys', keys);
  numericArray(what, 'values', values);
  if ((keys as NumericArray).length !== (values as NumericArray).length) {
    invalidArgument(what, 'values', `must have keys's length ${(keys as NumericArray).length}, got ${(values as NumericArray).length}`);
  }
}

/**
 * Sorts `keys` in place (stably, in {@link sortSync}'s order) and reorders `values` (any
 * element type, same length, not sharing memory with `keys`) the same way.
 *
 * @example
 * const keys = new Float64Array([3, 1, 2]), ids = new Uint32Array([30, 10, 20])
 * compute.sortBySync(keys, ids) // keys [1, 2, 3], ids [10, 20, 30]
 */
export function sortBySync(keys: NumericArray, values: NumericArray, options?: SortOptions): void {
  const what = 'compute.sortBySync';
  sortByArgs(what, keys, values);
  const descending = descendingOf(what, syncOptions(what, options, ['descending']));
  runSync(what, (k) => k.sortBy(keys, values, descending));
}

/**
 * {@link sortBySync} off the calling thread; both arrays receive their new order when the
 * kernel ends. If one was detached (transferred) meanwhile, the other still receives its
 * order and the call rejects INVALID_ARGUMENT naming the detached one, its order in
 * `details.result`.
 *
 * @example
 * await compute.sortBy(keys, values)
 */
export function sortBy(keys: NumericArray, values: NumericArray, options?: SortOptions & AsyncOptions): Promise<void> {
  const what = 'compute.sortBy';
  try {
    sortByArgs(what, keys, values);
    const opts = asyncOptions(what, options, ['descending']);
    const descending = descendingOf(what, opts);
    return runAsync(what, opts, [keys, values], (k, job) => k.sortByAsync(keys, values, descending, job)).then(([k2, v2]) => {
      // Each array that is still there receives its new order, even when the other was
      // detached meanwhile (that one's error, with its result, comes after).
      let detached: unknown;
      for (const [param, target, result] of [
        ['keys', keys, k2],
        ['values', values, v2],
      ] as const) {
        try {
          writeBack(what, param, target, result as NumericArray | undefined);
        } catch (err) {
          detached ??= err;
        }
      }
      if (detached !== undefined) throw detached;
    });
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The element `sortSync` would put at index `k`, found without a full sort (selection):
 * `a` is reordered in place so that `a[k]` holds it, the elements before it sort at or
 * before it and those after at or after it.
 *
 * @example
 * compute.nthElementSync(new Float64Array([5, 1, 4, 2, 3]), 2) // 3 (the median)
 */
export function nthElementSync<A extends NumericArray>(a: A, k: number): ElementOf<A> {
  return selectSync('compute.nthElementSync', a, k);
}

/** nthElementSync and partitionSync, their errors naming `what`. */
function selectSync<A extends NumericArray>(what: string, a: A, k: number): ElementOf<A> {
  numericArray(what, 'a', a);
  return runSync(what, (n) => n.nthElement(a, indexOf(what, a, k, false))) as ElementOf<A>;
}

/** {@link nthElementSync} off the calling thread; `a` receives its new order when the kernel ends. @example const median = await compute.nthElement(xs, xs.length >> 1) */
export function nthElement<A extends NumericArray>(a: A, k: number, options?: AsyncOptions): Promise<ElementOf<A>> {
  return select('compute.nthElement', a, k, options);
}

/** nthElement and partition, their errors naming `what`. */
function select<A extends NumericArray>(what: string, a: A, k: number, options: AsyncOptions | undefined): Promise<ElementOf<A>> {
  try {
    numericArray(what, 'a', a);
    const index = indexOf(what, a, k, false);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [a], (n, job) => n.nthElementAsync(a, index, job)).then(([value, contents]) => {
      writeBack(what, 'a', a, contents as A | undefined);
      return value as ElementOf<A>;
    });
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * {@link nthElementSync}'s reordering, returning `a`: afterwards `a[k]` is in its sorted
 * place with smaller elements before it and larger after.
 *
 * @example
 * compute.partitionSync(xs, 10) // xs, its 10 smallest first
 */
export function partitionSync<A extends NumericArray>(a: A, k: number): A {
  selectSync('compute.partitionSync', a, k);
  return a;
}

/** {@link partitionSync} off the calling thread. @example await compute.partition(xs, 10) */
export function partition<A extends NumericArray>(a: A, k: number, options?: AsyncOptions): Promise<A> {
  return select('compute.partition', a, k, options).then(() => a);
}

/**
 * The `k` largest elements (or, with `{ largest: false }`, the smallest), best first, as
 * a new array of `a`'s type; `a` is not changed. NaN counts as neither largest nor
 * smallest unless fewer than `k` other values exist.
 *
 * @example
 * compute.topKSync(new Int32Array([5, 1, 9, 3]), 2) // Int32Array [9, 5]
 */
export function topKSync<A extends NumericArray>(a: A, k: number, options?: TopKOptions): A {
  const what = 'compute.topKSync';
  numericArray(what, 'a', a);
  const { largest = true } = syncOptions(what, options, ['largest']);
  if (typeof largest !== 'boolean') invalidArgument(what, 'options.largest', `must be a boolean, got ${describeValue(largest)}`);
  return clampedLike(a, runSync(what, (n) => n.topK(a, indexOf(what, a, k, true), largest)) as A);
}

/** {@link topKSync} off the calling thread. @example const best = await compute.topK(scores, 10) */
export function topK<A extends NumericArray>(a: A, k: number, options?: TopKOptions & AsyncOptions): Promise<A> {
  const what = 'compute.topK';
  try {
    numericArray(what, 'a', a);
    const opts = asyncOptions(what, options, ['largest']);
    const { largest = true } = opts;
    if (typeof largest !== 'boolean') invalidArgument(what, 'options.largest', `must be a boolean, got ${describeValue(largest)}`);
    const count = indexOf(what, a, k, true);
    return runAsync(what, opts, [a], (n, job) => n.topKAsync(a, count, largest, job)).then((r) => clampedLike(a, r as A));
  } catch (err) {
    return Promise.reject(err);
  }
}
