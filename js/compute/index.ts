/**
 * Native compute kernels on TypedArrays, run on weft's own work-stealing pool (Rust,
 * rayon). Large inputs are split over the pool's threads; small ones run on one.
 *
 * Every kernel has two forms:
 * - `compute.<name>(...)` returns a Promise and leaves the event loop free. An
 *   ArrayBuffer-backed array is copied when the call starts, and an in-place result
 *   (sort, fill, ...) is copied back when the kernel ends, so JS may write, transfer or
 *   drop the array meanwhile; a SharedArrayBuffer-backed array is used in place (no copy).
 *   `{ signal }` cancels it between chunks, `{ onProgress }` reports how far it got.
 * - `compute.<name>Sync(...)` blocks the calling thread until the result is ready and
 *   works on the array in place: what a worker thread wants, and the least overhead.
 *
 * @example
 * import { compute } from '@weft/core'
 * const xs = Float64Array.from({ length: 1e6 }, Math.random)
 * compute.sumSync(xs)          // pairwise sum, error ≤ (20 + ⌈log₂(n/128)⌉)·2⁻⁵³·Σ|xᵢ|
 * await compute.max(xs)        // off the event loop
 * compute.setThreads(2)        // default: WEFT_THREADS, else one per core
 */
import { WeftError } from '../errors.js';
import { describeValue } from '../describe.js';
import { runSync } from './run.js';
import { hash, hashMany, hashManySync, hashSync } from './hash.js';
import { matmul, matmulSync } from './matmul.js';
import {
  countNaN,
  countNaNSync,
  countNonZero,
  countNonZeroSync,
  dot,
  dotSync,
  histogram,
  histogramSync,
  max,
  maxSync,
  mean,
  meanSync,
  min,
  minMax,
  minMaxSync,
  minSync,
  std,
  stdSync,
  sum,
  sumSync,
  variance,
  varianceSync,
} from './reduce.js';
import {
  add,
  addSync,
  axpy,
  axpySync,
  clamp,
  clampSync,
  copy,
  copySync,
  div,
  divSync,
  fill,
  fillSync,
  mul,
  mulSync,
  scale,
  scaleSync,
  sub,
  subSync,
} from './elementwise.js';
import { scan, scanSync, searchSorted, searchSortedSync, unique, uniqueSync } from './scan.js';

export type { BigIntArray, ElementOf, FloatArray, NumericArray } from './arrays.js';
export type { AsyncOptions } from './run.js';
export type { Bytes, Digest, HashAlgorithm } from './hash.js';
export type { MatmulOptions } from './matmul.js';
export type { Histogram, HistogramOptions, VarianceOptions } from './reduce.js';
export type { OutOptions } from './elementwise.js';
export type { ScanOf, ScanOptions, SearchOptions } from './scan.js';

/**
 * How many threads the kernel pool has (or will start with): `WEFT_THREADS` when set to a
 * positive integer, else one per core, until `setThreads` changes it.
 *
 * @example
 * compute.threads() // 2 on a two-core machine
 */
function threads(): number {
  return runSync('compute.threads', (k) => k.threads());
}

/**
 * Resizes the kernel pool to `n` threads (an integer from 1 to 1024), for every thread of
 * the process. Kernels already running finish on the old threads.
 *
 * @example
 * compute.setThreads(1)
 */
function setThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
    throw new WeftError('INVALID_ARGUMENT', `compute.setThreads: n must be an integer from 1 to 1024, got ${describeValue(n)}`, {
      details: { operation: 'compute.setThreads', param: 'n' },
    });
  }
  runSync('compute.setThreads', (k) => k.setThreads(n));
}

/** weft's compute kernels (see the module's documentation). */
export const compute = {
  sum,
  sumSync,
  mean,
  meanSync,
  variance,
  varianceSync,
  std,
  stdSync,
  min,
  minSync,
  max,
  maxSync,
  minMax,
  minMaxSync,
  countNonZero,
  countNonZeroSync,
  countNaN,
  countNaNSync,
  dot,
  dotSync,
  histogram,
  histogramSync,
  scan,
  scanSync,
  unique,
  uniqueSync,
  searchSorted,
  searchSortedSync,
  add,
  addSync,
  sub,
  subSync,
  mul,
  mulSync,
  div,
  divSync,
  scale,
  scaleSync,
  clamp,
  clampSync,
  copy,
  copySync,
  fill,
  fillSync,
  axpy,
  axpySync,
  matmul,
  matmulSync,
  hash,
  hashSync,
  hashMany,
  hashManySync,
  threads,
  setThreads,
} as const;
