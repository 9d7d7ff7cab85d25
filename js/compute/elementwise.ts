/**
 * Element-wise kernels: add, sub, mul, div, scale, clamp and copy into an output array;
 * axpy and fill in place.
 * @internal
 */
import { describeValue } from '../describe.js';
import { article, floatArray, invalidArgument, isBigIntArray, numericArray, sameType, type ElementOf, type FloatArray, type NumericArray } from './arrays.js';
import { asyncOptions, runAsync, runSync, syncOptions, writeBack, type AsyncOptions, type Kernels } from './run.js';

type Job = InstanceType<Kernels['KernelJob']>;

/** Where an element-wise kernel writes: `out` (same type and length as the input; may be the input itself), else a new array. */
export interface OutOptions<A extends NumericArray> {
  out?: A;
}

type Binary = 'add' | 'sub' | 'mul' | 'div';

/** `v` converted as storing it in an array like `a` converts it (so `fill(u8, 300)` stores 44, as `u8.fill(300)` does). */
function asElement(what: string, param: string, a: NumericArray, v: unknown): number | bigint {
  const big = isBigIntArray(a);
  if (big ? typeof v !== 'bigint' : typeof v !== 'number') {
    invalidArgument(what, param, `must be a ${big ? 'bigint' : 'number'} for ${article(a.constructor.name)}, got ${describeValue(v)}`);
  }
  const one = new (a.constructor as new (n: number) => NumericArray)(1);
  one[0] = v as never;
  return one[0]!;
}

function noClamped(what: string, param: string, a: NumericArray): void {
  if (a instanceof Uint8ClampedArray) {
    invalidArgument(what, param, 'is a Uint8ClampedArray, whose rounding and clamping the arithmetic kernels do not follow; use a Uint8Array view of its buffer');
  }
}

function newLike<A extends NumericArray>(a: A): A {
  return new (a.constructor as new (n: number) => A)(a.length);
}

function outOf<A extends NumericArray>(what: string, a: A, options: OutOptions<A>, first = 'a'): A | undefined {
  const { out } = options;
  if (out === undefined) return undefined;
  numericArray(what, 'out', out);
  sameType(what, a, 'out', out, true, first);
  return out;
}

/** Runs an output-writing kernel in both forms. */
function intoSync<A extends NumericArray>(what: string, a: A, out: A | undefined, call: (out: A) => void): A {
  const target = out ?? newLike(a);
  runSync(what, () => call(target));
  return target;
}

function intoAsync<A extends NumericArray>(
  what: string,
  a: A,
  out: A | undefined,
  options: AsyncOptions,
  arrays: readonly NumericArray[],
  start: (k: Kernels, out: A | null, job: Job) => Promise<unknown>,
  param = 'out',
): Promise<A> {
  // A Uint8ClampedArray result is written into one the facade makes (the kernels hand back Uint8Arrays).
  const target = out ?? (a instanceof Uint8ClampedArray ? newLike(a) : undefined);
  return runAsync(what, options, target === undefined ? arrays : [...arrays, target], (k, job) => start(k, target ?? null, job)).then((result) =>
    target === undefined ? (result as A) : writeBack(what, param, target, result as A | undefined),
  );
}

function binarySync<A extends NumericArray>(op: Binary, a: A, b: A, options?: OutOptions<A>): A {
  const what = `compute.${op}Sync`;
  numericArray(what, 'a', a);
  numericArray(what, 'b', b);
  noClamped(what, 'a', a);
  sameType(what, a, 'b', b);
  const out = outOf(what, a, syncOptions(what, options, ['out']));
  if (out !== undefined) noClamped(what, 'out', out);
  return intoSync(what, a, out, (o) => runSync(what, (k) => k.elementwise(op, a, b, o, undefined, undefined)));
}

function binaryAsync<A extends NumericArray>(op: Binary, a: A, b: A, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  const what = `compute.${op}`;
  try {
    numericArray(what, 'a', a);
    numericArray(what, 'b', b);
    noClamped(what, 'a', a);
    sameType(what, a, 'b', b);
    const opts = asyncOptions(what, options, ['out']);
    const out = outOf(what, a, opts);
    if (out !== undefined) noClamped(what, 'out', out);
    return intoAsync(what, a, out, opts, [a, b], (k, o, job) => k.elementwiseAsync(op, a, b, o, undefined, undefined, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * `out[i] = a[i] + b[i]`. Floats follow IEEE arithmetic; integers wrap modulo 2^bits
 * (two's complement, as numpy and `Math.imul` do). `out` may be `a` or `b`. A
 * Uint8ClampedArray `a` or `out` is INVALID_ARGUMENT (it clamps where these wrap): use a
 * Uint8Array view of its buffer.
 *
 * @example
 * compute.addSync(new Int8Array([127, 1]), new Int8Array([1, 1])) // Int8Array [-128, 2]
 */
export function addSync<A extends NumericArray>(a: A, b: A, options?: OutOptions<A>): A {
  return binarySync('add', a, b, options);
}
/** {@link addSync} off the calling thread. @example await compute.add(a, b, { out: a }) */
export function add<A extends NumericArray>(a: A, b: A, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  return binaryAsync('add', a, b, options);
}
/** `out[i] = a[i] - b[i]`, with {@link addSync}'s arithmetic. @example compute.subSync(a, b) */
export function subSync<A extends NumericArray>(a: A, b: A, options?: OutOptions<A>): A {
  return binarySync('sub', a, b, options);
}
/** {@link subSync} off the calling thread. @example await compute.sub(a, b) */
export function sub<A extends NumericArray>(a: A, b: A, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  return binaryAsync('sub', a, b, options);
}
/** `out[i] = a[i] * b[i]`, with {@link addSync}'s arithmetic (integer products wrap). @example compute.mulSync(a, b) */
export function mulSync<A extends NumericArray>(a: A, b: A, options?: OutOptions<A>): A {
  return binarySync('mul', a, b, options);
}
/** {@link mulSync} off the calling thread. @example await compute.mul(a, b) */
export function mul<A extends NumericArray>(a: A, b: A, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  return binaryAsync('mul', a, b, options);
}
/**
 * `out[i] = a[i] / b[i]`. Integer division truncates toward zero; `x / 0` is 0 for
 * integers of up to 32 bits (what storing JS's Infinity or NaN into them gives), and a
 * zero divisor in a BigInt64Array or BigUint64Array is INVALID_ARGUMENT (as BigInt
 * division throws), found before anything is written.
 *
 * @example
 * compute.divSync(new Int32Array([7, -7, 1]), new Int32Array([2, 2, 0])) // Int32Array [3, -3, 0]
 */
export function divSync<A extends NumericArray>(a: A, b: A, options?: OutOptions<A>): A {
  return binarySync('div', a, b, options);
}
/** {@link divSync} off the calling thread. @example await compute.div(a, b) */
export function div<A extends NumericArray>(a: A, b: A, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  return binaryAsync('div', a, b, options);
}

function finiteNumber(what: string, param: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) invalidArgument(what, param, `must be a number, got ${describeValue(v)}`);
  return v;
}

/**
 * `out[i] = x[i] * alpha` for a Float64Array or Float32Array.
 *
 * @example
 * compute.scaleSync(new Float64Array([1, 2]), 0.5) // Float64Array [0.5, 1]
 */
export function scaleSync<A extends FloatArray>(x: A, alpha: number, options?: OutOptions<A>): A {
  const what = 'compute.scaleSync';
  floatArray(what, 'x', x);
  finiteNumber(what, 'alpha', alpha);
  const out = outOf(what, x, syncOptions(what, options, ['out']), 'x');
  return intoSync(what, x, out, (o) => runSync(what, (k) => k.elementwise('scale', x, undefined, o, alpha, undefined)));
}
/** {@link scaleSync} off the calling thread. @example await compute.scale(x, 2) */
export function scale<A extends FloatArray>(x: A, alpha: number, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  const what = 'compute.scale';
  try {
    floatArray(what, 'x', x);
    finiteNumber(what, 'alpha', alpha);
    const opts = asyncOptions(what, options, ['out']);
    const out = outOf(what, x, opts, 'x');
    return intoAsync(what, x, out, opts, [x], (k, o, job) => k.elementwiseAsync('scale', x, undefined, o, alpha, undefined, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

function bounds(what: string, a: NumericArray, lo: unknown, hi: unknown): [number | bigint, number | bigint] {
  const l = asElement(what, 'lo', a, lo);
  const h = asElement(what, 'hi', a, hi);
  if ((typeof l === 'number' && Number.isNaN(l)) || (typeof h === 'number' && Number.isNaN(h)) || l > h) {
    invalidArgument(what, 'lo', `must be at most hi, got ${describeValue(lo)} and ${describeValue(hi)}`);
  }
  return [l, h];
}

/**
 * `out[i] = min(max(a[i], lo), hi)`; NaN stays NaN. The bounds are converted to `a`'s
 * element type first, as storing them in `a` would.
 *
 * @example
 * compute.clampSync(new Float64Array([-2, 0.5, 9]), 0, 1) // Float64Array [0, 0.5, 1]
 */
export function clampSync<A extends NumericArray>(a: A, lo: ElementOf<A>, hi: ElementOf<A>, options?: OutOptions<A>): A {
  const what = 'compute.clampSync';
  numericArray(what, 'a', a);
  const [l, h] = bounds(what, a, lo, hi);
  const out = outOf(what, a, syncOptions(what, options, ['out']));
  return intoSync(what, a, out, (o) => runSync(what, (k) => k.elementwise('clamp', a, undefined, o, l, h)));
}
/** {@link clampSync} off the calling thread. @example await compute.clamp(a, 0, 255) */
export function clamp<A extends NumericArray>(a: A, lo: ElementOf<A>, hi: ElementOf<A>, options?: OutOptions<A> & AsyncOptions): Promise<A> {
  const what = 'compute.clamp';
  try {
    numericArray(what, 'a', a);
    const [l, h] = bounds(what, a, lo, hi);
    const opts = asyncOptions(what, options, ['out']);
    const out = outOf(what, a, opts);
    return intoAsync(what, a, out, opts, [a], (k, o, job) => k.elementwiseAsync('clamp', a, undefined, o, l, h, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Copies `src` into `dst` (same type and length), in parallel.
 *
 * @example
 * compute.copySync(src, dst) // dst
 */
export function copySync<A extends NumericArray>(src: A, dst: A): A {
  const what = 'compute.copySync';
  numericArray(what, 'src', src);
  numericArray(what, 'dst', dst);
  sameType(what, src, 'dst', dst, true, 'src');
  return intoSync(what, src, dst, (o) => runSync(what, (k) => k.elementwise('copy', src, undefined, o, undefined, undefined)));
}
/** {@link copySync} off the calling thread. @example await compute.copy(src, dst) */
export function copy<A extends NumericArray>(src: A, dst: A, options?: AsyncOptions): Promise<A> {
  const what = 'compute.copy';
  try {
    numericArray(what, 'src', src);
    numericArray(what, 'dst', dst);
    sameType(what, src, 'dst', dst, true, 'src');
    const opts = asyncOptions(what, options);
    return intoAsync(what, src, dst, opts, [src], (k, o, job) => k.elementwiseAsync('copy', src, undefined, o, undefined, undefined, job), 'dst');
  } catch (err) {
    return Promise.reject(err);
  }
}

function inPlaceAsync<A extends NumericArray>(what: string, param: string, a: A, options: AsyncOptions, arrays: readonly NumericArray[], start: (k: Kernels, job: Job) => Promise<unknown>): Promise<A> {
  return runAsync(what, options, arrays, start).then((result) => writeBack(what, param, a, result as A | undefined));
}

/**
 * `y[i] += alpha * x[i]` in place (computed in float64, rounded once), for Float64Array or
 * Float32Array `x` and `y` of one type and length.
 *
 * @example
 * compute.axpySync(2, new Float64Array([1, 1]), y) // y, each element 2 larger
 */
export function axpySync<A extends FloatArray>(alpha: number, x: A, y: A): A {
  const what = 'compute.axpySync';
  finiteNumber(what, 'alpha', alpha);
  floatArray(what, 'x', x);
  floatArray(what, 'y', y);
  sameType(what, x, 'y', y, true, 'x');
  runSync(what, (k) => k.inPlace('axpy', y, alpha, x));
  return y;
}
/** {@link axpySync} off the calling thread: `y` receives the result when the kernel ends. @example await compute.axpy(0.5, x, y) */
export function axpy<A extends FloatArray>(alpha: number, x: A, y: A, options?: AsyncOptions): Promise<A> {
  const what = 'compute.axpy';
  try {
    finiteNumber(what, 'alpha', alpha);
    floatArray(what, 'x', x);
    floatArray(what, 'y', y);
    sameType(what, x, 'y', y, true, 'x');
    const opts = asyncOptions(what, options);
    return inPlaceAsync(what, 'y', y, opts, [x, y], (k, job) => k.inPlaceAsync('axpy', y, alpha, x, job));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Sets every element of `a` to `value` (converted as `a.fill(value)` converts it), in
 * parallel.
 *
 * @example
 * compute.fillSync(new Uint8Array(4), 300) // Uint8Array [44, 44, 44, 44]
 */
export function fillSync<A extends NumericArray>(a: A, value: ElementOf<A>): A {
  const what = 'compute.fillSync';
  numericArray(what, 'a', a);
  const v = asElement(what, 'value', a, value);
  runSync(what, (k) => k.inPlace('fill', a, v, undefined));
  return a;
}
/** {@link fillSync} off the calling thread. @example await compute.fill(a, 0) */
export function fill<A extends NumericArray>(a: A, value: ElementOf<A>, options?: AsyncOptions): Promise<A> {
  const what = 'compute.fill';
  try {
    numericArray(what, 'a', a);
    const v = asElement(what, 'value', a, value);
    const opts = asyncOptions(what, options);
    return inPlaceAsync(what, 'a', a, opts, [a], (k, job) => k.inPlaceAsync('fill', a, v, undefined, job));
  } catch (err) {
    return Promise.reject(err);
  }
}
