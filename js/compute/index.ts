/**
 * Native compute kernels on TypedArrays, run on weft's own work-stealing pool (Rust,
 * rayon), zero-copy: the kernel reads the array's memory where it lies. Large inputs
 * (128 Ki elements and up) are split over the pool's threads; small ones run on the
 * calling thread.
 *
 * The `...Sync` forms block the calling thread until the result is ready, which is what a
 * worker thread wants and costs the main thread less than a JS loop over the same data.
 * They take `Float64Array` and `Float32Array` over an `ArrayBuffer` (not a
 * `SharedArrayBuffer`, which another thread could write while the kernel reads it).
 *
 * @example
 * import { compute } from '@weft/core'
 * const xs = Float64Array.from({ length: 1e6 }, Math.random)
 * compute.sumSync(xs)          // pairwise sum, error ≤ (20 + ⌈log₂(n/128)⌉)·2⁻⁵³·Σ|xᵢ|
 * compute.minSync(xs)          // as Math.min(...xs): NaN if any NaN, -0 below +0
 * compute.dotSync(xs, xs)
 * compute.setThreads(2)        // default: WEFT_THREADS, else one per core
 */
import { WeftError } from '../errors.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';

/** The array types the kernels take. */
export type FloatArray = Float64Array | Float32Array;

type Kernels = ReturnType<typeof loadNative>['kernels'];
type Reduction = 'sum' | 'min' | 'max';

let kernels: Kernels | undefined;
function native(): Kernels {
  return (kernels ??= loadNative().kernels);
}

/** Checks that `value` is an array a kernel can read and says which width it has. */
function width(value: unknown, param: string, what: string): 'F64' | 'F32' {
  const kind = value instanceof Float64Array ? 'F64' : value instanceof Float32Array ? 'F32' : undefined;
  if (kind === undefined) {
    const got = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    throw new WeftError('INVALID_ARGUMENT', `${what}: ${param} must be a Float64Array or Float32Array, got ${got}`, { details: { param } });
  }
  if (typeof SharedArrayBuffer !== 'undefined' && (value as FloatArray).buffer instanceof SharedArrayBuffer) {
    throw new WeftError('INVALID_ARGUMENT', `${what}: ${param} is backed by a SharedArrayBuffer, which another thread could write during the kernel; copy it into an ArrayBuffer-backed array first`, {
      details: { param },
    });
  }
  return kind;
}

function reduce(name: Reduction, xs: unknown): number {
  const what = `compute.${name}Sync`;
  const kind = width(xs, 'xs', what);
  const k = native();
  return nativeCall(() => k[`${name}${kind}`](xs as never), what);
}

/**
 * The sum of `xs` (0 when empty), pairwise and accumulated in float64 (a Float32Array's
 * sum keeps float64 precision). Its rounding error is at most
 * `(20 + ⌈log₂⌈n/128⌉⌉)·2⁻⁵³·Σ|xᵢ|`; a plain loop's grows with `n` instead.
 *
 * @example
 * compute.sumSync(new Float64Array([0.1, 0.2, 0.3])) // 0.6000000000000001
 */
function sumSync(xs: FloatArray): number {
  return reduce('sum', xs);
}

/**
 * The smallest element, as `Math.min(...xs)`: NaN if any element is NaN, -0 below +0,
 * Infinity when empty.
 *
 * @example
 * compute.minSync(new Float32Array([3, -1, 2])) // -1
 */
function minSync(xs: FloatArray): number {
  return reduce('min', xs);
}

/**
 * The largest element, as `Math.max(...xs)`: NaN if any element is NaN, +0 above -0,
 * -Infinity when empty.
 *
 * @example
 * compute.maxSync(new Float64Array([3, -1, 2])) // 3
 */
function maxSync(xs: FloatArray): number {
  return reduce('max', xs);
}

/**
 * The dot product `Σ aᵢ·bᵢ` of two arrays of the same type and length, with `sumSync`'s
 * error bound over the products.
 *
 * @example
 * compute.dotSync(new Float64Array([1, 2]), new Float64Array([3, 4])) // 11
 */
function dotSync<T extends FloatArray>(a: T, b: T): number {
  const what = 'compute.dotSync';
  const kind = width(a, 'a', what);
  if (width(b, 'b', what) !== kind) {
    throw new WeftError('INVALID_ARGUMENT', `${what}: a and b must have the same element type, got ${a.constructor.name} and ${b.constructor.name}`, {
      details: { param: 'b' },
    });
  }
  if (a.length !== b.length) {
    throw new WeftError('INVALID_ARGUMENT', `${what}: a and b must have the same length, got ${a.length} and ${b.length}`, { details: { param: 'b' } });
  }
  const k = native();
  return nativeCall(() => (kind === 'F64' ? k.dotF64(a as Float64Array, b as Float64Array) : k.dotF32(a as Float32Array, b as Float32Array)), what);
}

/**
 * How many threads the kernel pool has (or will start with): `WEFT_THREADS` when set to a
 * positive integer, else one per core, until `setThreads` changes it.
 *
 * @example
 * compute.threads() // 2 on a two-core machine
 */
function threads(): number {
  return nativeCall(() => native().threads(), 'compute.threads');
}

/**
 * Resizes the kernel pool to `n` threads (an integer from 1 to 1024), for every thread of
 * the process. Kernels already running finish on the old threads.
 *
 * @example
 * compute.setThreads(1) // kernels run on one thread besides their caller's wait
 */
function setThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
    throw new WeftError('INVALID_ARGUMENT', `compute.setThreads: n must be an integer from 1 to 1024, got ${String(n)}`, { details: { param: 'n' } });
  }
  nativeCall(() => native().setThreads(n), 'compute.setThreads');
}

/** weft's compute kernels (see the module's documentation). */
export const compute = { sumSync, minSync, maxSync, dotSync, threads, setThreads } as const;
