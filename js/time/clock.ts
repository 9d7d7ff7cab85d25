/**
 * Clocks: where weft's time-based helpers (retry backoff, hedging delays, batch timeouts,
 * heartbeats, rate-limiter waits) read the time and set timers. `systemClock` is the real
 * one; `ManualClock` only moves when a test advances it, so a test decides the order of
 * events without sleeping.
 *
 * @example
 * const clock = new ManualClock()
 * const slept = sleep(100, { clock })
 * await clock.advance(100) // fires the timer, then lets promise callbacks run
 * await slept
 */
import { WeftError, isWeftError } from '../errors.js';

/** A timer set on a {@link Clock}; `cancel()` is idempotent. */
export interface Timer {
  /** Stops the timer if it has not fired. */
  cancel(): void;
  /** Lets the process exit while this timer is pending (system clock only; a no-op otherwise). */
  unref(): void;
}

/** A time source with timers. Times are milliseconds on a monotonic scale. */
export interface Clock {
  /** The current time in milliseconds (monotonic; only differences are meaningful). */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (0 or less: on a later turn). */
  setTimer(fn: () => void, ms: number): Timer;
}

/**
 * The real clock: `performance.now()` and `setTimeout`.
 *
 * @example
 * const t = systemClock.setTimer(() => console.log('late'), 50); t.cancel()
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return {
      cancel: () => clearTimeout(handle),
      unref: () => void handle.unref(),
    };
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * A clock that stands still until `advance` moves it. Timers fire in time order (ties in
 * the order they were set); between two timers `advance` lets the event loop run, so a
 * promise chain started by one timer (an attempt, then the next backoff) gets to set its
 * next timer before the clock moves past it.
 *
 * @example
 * const clock = new ManualClock()
 * let fired = false
 * clock.setTimer(() => { fired = true }, 10)
 * await clock.advance(9)  // fired === false
 * await clock.advance(1)  // fired === true
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];
  readonly #watchers: Array<(nowMs: number) => void> = [];

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    if (typeof startMs !== 'number' || !Number.isFinite(startMs)) {
      throw new WeftError('INVALID_ARGUMENT', `startMs must be a finite number, got ${String(startMs)}`);
    }
    this.#now = startMs;
  }

  /** The clock's current time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Sets a timer that fires when the clock reaches now + `ms`. */
  setTimer(fn: () => void, ms: number): Timer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
      unref: () => {},
    };
  }

  /**
   * @internal Calls `fn` with the new time each time the clock moves, before any timer
   * due then fires: how a rate limiter's native copy of this clock keeps in step.
   */
  watch(fn: (nowMs: number) => void): void {
    this.#watchers.push(fn);
  }

  /** How many timers are set and have neither fired nor been cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  /** The time the next live timer fires, or undefined when none is set. */
  get nextAt(): number | undefined {
    return this.#nextDue(Infinity)?.at;
  }

  /**
   * Moves the clock forward by `ms`, firing every timer that comes due on the way (also
   * those set by callbacks during the advance), each at its own time. Settles once the
   * event loop has run after the last one. It rejects INVALID_ARGUMENT for a negative or
   * non-finite `ms`.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new WeftError('INVALID_ARGUMENT', `ms must be a finite number >= 0, got ${String(ms)}`);
    }
    const target = this.#now + ms;
    await settle();
    for (let next = this.#nextDue(target); next !== undefined; next = this.#nextDue(target)) {
      next.live = false;
      this.#moveTo(Math.max(this.#now, next.at));
      next.fn();
      await settle();
    }
    this.#moveTo(target);
    this.#timers = this.#timers.filter((t) => t.live);
  }

  #moveTo(nowMs: number): void {
    this.#now = nowMs;
    for (const watcher of this.#watchers) watcher(nowMs);
  }

  /** Advances to the next live timer's time and fires it (and any due with it); false when none is set. */
  async runNext(): Promise<boolean> {
    const at = this.nextAt;
    if (at === undefined) return false;
    await this.advance(at - this.#now);
    return true;
  }

  #nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers) {
      if (t.live && t.at <= limit && (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks and I/O callbacks run: one macrotask turn. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Options for {@link sleep}. */
export interface SleepOptions {
  /**
   * Rejects the sleep with the signal's reason (a CANCELED WeftError if none) when it aborts.
   * @defaultValue none
   */
  signal?: AbortSignal;
  /**
   * The clock to sleep on (default: the system clock).
   * @defaultValue `systemClock`
   */
  clock?: Clock;
  /**
   * Let the process exit while sleeping (system clock only).
   * @defaultValue `false`
   */
  unref?: boolean;
}

/**
 * Resolves after `ms` milliseconds on `clock`. It rejects when `signal` aborts (with
 * `abortReason(signal)`), and at once if it already has.
 *
 * @example
 * await sleep(250, { signal: ctx.signal })
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const { signal, clock = systemClock, unref = false } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error an aborted signal stands for: its reason when that is already a WeftError (a
 * context's signal carries CANCELED or DEADLINE_EXCEEDED), otherwise a CANCELED WeftError
 * whose `cause` is the reason, as every weft wait reports an abort.
 *
 * @example
 * if (signal.aborted) throw abortReason(signal, 'the upload')
 */
export function abortReason(signal: AbortSignal, what = 'the operation'): Error {
  const reason: unknown = signal.reason;
  if (isWeftError(reason)) return reason;
  return new WeftError('CANCELED', `${what} was cancelled`, { cause: reason });
}
