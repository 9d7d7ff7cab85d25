/**
 * The array types compute kernels take, and the checks every kernel runs on its array
 * arguments before calling into the native binding.
 * @internal
 */
import { WeftError } from '../errors.js';
import { describeValue } from '../describe.js';

/** Every TypedArray a kernel takes (`Uint8ClampedArray` reads as `Uint8Array`). */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;

/** The float arrays (matmul, axpy, scale). */
export type FloatArray = Float64Array | Float32Array;

/** The arrays whose elements are bigints. */
export type BigIntArray = BigInt64Array | BigUint64Array;

/** A number for number arrays, a bigint for BigInt64Array and BigUint64Array. */
export type ElementOf<A extends NumericArray> = A extends BigIntArray ? bigint : number;

const NUMERIC: readonly Function[] = [
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
];

const NUMERIC_NAMES = 'Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray, BigInt64Array or BigUint64Array';

/** Throws INVALID_ARGUMENT for `what`'s argument `param`. */
export function invalidArgument(what: string, param: string, problem: string, extra: Record<string, unknown> = {}): never {
  throw new WeftError('INVALID_ARGUMENT', `${what}: ${param} ${problem}`, { details: { operation: what, param, ...extra } });
}

/** Checks that `value` is a TypedArray a kernel takes. */
export function numericArray(what: string, param: string, value: unknown): NumericArray {
  if (typeof value !== 'object' || value === null || !NUMERIC.some((c) => value instanceof c)) {
    invalidArgument(what, param, `must be a ${NUMERIC_NAMES}, got ${describeValue(value)}`);
  }
  return value as NumericArray;
}

/** Checks that `value` is a Float64Array or Float32Array. */
export function floatArray(what: string, param: string, value: unknown): FloatArray {
  if (!(value instanceof Float64Array) && !(value instanceof Float32Array)) {
    invalidArgument(what, param, `must be a Float64Array or Float32Array, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks that `b` has `a`'s element type (and, with `sameLength`, its length); `first` is the name `a` goes by in the call. */
export function sameType(what: string, a: NumericArray, param: string, b: NumericArray, sameLength = true, first = 'a'): void {
  if (elementType(a) !== elementType(b)) {
    invalidArgument(what, param, `must be ${article(elementType(a))} like ${first}, got ${b.constructor.name}`);
  }
  if (sameLength && a.length !== b.length) {
    invalidArgument(what, param, `must have ${first}'s length ${a.length}, got ${b.length}`);
  }
}

/** `name` with its indefinite article: 'an Int8Array', 'a Float64Array', 'a Uint8Array' (said "you-int"). */
export function article(name: string): string {
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** The array's element type by name (`Uint8ClampedArray` counts as `Uint8Array`). */
export function elementType(a: NumericArray): string {
  return a instanceof Uint8ClampedArray ? 'Uint8Array' : a.constructor.name;
}

/** Whether the array's memory is a SharedArrayBuffer's. */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/**
 * Whether `buffer` was detached (transferred, e.g. by postMessage or structuredClone): its
 * memory is gone and every view of it reads as empty. A SharedArrayBuffer never is.
 */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer) return false;
  const detached = (buffer as { detached?: unknown }).detached;
  if (typeof detached === 'boolean') return detached;
  // Before ArrayBuffer.prototype.detached (Node 20): only a detached buffer refuses a view.
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** Whether the array's elements are bigints. */
export function isBigIntArray(a: NumericArray): a is BigIntArray {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}
