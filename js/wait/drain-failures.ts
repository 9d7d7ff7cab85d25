/**
 * A drain call (pool completions, a thread's notices) that failed as a whole took
 * nothing, and no wakeup is armed until one succeeds: count the failures in a row, warn
 * once per run of them, and say how long to wait before trying again.
 * @internal
 *
 * @example
 * const failures = new DrainFailures('Pool drain')
 * try { n = core.drainInto(...); failures.reset() } catch (err) { setTimeout(poll, failures.record(err)) }
 */
import { fromNative } from '../errors.js';

export class DrainFailures {
  #inARow = 0;

  constructor(private readonly what: string) {}

  /** A drain succeeded: the next failure warns again. */
  reset(): void {
    this.#inARow = 0;
  }

  /** Counts a failed drain (warning on the first of a run); the retry delay in ms. */
  record(err: unknown): number {
    if (this.#inARow++ === 0) process.emitWarning(fromNative(err, this.what));
    return Math.min(1000, 2 ** Math.min(this.#inARow, 10));
  }
}
