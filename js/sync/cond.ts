/**
 * Go's `sync.Cond` shared across threads: wait for a condition while giving up a Mutex,
 * and get the Mutex back before `wait` returns (also when it is cancelled or times out).
 *
 * @example
 * const mu = new Mutex(), ready = new Cond(mu)
 * const unlock = await mu.lock()
 * while (!queue.length) await ready.wait()   // releases mu while waiting, holds it again after
 * take(queue); unlock()
 * // elsewhere, holding mu: queue.push(x); ready.signal()
 */
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { Mutex } from './mutex.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';
import { adoptSemaphore, withAdopted } from './semaphore.js';

type NativeCond = InstanceType<ReturnType<typeof loadNative>['CondHandle']>;

let adopted: NativeCond | undefined;

/** A condition variable bound to a Mutex; see the module doc. */
export class Cond {
  readonly #native: NativeCond;
  /** The mutex `wait` gives up and takes back. */
  readonly mutex: Mutex;

  constructor(mutex: Mutex) {
    if (!(mutex instanceof Mutex)) {
      throw new TypeError('Cond needs the Mutex it waits with: new Cond(mutex)');
    }
    this.mutex = mutex;
    const handle = adopted;
    adopted = undefined;
    this.#native = handle ?? nativeCall(() => new (loadNative().CondHandle)(), 'new Cond');
    // Both ids travel together: the receiving thread gets the cond with its mutex.
    makeShareable(this, 'cond', () => `${this.#native.pin()}-${mutex.native.pin()}`, ['mutex']);
  }

  /**
   * Releases the mutex (which the caller must hold), waits for `signal`/`broadcast`, then
   * takes the mutex again. Cancelled or timed out, it still takes the mutex back before
   * rejecting (CANCELED / TIMEOUT), so the caller's unlock stays correct.
   */
  async wait(options?: WaitOptions): Promise<void> {
    let failure: unknown;
    // Whether the native wait began (queued this thread and released the mutex): a wait
    // refused before (mutex not held, a native failure, an already aborted signal) left
    // the caller holding the mutex, so there is nothing to take back.
    let began = false;
    try {
      await waitAsync(
        (token, meta) => {
          const returned = this.#native.wait(token, this.mutex.native, meta);
          began = true;
          return returned;
        },
        options,
        'Cond.wait',
      );
    } catch (err) {
      if (!began) throw err;
      failure = err;
    }
    await waitAsync((token, meta) => this.mutex.native.acquire(token, 1, meta), undefined, 'Cond.wait (relock)');
    if (failure !== undefined) throw failure;
  }

  /** Blocking `wait` for worker threads. */
  waitSync(options?: BlockingOptions): void {
    let failure: unknown;
    let began = false; // as in `wait`
    try {
      waitBlocking(
        (meta, sliceMs) => {
          const returned = this.#native.waitBlocking(this.mutex.native, meta, sliceMs);
          began = true;
          return returned;
        },
        options,
        'Cond.waitSync',
        'await cond.wait()',
      );
    } catch (err) {
      if (!began) throw err;
      failure = err;
    }
    waitBlocking((meta, sliceMs) => this.mutex.native.acquireBlocking(1, meta, sliceMs), undefined, 'Cond.waitSync (relock)', 'await cond.wait()');
    if (failure !== undefined) throw failure;
  }

  /** Wakes one waiter; returns how many woke (0 or 1). */
  signal(): number {
    return wakeCall(() => this.#native.signal(), 'Cond.signal');
  }

  /** Wakes every waiter; returns how many woke. */
  broadcast(): number {
    return wakeCall(() => this.#native.broadcast(), 'Cond.broadcast');
  }

  /** @internal */
  static adopt(ids: string): Cond {
    const [condId, mutexId] = ids.split('-').map(Number);
    // The mutex first: a failure there must not leave the cond's handle for the next `new Cond`.
    const mutex = withAdopted(adoptSemaphore(mutexId!), () => new Mutex());
    adopted = loadNative().CondHandle.adopt(condId!);
    return new Cond(mutex);
  }
}

registerHandleType('cond', (ids) => Cond.adopt(ids));
