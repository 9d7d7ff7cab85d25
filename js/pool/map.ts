/**
 * `pool.map()` for every kind of pool: runs a task per item of a sync or async iterable,
 * pulled lazily, with at most `concurrency` in flight; yields in input order (Go's
 * channel-of-channels pattern) or as tasks finish. Stopping early cancels what is queued.
 * @internal
 */
import { WeftError } from '../errors.js';
import { RUN_OPTION_KEYS, checkRunOptions, type RunOptions } from './options.js';

/** Options for `map()`. */
export interface MapOptions extends Omit<RunOptions, 'signal'> {
  /** Yield results in input order (default) or as they finish. */
  ordered?: boolean;
  /** Most tasks in flight at once. Default: twice the pool's max size. */
  concurrency?: number;
  /** Stops pulling input and cancels queued tasks. */
  signal?: AbortSignal;
}

type Submit = (name: string, arg: unknown, options: RunOptions) => Promise<unknown>;

/** Every key `MapOptions` has. */
const MAP_OPTION_KEYS: readonly string[] = [...RUN_OPTION_KEYS, 'ordered', 'concurrency'];

export async function* mapTasks(
  submit: Submit,
  name: string,
  source: Iterable<unknown> | AsyncIterable<unknown>,
  options: MapOptions,
  defaultConcurrency: number,
): AsyncGenerator<unknown, void, undefined> {
  checkRunOptions(options, MAP_OPTION_KEYS, 'Pool.map option');
  const { ordered = true, concurrency = defaultConcurrency, signal, ...runOptions } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new WeftError('INVALID_ARGUMENT', `map option concurrency must be a positive integer, got ${concurrency}`);
  }
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  const inFlight: { promise: Promise<unknown>; settled: Promise<number>; index: number }[] = [];
  let exhausted = false;
  let index = 0;
  try {
    for (;;) {
      while (!exhausted && inFlight.length < concurrency) {
        if (stop.signal.aborted) throw stop.signal.reason;
        const step = await iterator.next();
        if (step.done) {
          exhausted = true;
          break;
        }
        const i = index++;
        const promise = submit(name, step.value, { ...runOptions, signal: stop.signal });
        promise.catch(() => {});
        inFlight.push({ promise, index: i, settled: promise.then(() => i, () => i) });
      }
      if (inFlight.length === 0) return;
      if (ordered) {
        yield await inFlight.shift()!.promise;
      } else {
        const finished = await Promise.race(inFlight.map((t) => t.settled));
        const at = inFlight.findIndex((t) => t.index === finished);
        yield await inFlight.splice(at, 1)[0]!.promise;
      }
    }
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    if (inFlight.length > 0) stop.abort(new WeftError('CANCELED', 'map() stopped before this task ran'));
    if (!exhausted) await iterator.return?.();
  }
}
