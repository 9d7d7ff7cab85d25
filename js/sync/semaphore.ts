/**
 * A weighted semaphore shared across threads, with golang.org/x/sync/semaphore semantics:
 * waiters are served in order, so a large request at the front holds back smaller ones
 * behind it instead of starving.
 *
 * @example
 * const slots = new Semaphore(4)            // pass it to workers like any weft object
 * await slots.acquire(2, { timeout: 1_000 }) // waits for 2 units
 * try { await work() } finally { slots.release(2) }
 */
import { WeftError, fromNative } from '../errors.js';
import { describeValue } from '../describe.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';

/** @internal */
export type NativeSemaphore = InstanceType<ReturnType<typeof loadNative>['SemaphoreHandle']>;

/** A weighted semaphore; see the module doc. */
export class Semaphore {
  /** @internal */
  readonly native: NativeSemaphore;

  /** A semaphore of `size` units (a positive integer). */
  constructor(size: number) {
    this.native = takeAdopted() ?? newNative(size, 'Semaphore size', 'new Semaphore');
    makeShareable(this, 'semaphore', () => this.native.pin(), ['native']);
  }

  /** Units in all. */
  get size(): number {
    return nativeCall(() => this.native.size, 'Semaphore.size');
  }

  /** Units held now. */
  get held(): number {
    return nativeCall(() => this.native.held, 'Semaphore.held');
  }

  /**
   * Waits for `n` units (default 1), in arrival order. Rejects with INVALID_ARGUMENT for
   * more than `size`, CANCELED or TIMEOUT per `options` (then nothing is held).
   */
  async acquire(n = 1, options?: WaitOptions): Promise<void> {
    await waitAsync((token, meta) => this.native.acquire(token, n, meta), options, 'Semaphore.acquire');
  }

  /** Takes `n` units if free now and nobody is waiting; never waits. */
  tryAcquire(n = 1): boolean {
    return wakeCall(() => this.native.tryAcquire(n), 'Semaphore.tryAcquire');
  }

  /** Blocking `acquire` for worker threads (WOULD_BLOCK on the main thread). */
  acquireSync(n = 1, options?: BlockingOptions): void {
    waitBlocking((meta, sliceMs) => this.native.acquireBlocking(n, meta, sliceMs), options, 'Semaphore.acquireSync', 'await semaphore.acquire()');
  }

  /** Gives back `n` units, waking waiters they satisfy. More than held is INVALID_ARGUMENT. */
  release(n = 1): void {
    wakeCall(() => this.native.release(n), 'Semaphore.release');
  }
}

let adopted: NativeSemaphore | undefined;

/** @internal A constructor argument that takes over a handle from another thread. */
export function adoptSemaphore(id: number): NativeSemaphore {
  return loadNative().SemaphoreHandle.adopt(id);
}

/** @internal Builds an object of a semaphore-backed class around an adopted handle. */
export function withAdopted<T>(native: NativeSemaphore, make: () => T): T {
  adopted = native;
  try {
    return make();
  } finally {
    adopted = undefined;
  }
}

/** @internal */
export function takeAdopted(): NativeSemaphore | undefined {
  const native = adopted;
  adopted = undefined;
  return native;
}

/**
 * @internal A new native semaphore of `size` units; `what` names the size in errors,
 * `operation` the constructor a native failure is reported from.
 */
export function newNative(size: number, what: string, operation: string): NativeSemaphore {
  if (!Number.isInteger(size) || size < 1 || size >= 2 ** 32) {
    throw new WeftError('INVALID_ARGUMENT', `${what} must be a positive integer below 2^32, got ${describeValue(size)}`, {
      details: { param: 'size', value: size },
    });
  }
  try {
    return new (loadNative().SemaphoreHandle)(size);
  } catch (err) {
    throw fromNative(err, operation);
  }
}

registerHandleType('semaphore', (id) => withAdopted(adoptSemaphore(Number(id)), () => new Semaphore(1)));
