/**
 * Supervision, after Erlang's supervisors: a unit of work that fails, or stops beating
 * (see {@link heartbeat}), is cancelled and started again after a backoff delay, until
 * it completes, fails in a way a restart will not fix, or runs out of restarts.
 *
 * @example
 * const sup = supervise(async (ctx, beat) => {
 *   for await (const msg of subscribe(ctx)) { await handle(msg); beat() }
 * }, { stallTimeout: 30_000, restart: { base: 500, max: 60_000 }, ctx })
 * await sup.done
 */
import { systemClock, type Clock, type Timer } from '../time/clock.js';
import { Context, type CancelFunc } from '../context/context.js';
import { WeftError, isWeftError } from '../errors.js';
import { Heartbeat } from './heartbeat.js';
import { clockOption, contextOption, functionOption, invalidOption, numberOption, optionsObject } from '../option-checks.js';
import { isRetryable, resolveBackoff, type BackoffOptions } from './retry.js';

/** Options for {@link supervise}. */
export interface SuperviseOptions {
  /**
   * A run that does not call `beat()` for this long (ms) is stalled: cancelled and restarted. Default Infinity (no watch).
   * @defaultValue `Infinity` (ms; no watch)
   */
  stallTimeout?: number;
  /**
   * The delay schedule between a failure and the restart (see {@link backoff}), or false: never restart. Default `{}` (backoff's defaults).
   * @defaultValue `{}` (backoff's defaults)
   */
  restart?: BackoffOptions | false;
  /**
   * How many restarts in all before the next failure rejects (an integer >= 0 or Infinity). Default Infinity.
   * @defaultValue `Infinity`
   */
  maxRestarts?: number;
  /**
   * Whether a run that threw may be restarted (`restarts`: how many happened before).
   * Default {@link isRetryable}: a bug (TypeError...) or a non-transient WeftError ends
   * the supervision. A stall is always restartable.
   * @defaultValue {@link isRetryable}
   */
  restartIf?: (err: unknown, restarts: number) => boolean;
  /**
   * Its end stops the supervision: the current run's context ends and `done` rejects with `ctx.err`.
   * @defaultValue none
   */
  ctx?: Context;
  /**
   * Where the stall watch and the backoff delays run (tests: a ManualClock). Default the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
  /**
   * Called before each restart's delay, with the failure (a stall: TIMEOUT, `details.reason` 'stalled'), the restart's number (from 1) and the delay.
   * @defaultValue none
   */
  onRestart?: (reason: unknown, restart: number, delayMs: number) => void;
}

/** A running supervision: made by {@link supervise}. */
export interface Supervision<T> {
  /**
   * Resolves with the work's value once a run completes. Rejects with the last failure
   * (a WeftError gets `details.restarts`) when it may not be restarted, with `ctx.err`
   * when the context ends, with CANCELED after `stop()`.
   */
  readonly done: Promise<T>;
  /** How many restarts have happened (stalls included). */
  readonly restarts: number;
  /** Ends the supervision at once: the current run's context is cancelled with `cause`, no restart follows, `done` rejects with CANCELED. Idempotent. */
  stop(cause?: unknown): void;
}

const SCOPE = 'supervise';

/**
 * Runs `fn(runCtx, beat)` under supervision and returns at once with a
 * {@link Supervision}; wait on its `done`. Each run gets a fresh child context of `ctx`
 * and a `beat` function to call as it makes progress. A run fails when it throws (or
 * rejects) or, with `stallTimeout`, when `stallTimeout` ms pass on `clock` without a beat:
 * its context is then cancelled (`cause`: TIMEOUT with `details.reason` 'stalled'), and the
 * supervisor does not wait for it to settle (its outcome is ignored from then on). A
 * failed run is restarted after `backoff(restart)(n)` ms for the n-th restart, unless
 * `restart` is false, `maxRestarts` restarts have happened or `restartIf` refuses a thrown
 * error: then `done` rejects with that failure. When a run completes, `done` resolves with
 * its value and the supervision's contexts end. It throws INVALID_ARGUMENT naming the bad option.
 *
 * @example
 * const [ctx, cancel] = Context.background().withCancel()
 * const sup = supervise((runCtx, beat) => pool.run('crawl', site, { ctx: runCtx }), {
 *   stallTimeout: 10_000, restart: { base: 1_000, max: 30_000 }, maxRestarts: 5, ctx,
 *   onRestart: (err, n, ms) => log.warn({ err }, `restart ${n} in ${ms} ms`),
 * })
 * process.on('SIGTERM', () => cancel())
 * const report = await sup.done
 */
export function supervise<T>(fn: (ctx: Context, beat: () => void) => T | PromiseLike<T>, options?: SuperviseOptions): Supervision<T> {
  if (typeof fn !== 'function') invalidOption(SCOPE, 'fn', 'must be a function', fn);
  const opts = optionsObject(SCOPE, options);
  const stallTimeout = numberOption(SCOPE, 'stallTimeout', opts.stallTimeout, Infinity, { positive: true, allowInfinity: true });
  let delayFor: ((retry: number) => number) | undefined;
  if (opts.restart !== false) {
    if (opts.restart !== undefined && (typeof opts.restart !== 'object' || opts.restart === null)) {
      invalidOption(SCOPE, 'restart', 'must be backoff options ({ base, max, factor, jitter, random }) or false', opts.restart);
    }
    delayFor = resolveBackoff(SCOPE, opts.restart ?? {}, 'restart.');
  }
  const plan: Plan = {
    stallTimeout,
    delayFor,
    maxRestarts: numberOption(SCOPE, 'maxRestarts', opts.maxRestarts, Infinity, { integer: true, allowInfinity: true }),
    restartIf: functionOption<(err: unknown, restarts: number) => boolean>(SCOPE, 'restartIf', opts.restartIf) ?? isRetryable,
    onRestart: functionOption<(reason: unknown, restart: number, delayMs: number) => void>(SCOPE, 'onRestart', opts.onRestart),
    clock: clockOption(SCOPE, opts.clock, systemClock),
  };
  return new Supervisor(fn, plan, contextOption(SCOPE, opts.ctx) ?? Context.background());
}

interface Plan {
  stallTimeout: number;
  delayFor: ((retry: number) => number) | undefined;
  maxRestarts: number;
  restartIf: (err: unknown, restarts: number) => boolean;
  onRestart: ((reason: unknown, restart: number, delayMs: number) => void) | undefined;
  clock: Clock;
}

class Supervisor<T> implements Supervision<T> {
  readonly done: Promise<T>;
  readonly #fn: (ctx: Context, beat: () => void) => T | PromiseLike<T>;
  readonly #plan: Plan;
  readonly #ctx: Context;
  readonly #cancel: CancelFunc;
  readonly #parent: Context;
  readonly #onEnd = (): void => this.#settle(false, this.#ended());
  #resolve!: (value: T) => void;
  #reject!: (err: unknown) => void;
  #restarts = 0;
  /** Bumped when a run is abandoned: a late outcome from an older run is ignored. */
  #generation = 0;
  #run: { heartbeat: Heartbeat; cancel: CancelFunc } | undefined;
  #timer: Timer | undefined;
  #settled = false;

  constructor(fn: (ctx: Context, beat: () => void) => T | PromiseLike<T>, plan: Plan, parent: Context) {
    this.#fn = fn;
    this.#plan = plan;
    this.#parent = parent;
    [this.#ctx, this.#cancel] = parent.withCancelCause();
    this.done = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (this.#ended() !== undefined) {
      this.#onEnd();
      return;
    }
    this.#ctx.signal.addEventListener('abort', this.#onEnd, { once: true });
    this.#start();
  }

  get restarts(): number {
    return this.#restarts;
  }

  stop(cause?: unknown): void {
    this.#cancel(cause);
    this.#onEnd(); // at once, even before the signal's abort event
  }

  #start(): void {
    this.#timer = undefined;
    const generation = ++this.#generation;
    const [runCtx, cancel] = this.#ctx.withCancelCause();
    const heartbeat = new Heartbeat(runCtx, 0, this.#plan.clock);
    this.#run = { heartbeat, cancel };
    if (this.#plan.stallTimeout !== Infinity) {
      heartbeat.watch(this.#plan.stallTimeout, (silentMs) => {
        const stall = new WeftError('TIMEOUT', `supervise: the work sent no heartbeat for ${silentMs} ms (stallTimeout ${this.#plan.stallTimeout} ms)`, {
          details: { reason: 'stalled', stallTimeout: this.#plan.stallTimeout, silentMs },
        });
        this.#failed(generation, stall, true);
      });
    }
    let outcome: PromiseLike<T>;
    try {
      outcome = Promise.resolve(this.#fn(runCtx, () => heartbeat.beat()));
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(
      (value) => {
        if (generation === this.#generation) this.#settle(true, value);
      },
      (err: unknown) => this.#failed(generation, err, false),
    );
  }

  #failed(generation: number, err: unknown, stalled: boolean): void {
    if (generation !== this.#generation || this.#settled) return;
    this.#generation++;
    this.#endRun(stalled ? err : undefined);
    const ended = this.#ended();
    if (ended !== undefined) {
      this.#settle(false, ended); // it failed because the supervision is ending
      return;
    }
    const plan = this.#plan;
    let delay: number;
    try {
      if (plan.delayFor === undefined || this.#restarts >= plan.maxRestarts || (!stalled && !plan.restartIf(err, this.#restarts))) {
        if (isWeftError(err)) err.details.restarts = this.#restarts;
        this.#settle(false, err);
        return;
      }
      this.#restarts++;
      delay = plan.delayFor(this.#restarts);
      plan.onRestart?.(err, this.#restarts, delay);
    } catch (hookErr) {
      this.#settle(false, hookErr); // restartIf or onRestart threw
      return;
    }
    if (delay > 0) this.#timer = plan.clock.setTimer(() => this.#start(), delay);
    else this.#start();
  }

  /** Why the supervision has ended: the caller's ctx.err itself, or CANCELED from stop(); undefined while it lives. */
  #ended(): WeftError | undefined {
    return this.#parent.err ?? this.#ctx.err;
  }

  #endRun(cause?: unknown): void {
    if (this.#run === undefined) return;
    this.#run.heartbeat.close();
    this.#run.cancel(cause);
    this.#run = undefined;
  }

  #settle(ok: boolean, outcome: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#generation++;
    this.#timer?.cancel();
    this.#ctx.signal.removeEventListener('abort', this.#onEnd);
    this.#endRun();
    this.#cancel(); // a finished supervision leaves no live context behind
    if (ok) this.#resolve(outcome as T);
    else this.#reject(outcome);
  }
}
