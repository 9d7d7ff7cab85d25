/**
 * The async side of every weft wait on this thread (channels, select, the sync
 * primitives): one native Notifier per thread, whose mailbox counterparts on any thread
 * post outcomes to; one coalesced wakeup drains them all and settles the waiting promises
 * by token. Cancellation (AbortSignal, timeout) withdraws a wait natively, so a value is
 * either delivered or left where it was, never both and never neither.
 *
 * Which waits hold the event loop open (see {@link WaitHold}): on the main thread a pending
 * wait does not by itself, as an unsettled promise does not: whatever can complete it holds
 * the loop on its own (a Worker that will send, the timer of a `timeout`, I/O). In a
 * worker thread it does: the threads that complete it (its parent, its siblings) do not
 * hold the worker's loop, and the worker's own lifetime is its parent's to end.
 * @internal
 */
import { isMainThread } from 'node:worker_threads';

import { WeftError, abortError, fromNative } from '../errors.js';
import { describeValue } from '../describe.js';
import { loadNative } from '../native/loader.js';
import { DrainFailures } from './drain-failures.js';
import { RESULT_FIELDS, WAITING, outcomeAt, type Outcome } from './outcome.js';
import { Wire } from '../native/wire.js';

const NOTICE_FIELDS = Wire.NOTICE_FIELDS;


/** How long a wait may last and what may cancel it. */
export interface WaitOptions {
  /** Aborting it cancels the wait with CANCELED (the reason as `cause`). */
  signal?: AbortSignal;
  /** Milliseconds before the wait gives up with TIMEOUT. Default: no limit. */
  timeout?: number;
}

/**
 * Whether a pending wait holds its thread's event loop open: `peer` (the default: waits
 * that another thread completes) only in worker threads, `always` for a wait that a native
 * timer completes (a context's deadline), `never` for a wait that must not hold anything
 * (a context's signal, as AbortSignal.timeout does not).
 */
export type WaitHold = 'peer' | 'always' | 'never';

/** Whether a `peer` wait holds the loop on this thread. */
const PEERS_HOLD = !isMainThread;

interface Wait {
  resolve: (outcome: Outcome) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Counts toward keeping the thread alive. */
  strong: boolean;
}

const DRAIN_BATCH = 1024;

/** Checks wait options, naming the bad one. */
export function checkWaitOptions(options: WaitOptions | undefined, what: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new WeftError('INVALID_ARGUMENT', `${what} options must be an object, got ${describeValue(options)}`, { details: { param: 'options', value: options } });
  }
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new WeftError('INVALID_ARGUMENT', `${what} option signal must be an AbortSignal, got ${describeValue(signal)}`, { details: { option: 'signal', value: signal } });
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    throw new WeftError('INVALID_ARGUMENT', `${what} option timeout must be a non-negative number of ms, got ${describeValue(timeout)}`, {
      details: { option: 'timeout', value: timeout },
    });
  }
}

/** This thread's notifier. */
class ThreadNotifier {
  /** Result buffer for the call that starts a wait (read right after the call). */
  readonly meta = new Float64Array(RESULT_FIELDS);
  readonly #waits = new Map<number, Wait>();
  /** Pending waits that keep the thread alive. */
  #strong = 0;
  #nextToken = 1;
  #pollScheduled = false;
  readonly #drainFailures = new DrainFailures('weft notifier drain');
  #drainScheduled = false;
  readonly #drainMeta = new Float64Array(DRAIN_BATCH * NOTICE_FIELDS);
  readonly #drainValues: unknown[] = [];
  readonly #poll = () => {
    this.#pollScheduled = false;
    this.drain(0);
  };
  readonly #drainSoon = () => {
    this.#drainScheduled = false;
    this.drain(0);
  };

  /**
   * Ref'd while waits that hold the loop are pending (see {@link WaitHold}): a worker
   * whose only work is to wait for a channel or a lock must stay alive, as a blocked
   * goroutine does.
   */
  readonly #keepAlive: NodeJS.Timeout;

  constructor() {
    loadNative().notifierInit(() => this.drain(0));
    this.#keepAlive = setInterval(() => {}, 2 ** 30);
    this.#keepAlive.unref();
  }

  /**
   * Starts a wait: `start(token, meta)` makes the native call, which either
   * settles now (its outcome is in `meta`) or registers a wait under `token`. `what`
   * names the operation in errors. `hold` says whether it holds the event loop open.
   */
  wait(
    start: (token: number, meta: Float64Array) => unknown,
    options: WaitOptions | undefined,
    what: string,
    spinUs = 0,
    hold: WaitHold = 'peer',
  ): Promise<Outcome> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(canceled(what, signal.reason));
    const token = this.#nextToken++;
    const meta = this.meta;
    const returned = start(token, meta);
    const status = meta[0]!;
    if (status !== WAITING) return Promise.resolve(outcomeAt(meta, 1, status, returned));
    const promise = new Promise<Outcome>((resolve, reject) => {
      const strong = hold === 'always' || (hold === 'peer' && PEERS_HOLD);
      const wait: Wait = { resolve, reject, timer: undefined, signal, onAbort: undefined, strong };
      if (strong && this.#strong++ === 0) this.#keepAlive.ref();
      this.#waits.set(token, wait);
      const timeout = options?.timeout;
      if (timeout !== undefined && timeout !== Infinity) {
        wait.timer = setTimeout(() => this.#withdraw(token, new WeftError('TIMEOUT', `${what} timed out after ${timeout} ms`, { details: { timeout } })), timeout);
      }
      if (signal !== undefined) {
        wait.onAbort = () => this.#withdraw(token, canceled(what, signal.reason));
        signal.addEventListener('abort', wait.onAbort, { once: true });
      }
    });
    // The counterpart is running on another thread: its answer usually comes within
    // microseconds, far sooner than a cross-thread wakeup would deliver it.
    if (spinUs > 0) this.drain(spinUs);
    return promise;
  }

  /** Whether wait `token` is still pending. */
  isPending(token: number): boolean {
    return this.#waits.has(token);
  }

  /** The token the next wait will get. */
  get nextToken(): number {
    return this.#nextToken;
  }

  /** Waits in progress on this thread. */
  get pending(): number {
    return this.#waits.size;
  }

  /**
   * An operation on this thread may have settled one of its own waits (a send to a
   * channel this thread waits to receive from): drain in a microtask instead of waiting
   * for the cross-thread wakeup.
   */
  poke(): void {
    if (this.#waits.size > 0 && !this.#drainScheduled) {
      this.#drainScheduled = true;
      queueMicrotask(this.#drainSoon);
    }
  }

  /** Settles every wait whose outcome has arrived, after spinning up to `spinUs` for one. */
  drain(spinUs = 0): void {
    const meta = this.#drainMeta;
    const values = this.#drainValues;
    let n: number;
    try {
      n = loadNative().notifierDrainInto(meta, values, spinUs);
    } catch (err) {
      // Nothing was taken: try again shortly (this runs from the wakeup, where a throw
      // would end the process, and no other wakeup is armed until a drain succeeds).
      this.#retryDrain(err);
      return;
    }
    this.#drainFailures.reset();
    for (let i = 0; i < n; i++) {
      const at = i * NOTICE_FIELDS;
      const token = meta[at]!;
      const wait = this.#waits.get(token);
      const returned = values[i];
      values[i] = undefined;
      if (wait === undefined) continue; // cannot happen: a withdrawn wait gets no notice
      this.#forget(token, wait);
      // One value that cannot be made here fails its own wait, not the rest of the batch.
      let outcome: Outcome;
      try {
        outcome = outcomeAt(meta, at + 1, 0, returned);
      } catch (err) {
        wait.reject(err);
        continue;
      }
      wait.resolve(outcome);
    }
    // While notices keep coming, poll once per event-loop turn (no wakeup is armed).
    if (n > 0 && !this.#pollScheduled) {
      this.#pollScheduled = true;
      setImmediate(this.#poll);
    }
  }

  /** A drain call failed: retry after a backoff. */
  #retryDrain(err: unknown): void {
    const delay = this.#drainFailures.record(err);
    if (!this.#pollScheduled) {
      this.#pollScheduled = true;
      setTimeout(this.#poll, delay);
    }
  }

  #withdraw(token: number, err: unknown): void {
    const wait = this.#waits.get(token);
    if (wait === undefined) return;
    let cancelled: boolean;
    try {
      cancelled = loadNative().notifierCancel(token);
    } catch (failure) {
      // Runs from a timer or an abort listener, where a throw would end the process: the
      // wait ends with the failure instead (an outcome arriving later finds no wait).
      this.#forget(token, wait);
      wait.reject(fromNative(failure, 'cancelling a wait'));
      return;
    }
    if (cancelled) {
      this.#forget(token, wait);
      wait.reject(err);
    } else {
      // It happened just before the cancel: the outcome is in the mailbox; take it.
      this.drain(0);
    }
  }

  #forget(token: number, wait: Wait): void {
    this.#waits.delete(token);
    if (wait.strong && --this.#strong === 0) this.#keepAlive.unref();
    if (wait.timer !== undefined) clearTimeout(wait.timer);
    if (wait.onAbort !== undefined) wait.signal!.removeEventListener('abort', wait.onAbort);
  }
}

function canceled(what: string, reason: unknown): WeftError {
  return abortError(`${what} was cancelled`, reason);
}

let current: ThreadNotifier | undefined;

/** Drains soon if this thread has waits that a local operation may have settled. */
export function pokeNotifier(): void {
  current?.poke();
}

/** This thread's notifier (module state is per thread: each worker has its own). */
export function notifier(): ThreadNotifier {
  return (current ??= new ThreadNotifier());
}
