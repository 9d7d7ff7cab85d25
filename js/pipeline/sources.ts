/**
 * What a pipeline can read from, each behind one pull interface: iterables and async
 * iterables (pulled one item at a time, so backpressure reaches a generator), Node
 * Readable streams (read on demand, destroyed on teardown), weft Channels (received from
 * with a cancellable wait; the channel is never closed by the pipeline), RxJS-style
 * Observables (push-only, so their items queue until pulled; unsubscribed on teardown), and
 * source factories `({ ctx }) => source`, called once per run.
 * @internal
 *
 * @example
 * const src = openSource(classifySource(readable), readable, ctx, Infinity)
 * const step = await src.next()
 * await src.close()   // teardown: the Readable is destroyed
 */
import { Channel } from '../chan/channel.js';
import type { Context } from '../context/context.js';
import { WeftError, isWeftError } from '../errors.js';

/** Anything with a `subscribe` returning something with `unsubscribe` (RxJS, zen-observable, ...). */
export interface ObservableLike<T> {
  subscribe(observer: ObserverLike<T>): { unsubscribe(): void };
}

/** The observer a pipeline hands to an Observable source. */
export interface ObserverLike<T> {
  next(value: T): void;
  error(err: unknown): void;
  complete(): void;
}

/** A Node Readable stream, as far as a pipeline uses it (object mode or not). */
export interface ReadableLike extends AsyncIterable<unknown> {
  read(size?: number): unknown;
  pipe(...args: never[]): unknown;
  destroy(error?: Error): unknown;
  readonly destroyed: boolean;
}

/** What `pipeline(...)` accepts; a function is a factory called with the run's context. */
export type PipelineSource<T> =
  | Iterable<T>
  | AsyncIterable<T>
  | ObservableLike<T>
  | Channel<T>
  | ((info: { ctx: Context }) => Iterable<T> | AsyncIterable<T> | ObservableLike<T> | Channel<T>);

/** @internal */
export type SourceKind = 'channel' | 'readable' | 'async-iterable' | 'iterable' | 'observable' | 'factory';

/** The pull side of a source. `close` stops it early (idempotent; never throws). @internal */
export interface PullSource<T> {
  next(): IteratorResult<T> | Promise<IteratorResult<T>>;
  close(): void | Promise<void>;
}

/** Says what kind of source `value` is, or throws INVALID_ARGUMENT naming `option`. @internal */
export function classifySource(value: unknown, option = 'source'): SourceKind {
  if (value instanceof Channel) return 'channel';
  if (typeof value === 'function') return 'factory';
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<PropertyKey, unknown>;
    if (typeof v.pipe === 'function' && typeof v.read === 'function' && typeof v.destroy === 'function' && typeof v.on === 'function') {
      return 'readable';
    }
    if (typeof v[Symbol.asyncIterator] === 'function') return 'async-iterable';
    if (typeof v[Symbol.iterator] === 'function') return 'iterable';
    if (typeof v.subscribe === 'function') return 'observable';
  }
  if (typeof value === 'string') return 'iterable';
  throw new WeftError(
    'INVALID_ARGUMENT',
    `pipeline ${option} must be an iterable, async iterable, Node Readable, Observable, Channel or a function returning one, got ${describe(value)}`,
    { details: { option } },
  );
}

/**
 * Whether a second run would find the source used up: iterators (a generator is its own
 * iterator), streams and channels. Arrays, Sets, Observables and factories can run again.
 * @internal
 */
export function isOneShot(value: unknown, kind: SourceKind): boolean {
  if (kind === 'readable' || kind === 'channel') return true;
  if (kind === 'iterable' || kind === 'async-iterable') return typeof (value as { next?: unknown }).next === 'function';
  return false;
}

/**
 * Opens `value` (of `kind`) for one run. A factory is called here with `ctx`; what it
 * returns is classified and opened in turn. `maxQueued` bounds an Observable's queue
 * (QUEUE_FULL past it). Throws what the factory throws, or INVALID_ARGUMENT.
 * @internal
 */
export function openSource<T>(kind: SourceKind, value: unknown, ctx: Context, maxQueued: number): PullSource<T> {
  switch (kind) {
    case 'factory': {
      const made = (value as (info: { ctx: Context }) => unknown)({ ctx });
      const madeKind = classifySource(made, 'source factory result');
      if (madeKind === 'factory') throw new WeftError('INVALID_ARGUMENT', 'a pipeline source factory returned a function', { details: { option: 'source' } });
      return openSource(madeKind, made, ctx, maxQueued);
    }
    case 'channel':
      return channelSource(value as Channel<T>);
    case 'readable':
      return readableSource(value as ReadableLike) as PullSource<T>;
    case 'async-iterable':
      return iteratorSource((value as AsyncIterable<T>)[Symbol.asyncIterator]());
    case 'iterable':
      return iteratorSource((value as Iterable<T>)[Symbol.iterator]());
    case 'observable':
      return observableSource(value as ObservableLike<T>, maxQueued);
  }
}

function iteratorSource<T>(iterator: Iterator<T> | AsyncIterator<T>): PullSource<T> {
  let closing: Promise<void> | undefined;
  return {
    next: () => iterator.next(),
    close() {
      // Called at once on teardown, even while a next() is pending: an async generator
      // queues it behind that next() and then runs its finally blocks; an iterator like
      // events.on() ends its pending next() at once.
      return (closing ??= (async () => {
        try {
          await iterator.return?.();
        } catch {
          // A source that fails while being stopped: the run already has its outcome.
        }
      })());
    },
  };
}

function readableSource(readable: ReadableLike): PullSource<unknown> {
  const iterator = readable[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    close() {
      // Destroying ends a pending next() (with a premature-close error the run ignores).
      if (!readable.destroyed) readable.destroy();
    },
  };
}

function channelSource<T>(channel: Channel<T>): PullSource<T> {
  const stop = new AbortController();
  return {
    async next() {
      try {
        const { value, ok } = await channel.recv({ signal: stop.signal });
        return ok ? { value: value as T, done: false } : { value: undefined, done: true };
      } catch (err) {
        // A cancelled receive leaves its value in the channel.
        if (stop.signal.aborted && isWeftError(err, 'CANCELED')) return { value: undefined, done: true };
        throw err;
      }
    },
    close() {
      stop.abort();
    },
  };
}

function observableSource<T>(observable: ObservableLike<T>, maxQueued: number): PullSource<T> {
  const queue: T[] = [];
  let ended = false;
  let failed = false;
  let failure: unknown;
  let waiter: ((woken: void) => void) | undefined;
  let subscription: { unsubscribe(): void } | undefined;
  let closed = false;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const unsubscribe = (): void => {
    const s = subscription;
    subscription = undefined;
    try {
      s?.unsubscribe();
    } catch {
      // Its own teardown failing changes nothing for the run.
    }
  };
  subscription = observable.subscribe({
    next(value) {
      if (ended || closed) return;
      if (queue.length >= maxQueued) {
        ended = failed = true;
        queue.length = 0;
        failure = new WeftError('QUEUE_FULL', `an Observable pipeline source got ahead of the pipeline by more than maxQueued (${maxQueued}) items`, {
          details: { option: 'maxQueued', maxQueued },
        });
        queueMicrotask(unsubscribe);
      } else {
        queue.push(value);
      }
      wake();
    },
    error(err) {
      if (ended || closed) return;
      ended = failed = true;
      failure = err;
      wake();
    },
    complete() {
      if (ended || closed) return;
      ended = true;
      wake();
    },
  });
  // An Observable that finished while subscribing.
  if (ended) unsubscribe();
  return {
    async next() {
      for (;;) {
        // Items that came before an error are delivered first, as the Observable sent them.
        if (queue.length > 0) return { value: queue.shift() as T, done: false };
        if (closed) return { value: undefined, done: true };
        if (failed) throw failure;
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
    close() {
      if (closed) return;
      closed = true;
      queue.length = 0;
      unsubscribe();
      wake();
    },
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'string' ? JSON.stringify(value) : String(value);
}
