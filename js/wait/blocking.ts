/**
 * Blocking waits for worker threads. The native call blocks for at most one slice and
 * returns to JS, which resumes the same wait (it keeps its place in line) until the
 * caller's timeout, then cancels it. Returning to JS between slices is what lets
 * `worker.terminate()` and process exit stop a blocked thread. On the main thread every
 * blocking call throws WOULD_BLOCK instead of freezing the event loop.
 * @internal
 */
import { isMainThread } from 'node:worker_threads';

import { WeftError, fromNative } from '../errors.js';
import { describeValue } from '../describe.js';
import { loadNative } from '../native/loader.js';
import { RESULT_FIELDS, SLICE, WOULD_BLOCK, outcomeAt, type Outcome } from './outcome.js';

/** Longest a single native block lasts before JS runs again. */
const SLICE_MS = 50;

const meta = new Float64Array(RESULT_FIELDS);

/** Options of the blocking forms (`sendSync`, `lockSync`, ...). */
export interface BlockingOptions {
  /** Milliseconds to wait before giving up with TIMEOUT. Default: no limit. */
  timeout?: number;
}

/**
 * Runs a blocking wait: `start(meta, sliceMs)` makes the native call. Resolves with the
 * outcome; throws TIMEOUT past `options.timeout`, WOULD_BLOCK on the main thread.
 */
export function blockingWait(
  start: (meta: Float64Array, sliceMs: number) => unknown,
  options: BlockingOptions | undefined,
  what: string,
  asyncForm: string,
): Outcome {
  refuseOnMainThread(what, asyncForm);
  const timeout = options?.timeout ?? Infinity;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new WeftError('INVALID_ARGUMENT', `${what} option timeout must be a non-negative number of ms, got ${describeValue(timeout)}`, {
      details: { option: 'timeout', value: timeout },
    });
  }
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  let returned = start(meta, slice(deadline));
  while (meta[0] === SLICE) {
    const native = loadNative();
    try {
      returned = performance.now() >= deadline ? native.cancelBlocking(meta) : native.resumeBlocking(meta, slice(deadline));
    } catch (err) {
      // The wait is still registered: take it off, keeping what it got meanwhile.
      try {
        returned = native.cancelBlocking(meta);
      } catch {
        throw fromNative(err, what);
      }
      if ((meta[0] as number) === WOULD_BLOCK) throw fromNative(err, what);
    }
  }
  const status = meta[0]!;
  // READY, or a primitive's own "it happened" status (ONCE_RUN, TRIPPED); WOULD_BLOCK means
  // the wait was cancelled at its deadline.
  if (status === WOULD_BLOCK) {
    throw new WeftError('TIMEOUT', `${what} timed out after ${timeout} ms`, { details: { timeout } });
  }
  return outcomeAt(meta, 1, status, returned);
}

/** Throws WOULD_BLOCK on the main thread (before a blocking form does anything at all). */
export function refuseOnMainThread(what: string, asyncForm: string): void {
  if (isMainThread) {
    throw new WeftError('WOULD_BLOCK', `${what} blocks its thread, which would freeze the main thread's event loop; use ${asyncForm} there`);
  }
}

function slice(deadline: number): number {
  if (deadline === Infinity) return SLICE_MS;
  const left = deadline - performance.now();
  return left >= SLICE_MS ? SLICE_MS : Math.max(0, Math.ceil(left));
}
