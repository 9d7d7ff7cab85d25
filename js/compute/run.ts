/**
 * How the async kernels run: cancellation through an AbortSignal, progress reports, the
 * write-back of in-place results, and keeping SharedArrayBuffer-backed arrays reachable
 * while a kernel works on them.
 * @internal
 */
import { abortError, fromNative, WeftError } from '../errors.js';
import { describeValue } from '../describe.js';
import { loadNative } from '../native/loader.js';
import { checkKnownKeys } from '../unknown-options.js';
import { invalidArgument, isShared, type NumericArray } from './arrays.js';

/** The native kernels. */
export type Kernels = ReturnType<typeof loadNative>['kernels'];
type Job = InstanceType<Kernels['KernelJob']>;

let kernels: Kernels | undefined;
/** The native kernels, loaded on first use. */
export function native(): Kernels {
  return (kernels ??= loadNative().kernels);
}

/** Options every async kernel takes. */
export interface AsyncOptions {
  /** Cancels the kernel: it stops at its next chunk and the Promise rejects with CANCELED (TIMEOUT for `AbortSignal.timeout()`), the signal's reason as `cause`. */
  signal?: AbortSignal;
  /** Called with `(done, total)` in the kernel's units (elements, bytes or rows) while it runs (about every 50 ms) and once when it ends. */
  onProgress?: (done: number, total: number) => void;
}

/** How often a running kernel's progress is read, in ms. */
const PROGRESS_EVERY_MS = 50;

/** Arrays over a SharedArrayBuffer that a running kernel works on in place: held here so none is collected before its kernel ends. */
const inUse = new Set<readonly ArrayBufferView[]>();

/** The options of an async call: checked, with `extra` keys allowed besides signal and onProgress. */
export function asyncOptions<T extends object>(what: string, options: T | undefined, extra: readonly string[] = []): T & AsyncOptions {
  if (options === undefined) return {} as T & AsyncOptions;
  if (typeof options !== 'object' || options === null) {
    invalidArgument(what, 'options', `must be an object, got ${describeValue(options)}`);
  }
  checkKnownKeys(options, ['signal', 'onProgress', ...extra], `${what} option`);
  const { signal, onProgress } = options as AsyncOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    invalidArgument(what, 'options.signal', `must be an AbortSignal, got ${describeValue(signal)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    invalidArgument(what, 'options.onProgress', `must be a function, got ${describeValue(onProgress)}`);
  }
  return options as T & AsyncOptions;
}

/** The options of a sync call: checked, `extra` keys only. */
export function syncOptions<T extends object>(what: string, options: T | undefined, known: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null) {
    invalidArgument(what, 'options', `must be an object, got ${describeValue(options)}`);
  }
  checkKnownKeys(options, known, `${what} option`);
  return options;
}

/** A native error as the WeftError it encodes, its message led by the call's name. */
function kernelError(err: unknown, what: string): WeftError {
  const error = fromNative(err, what);
  if (error.code !== 'INVALID_ARGUMENT' || error.message.startsWith(`${what}:`)) return error;
  return new WeftError(error.code, `${what}: ${error.message}`, { cause: error.cause, details: error.details });
}

/** Runs a sync kernel: a native error becomes the WeftError it encodes. */
export function runSync<R>(what: string, call: (k: Kernels) => R): R {
  try {
    return call(native());
  } catch (err) {
    throw kernelError(err, what);
  }
}

/**
 * Runs an async kernel: `start` calls the native `...Async` export with the job. `arrays`
 * are the kernel's array arguments (those over a SharedArrayBuffer are held until it ends).
 */
export async function runAsync<R>(what: string, options: AsyncOptions, arrays: readonly ArrayBufferView[], start: (k: Kernels, job: Job) => Promise<R>): Promise<R> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw abortError(`${what} was cancelled by its signal before it started`, signal.reason, { operation: what });
  const k = native();
  const job = new k.KernelJob();
  let pending: Promise<R>;
  try {
    pending = start(k, job);
  } catch (err) {
    throw kernelError(err, what);
  }
  const shared = arrays.filter(isShared);
  if (shared.length > 0) inUse.add(shared);
  const cancel = (): void => job.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let progressError: { error: unknown } | undefined;
  let last = -1;
  const report = (ended: boolean): void => {
    if (onProgress === undefined || progressError !== undefined) return;
    const [done, total] = job.progress() as [number, number];
    // A kernel still queued behind others has declared no total yet: nothing to report.
    if (done === last || (total === 0 && !ended)) return;
    last = done;
    try {
      onProgress(done, total);
    } catch (error) {
      // A throwing progress callback stops the kernel and becomes the call's error.
      progressError = { error };
      job.cancel();
    }
  };
  const timer = onProgress === undefined ? undefined : setInterval(() => report(false), PROGRESS_EVERY_MS);
  try {
    const result = await pending;
    report(true);
    if (progressError !== undefined) throw progressError.error;
    return result;
  } catch (err) {
    if (progressError !== undefined) throw progressError.error;
    const error = kernelError(err, what);
    if (error.code === 'CANCELED' && signal?.aborted) {
      throw abortError(`${what} was cancelled by its signal`, signal.reason, { operation: what });
    }
    throw error;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    signal?.removeEventListener('abort', cancel);
    if (shared.length > 0) inUse.delete(shared);
  }
}

/**
 * Writes an in-place kernel's result into `target`: the copy the kernel made of an
 * ArrayBuffer-backed array (`result`), or nothing when it worked on a SharedArrayBuffer in
 * place (`result` undefined). If `target` was detached (transferred) meanwhile, the result
 * cannot land: INVALID_ARGUMENT, with the result in `details.result`.
 */
export function writeBack<A extends NumericArray>(what: string, param: string, target: A, result: A | undefined): A {
  if (result === undefined) return target;
  if (target instanceof Uint8ClampedArray && !(result instanceof Uint8ClampedArray)) {
    // The kernels hand a Uint8ClampedArray's contents back as a Uint8Array: give it the target's type.
    result = new Uint8ClampedArray(result.buffer, result.byteOffset, result.length) as A;
  }
  if (target.length !== result.length) {
    throw new WeftError('INVALID_ARGUMENT', `${what}: ${param} was detached (transferred) while the kernel ran, so the result could not be written to it; it is in details.result`, {
      details: { operation: what, param, result },
    });
  }
  (target as { set(a: ArrayLike<number | bigint>): void }).set(result);
  return target;
}
