/**
 * Where a pipeline's output can go besides `for await`: a Node Readable (object mode,
 * read on demand, so a slow reader holds the pipeline back), a Node Writable (written
 * with `write()`'s backpressure honoured, through Node's own `stream.pipeline`), and an
 * Observable that RxJS's `from()` accepts (each subscription is a run; unsubscribing
 * stops it).
 * @internal
 *
 * @example
 * readableFrom(() => new PipelineRun(spec, {}), 16).pipe(process.stdout)
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';

import type { PipelineRun } from './run.js';

// As RxJS declares it (identical declarations merge): lets `from(p.toObservable())`
// type-check. At run time Node has no Symbol.observable; RxJS then looks for '@@observable'.
declare global {
  interface SymbolConstructor {
    readonly observable: symbol;
  }
}

/** Where RxJS and other libraries look for an object's Observable (`Symbol.observable`, else '@@observable'). */
const OBSERVABLE_KEY: string = '@@observable';
const symbolObservable: symbol | undefined = (Symbol as unknown as { observable?: symbol }).observable;

/** An observer for {@link PipelineObservable.subscribe}; every callback is optional. */
export interface PartialObserver<T> {
  next?(value: T): void;
  error?(err: unknown): void;
  complete?(): void;
}

/** What `subscribe` returns. */
export interface PipelineSubscription {
  /** Stops the run (no error, no `complete`); idempotent. */
  unsubscribe(): void;
  /** Whether it has ended: completed, failed or unsubscribed. */
  readonly closed: boolean;
}

/**
 * An Observable over a pipeline: each `subscribe` starts a run and pushes its items to
 * the observer, then `complete()`, or `error(err)` with the run's first failure.
 * `unsubscribe()` stops the run. RxJS's `from(observable)` accepts it.
 *
 * @example
 * import { from, take } from 'rxjs'
 * from(pipeline(urls).map(fetchJson, { concurrency: 4 }).toObservable()).pipe(take(10)).subscribe(console.log)
 */
export class PipelineObservable<T> {
  readonly #open: () => PipelineRun<T>;

  /** @internal */
  constructor(open: () => PipelineRun<T>) {
    this.#open = open;
  }

  /**
   * Starts a run. Items arrive as the pipeline yields them (the observer's `next` is the
   * consumer: a slow one holds the pipeline back only as long as it runs). A `next` that
   * throws fails the run, and `error` gets what it threw. Without an `error` callback, a
   * failure is rethrown from a timer, as RxJS reports unhandled errors.
   */
  subscribe(observer?: PartialObserver<T> | ((value: T) => void)): PipelineSubscription {
    const o: PartialObserver<T> = typeof observer === 'function' ? { next: observer } : (observer ?? {});
    const run = this.#open();
    let closed = false;
    void (async () => {
      try {
        for (let step = await run.next(); !step.done; step = await run.next()) {
          if (closed) return;
          o.next?.(step.value);
        }
        if (closed) return;
        closed = true;
        o.complete?.();
      } catch (err) {
        if (closed) return;
        closed = true;
        await run.return();
        if (o.error !== undefined) o.error(err);
        else
          setTimeout(() => {
            throw err;
          });
      }
    })();
    return {
      unsubscribe() {
        if (closed) return;
        closed = true;
        void run.return();
      },
      get closed() {
        return closed;
      },
    };
  }

  /** RxJS interop (`from()` looks for this): the observable itself. */
  [OBSERVABLE_KEY](): this {
    return this;
  }
}

// The Symbol.observable method, declared for TypeScript, defined below when it exists.
export interface PipelineObservable<T> {
  /** RxJS interop: the observable itself. */
  [Symbol.observable](): PipelineObservable<T>;
}

if (symbolObservable !== undefined) {
  Object.defineProperty(PipelineObservable.prototype, symbolObservable, {
    value(this: PipelineObservable<unknown>) {
      return this;
    },
  });
}

/**
 * A Readable in object mode over one run, started when first read. Items are pulled only
 * while the stream's buffer is below `highWaterMark`. Destroying the stream stops the run;
 * a failure of the run destroys the stream with that error. `null` items are refused by
 * Node (ERR_STREAM_NULL_VALUES).
 * @internal
 */
export function readableFrom<T>(run: AsyncIterable<T>, highWaterMark: number | undefined): Readable {
  return Readable.from(run, { objectMode: true, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
}

/**
 * Writes every item of one run to `writable` through Node's `stream.pipeline`: waits on
 * `drain` when `write()` says so, ends the writable when the run completes (unless `end`
 * is false), destroys it when the run fails, and stops the run when the writable fails
 * or closes early. Resolves with the number of items written.
 * @internal
 */
export async function writeTo<T>(run: PipelineRun<T>, writable: Writable, end: boolean, highWaterMark: number | undefined): Promise<number> {
  let count = 0;
  const counted: AsyncIterableIterator<T> = {
    next: async () => {
      const step = await run.next();
      if (!step.done) count++;
      return step;
    },
    return: () => run.return(),
    throw: () => run.throw(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  await streamPipeline(readableFrom(counted, highWaterMark ?? 1), writable, { end });
  return count;
}
