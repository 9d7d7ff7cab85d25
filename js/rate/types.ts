/**
 * The interface every rate limiter implements, in a module of its own so that the
 * limiters and their composite can all name it without importing each other.
 */
import type { WaitOptions } from '../wait/notifier.js';
import type { Reservation } from './reservation.js';

/**
 * What every limiter offers: `RateLimiter` and the composite from `RateLimiter.all`.
 *
 * @example
 * async function send(limiter: Limiter, msg: Message) { await limiter.wait(); await post(msg) }
 */
export interface Limiter {
  /** Takes `n` tokens (default 1) if they are there now; never waits. */
  allow(n?: number): boolean;
  /** Takes `n` tokens now for use after a delay (see {@link Reservation}). */
  reserve(n?: number): Reservation;
  /** Waits until `n` tokens are granted (see `RateLimiter.wait`). */
  wait(n?: number, options?: WaitOptions): Promise<void>;
  /** Tokens available now (negative while reservations are owed). */
  tokens(): number;
}

