/**
 * Retry with exponential backoff and jitter, the AWS "Exponential Backoff And Jitter"
 * recipe as in Go's cenkalti/backoff: a failed attempt that may succeed next time is tried
 * again after a growing, randomised delay, until it succeeds, fails for good, runs out of
 * attempts or its context ends. `backoff` is the delay schedule on its own (supervise
 * uses it for restarts).
 *
 * @example
 * const page = await retry((attempt, { ctx }) => pool.run('fetchPage', url, { ctx }), {
 *   attempts: 5, base: 200, max: 5_000, ctx,
 * })
 */
import { abortReason, systemClock, type Clock } from '../time/clock.js';
import { Context } from '../context/context.js';
import { WeftError, isWeftError } from '../errors.js';
import { clockOption, contextOption, describeValue, functionOption, invalidOption, numberOption, optionsObject } from '../option-checks.js';

/**
 * How much of each delay is random: `'full'` draws it from [0, d] (AWS full jitter),
 * `'equal'` from [d/2, d], `'none'` keeps d, and a number r in [0, 1] from [d·(1−r), d].
 */
export type Jitter = 'full' | 'equal' | 'none' | number;

/** The delay schedule: see {@link backoff}. */
export interface BackoffOptions {
  /**
   * The first retry's delay before jitter, in ms. Default 100.
   * @defaultValue `100` (ms)
   */
  base?: number;
  /**
   * The cap on a delay before jitter, in ms. Default 10_000.
   * @defaultValue `10_000` (ms)
   */
  max?: number;
  /**
   * Each delay is the previous one times this (>= 1). Default 2.
   * @defaultValue `2`
   */
  factor?: number;
  /**
   * See {@link Jitter}. Default `'full'`.
   * @defaultValue `'full'`
   */
  jitter?: Jitter;
  /**
   * The random source for jitter, returning [0, 1) (tests pass a fixed one). Default `Math.random`.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

/**
 * Options for {@link retry}: the {@link BackoffOptions} plus these. Either `ctx` or
 * `signal` (or both) stops the retries.
 */
export interface RetryOptions extends BackoffOptions {
  /**
   * How many times `fn` may run in all, the first try included (an integer >= 1 or Infinity). Default 3.
   * @defaultValue `3`
   */
  attempts?: number;
  /**
   * Whether a failure is worth another attempt (`attempt`: the 1-based attempt that
   * failed). Default {@link isRetryable}. It throwing rejects the retry with its error.
   * @defaultValue {@link isRetryable}
   */
  retryIf?: (err: unknown, attempt: number) => boolean;
  /**
   * Its end stops the retries at once: the retry rejects with `ctx.err`.
   * @defaultValue none
   */
  ctx?: Context;
  /**
   * Its abort stops the retries at once, as `ctx`'s end does (CANCELED, the reason as `cause`).
   * @defaultValue none
   */
  signal?: AbortSignal;
  /**
   * Where the backoff sleeps run (tests: a ManualClock). Default the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
  /**
   * Called after a failed attempt that will be retried, before the delay. It throwing rejects the retry with its error.
   * @defaultValue none
   */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** What each attempt gets besides its number. */
export interface RetryAttempt {
  /**
   * The retry's context: the `ctx` option, one derived from it that also ends with
   * `signal` when that was given (ended once the retry settles), or the background
   * context when neither was given. Hand it to `pool.run(..., { ctx })`.
   */
  readonly ctx: Context;
  /** Aborts when the retry is stopped (`ctx` ended or `signal` aborted); hand it to fetch and timers. */
  readonly signal: AbortSignal;
}

const SCOPE = 'retry';
const NEVER = new AbortController().signal;

/**
 * The retry delay schedule: `backoff(options)(n)` is the delay in ms before retry `n`
 * (n = 1 after the first failure): `min(max, base · factor^(n−1))`, then jittered as
 * `d · (1 − r + r · random())` where r is the jitter fraction (full 1, equal 0.5, none 0).
 * It throws INVALID_ARGUMENT naming the bad option, and for an `n` that is not an integer >= 1.
 *
 * @example
 * const delayFor = backoff({ base: 100, max: 1_000, jitter: 'none' })
 * delayFor(1) // 100
 * delayFor(3) // 400
 * delayFor(9) // 1000
 */
export function backoff(options?: BackoffOptions): (retry: number) => number {
  return resolveBackoff('backoff', optionsObject('backoff', options), '');
}

/**
 * The default `retryIf`: whether a failure may go away if tried again.
 * - a WeftError: its `transient` (QUEUE_FULL, TIMEOUT, WORKER_CRASHED by default), and
 *   DEADLINE_EXCEEDED (retry checks its own context before asking, so this one is an
 *   inner, per-attempt deadline); CANCELED and the rest are not retried;
 * - any other object with a boolean `transient` property: that property;
 * - an AbortError (the attempt was aborted on purpose): no;
 * - TypeError, RangeError, ReferenceError, SyntaxError (bugs a retry repeats): no, except
 *   fetch's network failure (`TypeError: fetch failed`);
 * - anything else (a plain Error, a thrown non-error): yes.
 *
 * @example
 * await retry(call, { retryIf: (err) => isRetryable(err) || err?.status === 503 })
 */
export function isRetryable(err: unknown): boolean {
  if (isWeftError(err)) return err.transient || err.code === 'DEADLINE_EXCEEDED';
  if (typeof err === 'object' && err !== null) {
    const transient = (err as { transient?: unknown }).transient;
    if (typeof transient === 'boolean') return transient;
    if ((err as { name?: unknown }).name === 'AbortError') return false;
    if (err instanceof TypeError) return err.message === 'fetch failed';
    if (err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return false;
  }
  return true;
}

/**
 * Runs `fn(attempt, { ctx, signal })` (attempt counts from 1) until it succeeds and
 * resolves with its value. A failure that `retryIf` accepts is retried after
 * `backoff(options)(attempt)` ms on `clock` while attempts remain.
 *
 * It waits for each attempt and each delay. When `ctx` ends or `signal` aborts it stops
 * at once, also in the middle of an attempt (which sees its `signal` abort and whose
 * outcome is then ignored) or of a delay: it rejects with `ctx.err` (CANCELED or
 * DEADLINE_EXCEEDED), or for the signal with CANCELED whose `cause` is the reason.
 *
 * Otherwise it rejects with the last attempt's error itself, so `isWeftError(err,
 * 'TIMEOUT')` and `instanceof` checks keep working: when attempts run out, or at once
 * for an error `retryIf` refuses. A WeftError gets `details.attempts` (how many
 * attempts ran). It throws INVALID_ARGUMENT naming the option for bad options.
 *
 * @example
 * const [ctx, cancel] = Context.background().withTimeout(10_000)
 * try {
 *   const user = await retry((attempt, { signal }) => fetchUser(id, { signal }), {
 *     attempts: 4, base: 100, factor: 3, jitter: 'equal', ctx,
 *     onRetry: (err, attempt, ms) => log.warn({ err, attempt }, `retrying in ${ms} ms`),
 *   })
 * } finally { cancel() }
 */
export function retry<T>(fn: (attempt: number, info: RetryAttempt) => T | PromiseLike<T>, options?: RetryOptions): Promise<T> {
  if (typeof fn !== 'function') invalidOption(SCOPE, 'fn', 'must be a function', fn);
  const opts = optionsObject(SCOPE, options);
  const attempts = numberOption(SCOPE, 'attempts', opts.attempts, 3, { min: 1, integer: true, allowInfinity: true });
  const delayFor = resolveBackoff(SCOPE, opts, '');
  const retryIf = functionOption<(err: unknown, attempt: number) => boolean>(SCOPE, 'retryIf', opts.retryIf) ?? isRetryable;
  const onRetry = functionOption<(err: unknown, attempt: number, delayMs: number) => void>(SCOPE, 'onRetry', opts.onRetry);
  const ctx = contextOption(SCOPE, opts.ctx);
  const signal = opts.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalidOption(SCOPE, 'signal', 'must be an AbortSignal', signal);
  const clock = clockOption(SCOPE, opts.clock, systemClock);
  return run(fn, { attempts, delayFor, retryIf, onRetry, clock }, new Stop(ctx, signal));
}

interface Plan {
  attempts: number;
  delayFor: (retry: number) => number;
  retryIf: (err: unknown, attempt: number) => boolean;
  onRetry: ((err: unknown, attempt: number, delayMs: number) => void) | undefined;
  clock: Clock;
}

async function run<T>(fn: (attempt: number, info: RetryAttempt) => T | PromiseLike<T>, plan: Plan, stop: Stop): Promise<T> {
  const info: RetryAttempt = {
    get ctx() {
      return stop.ctx;
    },
    signal: stop.signal,
  };
  try {
    for (let attempt = 1; ; attempt++) {
      stop.throwIfStopped();
      try {
        return await stop.race(() => fn(attempt, info));
      } catch (err) {
        stop.throwIfStopped();
        if (attempt >= plan.attempts || !plan.retryIf(err, attempt)) {
          if (isWeftError(err)) err.details.attempts = attempt;
          throw err;
        }
        const delay = plan.delayFor(attempt);
        plan.onRetry?.(err, attempt, delay);
        if (delay > 0) {
          await stop.race(
            () =>
              new Promise<void>((resolve) => {
                stop.timer = plan.clock.setTimer(resolve, delay);
              }),
          );
        }
      }
    }
  } finally {
    stop.dispose();
  }
}

/** What ends a retry early (its ctx, its signal, or both), and the context and signal its attempts get. */
class Stop {
  readonly #ctx: Context | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly signal: AbortSignal;
  #derived: [Context, (cause?: unknown) => void, () => void] | undefined;
  timer: { cancel(): void } | undefined;

  constructor(ctx: Context | undefined, signal: AbortSignal | undefined) {
    this.#ctx = ctx;
    this.#signal = signal;
    this.signal = ctx === undefined ? (signal ?? NEVER) : signal === undefined ? ctx.signal : AbortSignal.any([ctx.signal, signal]);
  }

  get ctx(): Context {
    if (this.#signal === undefined) return this.#ctx ?? Context.background();
    if (this.#derived === undefined) {
      const signal = this.#signal;
      const [derived, cancel] = (this.#ctx ?? Context.background()).withCancelCause();
      const onAbort = (): void => cancel(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      this.#derived = [derived, cancel, () => signal.removeEventListener('abort', onAbort)];
    }
    return this.#derived[0];
  }

  /** Why the retry must stop now, or undefined. */
  reason(): Error | undefined {
    const err = this.#ctx?.err;
    if (err !== undefined) return err;
    if (this.#signal?.aborted) return abortReason(this.#signal, 'the retry');
    return undefined;
  }

  throwIfStopped(): void {
    const reason = this.reason();
    if (reason !== undefined) throw reason;
  }

  /** Settles as `start()`'s promise does, or rejects with the stop reason as soon as the retry is stopped. */
  race<T>(start: () => T | PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onStop = (): void => {
        this.timer?.cancel();
        reject(this.reason() ?? abortReason(this.signal, 'the retry'));
      };
      this.signal.addEventListener('abort', onStop, { once: true });
      const off = (): void => this.signal.removeEventListener('abort', onStop);
      let pending: T | PromiseLike<T>;
      try {
        pending = start();
      } catch (err) {
        off();
        reject(err);
        return;
      }
      Promise.resolve(pending).then(
        (value) => {
          off();
          resolve(value);
        },
        (err: unknown) => {
          off();
          reject(err);
        },
      );
    });
  }

  dispose(): void {
    this.timer?.cancel();
    if (this.#derived !== undefined) {
      this.#derived[2]();
      this.#derived[1]();
    }
  }
}

/** Checks backoff options (`prefix` names a nested option, e.g. 'restart.') and returns the schedule. @internal */
export function resolveBackoff(scope: string, options: BackoffOptions, prefix: string): (retry: number) => number {
  const base = numberOption(scope, `${prefix}base`, options.base, 100);
  const max = numberOption(scope, `${prefix}max`, options.max, Math.max(10_000, base));
  const factor = numberOption(scope, `${prefix}factor`, options.factor, 2, { min: 1 });
  const fraction = jitterFraction(scope, `${prefix}jitter`, options.jitter);
  const random = functionOption<() => number>(scope, `${prefix}random`, options.random) ?? Math.random;
  return (retry: number): number => {
    if (!Number.isInteger(retry) || retry < 1) {
      throw new WeftError('INVALID_ARGUMENT', `${scope}: the retry number must be an integer >= 1, got ${describeValue(retry)}`, {
        details: { option: 'retry' },
      });
    }
    const capped = Math.min(max, base * factor ** (retry - 1));
    if (fraction === 0) return capped;
    const r = Math.min(1, Math.max(0, random()));
    return capped * (1 - fraction + fraction * r);
  };
}

function jitterFraction(scope: string, option: string, jitter: unknown): number {
  if (jitter === undefined || jitter === 'full') return 1;
  if (jitter === 'equal') return 0.5;
  if (jitter === 'none') return 0;
  if (typeof jitter === 'number' && jitter >= 0 && jitter <= 1) return jitter;
  return invalidOption(scope, option, "must be 'full', 'equal', 'none' or a number in [0, 1]", jitter);
}
