/**
 * Go's `sync.Once` across threads: the first caller of `do` runs the function (on its own
 * thread); callers meanwhile, on any thread, wait until it has finished; later callers
 * return at once. As in Go, a function that throws still counts as done (its caller gets
 * the error).
 *
 * @example
 * const init = new Once()                  // shared by every worker
 * await init.do(() => loadModel())         // exactly one thread loads it
 */
import { WeftError } from '../errors.js';
import { makeShareable, registerHandleType } from '../handles.js';
import { loadNative } from '../native.js';
import { ONCE_RUN } from './outcome.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';

type NativeOnce = InstanceType<ReturnType<typeof loadNative>['OnceHandle']>;

let adopted: NativeOnce | undefined;

/** A once; see the module doc. */
export class Once {
  readonly #native: NativeOnce;

  constructor() {
    this.#native = adopted ?? new (loadNative().OnceHandle)();
    adopted = undefined;
    makeShareable(this, 'once', () => this.#native.pin());
  }

  /** Whether the function has run. */
  get done(): boolean {
    return this.#native.done;
  }

  /**
   * Runs `fn` if no call has yet, else waits until the running one finishes (CANCELED /
   * TIMEOUT per `options` stop only the waiting, not the run).
   */
  async do(fn: () => unknown, options?: WaitOptions): Promise<void> {
    checkFunction(fn, 'Once.do');
    const outcome = await waitAsync((token, meta) => this.#native.begin(token, meta), options, 'Once.do');
    if (outcome.status !== ONCE_RUN) return;
    try {
      await fn();
    } finally {
      wakeCall(() => this.#native.finish(), 'Once.do');
    }
  }

  /** Blocking `do` for worker threads; `fn` must be synchronous here. */
  doSync(fn: () => unknown, options?: BlockingOptions): void {
    checkFunction(fn, 'Once.doSync');
    const outcome = waitBlocking((meta, sliceMs) => this.#native.beginBlocking(meta, sliceMs), options, 'Once.doSync', 'await once.do()');
    if (outcome.status !== ONCE_RUN) return;
    try {
      fn();
    } finally {
      wakeCall(() => this.#native.finish(), 'Once.doSync');
    }
  }

  /** @internal */
  static adopt(id: number): Once {
    adopted = loadNative().OnceHandle.adopt(id);
    return new Once();
  }
}

function checkFunction(fn: unknown, what: string): void {
  if (typeof fn !== 'function') {
    throw new WeftError('INVALID_ARGUMENT', `${what} needs a function, got ${fn === null ? 'null' : typeof fn}`);
  }
}

registerHandleType('once', (id) => Once.adopt(Number(id)));
