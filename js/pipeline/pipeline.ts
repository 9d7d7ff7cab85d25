/**
 * Pipelines: a source, a chain of stages (map, filter, flatMap, tap, batch, take), and an
 * end (`run`, `collect`, `forEach`, `for await`, a Node stream, an Observable), like Go's
 * pipeline pattern of goroutines joined by bounded channels. Each stage hands its items to
 * the next through a small bounded buffer, so a slow end stops the source from being
 * pulled; the first error, a cancelled context, or a consumer that stops early tears the
 * whole pipeline down, and the run settles only once nothing it started is still running.
 *
 * @example
 * const [ctx, cancel] = Context.background().withTimeout(30_000)
 * const saved = await pipeline(readLines('urls.txt'))
 *   .filter((url) => url.startsWith('https:'))
 *   .map((url, { ctx }) => fetch(url, { signal: ctx.signal }).then((r) => r.json()), { concurrency: 8 })
 *   .batch(100, { maxWait: 1_000 })
 *   .map((rows) => db.insert(rows))
 *   .run(ctx)                      // the number of batches inserted
 * cancel()
 */
import type { Readable, Writable } from 'node:stream';

import { systemClock, type Clock } from '../time/clock.js';
import { Context } from '../context/context.js';
import { WeftError } from '../errors.js';
import { describeValue } from '../option-checks.js';
import { checkRunOptions } from '../pool/options.js';
import { Pool } from '../pool/pool.js';
import { PipelineRun, type PipelineIterator, type PipelineRunOptions, type PipelineSpec } from './run.js';
import { PipelineObservable, readableFrom, writeTo } from './sinks.js';
import { classifySource, isOneShot, type PipelineSource, type ReadableLike } from './sources.js';
import {
  batchStage,
  concurrentStage,
  emitEach,
  emitIfTruthy,
  emitItem,
  emitResult,
  takeStage,
  type StageInfo,
  type StageSpec,
} from './stages.js';

/** The buffer between two stages when no `buffer` option says otherwise. */
export const DEFAULT_PIPELINE_BUFFER = 16;

/** Options for {@link pipeline}. */
export interface PipelineOptions {
  /**
   * Capacity of the buffer after the source, and the default for every stage's. Default 16; 0 hands items over one at a time.
   * @defaultValue `16` (items; {@link DEFAULT_PIPELINE_BUFFER})
   */
  buffer?: number;
  /**
   * Most items an Observable source may get ahead of the pipeline (an Observable cannot
   * be paused, so its items queue); past it the run fails with QUEUE_FULL. Default: Infinity.
   * @defaultValue `Infinity` (items)
   */
  maxQueued?: number;
}

/** Options every stage takes. */
export interface StageBufferOptions {
  /**
   * Capacity of the buffer after this stage (default: the pipeline's `buffer`).
   * @defaultValue the pipeline's `buffer` (items)
   */
  buffer?: number;
}

/** Options for map, filter, tap and flatMap. */
export interface StageOptions extends StageBufferOptions {
  /**
   * Most calls of `fn` at once. Default 1.
   * @defaultValue `1`
   */
  concurrency?: number;
  /**
   * Pass results on in input order (default) or as calls finish.
   * @defaultValue `true`
   */
  ordered?: boolean;
}

/** Options for `map(taskName, { pool })`: the stage runs a pool task per item. */
export interface PoolStageOptions extends StageOptions {
  /** The pool (thread or process) whose task module exports the task. */
  pool: Pool;
  /**
   * Per-task timeout in ms (TIMEOUT), as `pool.run`'s.
   * @defaultValue none (ms)
   */
  timeout?: number;
  /**
   * Per-task priority, as `pool.run`'s.
   * @defaultValue `0`
   */
  priority?: number;
}

/** Options for `batch`. */
export interface BatchOptions extends StageBufferOptions {
  /**
   * A batch leaves at most this many ms after its first item came, however small. Default: Infinity (only full batches, and the last).
   * @defaultValue `Infinity` (ms)
   */
  maxWait?: number;
  /**
   * The clock `maxWait` is measured on (a `ManualClock` in tests). Default: the system clock.
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** Options for the terminal calls: a Context, or `{ ctx, signal }`. */
export type RunArg = Context | PipelineRunOptions;

/** Options for {@link Pipeline.toReadable}. */
export interface ToReadableOptions extends PipelineRunOptions {
  /**
   * The Readable's own buffer, in items (Node's object-mode default: 16).
   * @defaultValue `16` (items)
   */
  highWaterMark?: number;
}

/** Options for {@link Pipeline.pipeTo}. */
export interface PipeToOptions extends PipelineRunOptions {
  /**
   * End the writable when the pipeline completes. Default true.
   * @defaultValue `true`
   */
  end?: boolean;
}

interface Shared {
  readonly source: unknown;
  readonly kind: ReturnType<typeof classifySource>;
  readonly oneShot: boolean;
  used: boolean;
  readonly sourceBuffer: number;
  readonly maxQueued: number;
}

/**
 * A pipeline under construction, and the calls that run it. Every stage method returns a
 * new Pipeline and leaves this one as it was; options are checked there and then
 * (INVALID_ARGUMENT naming the option). Each terminal call starts a run; a source that is
 * used up by a run (an iterator or generator, a stream, a Channel) runs only once, while
 * arrays, Observables and source factories run anew each time.
 *
 * @example
 * const evens = pipeline([1, 2, 3, 4]).filter((n) => n % 2 === 0)
 * await evens.collect()                 // [2, 4]
 * for await (const n of evens) log(n)   // 2, 4 again: an array can run twice
 */
export class Pipeline<T> {
  readonly #shared: Shared;
  readonly #stages: readonly StageSpec[];

  /** @internal Use {@link pipeline}. */
  constructor(shared: Shared, stages: readonly StageSpec[]) {
    this.#shared = shared;
    this.#stages = stages;
  }

  /**
   * Calls `fn(item, { ctx, index })` for each item and passes on what it returns (awaited),
   * with up to `concurrency` calls at once, in input order unless `ordered: false`. A
   * throw or rejection fails the pipeline. With a task name and `{ pool }` instead of a
   * function, each item runs as that pool task (`pool.submit(name, item, { ctx })`: its
   * worker sees the stage's context end).
   *
   * @example
   * pipeline(ids).map((id, { ctx }) => db.get(id, { signal: ctx.signal }), { concurrency: 4, ordered: false })
   * pipeline(images).map('resize', { pool, concurrency: 4 })
   */
  map<U>(fn: (item: T, info: StageInfo) => U | PromiseLike<U>, options?: StageOptions): Pipeline<U>;
  map<U = unknown>(task: string, options: PoolStageOptions): Pipeline<U>;
  map(fn: unknown, options?: StageOptions | PoolStageOptions): Pipeline<unknown> {
    const checked = this.#stageOptions('map', options);
    const pool = (options as PoolStageOptions | undefined)?.pool;
    if (typeof fn === 'string') {
      if (pool === undefined) invalid('map', 'pool', `is required with a task name (${JSON.stringify(fn)})`, pool);
      if (!(pool instanceof Pool)) invalid('map', 'pool', 'must be a weft Pool', pool);
      const { timeout, priority } = options as PoolStageOptions;
      const runOptions = { ...(timeout === undefined ? {} : { timeout }), ...(priority === undefined ? {} : { priority }) };
      try {
        checkRunOptions(runOptions);
      } catch (err) {
        throw new WeftError('INVALID_ARGUMENT', `pipeline map: ${(err as Error).message}`, { details: { ...(err as WeftError).details, stage: 'map' } });
      }
      const task = fn;
      return this.#then(
        concurrentStage('map', (item, { ctx }) => pool.submit(task, item, { ...runOptions, ctx }), emitResult, checked),
      );
    }
    if (pool !== undefined) invalid('map', 'fn', 'must be a task name (a string) when the pool option is given', fn);
    return this.#then(concurrentStage('map', checkFn('map', fn), emitResult, checked));
  }

  /**
   * Passes on the items for which `fn(item, { ctx, index })` returns (or resolves to)
   * something truthy. Takes `concurrency` and `ordered` as `map` does.
   *
   * @example
   * pipeline(users).filter(async (u, { ctx }) => (await quota(u, ctx)) > 0)
   */
  filter<S extends T>(fn: (item: T, info: StageInfo) => item is S, options?: StageOptions): Pipeline<S>;
  filter(fn: (item: T, info: StageInfo) => unknown, options?: StageOptions): Pipeline<T>;
  filter(fn: unknown, options?: StageOptions): Pipeline<unknown> {
    return this.#then(concurrentStage('filter', checkFn('filter', fn), emitIfTruthy, this.#stageOptions('filter', options)));
  }

  /**
   * Calls `fn(item, { ctx, index })` for each item (awaited) and passes the item on
   * unchanged: logging, metrics, side effects. A throw fails the pipeline.
   *
   * @example
   * pipeline(jobs).tap((job) => metrics.increment('jobs.seen'))
   */
  tap(fn: (item: T, info: StageInfo) => unknown, options?: StageOptions): Pipeline<T> {
    return this.#then(concurrentStage('tap', checkFn('tap', fn), emitItem, this.#stageOptions('tap', options)));
  }

  /**
   * Calls `fn(item, { ctx, index })`, which returns an iterable or async iterable (or a
   * promise of one), and passes on each of its items; one call's items stay together.
   * An inner async iterator is closed (`return()`) when the pipeline is torn down.
   *
   * @example
   * pipeline(dirs).flatMap((dir) => fs.promises.readdir(dir))
   */
  flatMap<U>(
    fn: (item: T, info: StageInfo) => Iterable<U> | AsyncIterable<U> | PromiseLike<Iterable<U> | AsyncIterable<U>>,
    options?: StageOptions,
  ): Pipeline<U> {
    return this.#then(concurrentStage('flatMap', checkFn('flatMap', fn), emitEach, this.#stageOptions('flatMap', options)));
  }

  /**
   * Groups items into arrays of `size`. With `maxWait`, a batch also leaves `maxWait` ms
   * (on `clock`) after its first item came, however few it holds; the last, partial batch
   * leaves when the input ends. Never emits an empty batch.
   *
   * @example
   * pipeline(events).batch(500, { maxWait: 200 }).map((rows) => db.insertMany(rows))
   */
  batch(size: number, options: BatchOptions = {}): Pipeline<T[]> {
    checkObject('batch', options);
    const n = checkInteger('batch', 'size', size, 1);
    const { maxWait = Infinity, clock = systemClock } = options;
    if (typeof maxWait !== 'number' || Number.isNaN(maxWait) || maxWait < 0) {
      invalid('batch', 'maxWait', 'must be a number of ms >= 0 (or Infinity)', maxWait);
    }
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimer !== 'function') {
      invalid('batch', 'clock', 'must be a Clock (with setTimer)', clock);
    }
    return this.#then(batchStage(n, maxWait, clock, this.#buffer('batch', options)));
  }

  /**
   * Passes on the first `count` items, then stops the source (its `return()` runs, a
   * Readable is destroyed, an Observable unsubscribed) and every stage before this one
   * (their contexts end), and the run completes normally.
   *
   * @example
   * const firstTen = await pipeline(endlessGenerator()).filter(isPrime).take(10).collect()
   */
  take(count: number, options: StageBufferOptions = {}): Pipeline<T> {
    checkObject('take', options);
    return this.#then(takeStage(checkInteger('take', 'count', count, 0), this.#buffer('take', options)));
  }

  /**
   * Runs the pipeline to the end, dropping what comes out, and resolves with how many
   * items came out. It waits until the source is exhausted and every stage has finished.
   * It rejects with the first failure: what a stage or the source threw, or the context's
   * `err` (CANCELED, DEADLINE_EXCEEDED) when `ctx` ends, or CANCELED when `signal`
   * aborts; and only once every stage call has settled and the source has been closed.
   *
   * @example
   * const [ctx, cancel] = Context.background().withTimeout(60_000)
   * try { await pipeline(files).map(upload, { concurrency: 4 }).run(ctx) } finally { cancel() }
   */
  async run(options?: RunArg): Promise<number> {
    let count = 0;
    const run = this.#open(options);
    for (let step = await run.next(); !step.done; step = await run.next()) count++;
    return count;
  }

  /**
   * Runs the pipeline and resolves with everything that came out, in order. Waits and
   * rejects as {@link run} does.
   *
   * @example
   * const sizes = await pipeline(paths).map((p) => fs.promises.stat(p)).map((s) => s.size).collect()
   */
  async collect(options?: RunArg): Promise<T[]> {
    const out: T[] = [];
    const run = this.#open(options);
    for (let step = await run.next(); !step.done; step = await run.next()) out.push(step.value);
    return out;
  }

  /**
   * Runs the pipeline, calling `fn(item, { ctx, index })` on each item that comes out,
   * one at a time (awaited), and resolves with how many there were. A throw fails the
   * pipeline. Waits and rejects as {@link run} does.
   *
   * @example
   * await pipeline(rows).map(transform).forEach((row) => out.write(row), ctx)
   */
  forEach(fn: (item: T, info: StageInfo) => unknown, options?: RunArg): Promise<number> {
    return this.tap(fn, { buffer: 0 }).run(options);
  }

  /**
   * Starts a run when first pulled and iterates what comes out. Breaking out of a
   * `for await` (or `return()`, or `await using` leaving scope) stops the run, and resolves
   * once everything has settled; `next()` rejects as {@link run} does.
   *
   * @example
   * for await (const page of pipeline(urls).map(fetchPage, { concurrency: 4 }).iterate(ctx)) {
   *   if (page.last) break   // stops the fetches still running and the source
   * }
   */
  iterate(options?: RunArg): PipelineIterator<T> {
    return this.#open(options);
  }

  /** `for await (const x of pipeline(...))`: {@link iterate} with no context. */
  [Symbol.asyncIterator](): PipelineIterator<T> {
    return this.#open(undefined);
  }

  /**
   * A Node Readable in object mode over a run, started when first read; items are pulled
   * only while the stream wants more (`highWaterMark`). Destroying the stream stops the
   * run; a failure of the run destroys the stream with that error. (Node streams cannot
   * carry `null`: a null item fails the stream with ERR_STREAM_NULL_VALUES.)
   *
   * @example
   * stream.pipeline(pipeline(rows).map(toCsvLine).toReadable(), fs.createWriteStream('out.csv'), done)
   */
  toReadable(options: ToReadableOptions = {}): Readable {
    checkObject('toReadable', options);
    const { highWaterMark, ...runOptions } = options;
    if (highWaterMark !== undefined) checkInteger('toReadable', 'highWaterMark', highWaterMark, 0);
    return readableFrom(this.#open(runOptions), highWaterMark);
  }

  /**
   * Writes everything that comes out to a Node Writable, waiting for `drain` whenever
   * `write()` asks to (so a slow writable holds the whole pipeline back), then ends it
   * (unless `end: false`), and resolves with how many items were written. A failure of
   * the run destroys the writable and rejects with that failure; a writable that fails or
   * closes early stops the run and rejects with its error.
   *
   * @example
   * await pipeline(readable).map(parse).filter(valid).map(JSON.stringify).map((s) => s + '\n').pipeTo(fs.createWriteStream('out.ndjson'))
   */
  async pipeTo(writable: Writable, options: PipeToOptions = {}): Promise<number> {
    checkObject('pipeTo', options);
    if (typeof writable !== 'object' || writable === null || typeof (writable as { write?: unknown }).write !== 'function') {
      invalid('pipeTo', 'writable', 'must be a Node Writable', writable);
    }
    const { end = true, ...runOptions } = options;
    return writeTo(this.#open(runOptions), writable, end, undefined);
  }

  /**
   * An Observable over the pipeline: each `subscribe` starts a run, `unsubscribe()` stops
   * it. RxJS's `from()` accepts it, so RxJS operators can follow.
   *
   * @example
   * import { from, bufferCount } from 'rxjs'
   * from(pipeline(src).map(parse).toObservable()).pipe(bufferCount(10)).subscribe(render)
   */
  toObservable(options?: RunArg): PipelineObservable<T> {
    const runOptions = toRunOptions(options);
    return new PipelineObservable(() => this.#open(runOptions));
  }

  #then<U>(stage: StageSpec): Pipeline<U> {
    return new Pipeline<U>(this.#shared, [...this.#stages, stage]);
  }

  #stageOptions(stage: string, options: StageOptions | undefined): { concurrency: number; ordered: boolean; buffer: number } {
    checkObject(stage, options ?? {});
    const { concurrency = 1, ordered = true } = options ?? {};
    checkInteger(stage, 'concurrency', concurrency, 1);
    if (typeof ordered !== 'boolean') invalid(stage, 'ordered', 'must be a boolean', ordered);
    return { concurrency, ordered, buffer: this.#buffer(stage, options ?? {}) };
  }

  #buffer(stage: string, options: StageBufferOptions): number {
    return options.buffer === undefined ? this.#shared.sourceBuffer : checkInteger(stage, 'buffer', options.buffer, 0);
  }

  #open(options: RunArg | undefined): PipelineRun<T> {
    const shared = this.#shared;
    const spec: PipelineSpec = {
      kind: shared.kind,
      source: shared.source,
      claim: () => {
        if (shared.oneShot && shared.used) {
          throw new WeftError('INVALID_ARGUMENT', 'this pipeline\'s source was used up by an earlier run (an iterator, stream or Channel runs once; pass a factory `({ ctx }) => source` to run again)', {
            details: { option: 'source' },
          });
        }
        shared.used = true;
      },
      sourceBuffer: shared.sourceBuffer,
      maxQueued: shared.maxQueued,
      stages: this.#stages,
    };
    return new PipelineRun<T>(spec, toRunOptions(options));
  }
}

/**
 * Starts a pipeline over `source`: an array or other iterable, an async iterable or
 * generator, a Node Readable (object mode or not; destroyed on teardown), an RxJS-style
 * Observable (unsubscribed on teardown), a weft Channel (received from until closed; a
 * teardown stops receiving and leaves the channel open), or a factory `({ ctx }) =>
 * source` called at the start of each run with a context that ends on teardown. Throws
 * INVALID_ARGUMENT for anything else.
 *
 * @example
 * await pipeline(async function* ({ ctx }) { while (!ctx.ended) yield await poll(ctx.signal) })
 *   .map(handle, { concurrency: 4 })
 *   .run(ctx)
 */
export function pipeline<T>(source: CallbackSubscribable<T>, options?: PipelineOptions): Pipeline<T>;
export function pipeline<T>(source: PipelineSource<T>, options?: PipelineOptions): Pipeline<T>;
export function pipeline<T = unknown>(source: ReadableLike | Readable, options?: PipelineOptions): Pipeline<T>;
export function pipeline<T>(source: unknown, options: PipelineOptions = {}): Pipeline<T> {
  checkObject('pipeline', options);
  const kind = classifySource(source);
  const { buffer = DEFAULT_PIPELINE_BUFFER, maxQueued = Infinity } = options;
  const sourceBuffer = checkInteger('pipeline', 'buffer', buffer, 0);
  if (maxQueued !== Infinity) checkInteger('pipeline', 'maxQueued', maxQueued, 1);
  const shared: Shared = { source, kind, oneShot: isOneShot(source, kind), used: false, sourceBuffer, maxQueued };
  return new Pipeline<T>(shared, []);
}

/**
 * An RxJS Observable as TypeScript infers it (from its last `subscribe` overload, which
 * takes a next callback): this overload gives `pipeline(of(1, 2))` its item type.
 */
export interface CallbackSubscribable<T> {
  subscribe(next: (value: T) => void): { unsubscribe(): void };
}

function toRunOptions(options: RunArg | undefined): PipelineRunOptions {
  if (options === undefined) return {};
  if (options instanceof Context) return { ctx: options };
  checkObject('run', options);
  const { ctx, signal } = options;
  if (ctx !== undefined && !(ctx instanceof Context)) invalid('run', 'ctx', 'must be a Context', ctx);
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalid('run', 'signal', 'must be an AbortSignal', signal);
  return { ctx, signal };
}

function checkFn(stage: string, fn: unknown): (item: unknown, info: StageInfo) => unknown {
  if (typeof fn !== 'function') invalid(stage, 'fn', 'must be a function', fn);
  return fn as (item: unknown, info: StageInfo) => unknown;
}

function checkInteger(stage: string, option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(stage, option, `must be an integer >= ${min}`, value);
  }
  return value;
}

function checkObject(stage: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) invalid(stage, 'options', 'must be an object', options);
}

function invalid(stage: string, option: string, problem: string, value: unknown): never {
  throw new WeftError('INVALID_ARGUMENT', `pipeline ${stage}: ${option} ${problem}, got ${describe(value)}`, {
    details: { option, stage },
  });
}

function describe(value: unknown): string {
  return describeValue(value);
}
