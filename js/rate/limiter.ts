/**
 * A token-bucket rate limiter with golang.org/x/time/rate semantics, shared across worker
 * threads: the bucket holds up to `burst` tokens, starts full, and refills at `perSecond`
 * tokens per second. `allow()` takes tokens if they are there now; `reserve()` takes them
 * ahead and says how long to wait; `wait()` waits for them. The bucket lives natively, so
 * one limiter handed to several workers enforces one rate for all of them.
 *
 * @example
 * const limiter = RateLimiter.perSecond(100, { burst: 10 })
 * if (!limiter.allow()) return reply(429)             // drop what is over the rate
 * await limiter.wait(1, { signal: ctx.signal })        // or wait for a token
 * pool.run('crawl', { url, limiter })                  // the same bucket in a worker
 */
import { systemClock, type Clock } from '../time/clock.js';
import { fromNative } from '../errors.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { argSlot } from '../native/slot.js';
import { loadNative, type NativeBinding } from '../native/loader.js';
import type { WaitOptions } from '../wait/notifier.js';
import { Adoption } from './adoption.js';
import { AllLimiter } from './all.js';
import type { Limiter } from './types.js';
import { nativeCall } from './call.js';
import { checkClock, checkCount, checkMs, checkOptions, checkRate, isCount } from './args.js';
import { bindClock } from './native-clock.js';
import { memberRefs } from './refs.js';
import { nativeReserve, toReservation, waitForTokens, type Reservation, type Reserved } from './reservation.js';
import { Wire } from '../native/wire.js';

/** Numbers in a reserve result: the delay, then the reservation (tokens, limit, time to act as two halves). */
const RESERVE_FIELDS = Wire.RESERVE_FIELDS;

type NativeLimiter = InstanceType<NativeBinding['RateLimiterHandle']>;

/**
 * Options for {@link RateLimiter}.
 *
 * @example
 * const clock = new ManualClock(); const limiter = new RateLimiter(10, 1, { clock }); await clock.advance(100)
 */
export interface RateLimiterOptions {
  /**
   * Where the limiter reads the time and sets its wait timers (default: the system
   * clock). A `ManualClock` makes tests deterministic; in other threads the limiter keeps
   * reading that clock's time natively but sleeps on the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

let native: NativeBinding;
/** This thread's argument slot (js/native/slot.ts), or undefined. */
let slot: Float64Array | undefined;
const reserveMeta = new Float64Array(RESERVE_FIELDS);
const adoption = new Adoption<NativeLimiter>();

function binding(): NativeBinding {
  if (native === undefined) {
    native = loadNative();
    slot = argSlot();
  }
  return native;
}

/** A token-bucket rate limiter; see the module doc. */
export class RateLimiter implements Limiter {
  readonly #native: NativeLimiter;
  /** The id the per-call native functions take (a class method call costs far more). */
  readonly #id: number;
  readonly #clock: Clock;
  readonly #sync: (() => void) | undefined;

  /**
   * A limiter of `perSecond` tokens per second (0: only the initial burst; Infinity: no
   * limit) and a bucket of `burst` tokens, which is also the most one call can take.
   * Throws INVALID_ARGUMENT naming the bad argument.
   *
   * @example
   * const limiter = new RateLimiter(5, 10, { clock: new ManualClock() })
   */
  constructor(perSecond: number, burst: number, options?: RateLimiterOptions) {
    const nat = nativeCall(binding, 'new RateLimiter');
    const side = adoption.side(() => {
      const rate = checkRate(perSecond, 'RateLimiter', 'perSecond');
      const size = checkCount(burst, 'RateLimiter', 'burst');
      const clock = checkClock(checkOptions<RateLimiterOptions>(options, 'RateLimiter').clock, 'RateLimiter') ?? systemClock;
      const { id, sync } = bindClock(clock);
      return { native: nativeCall(() => new nat.RateLimiterHandle(rate, size, id), 'new RateLimiter'), clock, syncs: sync ? [sync] : [] };
    });
    this.#native = side.native;
    this.#id = nativeCall(() => side.native.id, 'new RateLimiter');
    this.#clock = side.clock;
    this.#sync = side.syncs[0]; // its clock's, if any
    memberRefs.set(this, { kind: 'limiter', id: this.#id, clock: this.#clock, syncs: side.syncs });
    makeShareable(this, 'rate-limiter', () => this.#native.pin());
  }

  /**
   * One token every `ms` milliseconds (Go's `rate.Every`; 0 means no limit), bursts of
   * `burst`.
   *
   * @example
   * const tick = RateLimiter.every(250, 1) // 4 per second, evenly spaced
   */
  static every(ms: number, burst: number, options?: RateLimiterOptions): RateLimiter {
    const interval = checkMs(ms, 'RateLimiter.every', 'ms', false);
    return new RateLimiter(interval === 0 ? Infinity : 1000 / interval, burst, options);
  }

  /**
   * A limiter that allows everything, whatever `n` (useful as a default).
   *
   * @example
   * const limiter = config.rate ? RateLimiter.perSecond(config.rate) : RateLimiter.unlimited()
   */
  static unlimited(): RateLimiter {
    return new RateLimiter(Infinity, 0);
  }

  /**
   * `n` tokens per second with bursts of `burst` (default 1: evenly spaced).
   *
   * @example
   * const api = RateLimiter.perSecond(100, { burst: 10 })
   */
  static perSecond(n: number, options?: RateLimiterOptions & { burst?: number }): RateLimiter {
    const { burst = 1, ...rest } = checkOptions<RateLimiterOptions & { burst?: number }>(options, 'RateLimiter.perSecond');
    return new RateLimiter(n, burst, rest);
  }

  /**
   * A limiter that admits only when every member does, taking `n` from each or from none
   * (per second AND per minute AND per resource). Members keep working on their own.
   *
   * @example
   * const both = RateLimiter.all([RateLimiter.perSecond(10), RateLimiter.every(60_000 / 100, 100)])
   * await both.wait() // a token from each, once both have one
   */
  static all(members: Iterable<Limiter>): AllLimiter {
    return new AllLimiter(members);
  }

  /** Tokens per second (Infinity when unlimited). */
  get limit(): number {
    return nativeCall(() => native.rateLimit(this.#id), 'RateLimiter.limit');
  }

  /** The bucket's size: the most tokens one call can take (ignored when unlimited). */
  get burst(): number {
    return nativeCall(() => native.rateBurst(this.#id), 'RateLimiter.burst');
  }

  /** Tokens available now (negative while reservations are owed). */
  tokens(): number {
    this.#sync?.();
    return nativeCall(() => native.rateTokens(this.#id), 'RateLimiter.tokens');
  }

  /**
   * Takes `n` tokens (default 1) if the bucket holds them now and returns true; otherwise
   * takes nothing and returns false. Never waits. INVALID_ARGUMENT unless `n` is a
   * non-negative integer.
   */
  allow(n = 1): boolean {
    if (this.#sync !== undefined) this.#sync();
    if ((n === 1 || isCount(n)) && slot !== undefined) {
      slot[0] = this.#id;
      slot[1] = n;
      try {
        return native.rateAllowSlot();
      } catch (err) {
        throw fromNative(err, 'RateLimiter.allow');
      }
    }
    checkCount(n, 'RateLimiter.allow', 'n');
    return nativeCall(() => native.rateAllow(this.#id, n), 'RateLimiter.allow');
  }

  /**
   * Takes `n` tokens (default 1) now, to be used after `delayMs`; `cancel()` gives them
   * back if unused. `ok` is false (nothing taken) when `n` exceeds the burst. Never waits.
   */
  reserve(n = 1): Reservation {
    checkCount(n, 'RateLimiter.reserve', 'n');
    return toReservation(this.#reserve(n, Infinity, 'RateLimiter.reserve'));
  }

  /**
   * Waits until `n` tokens (default 1) are granted. Like Go's `WaitN`, it decides at once
   * how long that takes and reserves the tokens: it rejects with INVALID_ARGUMENT when `n`
   * exceeds the burst, with TIMEOUT at once (taking nothing) when the wait would be longer
   * than `options.timeout` ms, and with CANCELED (or the signal's WeftError reason, e.g. a
   * context's DEADLINE_EXCEEDED) when `options.signal` aborts, giving the tokens back.
   * With limit 0 and an empty bucket the tokens never come: it waits for the signal.
   */
  async wait(n = 1, options?: WaitOptions): Promise<void> {
    checkCount(n, 'RateLimiter.wait', 'n');
    await waitForTokens(
      'RateLimiter.wait',
      n,
      options,
      this.#clock,
      (maxWaitMs) => this.#reserve(n, maxWaitMs, 'RateLimiter.wait'),
      () => `the burst (${this.burst})`,
    );
  }

  /**
   * Changes the rate from now on (Go's `SetLimit`): tokens accumulated so far count at the
   * old rate; reservations already made keep their times.
   */
  setLimit(perSecond: number): void {
    const rate = checkRate(perSecond, 'RateLimiter.setLimit', 'perSecond');
    this.#sync?.();
    nativeCall(() => native.rateSetLimit(this.#id, rate), 'RateLimiter.setLimit');
  }

  /** Changes the burst from now on (Go's `SetBurst`); a smaller burst caps the bucket. */
  setBurst(burst: number): void {
    const size = checkCount(burst, 'RateLimiter.setBurst', 'burst');
    this.#sync?.();
    nativeCall(() => native.rateSetBurst(this.#id, size), 'RateLimiter.setBurst');
  }

  #reserve(n: number, maxWaitMs: number, what: string): Reserved {
    const id = this.#id;
    return nativeReserve(
      what,
      reserveMeta,
      this.#sync,
      (meta) => native.rateReserve(id, n, maxWaitMs, meta),
      (reserved) => native.rateCancel(id, reserved.subarray(1)), // after the delay
    );
  }

  /** @internal This thread's handle on limiter `id` (taking over a pinned handle). */
  static adopt(id: number): RateLimiter {
    return adoption.adopt(binding().RateLimiterHandle.adopt(id), () => new RateLimiter(0, 0));
  }
}

registerHandleType('rate-limiter', (id) => RateLimiter.adopt(Number(id)));
