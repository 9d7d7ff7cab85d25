/**
 * A mutual-exclusion lock shared across threads (Go's `sync.Mutex`): `lock()` resolves
 * with the function that releases it. Not reentrant; any thread may release it.
 *
 * @example
 * const mu = new Mutex()                       // pass it to workers like any weft object
 * const unlock = await mu.lock()
 * try { shared[0]++ } finally { unlock() }
 * await mu.withLock(() => shared[0]++)         // the same, released even if it throws
 * // in a worker: const unlock = mu.lockSync()
 */
import { WeftError, fromNative, isWeftError } from '../errors.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { nativeCall } from '../rate/call.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';
import { adoptSemaphore, newNative, takeAdopted, withAdopted, type NativeSemaphore } from './semaphore.js';

/** Releases what was acquired; a second call throws INVALID_ARGUMENT. */
export type Release = () => void;

/** A mutex; see the module doc. */
export class Mutex {
  /** @internal */
  readonly native: NativeSemaphore;

  constructor() {
    this.native = takeAdopted() ?? newNative(1, 'Mutex size', 'new Mutex');
    makeShareable(this, 'mutex', () => this.native.pin(), ['native']);
  }

  /** Whether some thread holds it now. */
  get locked(): boolean {
    return nativeCall(() => this.native.held, 'Mutex.locked') > 0;
  }

  /** Waits for the lock (in arrival order); resolves with its release function. */
  async lock(options?: WaitOptions): Promise<Release> {
    await waitAsync((token, meta) => this.native.acquire(token, 1, meta), options, 'Mutex.lock');
    return releaser(this.native, 1, 'Mutex');
  }

  /** The release function if the lock was free now, else undefined; never waits. */
  tryLock(): Release | undefined {
    return tryAcquire(this.native, 1, 'Mutex.tryLock') ? releaser(this.native, 1, 'Mutex') : undefined;
  }

  /** Blocking `lock` for worker threads (WOULD_BLOCK on the main thread). */
  lockSync(options?: BlockingOptions): Release {
    waitBlocking((meta, sliceMs) => this.native.acquireBlocking(1, meta, sliceMs), options, 'Mutex.lockSync', 'await mutex.lock()');
    return releaser(this.native, 1, 'Mutex');
  }

  /** Runs `fn` holding the lock and releases it afterwards, whatever `fn` does. */
  withLock<R>(fn: () => R | Promise<R>, options?: WaitOptions): Promise<R> {
    return holding(this.lock(options), fn);
  }

  /** Releases the lock held by whoever locked it (Go's `Unlock`); INVALID_ARGUMENT if not held. */
  unlock(): void {
    try {
      wakeCall(() => this.native.release(1), 'Mutex.unlock');
    } catch (err) {
      // The semaphore underneath refuses a release of a unit nobody holds.
      if (isWeftError(err, 'INVALID_ARGUMENT')) throw new WeftError('INVALID_ARGUMENT', 'Mutex.unlock: the mutex is not locked', { cause: err });
      throw err;
    }
  }
}

/** Runs `fn` once `acquired` resolves, then releases, whatever `fn` does. @internal */
export async function holding<R>(acquired: Promise<Release>, fn: () => R | Promise<R>): Promise<R> {
  const release = await acquired;
  try {
    return await fn();
  } finally {
    release();
  }
}

/** `native.tryAcquire(n)`, a native failure reported as `what`. @internal */
export function tryAcquire(native: NativeSemaphore, n: number, what: string): boolean {
  try {
    return native.tryAcquire(n);
  } catch (err) {
    throw fromNative(err, what);
  }
}

/** A release function that works once. @internal */
export function releaser(native: NativeSemaphore, n: number, what: string): Release {
  let released = false;
  return () => {
    if (released) throw new WeftError('INVALID_ARGUMENT', `${what}: this release function was already called`);
    released = true;
    wakeCall(() => native.release(n), `${what} release`);
  };
}

registerHandleType('mutex', (id) => withAdopted(adoptSemaphore(Number(id)), () => new Mutex()));
