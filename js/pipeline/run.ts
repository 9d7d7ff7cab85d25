/**
 * One run of a pipeline: opens the source, starts a pump (source to the first buffer) and
 * one loop per stage, and hands the last buffer's items out through an async iterator.
 * It owns the teardown: the first failure (a stage, the source, the run's context or
 * signal) or a consumer that stops early ends every stage's context, tears down every
 * buffer, and closes the source; the iterator settles only once the pump and every stage
 * loop, and every call they made, have settled (Go's errgroup: nothing is left running).
 * @internal
 *
 * @example
 * const it = new PipelineRun(spec, { ctx })
 * for (let r = await it.next(); !r.done; r = await it.next()) use(r.value)
 */
import { abortReason } from '../time/clock.js';
import { Context, type CancelFunc } from '../context/context.js';
import { WeftError } from '../errors.js';
import { BoundedBuffer, isTornDown } from './buffer.js';
import { openSource, type PullSource, type SourceKind } from './sources.js';
import type { StageHost, StageSpec } from './stages.js';

/** How a terminal call runs: under a context, a signal, both, or neither. */
export interface PipelineRunOptions {
  /**
   * The run's parent context: its end (CANCELED or DEADLINE_EXCEEDED) tears the run down and the run rejects with its `err`.
   * @defaultValue none
   */
  ctx?: Context;
  /**
   * Aborting it tears the run down; the run rejects with CANCELED (the abort reason as `cause`), or the reason itself when it is a WeftError.
   * @defaultValue none
   */
  signal?: AbortSignal;
}

/**
 * A run seen from its consumer: `for await`, or `next()` by hand. `return()` (what a
 * `break` calls) stops the run and resolves once everything has settled.
 *
 * @example
 * await using it = pipeline(src).map(f).iterate(ctx)
 * const first = await it.next()
 */
export interface PipelineIterator<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  return(): Promise<IteratorResult<T, undefined>>;
  throw(err?: unknown): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): PipelineIterator<T>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What the builder hands to a run. @internal */
export interface PipelineSpec {
  readonly kind: SourceKind;
  readonly source: unknown;
  /** Called when a run opens the source; throws INVALID_ARGUMENT for a used one-shot source. */
  readonly claim: () => void;
  readonly sourceBuffer: number;
  readonly maxQueued: number;
  readonly stages: readonly StageSpec[];
}

interface Running {
  runCtx: Context;
  cancelRun: CancelFunc;
  sourceCancel: CancelFunc;
  stageCancels: CancelFunc[];
  stageStopped: boolean[];
  joins: BoundedBuffer<unknown>[];
  source: PullSource<unknown> | undefined;
  sourceStopped: boolean;
  /** Settles once the pump and every stage loop have. */
  settled: Promise<void>;
}

/**
 * The run, seen from the consumer: an async iterator over what comes out of the last
 * stage. It starts on the first `next()`. See the module doc. @internal
 */
export class PipelineRun<T> implements PipelineIterator<T> {
  readonly #spec: PipelineSpec;
  readonly #parent: Context;
  readonly #signal: AbortSignal | undefined;
  #running: Running | undefined;
  /** Set once the outcome is known: completed, failed or stopped. */
  #ended = false;
  #failed = false;
  #error: unknown;
  #onAbort: (() => void) | undefined;

  constructor(spec: PipelineSpec, options: PipelineRunOptions) {
    this.#spec = spec;
    this.#parent = options.ctx ?? Context.background();
    this.#signal = options.signal;
  }

  /**
   * The next item out of the pipeline. Waits while the last buffer is empty. Once the
   * pipeline is done it waits for everything to settle, then resolves `{ done: true }`, or
   * rejects with the first failure.
   */
  async next(): Promise<IteratorResult<T, undefined>> {
    const running = this.#running ?? this.#start();
    if (running !== undefined) {
      // After a teardown the last buffer rejects at once; after a normal end it still
      // holds the last items, then says done.
      try {
        const step = await running.joins[running.joins.length - 1]!.pull();
        if (!step.done) return step as IteratorYieldResult<T>;
      } catch (err) {
        if (!isTornDown(err)) this.#fail(err);
      }
    }
    await running?.settled;
    if (this.#failed) throw this.#error;
    return { value: undefined, done: true };
  }

  /** Stops the run (no error: the consumer is done) and resolves once everything has settled. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.#stop();
    await this.#running?.settled;
    return { value: undefined, done: true };
  }

  /** As `return()`: a consumer that throws stops the run; the error stays the consumer's. */
  async throw(): Promise<IteratorResult<T, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** `await using it = p.iterate()` stops the run on scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #start(): Running | undefined {
    if (this.#ended) return undefined;
    const spec = this.#spec;
    const [runCtx, cancelRun] = this.#parent.withCancelCause();
    const [sourceCtx, sourceCancel] = runCtx.withCancelCause();
    const stageCancels: CancelFunc[] = [];
    const stageCtxs: Context[] = [];
    for (let i = 0; i < spec.stages.length; i++) {
      const [ctx, cancel] = runCtx.withCancelCause();
      stageCtxs.push(ctx);
      stageCancels.push(cancel);
    }
    const joins = [new BoundedBuffer<unknown>(spec.sourceBuffer), ...spec.stages.map((s) => new BoundedBuffer<unknown>(s.buffer))];
    let resolveSettled!: () => void;
    const running: Running = {
      runCtx,
      cancelRun,
      sourceCancel,
      stageCancels,
      stageStopped: spec.stages.map(() => false),
      joins,
      source: undefined,
      sourceStopped: false,
      settled: new Promise<void>((resolve) => (resolveSettled = resolve)),
    };
    this.#running = running;

    // The parent context and the signal: either ending tears the run down.
    void runCtx.done.then(() => {
      if (!this.#ended) this.#fail(this.#parent.err ?? runCtx.err);
    });
    const signal = this.#signal;
    if (signal !== undefined) {
      this.#onAbort = () => this.#fail(abortReason(signal, 'the pipeline'));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }

    // Checked after the listeners are in place, so an end in between is not missed, and
    // before the source is opened, so an ended context never pulls an item.
    if (this.#parent.err !== undefined) this.#fail(this.#parent.err);
    else if (signal?.aborted) this.#fail(abortReason(signal, 'the pipeline'));

    const loops: Promise<void>[] = [];
    if (!this.#ended) {
      try {
        spec.claim();
        running.source = openSource(spec.kind, spec.source, sourceCtx, spec.maxQueued);
        loops.push(this.#pump(running, running.source));
      } catch (err) {
        this.#fail(err);
      }
    }
    spec.stages.forEach((stage, i) => {
      const run = this;
      const host: StageHost = {
        ctx: stageCtxs[i]!,
        input: joins[i]!,
        output: joins[i + 1]!,
        get stopped() {
          return run.#ended || running.stageStopped[i]!;
        },
        fail: (err) => {
          if (!running.stageStopped[i]) this.#fail(err);
        },
        cutUpstream: () => this.#cut(running, i),
      };
      loops.push(stage.start(host));
    });
    // Loops never reject; one that did would be a bug here, reported as the run's failure.
    void Promise.all(loops.map((loop) => loop.catch((err: unknown) => this.#fail(err)))).then(() => {
      // Completed, failed or stopped: release the contexts and the listener.
      this.#ended = true;
      if (this.#onAbort !== undefined) signal?.removeEventListener('abort', this.#onAbort);
      cancelRun();
      resolveSettled();
    });
    return running;
  }

  async #pump(running: Running, source: PullSource<unknown>): Promise<void> {
    const first = running.joins[0]!;
    let exhausted = false;
    try {
      for (;;) {
        const step = await source.next();
        if (step.done) {
          exhausted = true;
          break;
        }
        await first.push(step.value);
      }
      first.close();
    } catch (err) {
      if (!isTornDown(err) && !running.sourceStopped && !this.#ended) this.#fail(err);
    } finally {
      if (!exhausted) await this.#closeSource(running);
    }
  }

  async #closeSource(running: Running): Promise<void> {
    try {
      await running.source?.close();
    } catch {
      // Stopping a source that fails to stop: the run already has its outcome.
    }
  }

  /** The first failure wins: it ends every context, tears down every buffer, closes the source. */
  #fail(err: unknown): void {
    if (this.#ended) return;
    this.#failed = true;
    this.#error = err;
    this.#teardown(err);
  }

  #stop(): void {
    if (this.#ended) return;
    if (this.#running === undefined) {
      this.#ended = true; // never started: nothing to stop
      return;
    }
    this.#teardown(new WeftError('CANCELED', 'the pipeline was stopped by its consumer'));
  }

  #teardown(cause: unknown): void {
    this.#ended = true;
    const running = this.#running;
    if (running === undefined) return;
    running.sourceStopped = true;
    for (const join of running.joins) join.destroy();
    for (const cancel of running.stageCancels) cancel(cause);
    running.sourceCancel(cause);
    running.cancelRun(cause);
    void this.#closeSource(running);
  }

  /** take at stage `k` has what it needs: stop the source and stages 0..k-1, no error. */
  #cut(running: Running, k: number): void {
    if (this.#ended) return;
    const cause = new WeftError('CANCELED', 'a later take() stage has all the items it needs');
    running.sourceStopped = true;
    for (let i = 0; i <= k; i++) running.joins[i]!.destroy();
    for (let i = 0; i < k; i++) {
      running.stageStopped[i] = true;
      running.stageCancels[i]!(cause);
    }
    running.sourceCancel(cause);
    void this.#closeSource(running);
  }
}
