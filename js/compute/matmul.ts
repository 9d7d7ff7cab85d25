/**
 * Matrix products of row-major Float32Array / Float64Array matrices.
 * @internal
 */
import { describeValue } from '../describe.js';
import { floatArray, invalidArgument, isDetached, sameType, type FloatArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, syncOptions, writeBack, type AsyncOptions } from './run.js';

/** The shape of a product: `a` is m×k, `b` is k×n, the product m×n (all row-major). */
export interface MatmulOptions<T extends FloatArray = FloatArray> {
  /** Rows of `a` and of the product. */
  m: number;
  /** Columns of `a`, rows of `b`. */
  k: number;
  /** Columns of `b` and of the product. */
  n: number;
  /** Where to write the m×n product (same type as `a`, not overlapping `a` or `b`); default: a new array. */
  out?: T;
}

const KEYS = ['m', 'k', 'n', 'out'] as const;

function shape(what: string, options: MatmulOptions): void {
  for (const key of ['m', 'k', 'n'] as const) {
    const v = options[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      invalidArgument(what, key, `must be a non-negative integer, got ${describeValue(v)}`);
    }
  }
}

/** Refuses `array` (the argument `param`) unless it has `expected` (= `product`) elements. */
function checkLength(what: string, param: string, array: FloatArray, expected: number, product: string): void {
  if (array.length === expected) return;
  if (isDetached(array.buffer)) invalidArgument(what, param, 'is detached (its ArrayBuffer was transferred)');
  invalidArgument(what, param, `has ${array.length} elements, but ${product} = ${expected}`);
}

/** The refusal of an m×n product that no array can hold. */
function tooLarge(what: string, elements: number): never {
  return invalidArgument(what, 'm', `and n ask for a product of m*n = ${elements} elements, which could not be allocated`);
}

function checked<T extends FloatArray>(what: string, a: T, b: T, options: MatmulOptions<T>): void {
  floatArray(what, 'a', a);
  floatArray(what, 'b', b);
  sameType(what, a, 'b', b, false);
  shape(what, options);
  if (options.out !== undefined) {
    floatArray(what, 'out', options.out);
    sameType(what, a, 'out', options.out, false);
  }
  const { m, k, n, out } = options;
  checkLength(what, 'a', a, m * k, 'm*k');
  checkLength(what, 'b', b, k * n, 'k*n');
  if (out !== undefined) checkLength(what, 'out', out, m * n, 'm*n');
  else if (!Number.isSafeInteger(m * n)) tooLarge(what, m * n);
}

/** A new array of `a`'s type for the product, or INVALID_ARGUMENT when it cannot be had. */
function newLike<T extends FloatArray>(what: string, a: T, length: number): T {
  try {
    return (a instanceof Float64Array ? new Float64Array(length) : new Float32Array(length)) as T;
  } catch (err) {
    if (err instanceof RangeError) tooLarge(what, length);
    throw err;
  }
}

/**
 * The product of the m×k matrix `a` and the k×n matrix `b`, both row-major, as a new m×n
 * array of their type (or written into `out`). Blocked and parallel on the kernel pool,
 * with runtime-selected SIMD (AVX2/AVX-512 where the CPU has them).
 *
 * @example
 * const a = new Float64Array([1, 2, 3, 4, 5, 6]) // 2×3
 * const b = new Float64Array([1, 0, 0, 1, 1, 1]) // 3×2
 * compute.matmulSync(a, b, { m: 2, k: 3, n: 2 }) // Float64Array [4, 5, 10, 11]
 */
export function matmulSync<T extends FloatArray>(a: T, b: T, options: MatmulOptions<T>): T {
  const what = 'compute.matmulSync';
  const opts = syncOptions(what, options, KEYS);
  if (options === undefined) invalidArgument(what, 'options', 'must give m, k and n');
  checked(what, a, b, opts);
  const out = opts.out ?? newLike(what, a, opts.m * opts.n);
  runSync(what, (k) => k.matmul(a, b, out, opts.m, opts.k, opts.n));
  return out;
}

/**
 * {@link matmulSync} off the calling thread. Cancellable between row panels; progress
 * counts rows of the product.
 *
 * @example
 * const c = await compute.matmul(a, b, { m: 512, k: 512, n: 512 })
 */
export function matmul<T extends FloatArray>(a: T, b: T, options: MatmulOptions<T> & AsyncOptions): Promise<T> {
  const what = 'compute.matmul';
  try {
    if (options === undefined) invalidArgument(what, 'options', 'must give m, k and n');
    const opts = asyncOptions(what, options, KEYS);
    checked(what, a, b, opts);
    const { out } = opts;
    return runAsync(what, opts, out === undefined ? [a, b] : [a, b, out], (k, job) =>
      k.matmulAsync(a, b, out ?? null, opts.m, opts.k, opts.n, job),
    ).then((product) => (out === undefined ? (product as T) : writeBack(what, 'out', out, product as T | undefined)));
  } catch (err) {
    return Promise.reject(err);
  }
}
