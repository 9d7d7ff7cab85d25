/**
 * Go's `time.After` as a select case: `after(ms)` is ready once `ms` milliseconds have
 * passed since the select started, and then commits like any other case (the result's
 * `index` names it; nothing rejects). Its timer lives only while its select waits: when
 * another case wins, it is cleared.
 *
 * @example
 * for (;;) {
 *   const r = await select([jobs.recvCase(), after(1_000)] as const)
 *   if (r.index === 1) { flushIdle(); continue } // a second with no job
 *   if (!r.ok) break                             // jobs closed
 *   handle(r.value)
 * }
 */
import { WeftError } from '../errors.js';
import { describeValue } from '../describe.js';

/** A select case that is ready `ms` milliseconds after the select starts (made by {@link after}). */
export interface AfterCase {
  /** @internal */
  readonly op: 'after';
  /** @internal */
  readonly ms: number;
}

/**
 * A select case ready `ms` milliseconds (a non-negative number) after the select that
 * waits on it starts; the case can be reused by later selects, each timing afresh.
 * Throws INVALID_ARGUMENT otherwise.
 */
export function after(ms: number): AfterCase {
  if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) {
    throw new WeftError('INVALID_ARGUMENT', `after(ms) needs a finite non-negative number of ms, got ${describeValue(ms)}`, {
      details: { param: 'ms', value: ms },
    });
  }
  return Object.freeze({ op: 'after', ms });
}

/** Whether `c` is an {@link after} case. @internal */
export function isAfterCase(c: unknown): c is AfterCase {
  return typeof c === 'object' && c !== null && (c as { op?: unknown }).op === 'after' && typeof (c as { ms?: unknown }).ms === 'number';
}
