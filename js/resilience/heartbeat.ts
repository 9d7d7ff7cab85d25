/**
 * Heartbeats for long-running work, the pattern from "Concurrency in Go": the work says
 * it is alive by calling `beat()` as it makes progress, observers receive pulses (at
 * most one per interval, however often it beats) and a watcher can tell when it has gone
 * silent. It is the liveness half of {@link supervise}; an unsupervised loop can use it
 * to report progress.
 *
 * @example
 * const hb = heartbeat(ctx, 1_000)
 * void (async () => { for await (const pulse of hb) metrics.alive(pulse.at) })()
 * hb.watch(10_000, (silentMs) => log.warn(`no progress for ${silentMs} ms`))
 * for (const item of items) { await handle(item); hb.beat() }
 * hb.close()
 */
import { systemClock, type Clock, type Timer } from '../time/clock.js';
import { Context } from '../context/context.js';
import { WeftError } from '../errors.js';
import { clockOption, invalidOption, numberOption, optionsObject } from '../option-checks.js';

/** One pulse: the work beat at least once since the observer's previous pulse. */
export interface Pulse {
  /** The clock time (ms) of the latest beat it stands for. */
  at: number;
  /** How many beats it stands for (beats within an interval, or while the observer was busy, merge). */
  beats: number;
}

/** Options for {@link heartbeat}. */
export interface HeartbeatOptions {
  /**
   * Where time is read and pulse and watch timers run (tests: a ManualClock). Default the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** Stops a {@link Heartbeat.watch}; idempotent. */
export interface Watch {
  cancel(): void;
}

interface Observer {
  pending: Pulse | undefined;
  wake: ((result: IteratorResult<Pulse>) => void) | undefined;
}

const SCOPE = 'heartbeat';

/**
 * A heartbeat: made by {@link heartbeat}. The work beats; observers iterate pulses or
 * watch for silence. It ends when its context ends or `close()` is called: then `beat()`
 * does nothing, iterators finish and watches stop.
 */
export class Heartbeat implements AsyncIterable<Pulse> {
  /** The context it lives in. */
  readonly ctx: Context;
  /** The pulse interval (ms): observers get at most one pulse per interval. */
  readonly interval: number;
  readonly #clock: Clock;
  readonly #observers = new Set<Observer>();
  readonly #watches = new Set<Timer>();
  readonly #onAbort = (): void => this.close();
  #lastBeatAt: number;
  #beats = 0;
  /** Beats not yet sent to observers, and the time of the last pulse sent. */
  #unsent = 0;
  #lastPulseAt = -Infinity;
  #pulseTimer: Timer | undefined;
  #ended = false;

  /** @internal Use {@link heartbeat}. */
  constructor(ctx: Context, interval: number, clock: Clock) {
    this.ctx = ctx;
    this.interval = interval;
    this.#clock = clock;
    this.#lastBeatAt = clock.now();
    if (ctx.err !== undefined) this.#ended = true;
    else ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Reports progress: cheap (a time read and a counter) when nobody iterates, so call it
   * as often as the work likes. Never waits; does nothing once the heartbeat has ended.
   */
  beat(): void {
    if (this.#ended) return;
    this.#beats++;
    this.#lastBeatAt = this.#clock.now();
    if (this.#observers.size === 0) return;
    this.#unsent++;
    if (this.#pulseTimer !== undefined) return; // the pending pulse will carry this beat
    const wait = this.#lastPulseAt + this.interval - this.#lastBeatAt;
    if (wait <= 0) this.#pulse();
    else this.#pulseTimer = this.#unref(this.#clock.setTimer(() => this.#pulse(), wait));
  }

  /** How many times `beat()` has been called while it lived. */
  get beats(): number {
    return this.#beats;
  }

  /** The clock time (ms) of the last beat; the creation time before the first. */
  get lastBeatAt(): number {
    return this.#lastBeatAt;
  }

  /** Milliseconds since the last beat (or since creation), on its clock. */
  get silentFor(): number {
    return this.#clock.now() - this.#lastBeatAt;
  }

  /** Whether it has ended (its context ended or `close()` was called). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Calls `onStall(silentMs)` once, when `stallTimeout` ms pass without a beat (counting
   * from the last beat before the call, or the creation time). It sets one timer and
   * re-arms it only when it fires, so beats cost nothing extra. Cancel it with the
   * returned `cancel()`; it stops by itself when the heartbeat ends. Throws
   * INVALID_ARGUMENT for a `stallTimeout` that is not a positive number.
   *
   * @example
   * const watch = hb.watch(5_000, () => cancelWork(new Error('stalled')))
   */
  watch(stallTimeout: number, onStall: (silentMs: number) => void): Watch {
    if (stallTimeout === undefined) invalidOption('Heartbeat.watch', 'stallTimeout', 'is required (ms)', stallTimeout);
    numberOption('Heartbeat.watch', 'stallTimeout', stallTimeout, 0, { positive: true });
    if (typeof onStall !== 'function') invalidOption('Heartbeat.watch', 'onStall', 'must be a function', onStall);
    let timer: Timer | undefined;
    const stop = (): void => {
      if (timer === undefined) return;
      this.#watches.delete(timer);
      timer.cancel();
      timer = undefined;
    };
    const arm = (ms: number): void => {
      timer = this.#unref(this.#clock.setTimer(check, ms));
      this.#watches.add(timer);
    };
    const check = (): void => {
      stop();
      if (this.#ended) return;
      const silent = this.silentFor;
      if (silent >= stallTimeout) onStall(silent);
      else arm(stallTimeout - silent);
    };
    if (!this.#ended) arm(stallTimeout - this.silentFor);
    return { cancel: stop };
  }

  /**
   * Pulses, each as soon as the work beats but at most one per `interval` (the beats in
   * between arrive merged in the next one). Each iterator is one observer that holds at
   * most one pulse: a slow observer gets the beats merged, never a backlog. `next()`
   * waits for a pulse; the iteration finishes when the heartbeat ends.
   */
  [Symbol.asyncIterator](): AsyncIterator<Pulse> {
    const observer: Observer = { pending: undefined, wake: undefined };
    if (!this.#ended) this.#observers.add(observer);
    const done = (): IteratorResult<Pulse> => ({ done: true, value: undefined });
    return {
      next: () => {
        const pulse = observer.pending;
        if (pulse !== undefined) {
          observer.pending = undefined;
          return Promise.resolve({ done: false, value: pulse });
        }
        if (this.#ended || !this.#observers.has(observer)) return Promise.resolve(done());
        return new Promise((resolve) => {
          observer.wake = resolve;
        });
      },
      return: () => {
        this.#observers.delete(observer);
        observer.pending = undefined;
        observer.wake?.(done());
        observer.wake = undefined;
        return Promise.resolve(done());
      },
    };
  }

  /**
   * Ends the heartbeat, as the work's last act (Go's `defer close(heartbeat)`): observers'
   * iterations finish (after the pulses they hold), watches stop. Idempotent; the
   * context's end does the same.
   */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.ctx.signal.removeEventListener('abort', this.#onAbort);
    this.#pulseTimer?.cancel();
    this.#pulseTimer = undefined;
    if (this.#unsent > 0) this.#pulse();
    for (const timer of this.#watches) timer.cancel();
    this.#watches.clear();
    for (const observer of this.#observers) {
      if (observer.wake !== undefined && observer.pending === undefined) {
        const wake = observer.wake;
        observer.wake = undefined;
        wake({ done: true, value: undefined });
      }
    }
    this.#observers.clear();
  }

  #pulse(): void {
    this.#pulseTimer = undefined;
    if (this.#unsent === 0) return;
    const beats = this.#unsent;
    this.#unsent = 0;
    this.#lastPulseAt = this.#clock.now();
    for (const observer of this.#observers) {
      if (observer.wake !== undefined) {
        const wake = observer.wake;
        observer.wake = undefined;
        wake({ done: false, value: { at: this.#lastBeatAt, beats } });
      } else if (observer.pending !== undefined) {
        observer.pending = { at: this.#lastBeatAt, beats: observer.pending.beats + beats };
      } else {
        observer.pending = { at: this.#lastBeatAt, beats };
      }
    }
  }

  // Monitoring alone must not keep the process alive (system clock only).
  #unref(timer: Timer): Timer {
    timer.unref();
    return timer;
  }
}

/**
 * A heartbeat living in `ctx` with pulses at most every `intervalMs` (0: one per beat).
 * It never waits; it ends when `ctx` ends or on `close()`. Throws INVALID_ARGUMENT naming
 * the bad argument.
 *
 * @example
 * const [ctx, cancel] = Context.background().withCancel()
 * const hb = heartbeat(ctx, 500)
 * const work = crunch(ctx, () => hb.beat())
 * for await (const { at, beats } of hb) console.log(`alive at ${at} (${beats} steps)`)
 */
export function heartbeat(ctx: Context, intervalMs: number, options?: HeartbeatOptions): Heartbeat {
  if (!(ctx instanceof Context)) {
    throw new WeftError('INVALID_ARGUMENT', `heartbeat needs a Context as its first argument, got ${typeof ctx}`, { details: { option: 'ctx' } });
  }
  if (intervalMs === undefined) invalidOption(SCOPE, 'intervalMs', 'is required (a finite number >= 0)', intervalMs);
  const interval = numberOption(SCOPE, 'intervalMs', intervalMs, 0);
  const opts = optionsObject(SCOPE, options);
  return new Heartbeat(ctx, interval, clockOption(SCOPE, opts.clock, systemClock));
}
