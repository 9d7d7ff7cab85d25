/**
 * The stages of a pipeline as loops between two bounded buffers: a concurrent kernel
 * shared by map, filter, tap and flatMap (up to `concurrency` calls at once, emitted in
 * input order or as they finish), batch (by count, or by time on a Clock), and take (stops
 * everything upstream once it has its items). A stage owns at most `concurrency` items at
 * once (a slot is freed only when its output has been pushed on), which is what bounds how
 * far a source can run ahead of a stalled sink.
 * @internal
 *
 * @example
 * const spec = concurrentStage('map', (x) => x * 2, emitResult, { concurrency: 4, ordered: true, buffer: 16 })
 * await spec.start(host)   // settles once its input ended and every call it made has settled
 */
import type { Clock, Timer } from '../time/clock.js';
import type { Context } from '../context/context.js';
import { isTornDown, type BoundedBuffer } from './buffer.js';

/** What a stage function gets beside the item. */
export interface StageInfo {
  /**
   * The stage's context: it ends (CANCELED, with the failure as `cause`) when the pipeline
   * fails, is cancelled or stopped, or when a later `take` has what it needs. Hand
   * `ctx.signal` to fetch, timers and weft waits; a call that ignores it delays the end of
   * the run until it settles.
   */
  ctx: Context;
  /** The item's position in this stage's input, from 0. */
  index: number;
}

/** The run as one stage sees it. @internal */
export interface StageHost {
  readonly ctx: Context;
  readonly input: BoundedBuffer<unknown>;
  readonly output: BoundedBuffer<unknown>;
  /** Whether this stage should stop (the run failed or stopped, or a later take cut it off). */
  readonly stopped: boolean;
  /** Reports this stage's failure: the run fails with it, unless the stage was already stopped. */
  fail(err: unknown): void;
  /** Stops every stage before this one and the source, without an error (take). */
  cutUpstream(): void;
}

/** A stage as the builder records it. @internal */
export interface StageSpec {
  readonly name: string;
  /** Capacity of the buffer after this stage. */
  readonly buffer: number;
  /** Runs the stage; never rejects; settles once everything it started has settled. */
  start(host: StageHost): Promise<void>;
}

type StageFn = (item: unknown, info: StageInfo) => unknown;
/** Hands one call's result on: push zero, one or many items to `output`. */
type Emit = (result: unknown, item: unknown, output: BoundedBuffer<unknown>) => void | Promise<void>;

/** @internal */
export const emitResult: Emit = (result, _item, output) => output.push(result);
/** @internal */
export const emitIfTruthy: Emit = (keep, item, output) => (keep ? output.push(item) : undefined);
/** @internal */
export const emitItem: Emit = (_result, item, output) => output.push(item);
/** @internal */
export const emitEach: Emit = async (iterable, _item, output) => {
  if (iterable === null || typeof iterable !== 'object' || !(Symbol.iterator in iterable || Symbol.asyncIterator in iterable)) {
    throw new TypeError(`flatMap fn must return an iterable or async iterable, got ${iterable === null ? 'null' : typeof iterable}`);
  }
  // Either loop closes the inner iterator when a push fails (teardown). Items of a sync
  // iterable pass on as they are (a promise item is not awaited).
  if (Symbol.asyncIterator in iterable) {
    for await (const value of iterable as AsyncIterable<unknown>) await output.push(value);
  } else {
    for (const value of iterable as Iterable<unknown>) await output.push(value);
  }
};

function call(fn: StageFn, item: unknown, info: StageInfo): Promise<unknown> {
  try {
    return Promise.resolve(fn(item, info));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * map / filter / tap / flatMap: `fn` on up to `concurrency` items at once. Ordered, results
 * leave in input order (a finished call waits for the ones before it); unordered, as calls
 * finish. Either way pushes are serialised, so one call's items stay together.
 * @internal
 */
export function concurrentStage(
  name: string,
  fn: StageFn,
  emit: Emit,
  options: { concurrency: number; ordered: boolean; buffer: number },
): StageSpec {
  const { concurrency, ordered, buffer } = options;
  return {
    name,
    buffer,
    async start(host) {
      let index = 0;
      let active = 0;
      let failed = false;
      let slotFreed: (() => void) | undefined;
      // Emissions go one after another through this chain: a call joins it when it starts
      // (ordered: input order) or when it finishes (unordered: finishing order).
      let tail: Promise<void> = Promise.resolve();
      const reserve = (): Turn => {
        const prev = tail;
        let release = noop;
        tail = new Promise<void>((resolve) => (release = resolve));
        return { prev, release };
      };
      const running = new Set<Promise<void>>();
      const onError = (err: unknown): void => {
        if (isTornDown(err) || failed) return;
        failed = true;
        host.fail(err);
      };
      const settle = async (item: unknown, result: Promise<unknown>, turn: Turn | undefined): Promise<void> => {
        try {
          const value = await result;
          turn ??= reserve();
          await turn.prev;
          if (!failed && !host.stopped) await emit(value, item, host.output);
        } catch (err) {
          onError(err);
        } finally {
          turn?.release();
          active--;
          const wake = slotFreed;
          slotFreed = undefined;
          wake?.();
        }
      };
      try {
        for (;;) {
          while (active >= concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
          if (failed || host.stopped) break;
          const step = await host.input.pull();
          if (step.done) break;
          active++;
          const result = call(fn, step.value, { ctx: host.ctx, index: index++ });
          const task = settle(step.value, result, ordered ? reserve() : undefined);
          running.add(task);
          void task.then(() => running.delete(task));
        }
      } catch (err) {
        onError(err);
      }
      // Structured: the stage ends only once every call it made has settled.
      while (running.size > 0) await Promise.all(running);
      if (!failed && !host.stopped) host.output.close();
    },
  };
}

interface Turn {
  prev: Promise<void>;
  release: () => void;
}

function noop(): void {}

/**
 * batch: arrays of up to `size` items; with `maxWait`, a batch also leaves `maxWait` ms
 * (on `clock`) after its first item came, however few it has. The last, partial batch
 * leaves when the input ends.
 * @internal
 */
export function batchStage(size: number, maxWait: number, clock: Clock, buffer: number): StageSpec {
  return {
    name: 'batch',
    buffer,
    async start(host) {
      let batch: unknown[] = [];
      let timer: Timer | undefined;
      let due: Promise<typeof TIMER> | undefined;
      let pending: Promise<IteratorResult<unknown, undefined>> | undefined;
      const flush = async (): Promise<void> => {
        timer?.cancel();
        timer = undefined;
        due = undefined;
        const full = batch;
        batch = [];
        await host.output.push(full);
      };
      try {
        for (;;) {
          if (pending === undefined) {
            pending = host.input.pull();
            pending.catch(noop);
          }
          const step = due === undefined ? await pending : await Promise.race([pending, due]);
          if (step === TIMER) {
            // The pull stays pending across the flush: no item is lost to the race.
            await flush();
            continue;
          }
          pending = undefined;
          if (step.done) break;
          batch.push(step.value);
          if (batch.length === 1 && maxWait !== Infinity) {
            due = new Promise((resolve) => (timer = clock.setTimer(() => resolve(TIMER), maxWait)));
          }
          if (batch.length >= size) await flush();
        }
        if (batch.length > 0) await flush();
        host.output.close();
      } catch (err) {
        if (!isTornDown(err)) host.fail(err);
      } finally {
        timer?.cancel();
      }
    },
  };
}

const TIMER = Symbol('batch timer');

/**
 * take: passes on the first `count` items, then stops the source and every stage before
 * it (their contexts end; no error) and ends its output, so the run completes.
 * @internal
 */
export function takeStage(count: number, buffer: number): StageSpec {
  return {
    name: 'take',
    buffer,
    async start(host) {
      try {
        if (count === 0) host.cutUpstream();
        for (let taken = 0; taken < count; ) {
          const step = await host.input.pull();
          if (step.done) break;
          if (++taken === count) host.cutUpstream();
          await host.output.push(step.value);
        }
        host.output.close();
      } catch (err) {
        if (!isTornDown(err)) host.fail(err);
      }
    },
  };
}
