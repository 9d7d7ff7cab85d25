/**
 * Go's `sync.WaitGroup` shared across threads: `add` before starting work, `done` when
 * each piece finishes (on any thread), `wait` until the counter is zero.
 *
 * @example
 * const wg = new WaitGroup()
 * for (const part of parts) { wg.add(); pool.run('process', { part, wg }) } // workers call wg.done()
 * await wg.wait({ timeout: 10_000 })
 */
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';

type NativeWaitGroup = InstanceType<ReturnType<typeof loadNative>['WaitGroupHandle']>;

let adopted: NativeWaitGroup | undefined;

/** A wait group; see the module doc. */
export class WaitGroup {
  readonly #native: NativeWaitGroup;

  constructor() {
    const handle = adopted;
    adopted = undefined;
    this.#native = handle ?? nativeCall(() => new (loadNative().WaitGroupHandle)(), 'new WaitGroup');
    makeShareable(this, 'waitgroup', () => this.#native.pin());
  }

  /** The counter now. */
  get count(): number {
    return nativeCall(() => this.#native.count, 'WaitGroup.count');
  }

  /**
   * Adds `delta` (default 1; may be negative) and returns the counter; at zero every
   * waiter wakes. A counter that would go negative throws INVALID_ARGUMENT and is left as
   * it was.
   */
  add(delta = 1): number {
    return wakeCall(() => this.#native.add(delta), 'WaitGroup.add');
  }

  /** `add(-1)`: one piece of work finished. */
  done(): number {
    return this.add(-1);
  }

  /** Resolves once the counter is zero (at once if it is). CANCELED / TIMEOUT per `options`. */
  async wait(options?: WaitOptions): Promise<void> {
    await waitAsync((token, meta) => this.#native.wait(token, meta), options, 'WaitGroup.wait');
  }

  /** Blocking `wait` for worker threads. */
  waitSync(options?: BlockingOptions): void {
    waitBlocking((meta, sliceMs) => this.#native.waitBlocking(meta, sliceMs), options, 'WaitGroup.waitSync', 'await waitGroup.wait()');
  }

  /** @internal */
  static adopt(id: number): WaitGroup {
    adopted = loadNative().WaitGroupHandle.adopt(id);
    return new WaitGroup();
  }
}

registerHandleType('waitgroup', (id) => WaitGroup.adopt(Number(id)));
