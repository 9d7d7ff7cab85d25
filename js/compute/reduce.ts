/**
 * Reductions over one array or two: sum, min, max, dot.
 * @internal
 */
import { floatArray, sameType, type FloatArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, type AsyncOptions } from './run.js';

type Reduction = 'sum' | 'min' | 'max';

function reduceSync(name: Reduction, a: FloatArray): number {
  const what = `compute.${name}Sync`;
  floatArray(what, 'a', a);
  return runSync(what, (k) => k[name](a));
}

function reduceAsync(name: Reduction, a: FloatArray, options?: AsyncOptions): Promise<number> {
  const what = `compute.${name}`;
  try {
    floatArray(what, 'a', a);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [a], (k, job) => k[`${name}Async`](a, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The sum of `a` (0 when empty), pairwise and accumulated in float64 (a Float32Array's
 * sum keeps float64 precision). Its rounding error is at most
 * `(20 + ⌈log₂⌈n/128⌉⌉)·2⁻⁵³·Σ|aᵢ|`; a plain loop's grows with `n` instead.
 *
 * @example
 * compute.sumSync(new Float64Array([0.1, 0.2, 0.3])) // 0.6000000000000001
 */
export function sumSync(a: FloatArray): number {
  return reduceSync('sum', a);
}

/**
 * {@link sumSync} on the kernel pool, off the calling thread.
 *
 * @example
 * await compute.sum(new Float64Array([1, 2, 3])) // 6
 */
export function sum(a: FloatArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('sum', a, options);
}

/**
 * The smallest element, as `Math.min(...a)`: NaN if any element is NaN, -0 below +0,
 * Infinity when empty.
 *
 * @example
 * compute.minSync(new Float32Array([3, -1, 2])) // -1
 */
export function minSync(a: FloatArray): number {
  return reduceSync('min', a);
}

/**
 * {@link minSync} on the kernel pool, off the calling thread.
 *
 * @example
 * await compute.min(new Float64Array([3, -1, 2])) // -1
 */
export function min(a: FloatArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('min', a, options);
}

/**
 * The largest element, as `Math.max(...a)`: NaN if any element is NaN, +0 above -0,
 * -Infinity when empty.
 *
 * @example
 * compute.maxSync(new Float64Array([3, -1, 2])) // 3
 */
export function maxSync(a: FloatArray): number {
  return reduceSync('max', a);
}

/**
 * {@link maxSync} on the kernel pool, off the calling thread.
 *
 * @example
 * await compute.max(new Float64Array([3, -1, 2])) // 3
 */
export function max(a: FloatArray, options?: AsyncOptions): Promise<number> {
  return reduceAsync('max', a, options);
}

/**
 * The dot product `Σ aᵢ·bᵢ` of two arrays of the same type and length, with `sumSync`'s
 * error bound over the products.
 *
 * @example
 * compute.dotSync(new Float64Array([1, 2]), new Float64Array([3, 4])) // 11
 */
export function dotSync<T extends FloatArray>(a: T, b: T): number {
  const what = 'compute.dotSync';
  floatArray(what, 'a', a);
  floatArray(what, 'b', b);
  sameType(what, a, 'b', b);
  return runSync(what, (k) => k.dot(a, b));
}

/**
 * {@link dotSync} on the kernel pool, off the calling thread.
 *
 * @example
 * await compute.dot(new Float64Array([1, 2]), new Float64Array([3, 4])) // 11
 */
export function dot<T extends FloatArray>(a: T, b: T, options?: AsyncOptions): Promise<number> {
  const what = 'compute.dot';
  try {
    floatArray(what, 'a', a);
    floatArray(what, 'b', b);
    sameType(what, a, 'b', b);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [a, b], (k, job) => k.dotAsync(a, b, job));
  } catch (err) {
    return Promise.reject(err);
  }
}
