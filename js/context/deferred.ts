/**
 * A promise settled from outside, and cancellable: hand `deferred.promise` (or the
 * deferred itself: it is awaitable) to whoever waits, and settle it where the answer
 * arrives. With a context or signal, it rejects when that ends first.
 *
 * @example
 * const reply = new Deferred<Buffer>({ ctx })   // rejects with ctx.err if ctx ends first
 * socket.once('data', (d) => reply.resolve(d))
 * const data = await reply
 */
import { abortReason } from '../time/clock.js';
import { checkContext, type Context } from './context.js';
import { WeftError } from '../errors.js';

/** Options for {@link Deferred}. */
export interface DeferredOptions {
  /** Rejects with `ctx.err` (CANCELED or DEADLINE_EXCEEDED) when the context ends first. */
  ctx?: Context;
  /** Rejects (CANCELED, the reason as cause) when the signal aborts first. */
  signal?: AbortSignal;
}

/** Where a {@link Deferred} stands. */
export type DeferredState = 'pending' | 'fulfilled' | 'rejected';

/** A deferred; see the module doc. */
export class Deferred<T = unknown> implements PromiseLike<T> {
  /** Settles when the deferred does. */
  readonly promise: Promise<T>;
  #resolve!: (value: T | PromiseLike<T>) => void;
  #reject!: (reason: unknown) => void;
  #state: DeferredState = 'pending';
  #decided = false;
  #detach: (() => void) | undefined;

  constructor(options: DeferredOptions = {}) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A cancellation nobody awaits is not an error worth crashing the process over (Node
    // treats unhandled rejections as fatal); awaiting the deferred still sees it.
    this.promise.catch(() => {});
    const { ctx, signal } = options;
    if (ctx !== undefined) checkContext(ctx, 'ctx');
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new WeftError('INVALID_ARGUMENT', 'Deferred option signal must be an AbortSignal', { details: { option: 'signal' } });
    }
    const signals = [ctx?.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    for (const s of signals) {
      if (s.aborted) {
        this.reject(abortReason(s, 'the deferred'));
        return;
      }
    }
    if (signals.length > 0) {
      const onAbort = (event: Event): void => {
        this.reject(abortReason(event.target as AbortSignal, 'the deferred'));
      };
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      this.#detach = () => signals.forEach((s) => s.removeEventListener('abort', onAbort));
    }
  }

  /**
   * How its promise ended: 'pending' until then. A deferred resolved with a promise (or
   * any thenable) stays 'pending' until that one settles, and then takes its outcome.
   */
  get state(): DeferredState {
    return this.#state;
  }

  /**
   * Whether it is decided: resolve, reject or cancel was called, or its context or signal
   * ended it, so later calls change nothing. True at once, also while a promise it was
   * resolved with is still pending (`state` tells how it ends).
   */
  get settled(): boolean {
    return this.#decided;
  }

  /** Fulfils it with `value` (or follows a promise). False if it was decided already. */
  resolve(value: T | PromiseLike<T>): boolean {
    if (!this.#decide()) return false;
    if (isThenable(value)) {
      this.promise.then(() => void (this.#state = 'fulfilled'), () => void (this.#state = 'rejected'));
    } else {
      this.#state = 'fulfilled';
    }
    this.#resolve(value);
    return true;
  }

  /** Rejects it with `reason`. False if it was decided already. */
  reject(reason: unknown): boolean {
    if (!this.#decide()) return false;
    this.#state = 'rejected';
    this.#reject(reason);
    return true;
  }

  /** Rejects it with CANCELED (`reason` as cause). False if it had settled already. */
  cancel(reason?: unknown): boolean {
    return this.reject(new WeftError('CANCELED', 'the deferred was cancelled', reason === undefined ? {} : { cause: reason }));
  }

  /** Makes the deferred awaitable itself. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.promise.then(onFulfilled, onRejected);
  }

  #decide(): boolean {
    if (this.#decided) return false;
    this.#decided = true;
    this.#detach?.();
    this.#detach = undefined;
    return true;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
