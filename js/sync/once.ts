/**
 * Go's `sync.Once` across threads: the first caller of `do` runs the function (on its own
 * thread); callers meanwhile, on any thread, wait until it has finished; later callers
 * return at once. As in Go, a function that throws still counts as done (its caller gets
 * the error). A function whose thread ends before it returns (a worker terminated mid-run)
 * never finished: the waiting callers wake and one of them runs it again.
 *
 * @example
 * const init = new Once()                  // shared by every worker
 * await init.do(() => loadModel())         // exactly one thread loads it
 */
import { WeftError } from '../errors.js';
import { describeValue } from '../describe.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { ONCE_RETRY, ONCE_RUN } from '../wait/outcome.js';
import { waitAsync, waitBlocking, wakeCall, type BlockingOptions, type WaitOptions } from './primitive.js';

type NativeOnce = InstanceType<ReturnType<typeof loadNative>['OnceHandle']>;

let adopted: NativeOnce | undefined;

/** A once; see the module doc. */
export class Once {
  readonly #native: NativeOnce;

  constructor() {
    const handle = adopted;
    adopted = undefined;
    this.#native = handle ?? nativeCall(() => new (loadNative().OnceHandle)(), 'new Once');
    makeShareable(this, 'once', () => this.#native.pin());
  }

  /** Whether the function has run. */
  get done(): boolean {
    return nativeCall(() => this.#native.done, 'Once.done');
  }

  /**
   * Runs `fn` if no call has yet, else waits until the running one finishes (CANCELED /
   * TIMEOUT per `options` stop only the waiting, not the run).
   */
  async do(fn: () => unknown, options?: WaitOptions): Promise<void> {
    checkFunction(fn, 'Once.do');
    let outcome = await waitAsync((token, meta) => this.#native.begin(token, meta), options, 'Once.do');
    // The runner's thread ended mid-run: the function never finished, so try again.
    while (outcome.status !== ONCE_RUN && outcome.case === ONCE_RETRY) {
      outcome = await waitAsync((token, meta) => this.#native.begin(token, meta), options, 'Once.do');
    }
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
    const begin = () => waitBlocking((meta, sliceMs) => this.#native.beginBlocking(meta, sliceMs), options, 'Once.doSync', 'await once.do()');
    let outcome = begin();
    while (outcome.status !== ONCE_RUN && outcome.case === ONCE_RETRY) outcome = begin();
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
    throw new WeftError('INVALID_ARGUMENT', `${what} needs a function, got ${describeValue(fn)}`, { details: { param: 'fn', value: fn } });
  }
}

registerHandleType('once', (id) => Once.adopt(Number(id)));
