/**
 * Go channels for Node, shared across worker threads: bounded (`new Channel(n)`),
 * unbuffered rendezvous (`new Channel(0)`: a send completes only when a receiver takes
 * the value) and unbounded (`new Channel(Infinity)`), with close, async iteration and
 * `select` (./select.ts). The buffer and the waiting parties live natively, so a channel
 * handed to a worker (task argument, workerData, another channel) is the same channel.
 *
 * @example
 * const jobs = new Channel<number>(64)
 * pool.run('consume', jobs)                       // a worker receives from the same channel
 * for (let i = 0; i < 1000; i++) await jobs.send(i) // waits while the buffer is full
 * jobs.close()
 * // in the worker: for await (const job of jobs) { ... }  or  jobs.recvSync()
 */
import { KIND_NUMBER, KIND_UNDEFINED, abandon, encode, encodedKind, needsBeside, slotNumber } from '../native/codec.js';
import { WeftError, abortError, fromNative } from '../errors.js';
import { describeValue } from '../describe.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { argSlot, slotCalls } from '../native/slot.js';
import { blockingWait, refuseOnMainThread, type BlockingOptions } from '../wait/blocking.js';
import { checkWaitOptions, notifier, pokeNotifier, type WaitOptions } from '../wait/notifier.js';
import { CHANNEL_DRAINED, CLOSED, READY, REFUSED, WOULD_BLOCK, outcomeAt, valueFrom, type Outcome } from '../wait/outcome.js';
import { Wire } from '../native/wire.js';

const BULK_FIELDS = Wire.BULK_FIELDS;
const CASE_FIELDS = Wire.CASE_FIELDS;

type NativeChannel = InstanceType<ReturnType<typeof loadNative>['ChannelHandle']>;

/**
 * What `recv` resolves with: `{ value, ok: true }` for a value, `{ value: undefined, ok: false }`
 * once the channel is closed and drained (`if (r.ok) r.value` is a `T`).
 */
export type RecvResult<T> = { value: T; ok: true } | { value: undefined; ok: false };

/** A select case receiving a `T` (made by `channel.recvCase()`). */
export interface RecvCase<T = unknown> {
  /** @internal */
  readonly channel: Channel<unknown>;
  /** @internal */
  readonly op: 'recv';
  /** @internal */
  readonly value: undefined;
  /** @internal Carries the element type only; never set. */
  readonly element?: T;
}

/** A select case sending a `T` (made by `channel.sendCase(value)`). */
export interface SendCase<T = unknown> {
  /** @internal */
  readonly channel: Channel<unknown>;
  /** @internal */
  readonly op: 'send';
  /** @internal */
  readonly value: T;
}

/** One channel case of a `select` (made by `sendCase` / `recvCase`). */
export type SelectCase = RecvCase<unknown> | SendCase<unknown>;

/** Longest poll before waiting (see `Channel.#spinUs`). */
const SPIN_US = 20;
/** Waits without polling after a poll that found nothing. */
const SKIPS_AFTER_MISS = 16;
const tryMeta = new Float64Array(3);
let bulkMeta = new Float64Array(1024 * BULK_FIELDS);
const bulkValues: unknown[] = [];
const RESOLVED = Promise.resolve();
const CLOSED_RESULT: RecvResult<never> = Object.freeze({ value: undefined, ok: false as const });

/**
 * Sends a number without waiting (spinning up to `spinUs` while full), through this
 * thread's argument slot when there is one: a call with no arguments to convert.
 */
function sendNumber(id: number, n: number, spinUs: number): number {
  const slot = argSlot();
  if (slot === undefined) return spinUs > 0 ? native().chanSendNumberSpin(id, n, spinUs) : native().chanTrySendNumber(id, n);
  slot[0] = id;
  slot[1] = n;
  slot[2] = spinUs;
  return slotCalls().chanSendNumberSlot();
}

/**
 * Receives without waiting (spinning up to `spinUs` while empty): `tryMeta` gets
 * [status, kind, number]; returns values of other kinds. Through the slot when there is one.
 */
function recvNow(id: number, spinUs: number): unknown {
  const slot = argSlot();
  if (slot === undefined) return native().chanTryRecv(id, tryMeta, spinUs);
  slot[0] = id;
  slot[1] = spinUs;
  const returned = slotCalls().chanRecvSlot();
  tryMeta[0] = slot[0]!;
  tryMeta[1] = slot[1]!;
  tryMeta[2] = slot[2]!;
  return returned;
}

/** A channel; see the module doc. */
export class Channel<T = unknown> implements AsyncIterable<T> {
  readonly #native: NativeChannel;
  /**
   * How long an async send or receive on this thread polls before it registers a wait:
   * when the other side is running on another thread, the answer comes within
   * microseconds and a cross-thread wakeup costs tens. A poll that finds nothing turns
   * polling off for the next few waits (the other side is idle, or on this thread).
   */
  #spinUs = SPIN_US;
  #skipSpins = 0;
  /** Whether values can wait in a buffer (polling a try-receive is useless without one). */
  readonly #buffered: boolean;
  /** The id the per-value native calls take (a class method call costs far more). */
  readonly #id: number;

  /**
   * A channel buffering `capacity` values (default 0, unbuffered; `Infinity` for
   * unbounded). Throws INVALID_ARGUMENT for anything but a non-negative integer or Infinity.
   * Up to 65,536 the buffer is a lock-free ring allocated whole (40 bytes a value), which
   * streams one value per call fastest; larger capacities grow as values arrive.
   */
  constructor(capacity = 0) {
    if (typeof capacity !== 'number' || !(capacity === Infinity || (Number.isInteger(capacity) && capacity >= 0 && capacity < 2 ** 32))) {
      throw new WeftError('INVALID_ARGUMENT', `Channel capacity must be a non-negative integer or Infinity, got ${describeValue(capacity)}`, {
        details: { option: 'capacity', value: capacity },
      });
    }
    const handle = adopting;
    adopting = undefined;
    try {
      this.#native = handle ?? new (loadNative().ChannelHandle)(capacity);
      this.#buffered = this.#native.cap > 0;
      this.#id = this.#native.id;
    } catch (err) {
      throw fromNative(err, 'new Channel');
    }
    makeShareable(this, 'channel', () => this.#native.pin());
  }

  /** @internal This thread's handle on channel `id` (taking over a pinned handle). */
  static adopt(id: number): Channel {
    adopting = loadNative().ChannelHandle.adopt(id); // a native failure is mapped by handles.ts's revive
    return new Channel(0);
  }

  /** @internal */
  get nativeId(): number {
    return this.#id;
  }

  /** Buffer capacity (`Infinity` for unbounded, 0 for unbuffered). */
  get cap(): number {
    return nativeCall(() => this.#native.cap, 'Channel.cap');
  }

  /** Values buffered now. */
  get len(): number {
    try {
      return this.#native.len;
    } catch (err) {
      throw fromNative(err, 'Channel.len');
    }
  }

  /** @internal Senders and receivers registered natively and still waiting (leak checks). */
  get waitingCount(): number {
    return nativeCall(() => this.#native.waiting, 'Channel.waitingCount');
  }

  /** Whether `close()` was called (values may still be buffered). */
  get closed(): boolean {
    try {
      return this.#native.closed;
    } catch (err) {
      throw fromNative(err, 'Channel.closed');
    }
  }

  /**
   * Sends `value`: resolves once it is buffered or, unbuffered, taken by a receiver;
   * waits while the buffer is full. Rejects with CHANNEL_CLOSED if the channel is or gets
   * closed (the unsent value is in `error.details.value`), CANCELED or TIMEOUT per
   * `options`, UNSERIALIZABLE if the value cannot cross threads.
   */
  send(value: T, options?: WaitOptions): Promise<void> {
    let status: number;
    let payload: unknown;
    let kind = KIND_UNDEFINED; // nothing encoded yet
    try {
      if (options !== undefined) {
        checkWaitOptions(options, 'Channel.send');
        // An aborted signal means "do not": not even when it could happen at once.
        if (options.signal?.aborted) throw canceled('Channel.send', options.signal.reason);
      }
      payload = encode(value);
      kind = encodedKind;
      status = kind === KIND_NUMBER ? sendNumber(this.#id, payload as number, 0) : native().chanTrySend(this.#id, kind, payload, 0);
      if (status === WOULD_BLOCK) {
        const spin = this.#nextSpin();
        if (spin > 0) {
          status = kind === KIND_NUMBER ? sendNumber(this.#id, payload as number, spin) : native().chanTrySend(this.#id, kind, payload, spin);
          this.#spun(status !== WOULD_BLOCK);
        }
      }
    } catch (err) {
      abandon(kind, payload); // not sent
      return Promise.reject(fromNative(err, 'Channel.send'));
    }
    if (status === READY) {
      pokeNotifier();
      return RESOLVED;
    }
    if (status === CLOSED) {
      abandon(kind, payload);
      return Promise.reject(closedError('send on a closed channel', value));
    }
    return this.#waitSelect('send', kind, payload, options, 'Channel.send').then(
      (outcome) => {
        if (outcome.delivery === REFUSED) {
          abandon(kind, payload);
          throw closedError('send on a closed channel', value);
        }
      },
      (err: unknown) => {
        abandon(kind, payload); // cancelled or timed out: the wait was withdrawn, nothing sent
        throw err;
      },
    );
  }

  /**
   * Receives a value: resolves `{ value, ok: true }`, or `{ value: undefined, ok: false }`
   * once the channel is closed and drained. Waits while it is empty. Rejects with CANCELED
   * or TIMEOUT per `options` (a value is then left in the channel, never lost).
   */
  recv(options?: WaitOptions): Promise<RecvResult<T>> {
    let returned: unknown;
    try {
      if (options !== undefined) {
        checkWaitOptions(options, 'Channel.recv');
        if (options.signal?.aborted) throw canceled('Channel.recv', options.signal.reason);
      }
      returned = recvNow(this.#id, 0);
      if (tryMeta[0] === WOULD_BLOCK && this.#buffered) {
        const spin = this.#nextSpin();
        if (spin > 0) {
          returned = recvNow(this.#id, spin);
          this.#spun(tryMeta[0] !== WOULD_BLOCK);
        }
      }
    } catch (err) {
      return Promise.reject(fromNative(err, 'Channel.recv'));
    }
    const status = tryMeta[0]!;
    if (status === READY) {
      pokeNotifier();
      return Promise.resolve({ value: valueFrom(tryMeta[1]!, tryMeta[2]!, returned) as T, ok: true });
    }
    if (status === CLOSED) return Promise.resolve(CLOSED_RESULT);
    if (!this.#buffered) {
      // Unbuffered: a sender hands over only to a registered receiver. While the other side
      // is active, wait for it right here for a few microseconds (one native call) before
      // registering an asynchronous wait.
      // (Where the runtime gives no argument slot, it registers at once.)
      const slot = argSlot();
      const spin = slot === undefined ? 0 : this.#nextSpin();
      if (spin > 0) {
        try {
          slot![0] = this.#id;
          slot![1] = spin;
          returned = native().chanRecvBriefSlot();
        } catch (err) {
          return Promise.reject(fromNative(err, 'Channel.recv'));
        }
        const brief = slot![0]!;
        this.#spun(brief !== WOULD_BLOCK);
        if (brief === READY) {
          const got = recvResult<T>(outcomeAt(slot!, 1, READY, returned));
          pokeNotifier();
          return Promise.resolve(got);
        }
      }
    }
    return this.#waitSelect('recv', 0, undefined, options, 'Channel.recv').then(recvResult<T>);
  }

  /**
   * Sends without waiting: true if sent, false if the buffer is full (or, unbuffered, no
   * receiver is waiting). Throws CHANNEL_CLOSED if closed.
   */
  trySend(value: T): boolean {
    const payload = encode(value);
    const kind = encodedKind;
    let status: number;
    try {
      status = kind === KIND_NUMBER ? sendNumber(this.#id, payload as number, 0) : native().chanTrySend(this.#id, kind, payload, 0);
    } catch (err) {
      abandon(kind, payload); // not sent
      throw fromNative(err, 'Channel.trySend');
    }
    if (status !== READY) abandon(kind, payload);
    if (status === CLOSED) throw closedError('send on a closed channel', value);
    if (status === READY) pokeNotifier();
    return status === READY;
  }

  /**
   * Receives without waiting: `{ value, ok: true }`, `{ value: undefined, ok: false }` when
   * closed and drained, or `undefined` when nothing is there now.
   */
  tryRecv(): RecvResult<T> | undefined {
    let returned: unknown;
    try {
      returned = recvNow(this.#id, 0);
    } catch (err) {
      throw fromNative(err, 'Channel.tryRecv');
    }
    const status = tryMeta[0]!;
    if (status === WOULD_BLOCK) return undefined;
    if (status === CLOSED) return CLOSED_RESULT;
    pokeNotifier();
    return { value: valueFrom(tryMeta[1]!, tryMeta[2]!, returned) as T, ok: true };
  }

  /**
   * Sends every value in order, as many per native call as fit, waiting for room as
   * needed. A Float64Array moves without per-value conversion (one over a SharedArrayBuffer
   * as a copy taken at the call). Rejects like `send`; on
   * CHANNEL_CLOSED, `error.details.sent` says how many went before.
   */
  async sendMany(values: ArrayLike<T> | Float64Array, options?: WaitOptions): Promise<void> {
    checkWaitOptions(options, 'Channel.sendMany');
    // Native code reads a Float64Array in place, so one over shared memory (which another
    // thread may write meanwhile) is sent as a snapshot taken now.
    if (values instanceof Float64Array && values.buffer instanceof SharedArrayBuffer) values = values.slice();
    const count = values.length;
    let sent = 0;
    let meta: Float64Array | undefined;
    let boxed: unknown[] | undefined;
    if (!(values instanceof Float64Array)) {
      // Encode once: numbers and booleans as numbers, the rest by index.
      meta = new Float64Array(count * BULK_FIELDS);
      boxed = new Array(count);
      for (let i = 0; i < count; i++) {
        const payload = encode(values[i]);
        meta[i * BULK_FIELDS] = encodedKind;
        meta[i * BULK_FIELDS + 1] = slotNumber(encodedKind, payload);
        if (needsBeside(encodedKind)) boxed[i] = payload;
      }
    }
    // Values encoded here but never sent from here give back what they pinned.
    const abandonAt = (i: number): void => {
      if (meta !== undefined) abandon(meta[i * BULK_FIELDS]!, boxed![i]);
    };
    const abandonFrom = (from: number): void => {
      for (let i = from; i < count; i++) abandonAt(i);
    };
    while (sent < count) {
      try {
        sent += meta === undefined ? native().chanSendNumbers(this.#id, values as Float64Array, sent, count) : native().chanSendMany(this.#id, meta, boxed!, sent, count);
      } catch (err) {
        abandonFrom(sent);
        throw withSent(fromNative(err, 'Channel.sendMany'), sent);
      }
      pokeNotifier();
      if (sent < count) {
        // Full: wait for room with the next value (send encodes it afresh), then go on in bulk.
        abandonAt(sent);
        try {
          await this.send(values[sent] as T, options);
        } catch (err) {
          abandonFrom(sent + 1);
          throw withSent(err, sent);
        }
        sent++;
      }
    }
  }

  /**
   * Receives up to `max` values: waits for the first (like `recv`), then takes whatever
   * else is there now, in one native call. Resolves `[]` once closed and drained.
   */
  async recvMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkWaitOptions(options, 'Channel.recvMany');
    if (options?.signal?.aborted) throw canceled('Channel.recvMany', options.signal.reason);
    if (!Number.isInteger(max) || max < 1) {
      throw new WeftError('INVALID_ARGUMENT', `recvMany max must be a positive integer, got ${describeValue(max)}`, { details: { option: 'max', value: max } });
    }
    // A shared buffer: each native call's results are read before anything else runs.
    if (bulkMeta.length < max * BULK_FIELDS) bulkMeta = new Float64Array(max * BULK_FIELDS);
    const meta = max * BULK_FIELDS === bulkMeta.length ? bulkMeta : bulkMeta.subarray(0, max * BULK_FIELDS);
    const returned = bulkValues;
    let n: number;
    try {
      n = native().chanRecvMany(this.#id, meta, returned);
    } catch (err) {
      throw fromNative(err, 'Channel.recvMany');
    }
    if (n === -1) return [];
    const out: T[] = [];
    if (n === 0) {
      const first = await this.recv(options);
      if (!first.ok) return [];
      out.push(first.value as T);
      if (max === 1) return out;
      try {
        n = Math.max(0, native().chanRecvMany(this.#id, meta.subarray(0, (max - 1) * BULK_FIELDS), returned));
      } catch (err) {
        // The first value was taken: it rides along with the error.
        throw withReceived(fromNative(err, 'Channel.recvMany'), out);
      }
    }
    let failure: unknown;
    for (let i = 0; i < n; i++) {
      try {
        out.push(valueFrom(meta[i * BULK_FIELDS]!, meta[i * BULK_FIELDS + 1]!, returned[i]) as T);
      } catch (err) {
        failure ??= err;
      }
      returned[i] = undefined;
    }
    pokeNotifier();
    // One value that could not be made here fails the call, and the others ride along.
    if (failure !== undefined) throw withReceived(failure, out);
    return out;
  }

  /**
   * Closes the channel: receivers get what is buffered, then `ok: false`; waiting
   * receivers wake; waiting senders reject with CHANNEL_CLOSED (their values in the
   * error). Closing twice throws CHANNEL_CLOSED.
   */
  close(): void {
    try {
      this.#native.close();
    } catch (err) {
      throw fromNative(err, 'Channel.close');
    }
    pokeNotifier();
  }

  /**
   * Blocking send for worker threads: returns once sent, throws TIMEOUT past
   * `options.timeout`, CHANNEL_CLOSED if closed, WOULD_BLOCK on the main thread.
   */
  sendSync(value: T, options?: BlockingOptions): void {
    // The main thread refuses the blocking form even when it would not have blocked.
    refuseOnMainThread('Channel.sendSync', 'await channel.send()');
    const payload = encode(value);
    const kind = encodedKind;
    // Fast path: room (or a waiting receiver) now; no wait to set up.
    let status: number;
    try {
      status = kind === KIND_NUMBER ? sendNumber(this.#id, payload as number, SPIN_US) : native().chanTrySend(this.#id, kind, payload, SPIN_US);
    } catch (err) {
      abandon(kind, payload); // not sent
      throw fromNative(err, 'Channel.sendSync');
    }
    if (status === READY) return pokeNotifier();
    if (status === CLOSED) {
      abandon(kind, payload);
      throw closedError('send on a closed channel', value);
    }
    let outcome: Outcome;
    try {
      outcome = blockingWait(
        (meta, sliceMs) => native().chanSendBlocking(this.#id, kind, payload, meta, sliceMs),
        options,
        'Channel.sendSync',
        'await channel.send()',
      );
    } catch (err) {
      abandon(kind, payload); // timed out or failed: nothing sent
      throw fromNative(err, 'Channel.sendSync');
    }
    if (outcome.delivery === REFUSED) {
      abandon(kind, payload);
      throw closedError('send on a closed channel', value);
    }
  }

  /** Blocking receive for worker threads (see `sendSync`). */
  recvSync(options?: BlockingOptions): RecvResult<T> {
    refuseOnMainThread('Channel.recvSync', 'await channel.recv()');
    // Fast path: a value (or the close) is there now or very soon; no wait to set up.
    let returned: unknown;
    try {
      returned = recvNow(this.#id, this.#buffered ? SPIN_US : 0);
    } catch (err) {
      throw fromNative(err, 'Channel.recvSync');
    }
    const status = tryMeta[0]!;
    if (status === READY) {
      pokeNotifier();
      return { value: valueFrom(tryMeta[1]!, tryMeta[2]!, returned) as T, ok: true };
    }
    if (status === CLOSED) return CLOSED_RESULT;
    let outcome: Outcome;
    try {
      outcome = blockingWait(
        (meta, sliceMs) => native().chanRecvBlocking(this.#id, meta, sliceMs),
        options,
        'Channel.recvSync',
        'await channel.recv()',
      );
    } catch (err) {
      throw fromNative(err, 'Channel.recvSync');
    }
    return recvResult<T>(outcome);
  }

  /** A select case sending `value` on this channel. */
  sendCase(value: T): SendCase<T> {
    return { channel: this as Channel<unknown>, op: 'send', value };
  }

  /** A select case receiving from this channel. */
  recvCase(): RecvCase<T> {
    return { channel: this as Channel<unknown>, op: 'recv', value: undefined };
  }

  /** Receives until the channel is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const { value, ok } = await this.recv();
      if (!ok) return;
      yield value as T;
    }
  }

  /** Microseconds to poll before the next wait (0: do not poll this time). */
  #nextSpin(): number {
    if (this.#skipSpins > 0) {
      this.#skipSpins--;
      return 0;
    }
    return this.#spinUs;
  }

  #spun(found: boolean): void {
    if (!found) this.#skipSpins = SKIPS_AFTER_MISS;
  }

  /** Starts an async wait; a native failure starting it rejects (nothing was sent or taken). */
  #waitSelect(op: 'send' | 'recv', kind: number, payload: unknown, options: WaitOptions | undefined, what: string, spinUs = 0): Promise<Outcome> {
    const id = this.#id;
    let threadNotifier: ReturnType<typeof notifier>;
    let token: number;
    let promise: Promise<Outcome>;
    try {
      threadNotifier = notifier();
      token = threadNotifier.nextToken;
      promise =
        op === 'recv'
          ? threadNotifier.wait((t, meta) => native().chanRecvAsync(t, id, meta), options, what, spinUs)
          : threadNotifier.wait((t, meta) => native().chanSendAsync(t, id, kind, payload, meta), options, what, spinUs);
    } catch (err) {
      return Promise.reject(fromNative(err, what));
    }
    if (spinUs > 0) this.#spun(!threadNotifier.isPending(token));
    return promise;
  }

}

let adopting: NativeChannel | undefined;
let binding: ReturnType<typeof loadNative> | undefined;
const native = (): ReturnType<typeof loadNative> => (binding ??= loadNative());
registerHandleType('channel', (id) => Channel.adopt(Number(id)));

/** A native select spec: [channel id, op (-1 receive, else the send's kind), number]. */
export function caseSpec(channels: Channel<unknown>[], ops: ('send' | 'recv')[], kinds: number[], payloads: unknown[]): { spec: Float64Array; values: unknown[] } {
  const spec = new Float64Array(channels.length * CASE_FIELDS);
  const values: unknown[] = new Array(channels.length);
  for (let i = 0; i < channels.length; i++) {
    spec[i * CASE_FIELDS] = channels[i]!.nativeId;
    if (ops[i] === 'recv') {
      spec[i * CASE_FIELDS + 1] = -1;
      continue;
    }
    const kind = kinds[i]!;
    spec[i * CASE_FIELDS + 1] = kind;
    spec[i * CASE_FIELDS + 2] = slotNumber(kind, payloads[i]);
    if (needsBeside(kind)) values[i] = payloads[i];
  }
  return { spec, values };
}

function recvResult<T>(outcome: Outcome): RecvResult<T> {
  return outcome.delivery === CHANNEL_DRAINED ? CLOSED_RESULT : { value: outcome.value as T, ok: true };
}

/** CHANNEL_CLOSED carrying the unsent value back (nothing is lost). */
export function closedError(message: string, value: unknown): WeftError {
  return new WeftError('CHANNEL_CLOSED', message, { details: { value } });
}

function canceled(what: string, reason: unknown): WeftError {
  return abortError(`${what} was cancelled`, reason);
}

function withSent(err: unknown, sent: number): unknown {
  if (err instanceof WeftError) (err.details as Record<string, unknown>).sent = sent;
  return err;
}

/** `err` with the values received beside the one that failed (`details.received`). */
function withReceived(err: unknown, received: unknown[]): unknown {
  if (err instanceof WeftError) (err.details as Record<string, unknown>).received = received;
  return err;
}
