/**
 * How a limiter class's static `adopt` makes an instance on a native handle taken over
 * from a message: it hands the handle to the constructor it calls next, which takes it
 * instead of checking its arguments and making a new one.
 * @internal
 */
import { systemClock, type Clock } from '../time/clock.js';

/** A limiter's native side, as its constructor sets it up. */
export interface NativeSide<N> {
  readonly native: N;
  /** The clock its waits sleep on. */
  readonly clock: Clock;
  /** Syncs its native clock(s) before a call (custom clocks only). */
  readonly syncs: ReadonlyArray<() => void>;
}

/** One limiter class's hand-over from `adopt` to its constructor. */
export class Adoption<N> {
  #handle: N | undefined;

  /** Runs `construct` (a `new` of the class) with `handle` handed over to it. */
  adopt<T>(handle: N, construct: () => T): T {
    this.#handle = handle;
    return construct();
  }

  /**
   * For the constructor: the handle handed over, if any (once), or else `create()`'s new
   * one. An adopted limiter sleeps on the system clock and syncs nothing: a custom clock
   * stays with the thread that made the limiter, whose native side keeps reading it.
   */
  side(create: () => NativeSide<N>): NativeSide<N> {
    const handle = this.#handle;
    if (handle === undefined) return create();
    this.#handle = undefined;
    return { native: handle, clock: systemClock, syncs: [] };
  }
}
