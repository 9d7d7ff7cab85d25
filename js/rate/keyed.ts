/**
 * One token bucket per key (per user, per IP, per route), all with the same rate and
 * burst, shared across worker threads. A key's bucket is made full on first use and
 * forgotten once it is full again and untouched for `idleMs`, a few keys per call (no
 * call ever scans them all), so memory follows the keys in use.
 *
 * @example
 * const perUser = new KeyedLimiter(5, 10, { idleMs: 60_000 })
 * if (!perUser.allow(userId)) return reply(429)
 * await perUser.wait(userId, 1, { timeout: 2_000 })
 */
import { systemClock, type Clock } from '../time/clock.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative, type NativeBinding } from '../native/loader.js';
import type { WaitOptions } from '../wait/notifier.js';
import { Adoption } from './adoption.js';
import { nativeCall } from './call.js';
import { checkClock, checkCount, checkKey, checkMs, checkOptions, checkRate } from './args.js';
import { bindClock } from './native-clock.js';
import { nativeReserve, toReservation, waitForTokens, type Reservation, type Reserved } from './reservation.js';
import { Wire } from '../native/wire.js';

type NativeKeyed = InstanceType<NativeBinding['KeyedLimiterHandle']>;

/**
 * Options for {@link KeyedLimiter}.
 *
 * @example
 * new KeyedLimiter(1, 5, { idleMs: 10 * 60_000 }) // forget a user's bucket 10 min after it refilled
 */
export interface KeyedLimiterOptions {
  /**
   * How long a full, untouched bucket is kept, in ms (default 60,000; Infinity: never evicted).
   * @defaultValue `60_000` (ms)
   */
  idleMs?: number;
  /**
   * The clock (default: the system clock), as for a RateLimiter.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

const DEFAULT_IDLE_MS = 60_000;
const reserveMeta = new Float64Array(Wire.RESERVE_FIELDS);
const adoption = new Adoption<NativeKeyed>();

/**
 * Rate limiters by key; see the module doc.
 *
 * @example
 * const perIp = new KeyedLimiter(10, 20, { idleMs: 5 * 60_000 })
 * pool.run('handle', { req, perIp })     // workers share the same buckets
 * perIp.size                             // keys with a bucket now
 */
export class KeyedLimiter {
  readonly #native: NativeKeyed;
  readonly #id: number;
  readonly #clock: Clock;
  readonly #sync: (() => void) | undefined;

  /**
   * Buckets of `burst` tokens refilled at `perSecond` tokens per second, one per key.
   * Throws INVALID_ARGUMENT naming a bad argument.
   */
  constructor(perSecond: number, burst: number, options?: KeyedLimiterOptions) {
    const native = loadNative();
    const side = adoption.side(() => {
      const rate = checkRate(perSecond, 'KeyedLimiter', 'perSecond');
      const size = checkCount(burst, 'KeyedLimiter', 'burst');
      const opts = checkOptions<KeyedLimiterOptions>(options, 'KeyedLimiter');
      const idleMs = checkMs(opts.idleMs ?? DEFAULT_IDLE_MS, 'KeyedLimiter', 'options.idleMs', true);
      const clock = checkClock(opts.clock, 'KeyedLimiter') ?? systemClock;
      const { id, sync } = bindClock(clock);
      return { native: nativeCall(() => new native.KeyedLimiterHandle(rate, size, idleMs, id), 'new KeyedLimiter'), clock, syncs: sync ? [sync] : [] };
    });
    this.#native = side.native;
    this.#id = nativeCall(() => side.native.id, 'new KeyedLimiter');
    this.#clock = side.clock;
    this.#sync = side.syncs[0]; // its clock's, if any
    makeShareable(this, 'keyed-limiter', () => this.#native.pin());
  }

  /** Keys with a bucket now (idle ones count until a later call evicts them). */
  get size(): number {
    return nativeCall(() => loadNative().keyedSize(this.#id), 'KeyedLimiter.size');
  }

  /** Tokens per second, for every key. */
  get limit(): number {
    return this.#settings('KeyedLimiter.limit')[0]!;
  }

  /** Each key's burst. */
  get burst(): number {
    return this.#settings('KeyedLimiter.burst')[1]!;
  }

  /** How long a full, untouched bucket is kept, in ms. */
  get idleMs(): number {
    return this.#settings('KeyedLimiter.idleMs')[2]!;
  }

  /** Tokens `key` holds now (a key with no bucket: the burst). */
  tokens(key: string): number {
    checkKey(key, 'KeyedLimiter.tokens');
    this.#sync?.();
    return nativeCall(() => loadNative().keyedTokens(this.#id, key), 'KeyedLimiter.tokens');
  }

  /** Takes `n` tokens (default 1) from `key`'s bucket if it holds them now. Never waits. */
  allow(key: string, n = 1): boolean {
    checkKey(key, 'KeyedLimiter.allow');
    checkCount(n, 'KeyedLimiter.allow', 'n');
    this.#sync?.();
    return nativeCall(() => loadNative().keyedAllow(this.#id, key, n), 'KeyedLimiter.allow');
  }

  /** Takes `n` tokens (default 1) from `key`'s bucket now for use after a delay; as RateLimiter.reserve does. */
  reserve(key: string, n = 1): Reservation {
    checkKey(key, 'KeyedLimiter.reserve');
    checkCount(n, 'KeyedLimiter.reserve', 'n');
    return toReservation(this.#reserve(key, n, Infinity, 'KeyedLimiter.reserve'));
  }

  /** Waits until `key`'s bucket grants `n` tokens (default 1); errors and cancellation as RateLimiter.wait's. */
  async wait(key: string, n = 1, options?: WaitOptions): Promise<void> {
    checkKey(key, 'KeyedLimiter.wait');
    checkCount(n, 'KeyedLimiter.wait', 'n');
    await waitForTokens(
      'KeyedLimiter.wait',
      n,
      options,
      this.#clock,
      (maxWaitMs) => this.#reserve(key, n, maxWaitMs, 'KeyedLimiter.wait'),
      () => `the burst (${this.burst})`,
    );
  }

  #settings(what: string): number[] {
    return nativeCall(() => loadNative().keyedSettings(this.#id), what);
  }

  #reserve(key: string, n: number, maxWaitMs: number, what: string): Reserved {
    const id = this.#id;
    return nativeReserve(
      what,
      reserveMeta,
      this.#sync,
      (meta) => loadNative().keyedReserve(id, key, n, maxWaitMs, meta),
      (reserved) => loadNative().keyedCancel(id, key, reserved.subarray(1)), // after the delay
    );
  }

  /** @internal This thread's handle on `id` (taking over a pinned handle). */
  static adopt(id: number): KeyedLimiter {
    return adoption.adopt(loadNative().KeyedLimiterHandle.adopt(id), () => new KeyedLimiter(0, 0));
  }
}

registerHandleType('keyed-limiter', (id) => KeyedLimiter.adopt(Number(id)));
