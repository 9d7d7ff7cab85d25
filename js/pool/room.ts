/**
 * Backpressure shared by thread and process pools: submitters that found the queue full
 * wait here until the pool says room may have appeared, their deadline passes (TIMEOUT),
 * their signal aborts (CANCELED) or the pool closes.
 *
 * @example
 * const room = new RoomWaiters()
 * await submitWaitingForRoom(() => pool.trySubmit(name, arg, opts), room, opts)
 * // elsewhere, when a task leaves the queue: room.wakeAll()
 * @internal
 */
import { performance } from 'node:perf_hooks';

import { WeftError, isWeftError } from '../errors.js';
import type { RunOptions } from './options.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

export class RoomWaiters {
  readonly #waiters: Waiter[] = [];
  #closedWith: unknown;

  /**
   * `onCount(delta)` hears each waiter arriving (+1) and leaving (-1); `hasRoom()` says
   * whether a submit would find room now. A waiter checks it right after it is counted:
   * room freed between the submit that found none and the count would otherwise wake
   * nobody (the worker that freed it saw no waiter).
   */
  constructor(
    private readonly onCount: (delta: number) => void = () => {},
    private readonly hasRoom: () => boolean = () => false,
  ) {}

  /** Submitters waiting now. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Waits for a `wakeAll`, up to `deadline` (a performance.now() time) or `signal`. */
  wait(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closedWith !== undefined) return reject(this.#closedWith);
      if (signal?.aborted) return reject(new WeftError('CANCELED', 'cancelled while waiting for room', { cause: signal.reason }));
      const onAbort = () => leave(new WeftError('CANCELED', 'cancelled while waiting for room', { cause: signal!.reason }));
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const leave = (err: WeftError) => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) {
          this.#waiters.splice(at, 1);
          this.onCount(-1);
        }
        if (waiter.timer) clearTimeout(waiter.timer);
        waiter.reject(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== Infinity) {
        const ms = Math.max(0, deadline - performance.now());
        waiter.timer = setTimeout(
          () => leave(new WeftError('TIMEOUT', `no room in the queue within ${Math.round(ms)} ms`, { details: { phase: 'waiting for room' } })),
          ms,
        );
      }
      this.#waiters.push(waiter);
      this.onCount(1);
      if (this.hasRoom()) this.wakeAll();
    });
  }

  /** Lets every waiter retry (those that still find no room wait again). */
  wakeAll(): void {
    for (const waiter of this.#waiters.splice(0)) {
      this.onCount(-1);
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  /** Rejects every waiter, and every later `wait`, with `err` (the pool closed). */
  close(err: unknown): void {
    this.#closedWith = err;
    for (const waiter of this.#waiters.splice(0)) {
      this.onCount(-1);
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }
}

/**
 * `submit()` for any pool: `trySubmit`, and while it throws QUEUE_FULL wait for room, up
 * to `options.timeout` ms in all.
 */
export async function submitWaitingForRoom(
  trySubmit: () => Promise<unknown>,
  room: RoomWaiters,
  options: RunOptions,
): Promise<unknown> {
  const deadline = options.timeout === undefined ? Infinity : performance.now() + options.timeout;
  for (;;) {
    try {
      return await trySubmit();
    } catch (err) {
      if (!isWeftError(err, 'QUEUE_FULL')) throw err;
    }
    await room.wait(deadline, options.signal);
  }
}
