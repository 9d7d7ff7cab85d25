/**
 * Hedged requests ("The Tail at Scale"): ask one replica, and if no answer has come after
 * `delay`, ask the next as well; take the first success and cancel the rest through their
 * contexts. It trades a little extra load for a shorter tail of slow answers.
 *
 * @example
 * const { value, winner } = await hedge(
 *   mirrors.map((url) => (ctx) => fetch(url, { signal: ctx.signal }).then((r) => r.json())),
 *   { delay: 50, ctx },
 * )
 */
import { abortReason, systemClock, type Clock, type Timer } from '../time/clock.js';
import { Context, type CancelFunc } from '../context/context.js';
import { WeftError } from '../errors.js';
import { clockOption, contextOption, describeValue, invalidOption, numberOption, optionsObject } from '../option-checks.js';

/** Options for {@link hedge}. */
export interface HedgeOptions {
  /** How long (ms) to wait for an answer before starting the next replica (Infinity: only on a failure). Required. */
  delay: number;
  /**
   * Its end stops the hedge: every replica's context ends and the hedge rejects with `ctx.err`.
   * @defaultValue none
   */
  ctx?: Context;
  /**
   * Where the delays run (tests: a ManualClock). Default the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** What {@link hedge} resolves with. */
export interface HedgeResult<T> {
  /** The first successful replica's value. */
  value: T;
  /** That replica's index in `fns`. */
  winner: number;
  /** How many replicas had been started when it answered. */
  started: number;
}

const SCOPE = 'hedge';

/**
 * Starts `fns[0](ctx0)` at once, and the next replica each time `delay` ms pass on
 * `clock` without a success, or at once when a running replica fails (the delay then
 * counts from that start). Each replica gets its own child of `ctx`. It waits for the
 * first success and resolves with `{ value, winner, started }`, cancelling every other
 * replica's context (CANCELED, `cause` naming the winner); the winner's context is left
 * alive (its value may still be using it, e.g. a streamed body) and ends with `ctx`.
 *
 * It rejects with an AggregateError holding every replica's error in replica order when
 * all of them fail, and with `ctx.err` as soon as `ctx` ends (every replica's context
 * ends with it; none is started after). It throws INVALID_ARGUMENT naming the bad
 * argument (an empty `fns`, a missing `delay`...).
 *
 * @example
 * const [ctx, cancel] = Context.background().withTimeout(2_000)
 * try {
 *   const { value, winner, started } = await hedge(
 *     [(c) => pool.run('lookup', key, { ctx: c }), (c) => pool.run('lookupReplica', key, { ctx: c })],
 *     { delay: 20, ctx },
 *   )
 * } finally { cancel() }
 */
export function hedge<T>(fns: ReadonlyArray<(ctx: Context) => T | PromiseLike<T>>, options: HedgeOptions): Promise<HedgeResult<T>> {
  if (!Array.isArray(fns) || fns.length === 0) invalidOption(SCOPE, 'fns', 'must be a non-empty array of functions', fns);
  fns.forEach((fn, i) => {
    if (typeof fn !== 'function') invalidOption(SCOPE, `fns[${i}]`, 'must be a function', fn);
  });
  const opts = optionsObject(SCOPE, options as HedgeOptions | undefined);
  if (opts.delay === undefined) {
    throw new WeftError('INVALID_ARGUMENT', `hedge option delay is required (ms to wait before the next replica), got ${describeValue(opts.delay)}`, {
      details: { option: 'delay' },
    });
  }
  const delay = numberOption(SCOPE, 'delay', opts.delay, 0, { allowInfinity: true });
  const parent = contextOption(SCOPE, opts.ctx) ?? Context.background();
  const clock = clockOption(SCOPE, opts.clock, systemClock);

  return new Promise<HedgeResult<T>>((resolve, reject) => {
    const ended = parent.err;
    if (ended !== undefined) {
      reject(ended);
      return;
    }
    const cancels: CancelFunc[] = [];
    const errors: unknown[] = [];
    let started = 0;
    let failed = 0;
    let settled = false;
    let timer: Timer | undefined;

    const finish = (): void => {
      settled = true;
      timer?.cancel();
      parent.signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (settled) return;
      finish();
      // The replicas' contexts are children of ctx: they have ended with it.
      reject(parent.err ?? abortReason(parent.signal, 'the hedge'));
    };
    const onSuccess = (index: number, value: T): void => {
      if (settled) return;
      finish();
      const why = new WeftError('CANCELED', `hedge: replica ${index} answered first`, { details: { winner: index } });
      cancels.forEach((cancel, i) => {
        if (i !== index) cancel(why);
      });
      resolve({ value, winner: index, started });
    };
    const onFailure = (index: number, err: unknown): void => {
      if (settled) return;
      errors[index] = err;
      failed++;
      cancels[index]!();
      if (started < fns.length) {
        startNext();
      } else if (failed === started) {
        finish();
        reject(new AggregateError(errors, `hedge: all ${fns.length} replicas failed`));
      }
    };
    const startNext = (): void => {
      timer?.cancel();
      timer = undefined;
      const index = started++;
      const [ctx, cancel] = parent.withCancelCause();
      cancels[index] = cancel;
      let answer: PromiseLike<T>;
      try {
        answer = Promise.resolve(fns[index]!(ctx));
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer.then(
        (value) => onSuccess(index, value),
        (err: unknown) => onFailure(index, err),
      );
      if (started < fns.length && delay !== Infinity) timer = clock.setTimer(startNext, delay);
    };

    parent.signal.addEventListener('abort', onAbort, { once: true });
    startNext();
  });
}
