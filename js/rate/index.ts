/**
 * Rate limiting, after golang.org/x/time/rate: {@link RateLimiter} (a token bucket),
 * `RateLimiter.all([...])` ({@link AllLimiter}: several limits that admit together) and
 * {@link KeyedLimiter} (a bucket per key). Their state lives natively, so a limiter passed
 * to worker threads enforces one rate across all of them; time comes from a
 * {@link Clock}, so tests can drive it with a `ManualClock`.
 *
 * @example
 * import { RateLimiter, KeyedLimiter } from '@weft/core'
 * const api = RateLimiter.all([RateLimiter.perSecond(10, { burst: 5 }), RateLimiter.every(600, 100)])
 * await api.wait(1, { signal })
 * const perUser = new KeyedLimiter(1, 5)
 * if (!perUser.allow(user)) reply(429)
 */
export { AllLimiter } from './all.js';
export { KeyedLimiter, type KeyedLimiterOptions } from './keyed.js';
export { RateLimiter, type RateLimiterOptions } from './limiter.js';
export type { Limiter } from './types.js';
export type { Reservation } from './reservation.js';
