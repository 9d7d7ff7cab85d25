/**
 * Go's `context` for Node, across threads: cancellation and deadlines flow from a context
 * to everything derived from it (never back up), and every thread holding it, a pool
 * worker included, sees the same state at once (it lives natively). Interop with
 * AbortSignal both ways: `ctx.signal`, `Context.fromSignal(signal)`.
 *
 * @example
 * const [ctx, cancel] = Context.background().withTimeout(500)
 * try {
 *   await pool.run('render', page, { ctx })      // the task gets ctx in the worker
 *   await fetch(url, { signal: ctx.signal })
 * } finally {
 *   cancel()                                     // always: releases the deadline timer
 * }
 */
import { setMaxListeners } from 'node:events';

import { KIND_UNDEFINED, decode, encode, encodedKind, fromSlot, needsBeside, slotNumber } from '../native/codec.js';
import { WeftError, deserializeError, fromNative, isWeftError, serializeError, type SerializedError } from '../errors.js';
import { describeValue } from '../describe.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative } from '../native/loader.js';
import { nativeCall } from '../rate/call.js';
import { blockingWait, type BlockingOptions } from '../wait/blocking.js';
import { notifier, pokeNotifier } from '../wait/notifier.js';
import { Wire } from '../native/wire.js';

const LIVE = Wire.CONTEXT_LIVE;
const CANCELED = Wire.CONTEXT_CANCELED;

type NativeContext = InstanceType<ReturnType<typeof loadNative>['ContextHandle']>;

/** Cancels a context (idempotent); a cause, when given, becomes the `cause` of its `err`. */
export type CancelFunc = (cause?: unknown) => void;

/** Marks an Error cause, sent as its serialised form so code and cause chain survive. */
const ERROR_CAUSE = '__weftCauseError';

let background: Context | undefined;
const valueMeta = new Float64Array(3);
let stateOf: ((id: number) => number) | undefined;
const contextState = (id: number): number => (stateOf ??= loadNative().contextState)(id);

/** A context; see the module doc. Make one from {@link Context.background}. */
export class Context {
  readonly #native: NativeContext;
  /** The native id, read once (a napi-rs getter costs ~0.6 us a call). */
  readonly #id: number;
  readonly #parent: Context | undefined;
  readonly #key: string | symbol | undefined;
  readonly #value: unknown;
  #err: WeftError | undefined;
  /** Whether this context's own cancel ended it (on this thread, the one that made it). */
  #cancelledHere = false;
  /** The cause given to that cancel, kept as the object itself. */
  #localCause: unknown;
  #controller: AbortController | undefined;
  #done: Promise<void> | undefined;

  /** @internal Use `Context.background()` and the `with*` methods. */
  constructor(native: NativeContext, parent?: Context, key?: string | symbol, value?: unknown) {
    this.#native = native;
    this.#id = nativeCall(() => native.id, 'Context');
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
    makeShareable(this, 'context', () => this.#native.pin());
  }

  /**
   * The root of every context tree on this thread: never cancelled, no deadline, no
   * values. The same object on every call.
   */
  static background(): Context {
    return (background ??= new Context(nativeCall(() => loadNative().ContextHandle.background(), 'Context.background')));
  }

  /**
   * A context that ends when `signal` aborts (CANCELED, the signal's reason as `cause`),
   * or when `parent` (default: background) ends.
   *
   * @example
   * app.get('/x', (req, res) => work(Context.fromSignal(req.signal)))
   */
  static fromSignal(signal: AbortSignal, parent: Context = Context.background()): Context {
    if (!(signal instanceof AbortSignal)) {
      throw new WeftError('INVALID_ARGUMENT', `Context.fromSignal needs an AbortSignal, got ${describe(signal)}`, { details: { param: 'signal', value: signal } });
    }
    checkContext(parent, 'parent');
    const [ctx, cancel] = parent.#child(undefined, 'Context.fromSignal');
    if (signal.aborted) {
      cancel(signal.reason);
      return ctx;
    }
    const onAbort = (): void => cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Stop listening once the context ends some other way: a long-lived signal must not
    // hold every context ever made from it.
    let ended: Promise<void>;
    try {
      ended = ctx.#wait(false, 'Context.fromSignal');
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      try {
        cancel(); // nothing will watch it: end it rather than leave it registered
      } catch {
        // The failure to report is the first one.
      }
      throw err;
    }
    void ended.then(() => signal.removeEventListener('abort', onAbort));
    return ctx;
  }

  /** A child and the function that cancels it (and its descendants). */
  withCancel(): [Context, () => void] {
    const [ctx, cancel] = this.#child(undefined, 'Context.withCancel');
    return [ctx, () => cancel()];
  }

  /** A child whose cancel function takes a cause, reported as `err.cause`. */
  withCancelCause(): [Context, CancelFunc] {
    return this.#child(undefined, 'Context.withCancelCause');
  }

  /**
   * A child that ends by itself with DEADLINE_EXCEEDED after `ms` milliseconds (or
   * sooner, with its parent). Call the cancel function when done to end it early.
   */
  withTimeout(ms: number): [Context, CancelFunc] {
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      throw new WeftError('INVALID_ARGUMENT', `withTimeout needs a number of ms, got ${describe(ms)}`, { details: { option: 'ms', value: ms } });
    }
    return this.#child(ms, 'Context.withTimeout');
  }

  /** As {@link withTimeout}, ending at `deadline` (a Date or epoch milliseconds). */
  withDeadline(deadline: Date | number): [Context, CancelFunc] {
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (typeof at !== 'number' || Number.isNaN(at)) {
      throw new WeftError('INVALID_ARGUMENT', `withDeadline needs a Date or epoch ms, got ${describe(deadline)}`, {
        details: { option: 'deadline', value: deadline },
      });
    }
    return this.#child(at - Date.now(), 'Context.withDeadline');
  }

  /**
   * A child carrying `value` under `key`. String keys and `Symbol.for` keys are seen on
   * every thread (the value is copied there, as a channel message is); a unique symbol
   * key is seen only on this thread (it means nothing elsewhere).
   */
  withValue(key: string | symbol, value: unknown): Context {
    const wire = wireKey(key);
    if (wire === undefined) {
      if (typeof key !== 'symbol') {
        throw new WeftError('INVALID_ARGUMENT', `a context key must be a string or symbol, got ${describe(key)}`, { details: { param: 'key', value: key } });
      }
      return new Context(nativeCall(() => this.#native.withValue('', KIND_UNDEFINED, 0, undefined), 'Context.withValue'), this, key, value);
    }
    const payload = encode(value);
    const kind = encodedKind;
    // No `abandon` on failure: once converted, the value belongs to the native context
    // being made, which gives its pins back when it is dropped.
    const native = nativeCall(
      () => this.#native.withValue(wire, kind, slotNumber(kind, payload), needsBeside(kind) ? payload : undefined),
      'Context.withValue',
    );
    return new Context(native, this, key, value);
  }

  /**
   * The value under `key` here or in the nearest ancestor that has one; undefined if
   * none does. On the thread that set it, the very object; elsewhere, a copy.
   */
  value(key: string | symbol): unknown {
    for (let ctx: Context | undefined = this; ctx !== undefined; ctx = ctx.#parent) {
      if (ctx.#key === key) return ctx.#value;
      if (ctx.#parent === undefined && ctx !== background) {
        // A context from another thread: its ancestors are only native.
        const wire = wireKey(key);
        if (wire === undefined) return undefined;
        const beside = nativeCall(() => ctx.#native.value(wire, valueMeta), 'Context.value');
        if (valueMeta[0] === 0) return undefined;
        return decode(valueMeta[1]!, fromSlot(valueMeta[1]!, valueMeta[2]!, beside));
      }
    }
    return undefined;
  }

  /**
   * Why it ended: a WeftError with code CANCELED or DEADLINE_EXCEEDED (`cause`: what was
   * given to the cancel function), or undefined while it lives. Reads the shared state,
   * so a cancellation on another thread shows here at once; cheap enough to poll in a loop.
   */
  get err(): WeftError | undefined {
    if (this.#err !== undefined) return this.#err;
    let state: number;
    try {
      state = contextState(this.#id);
    } catch (err) {
      throw fromNative(err, 'Context.err');
    }
    if (state === LIVE) return undefined;
    return (this.#err = this.#makeErr(state));
  }

  /** Whether it has ended. */
  get ended(): boolean {
    return this.err !== undefined;
  }

  /**
   * An AbortSignal that aborts (with `err` as its reason) when the context ends: hand it
   * to fetch, streams, timers, or weft's own waits. It does not keep the process alive.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      // One context is shared by many waits (Go's pattern); Node would warn past 10 listeners.
      setMaxListeners(0, controller.signal);
      // Kept only once it is sure to abort: after a native failure the next read tries again.
      const err = this.err;
      if (err !== undefined) controller.abort(err);
      else void this.#wait(false, 'Context.signal').then(() => controller.abort(this.#endReason()));
      this.#controller = controller;
    }
    return this.#controller.signal;
  }

  /**
   * Resolves (never rejects) when the context ends. While it is pending, a context with a
   * deadline keeps the process alive, as a timer would; one without does not.
   */
  get done(): Promise<void> {
    if (this.#done !== undefined) return this.#done;
    let done: Promise<void>;
    try {
      done = this.err !== undefined ? Promise.resolve() : this.#wait(this.deadline !== undefined, 'Context.done');
    } catch (err) {
      return Promise.reject(fromNative(err, 'Context.done')); // not kept: the next read tries again
    }
    return (this.#done = done);
  }

  /** When it ends by itself, as epoch milliseconds (its own deadline or an ancestor's), or undefined. */
  get deadline(): number | undefined {
    const remaining = nativeCall(() => this.#native.remainingMs, 'Context.deadline');
    return remaining === null || remaining === undefined ? undefined : Date.now() + remaining;
  }

  /** Throws `err` if the context has ended (a check for long loops). */
  throwIfEnded(): void {
    const err = this.err;
    if (err !== undefined) throw err;
  }

  /**
   * Blocks this worker thread until the context ends, up to `options.timeout` ms (TIMEOUT).
   * Throws WOULD_BLOCK on the main thread.
   */
  waitSync(options?: BlockingOptions): void {
    try {
      blockingWait((meta, sliceMs) => this.#native.waitBlocking(meta, sliceMs), options, 'Context.waitSync', 'await ctx.done');
    } catch (err) {
      throw fromNative(err, 'Context.waitSync');
    }
  }

  /** @internal Live children registered natively on this context (leak checks). */
  get childCount(): number {
    return nativeCall(() => this.#native.childCount, 'Context.childCount');
  }

  /** @internal */
  static adopt(id: number): Context {
    return new Context(loadNative().ContextHandle.adopt(id)); // a native failure is mapped by handles.ts's revive
  }

  #child(timeoutMs: number | undefined, what: string): [Context, CancelFunc] {
    let handle: NativeContext;
    try {
      handle = timeoutMs === undefined ? this.#native.child() : this.#native.child(timeoutMs);
    } catch (err) {
      throw fromNative(err, what);
    }
    const child = new Context(handle, this);
    const native = child.#native;
    const cancel: CancelFunc = (cause?: unknown) => {
      const [kind, slot, beside] = encodeCause(cause);
      // As for withValue: a converted cause is the native side's to give back.
      if (nativeCall(() => native.cancel(kind, slot, beside), 'Context cancel')) {
        // On this thread its err carries the cause itself, not a copy. Its own signal
        // aborts now; waits on it and its descendants settle on the next microtask.
        child.#cancelledHere = true;
        child.#localCause = cause;
        if (child.#controller !== undefined) child.#controller.abort(child.err);
        pokeNotifier();
      }
    };
    return [child, cancel];
  }

  /** `err` once it has ended, or the native failure reading it (a signal must abort either way). */
  #endReason(): unknown {
    try {
      return this.err;
    } catch (err) {
      return err;
    }
  }

  /** Resolves when it ends; a native failure starting the wait throws, as a WeftError for `what`. */
  #wait(strong: boolean, what: string): Promise<void> {
    let waiting: Promise<unknown>;
    try {
      waiting = notifier().wait((token, meta) => this.#native.wait(token, meta), undefined, what, 0, strong ? 'always' : 'never');
    } catch (err) {
      throw fromNative(err, what);
    }
    return waiting.then(() => undefined);
  }

  /**
   * The context on this thread whose own cancel ended this one (itself or an ancestor), if
   * any: the nearest one up the chain that a cancel function ended. Nothing between it and
   * this one can have ended first with CANCELED (a cancel of an ended context does nothing,
   * and contexts from other threads are only at the top of the chain); a deadline below it
   * ends with DEADLINE_EXCEEDED, which `state` tells apart.
   */
  #cancelledBy(state: number): Context | undefined {
    if (state !== CANCELED) return undefined;
    for (let ctx: Context | undefined = this; ctx !== undefined; ctx = ctx.#parent) {
      if (ctx.#cancelledHere) return ctx;
    }
    return undefined;
  }

  #makeErr(state: number): WeftError {
    let options: { cause?: unknown } = {};
    const source = this.#cancelledBy(state);
    if (source !== undefined) {
      // Cancelled on this thread: the cause itself (Go's context.Cause is the same value
      // on every descendant), and no native copy to read (each copy read carries pins of
      // its own on the weft objects inside). Other threads get a copy.
      if (source.#localCause !== undefined) options = { cause: source.#localCause };
    } else {
      const beside = nativeCall(() => this.#native.cause(valueMeta), 'Context.err');
      if (valueMeta[0] === 1) options = { cause: decodeCause(valueMeta[1]!, fromSlot(valueMeta[1]!, valueMeta[2]!, beside)) };
    }
    // No stack: it would only point at this getter, and capturing it is most of what an
    // error costs (code that checks ctx.err after every cancel would pay it each time).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return state === CANCELED
        ? new WeftError('CANCELED', 'context canceled', options)
        : new WeftError('DEADLINE_EXCEEDED', 'context deadline exceeded', options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** Checks that `value` is a Context, naming the option. @internal */
export function checkContext(value: unknown, option: string): asserts value is Context {
  if (!(value instanceof Context)) {
    throw new WeftError('INVALID_ARGUMENT', `${option} must be a Context, got ${describe(value)}`, { details: { option, value } });
  }
}

function wireKey(key: unknown): string | undefined {
  if (typeof key === 'string') return `s:${key}`;
  if (typeof key === 'symbol') {
    const registered = Symbol.keyFor(key);
    return registered === undefined ? undefined : `y:${registered}`;
  }
  return undefined;
}

function encodeCause(cause: unknown): [number, number, unknown] {
  if (cause === undefined) return [KIND_UNDEFINED, 0, undefined];
  const wire = cause instanceof Error ? { [ERROR_CAUSE]: serializeError(cause) } : cause;
  let payload: unknown;
  try {
    payload = encode(wire);
  } catch {
    payload = encode(String(cause)); // a cause that cannot cross threads crosses as text
  }
  const kind = encodedKind;
  return [kind, slotNumber(kind, payload), needsBeside(kind) ? payload : undefined];
}

function decodeCause(kind: number, raw: unknown): unknown {
  const value = decode(kind, raw);
  if (typeof value === 'object' && value !== null && ERROR_CAUSE in value) {
    return deserializeError((value as Record<string, SerializedError>)[ERROR_CAUSE]!);
  }
  return value;
}

function describe(value: unknown): string {
  return describeValue(value);
}

/** Whether `err` says a context ended (CANCELED or DEADLINE_EXCEEDED). */
export function isContextError(err: unknown): err is WeftError {
  return isWeftError(err, 'CANCELED') || isWeftError(err, 'DEADLINE_EXCEEDED');
}

registerHandleType('context', (id) => Context.adopt(Number(id)));
