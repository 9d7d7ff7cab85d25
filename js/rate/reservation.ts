/**
 * Reservations and waits, shared by every limiter: a native reserve call becomes a
 * {@link Reserved} (`nativeReserve`); `reserve` returns it as a {@link Reservation}; `wait`
 * reserves, sleeps on the limiter's clock for the delay, and cancels the reservation
 * (giving its tokens back) if the wait is aborted.
 * @internal
 */
import { abortReason, sleep, type Clock } from '../time/clock.js';
import { WeftError } from '../errors.js';
import { checkWaitOptions, type WaitOptions } from '../wait/notifier.js';
import { nativeCall } from './call.js';

/** Native reserve statuses (declared in js/native/wire.ts). */
export const RESERVED = Wire.RESERVE_RESERVED;
export const EXCEEDS_BURST = Wire.RESERVE_EXCEEDS_BURST;
export const TOO_LONG = Wire.RESERVE_TOO_LONG;
import { Wire } from '../native/wire.js';

/** Longest single timer: setTimeout fires at once for anything longer than 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Tokens taken now for use after `delayMs` (what `reserve()` returns). Act after the
 * delay, or call `cancel()` to give the tokens back to the limiter as far as later
 * reservations allow.
 *
 * @example
 * const r = limiter.reserve()
 * if (!r.ok) throw new Error('more than the burst')
 * if (r.delayMs > 1_000) r.cancel()   // too long: give the tokens back
 * else { await sleep(r.delayMs); send() }
 */
export interface Reservation {
  /** Whether the tokens were granted (false when `n` exceeds the burst: nothing taken). */
  readonly ok: boolean;
  /** Milliseconds to wait before acting: 0 to act now; Infinity when `ok` is false or the tokens never come (limit 0). */
  readonly delayMs: number;
  /** Gives the tokens back (Go's `Reservation.Cancel`); does nothing once the delay has passed, when `ok` is false, or the second time. */
  cancel(): void;
}

/** @internal */
export class RateReservation implements Reservation {
  readonly ok: boolean;
  readonly delayMs: number;
  #cancel: (() => void) | undefined;

  constructor(ok: boolean, delayMs: number, cancel: (() => void) | undefined) {
    this.ok = ok;
    this.delayMs = delayMs;
    this.#cancel = cancel;
  }

  cancel(): void {
    const cancel = this.#cancel;
    this.#cancel = undefined;
    cancel?.();
  }
}

/** A refused reservation. */
export const REFUSED: Reservation = Object.freeze(new RateReservation(false, Infinity, undefined));

/** What one native reserve call produced. */
export interface Reserved {
  status: number;
  delayMs: number;
  cancel: () => void;
}

/**
 * Runs a native reserve call for `what`: `sync` (the limiter's clock sync, if any) first,
 * then `reserve(meta)`, which returns the status and, when granted, writes the delay and
 * then the reservation into `meta`. Its `cancel` syncs again and hands `cancel` a copy of
 * those numbers (`meta` is reused by the next call).
 */
export function nativeReserve(
  what: string,
  meta: Float64Array,
  sync: (() => void) | undefined,
  reserve: (meta: Float64Array) => number,
  cancel: (reserved: Float64Array) => void,
): Reserved {
  sync?.();
  const status = nativeCall(() => reserve(meta), what);
  if (status !== RESERVED) return { status, delayMs: Infinity, cancel: () => {} };
  const reserved = meta.slice();
  return {
    status,
    delayMs: reserved[0]!,
    cancel: () => {
      sync?.();
      nativeCall(() => cancel(reserved), 'Reservation.cancel');
    },
  };
}

/** What `reserve()` returns for a native reserve's result. */
export function toReservation(reserved: Reserved): Reservation {
  return reserved.status === RESERVED ? new RateReservation(true, reserved.delayMs, reserved.cancel) : REFUSED;
}

/**
 * Waits for `n` tokens: reserves them (within `options.timeout`), sleeps for the delay on
 * `clock`, and on abort cancels the reservation and rejects with the signal's reason.
 * `reserve(maxWaitMs)` makes the native reservation; `burst()` names the burst that n
 * exceeds, for that error.
 */
export async function waitForTokens(
  what: string,
  n: number,
  options: WaitOptions | undefined,
  clock: Clock,
  reserve: (maxWaitMs: number) => Reserved,
  burst: () => string,
): Promise<void> {
  checkWaitOptions(options, what);
  const signal = options?.signal;
  if (signal?.aborted) throw abortReason(signal, what);
  const timeout = options?.timeout ?? Infinity;
  const reserved = reserve(timeout);
  if (reserved.status === EXCEEDS_BURST) {
    throw new WeftError('INVALID_ARGUMENT', `${what}: n (${n}) exceeds ${burst()}, so it can never be granted`, {
      details: { argument: 'n', n },
    });
  }
  if (reserved.status === TOO_LONG) {
    throw new WeftError('TIMEOUT', `${what}: ${n} token(s) would take longer than the timeout (${timeout} ms); nothing was taken`, {
      details: { n, timeout },
    });
  }
  if (!(reserved.delayMs > 0)) return;
  try {
    for (let left = reserved.delayMs; left > 0; left -= MAX_TIMER_MS) {
      await sleep(Math.min(left, MAX_TIMER_MS), { signal, clock });
    }
  } catch (err) {
    reserved.cancel();
    throw signal?.aborted ? abortReason(signal, what) : err;
  }
}
