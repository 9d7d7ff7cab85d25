/**
 * A readers-writer lock shared across threads (Go's `sync.RWMutex`): many readers or one
 * writer. Served in arrival order, so a waiting writer holds back readers that come after
 * it and is never starved.
 *
 * @example
 * const rw = new RwLock()
 * const unlock = await rw.rlock(); try { read() } finally { unlock() }
 * await rw.withLock(() => write())
 */
import { makeShareable, registerHandleType } from '../native/handles.js';
import { holding, releaser, tryAcquire, type Release } from './mutex.js';
import { waitAsync, waitBlocking, type BlockingOptions, type WaitOptions } from './primitive.js';
import { adoptSemaphore, newNative, takeAdopted, withAdopted, type NativeSemaphore } from './semaphore.js';

/** A writer takes every unit of the semaphore, a reader one (crates/weft-core sync::RW_SIZE). */
const ALL = 2 ** 30;

/** A readers-writer lock; see the module doc. */
export class RwLock {
  /** @internal */
  readonly native: NativeSemaphore;

  constructor() {
    this.native = takeAdopted() ?? newNative(ALL, 'RwLock size', 'new RwLock');
    makeShareable(this, 'rwlock', () => this.native.pin(), ['native']);
  }

  /** Waits for shared (read) access; resolves with its release function. */
  async rlock(options?: WaitOptions): Promise<Release> {
    await waitAsync((token, meta) => this.native.acquire(token, 1, meta), options, 'RwLock.rlock');
    return releaser(this.native, 1, 'RwLock read lock');
  }

  /** Waits for exclusive (write) access; resolves with its release function. */
  async lock(options?: WaitOptions): Promise<Release> {
    await waitAsync((token, meta) => this.native.acquire(token, ALL, meta), options, 'RwLock.lock');
    return releaser(this.native, ALL, 'RwLock write lock');
  }

  /** Read access if available now, else undefined. */
  tryRLock(): Release | undefined {
    return tryAcquire(this.native, 1, 'RwLock.tryRLock') ? releaser(this.native, 1, 'RwLock read lock') : undefined;
  }

  /** Write access if available now, else undefined. */
  tryLock(): Release | undefined {
    return tryAcquire(this.native, ALL, 'RwLock.tryLock') ? releaser(this.native, ALL, 'RwLock write lock') : undefined;
  }

  /** Blocking `rlock` for worker threads. */
  rlockSync(options?: BlockingOptions): Release {
    waitBlocking((meta, sliceMs) => this.native.acquireBlocking(1, meta, sliceMs), options, 'RwLock.rlockSync', 'await rwlock.rlock()');
    return releaser(this.native, 1, 'RwLock read lock');
  }

  /** Blocking `lock` for worker threads. */
  lockSync(options?: BlockingOptions): Release {
    waitBlocking((meta, sliceMs) => this.native.acquireBlocking(ALL, meta, sliceMs), options, 'RwLock.lockSync', 'await rwlock.lock()');
    return releaser(this.native, ALL, 'RwLock write lock');
  }

  /** Runs `fn` with read access. */
  withRLock<R>(fn: () => R | Promise<R>, options?: WaitOptions): Promise<R> {
    return holding(this.rlock(options), fn);
  }

  /** Runs `fn` with write access. */
  withLock<R>(fn: () => R | Promise<R>, options?: WaitOptions): Promise<R> {
    return holding(this.lock(options), fn);
  }
}

registerHandleType('rwlock', (id) => withAdopted(adoptSemaphore(Number(id)), () => new RwLock()));
