/**
 * What every sync primitive shares: starting a wait in its async or blocking form, and
 * turning native errors into WeftErrors naming the operation.
 * @internal
 */
import { fromNative } from '../errors.js';
import { blockingWait, type BlockingOptions } from '../wait/blocking.js';
import { checkWaitOptions, notifier, pokeNotifier, type WaitOptions } from '../wait/notifier.js';
import type { Outcome } from '../wait/outcome.js';

/** Runs an async wait started by `start`; `what` names it in errors. */
export function waitAsync(
  start: (token: number, meta: Float64Array) => unknown,
  options: WaitOptions | undefined,
  what: string,
): Promise<Outcome> {
  try {
    checkWaitOptions(options, what);
    return notifier().wait(start, options, what);
  } catch (err) {
    return Promise.reject(fromNative(err, what));
  }
}

/** Runs a blocking wait (worker threads only). */
export function waitBlocking(
  start: (meta: Float64Array, sliceMs: number) => unknown,
  options: BlockingOptions | undefined,
  what: string,
  asyncForm: string,
): Outcome {
  try {
    return blockingWait(start, options, what, asyncForm);
  } catch (err) {
    throw fromNative(err, what);
  }
}

/** Runs a native call that may wake waiters on this thread. */
export function wakeCall<T>(call: () => T, what: string): T {
  let result: T;
  try {
    result = call();
  } catch (err) {
    throw fromNative(err, what);
  }
  pokeNotifier();
  return result;
}

export type { BlockingOptions, WaitOptions };
