/**
 * What `RateLimiter.all` needs to know of its members: their native ids and clocks,
 * recorded by each limiter class (so all.ts need not import them).
 * @internal
 */
import type { Clock } from '../time/clock.js';

/** A limiter as a member of an `all()`. */
export interface MemberRef {
  readonly kind: 'limiter' | 'all';
  readonly id: number;
  /** The JS clock its waits sleep on. */
  readonly clock: Clock;
  /** Syncs its native clock before a call (custom clocks only). */
  readonly syncs: ReadonlyArray<() => void>;
}

/** Limiter object -> its member ref. */
export const memberRefs = new WeakMap<object, MemberRef>();
