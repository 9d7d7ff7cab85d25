/**
 * A pool of workers running the functions of one task module: worker threads fed through
 * weft's native dispatcher (a lock-free queue, parked workers, coalesced completions)
 * instead of `postMessage`, or child processes with `isolation: 'process'`. Related to
 * piscina, with Go's bounded-queue and result-channel patterns.
 *
 * `Pool` is the front: the API, the task table, `results()`, backpressure, timeouts,
 * cancellation and retries, stats, close and the process-exit hook. What runs the tasks
 * is an {@link Executor} (./executor.ts): ./thread/ or ./process/.
 *
 * Every call names its task first: `run(name, arg?, options?)`, the same for `trySubmit`,
 * `submit`, `post` and `map`; `'default'` is the default export. Give the pool its task
 * module's type to have names, arguments and results checked (./task-types.ts).
 *
 * @example
 * // tasks.mjs: export function resize(img, { signal }) { ... }; export default (x) => x + 1
 * const pool = new Pool<typeof import('./tasks.mjs')>({ filename: new URL('./tasks.mjs', import.meta.url), size: 4, maxQueue: 1024 })
 * await pool.run('resize', img, { timeout: 2_000 })
 * await pool.run('default', 41)                   // the default export
 * for await (const out of pool.map('resize', images)) save(out)
 * await pool.close()
 */
import { performance } from 'node:perf_hooks';

import { KIND_BYTES, KIND_SERIALIZED, abandon, decode, encode, encodedKind, encodedShared, fromSlot, needsBeside, slotNumber } from '../native/codec.js';
import { WeftError, abortError, deserializeError, fromNative, isWeftError, type SerializedError } from '../errors.js';
import { mayHoldHandles, refuseHandles } from '../native/handles.js';
import { nativeCall } from '../rate/call.js';
import { PoolMetrics, type LatencyStats, type PoolStats } from './metrics.js';
import { cancelledTaskError, checkRunOptions, resolvePoolOptions, taskSignal, type PoolOptions, type ResolvedPoolOptions, type RunOptions } from './options.js';
import type { SharedRegistry } from './shared-memory.js';
import { detach } from './transfer.js';
import { AsyncQueue } from './async-queue.js';
import { mapTasks, type MapOptions } from './map.js';
import { RoomWaiters, submitWaitingForRoom } from './room.js';
import type { ContextEnvelope } from './task-context.js';
import { TaskTable } from './task-table.js';
import { DrainFailures } from '../wait/drain-failures.js';
import type { Executor, ExecutorHost, ExecutorTerms, WorkerExit } from './executor.js';
import { ProcessExecutor } from './process/executor.js';
import { ThreadExecutor } from './thread/executor.js';
import type { TaskArg, TaskArgs, TaskName, TaskOutput, UntypedTasks } from './task-types.js';
import { Wire } from '../native/wire.js';

const SUBMIT_FIELDS = Wire.SUBMIT_FIELDS;
const DRAIN_FIELDS = Wire.DRAIN_FIELDS;
const PACKED_INDEX_MASK = Wire.PACKED_INDEX_MASK;
const FLAG_OK = Wire.FLAG_OK;
const FLAG_WITH_CONTEXT = Wire.FLAG_WITH_CONTEXT;

export type { LatencyStats, PoolStats };

/** A fire-and-forget task's outcome, from `pool.results()`; `T` is what its task resolves with. */
export type TaskResult<T = unknown> = { id: number; ok: true; value: T } | { id: number; ok: false; error: Error };

/** Options for `close()`. */
export interface CloseOptions {
  /** Milliseconds to let queued and running tasks finish before workers are stopped. Default: Infinity. */
  timeout?: number;
}


/** How a `run()` task's promise is settled (a failure resolves it with a rejecting thenable). */
type Resolve = (value: unknown) => void;

/**
 * A task in flight that needs more than its resolve function: a `post()`ed one (its outcome
 * goes to `results()`) or one with a signal, a timeout, retries or shared memory (`extra`).
 * A plain `run()` task is only its resolve function in the table: a queued task's memory
 * is mostly this, and every object per task is also work for the GC.
 */
interface Pending {
  id: number;
  /** Undefined for `post()`ed tasks. */
  resolve: Resolve | undefined;
  extra?: TaskExtra;
}

/** A task in the table: its resolve function (plain) or its record. */
type Entry = Pending | Resolve;

/** Bytes payloads up to this size are copied in JS and batched; larger ones go natively at once. */
const SMALL_BYTES = 1024;


/** Per-task state only tasks with a signal, a timeout, retries or shared memory need. */
interface TaskExtra {
  timer?: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
  timedOut?: boolean;
  /** The caller's signal aborted while the task ran: its reason, for the rejection's cause. */
  aborted?: { reason: unknown };
  /** Shared buffers the argument sends by id: kept alive until the task settles. */
  shared?: SharedArrayBuffer[];
  /** What a retry after a crash resubmits (only when `retries` > 0). */
  retry?: { func: number; priority: number; kind: number; payload: unknown; arg: unknown; attempts: number };
}

const DRAIN_BATCH = 8192;
/** Tasks gathered per native submit call (submissions made in one tick share a call). */
const SUBMIT_BATCH = 1024;
/** The main thread polls for completions for up to this long after a submit... */
const MAIN_SPIN_US = 30;
/** ...while the recent average task run time is below this. */
const MAIN_SPIN_UNDER_US = 20;

/** The executors of pools not yet closed (the exit hook's). */
const liveExecutors = new Set<Executor>();
let exitHookInstalled = false;

export type { MapOptions };

/**
 * A pool of workers (threads, or child processes). `M` is the task module's type
 * (`typeof import('./tasks.js')`): with it each call's name, argument and result are typed;
 * without it any name and argument compile and results are `unknown`. See the module doc.
 */
export class Pool<M extends object = UntypedTasks> {
  readonly #options: ResolvedPoolOptions;
  readonly #executor: Executor;
  /** The executor's, read per task: see {@link Executor}. */
  readonly #shared: SharedRegistry | undefined;
  readonly #sharesHandles: boolean;
  readonly #terms: ExecutorTerms;
  /** Every task goes to the executor at once: it takes no batches, or the queue is bounded. */
  readonly #direct: boolean;
  /**
   * Tasks in flight by id. The tasks of one tick share a block of the table and its
   * submission time (performance.now() ms, read once per tick).
   */
  readonly #pending = new TaskTable<Entry>(() => performance.now());
  readonly #funcIds = new Map<string, number>();
  readonly #room: RoomWaiters;
  readonly #results = new AsyncQueue<TaskResult>();
  readonly #keepAlive: NodeJS.Timeout;
  /** Most tasks in flight (queued or running): `maxQueue` waiting beyond one per worker. */
  readonly #queueLimit: number;
  readonly #metrics = new PoolMetrics();
  /** Live workers, and those of them ready for tasks. */
  #workers = 0;
  #ready = 0;
  // Submissions of the current tick, flushed in one native call (see #flush).
  readonly #batchMeta = new Float64Array(SUBMIT_BATCH * SUBMIT_FIELDS);
  readonly #batchValues: unknown[] = [];
  readonly #batchIds: number[] = [];
  #flushScheduled = false;
  #pollScheduled = false;
  readonly #drainFailures = new DrainFailures('Pool drain');
  readonly #pollBound = () => {
    this.#pollScheduled = false;
    this.#onWakeup();
  };
  readonly #flushBound = () => this.#flush();
  readonly #drainMeta = new Float64Array(DRAIN_BATCH * DRAIN_FIELDS);
  readonly #drainValues: unknown[] = new Array(DRAIN_BATCH);
  #closing: Promise<void> | undefined;
  #closed = false;
  #forced = false;
  #forceTimer: NodeJS.Timeout | undefined;
  #forceAt = Infinity;
  #startupError: WeftError | undefined;
  #everReady = false;
  /** Moving average of task run times (us), for deciding whether to poll. */
  #recentRunUs = 0;
  #onIdle: (() => void) | undefined;

  /**
   * Starts `min` workers (the size, for a fixed size). Throws INVALID_ARGUMENT for a bad
   * option. With `isolation: 'process'` the workers are child processes (same API; see
   * js/pool/process/executor.ts for what differs).
   */
  constructor(options: PoolOptions) {
    this.#options = resolvePoolOptions(options);
    const host: ExecutorHost = {
      wake: () => this.#onWakeup(),
      workerReady: () => {
        this.#ready++;
        this.#everReady = true;
      },
      workerExited: (exit) => this.#onWorkerExit(exit),
      shouldRetire: () => this.#workers > this.#options.min,
    };
    // The native queue cannot cross processes: child processes have an executor of their own.
    const executor: Executor = (this.#executor =
      this.#options.isolation === 'process' ? new ProcessExecutor(this.#options, host) : new ThreadExecutor(this.#options, host));
    this.#shared = executor.shared;
    this.#sharesHandles = executor.sharesHandles;
    this.#terms = executor.terms;
    this.#direct = executor.submitBatch === undefined || this.#options.maxQueue !== Infinity;
    // Room in the queue is counted here, for every executor alike (see #hasRoom).
    this.#queueLimit = this.#options.maxQueue + this.#options.max;
    this.#room = new RoomWaiters(
      (delta) => executor.roomWaiters(delta),
      () => this.#hasRoom(),
    );
    // Tasks in flight keep the process alive through this timer; an idle pool does not
    // (its workers are unref()ed until `ref()`).
    this.#keepAlive = setInterval(noop, 2 ** 30);
    this.#keepAlive.unref();
    executor.setRef(false);
    liveExecutors.add(executor);
    installExitHook();
    for (let i = 0; i < this.#options.min; i++) this.#spawn();
  }

  /**
   * Where tasks run: 'thread' (worker threads) or 'process' (child processes).
   *
   * @example
   * new Pool({ filename, isolation: 'process' }).isolation // 'process'
   */
  get isolation(): 'thread' | 'process' {
    return this.#options.isolation;
  }

  /**
   * Runs task `name` (an export of the task module; `'default'` for the default export)
   * with `arg`, and resolves with its result. Rejects with INVALID_ARGUMENT for a name that
   * is not a string or that the module does not export as a function (the error lists the
   * exports), QUEUE_FULL when `maxQueue` tasks are waiting, POOL_CLOSED after `close()`,
   * CANCELED when `signal` aborts (TIMEOUT for an `AbortSignal.timeout()`), TIMEOUT past
   * `timeout`, WORKER_CRASHED when its worker dies, UNSERIALIZABLE when `arg` cannot cross to
   * the workers, or with the error the task threw (name, message, stack, code, cause kept).
   *
   * @example
   * await pool.run('resize', img, { timeout: 2_000 })
   * await pool.run('default', 41)
   */
  run<K extends TaskName<M>>(name: K, ...rest: TaskArgs<M, K, RunOptions>): Promise<TaskOutput<M, K>>;
  run(name: string, arg?: unknown, options?: RunOptions): Promise<unknown> {
    const promise = new Promise(captureResolvers);
    const resolve = capturedResolve;
    try {
      this.#enqueue(name, arg, options, resolve, false, 'Pool.run');
    } catch (err) {
      capturedReject(err);
    }
    return promise;
  }

  /**
   * Like `run`, but throws QUEUE_FULL (or POOL_CLOSED, INVALID_ARGUMENT, UNSERIALIZABLE)
   * synchronously instead of returning a rejected promise.
   *
   * @example
   * try { pending.push(pool.trySubmit('resize', img)) } catch (err) { if (isWeftError(err, 'QUEUE_FULL')) shed(img) }
   */
  trySubmit<K extends TaskName<M>>(name: K, ...rest: TaskArgs<M, K, RunOptions>): Promise<TaskOutput<M, K>>;
  trySubmit(name: string, arg?: unknown, options?: RunOptions): Promise<unknown> {
    return this.#trySubmit(name, arg, options, 'Pool.trySubmit');
  }

  #trySubmit(name: unknown, arg: unknown, options: RunOptions | undefined, what: string): Promise<unknown> {
    const promise = new Promise(captureResolvers);
    this.#enqueue(name, arg, options, capturedResolve, false, what);
    return promise;
  }

  /**
   * Like `run`, but when the queue is full waits for room, up to `options.timeout` ms for
   * the room (then rejects with TIMEOUT); the same `timeout` then also bounds the task.
   * Backpressure for producers that must not outrun the pool.
   *
   * @example
   * for await (const img of incoming) done.push(await pool.submit('resize', img, { timeout: 5_000 }))
   */
  submit<K extends TaskName<M>>(name: K, ...rest: TaskArgs<M, K, RunOptions>): Promise<TaskOutput<M, K>>;
  submit(name: string, arg?: unknown, options?: RunOptions): Promise<unknown> {
    return this.#submit(name, arg, options ?? {}, 'Pool.submit');
  }

  #submit(name: unknown, arg: unknown, options: RunOptions, what: string): Promise<unknown> {
    return submitWaitingForRoom(() => this.#trySubmit(name, arg, options, what), this.#room, options);
  }

  /**
   * Fire-and-forget: queues a task and returns its id at once; its outcome arrives on
   * `results()`. Throws like `trySubmit`.
   *
   * @example
   * const id = pool.post('resize', img)
   */
  post<K extends TaskName<M>>(name: K, ...rest: TaskArgs<M, K, RunOptions>): number;
  post(name: string, arg?: unknown, options?: RunOptions): number {
    return this.#enqueue(name, arg, options, undefined, true, 'Pool.post');
  }

  /**
   * The outcomes of `post()`ed tasks as they finish (Go's result channel). Ends once the
   * pool is closed and every posted task has been delivered.
   */
  results(): AsyncIterable<TaskResult<TaskOutput<M, TaskName<M>>>> {
    return this.#results as AsyncIterable<TaskResult<TaskOutput<M, TaskName<M>>>>;
  }

  /**
   * Runs `name` over every item of `source` (sync or async iterable, pulled lazily, so an
   * endless generator never materialises) with at most `concurrency` tasks in flight.
   * Yields results in input order unless `ordered: false`. Stopping the iteration early
   * cancels the tasks still queued. Options are those of `run` plus `ordered` and
   * `concurrency`; a bad one rejects the first `next()` with INVALID_ARGUMENT.
   *
   * @example
   * for await (const thumb of pool.map('resize', images, { concurrency: 8 })) save(thumb)
   */
  map<K extends TaskName<M>>(
    name: K,
    source: Iterable<TaskArg<M, K>> | AsyncIterable<TaskArg<M, K>>,
    options?: MapOptions,
  ): AsyncGenerator<TaskOutput<M, K>, void, undefined>;
  map(name: string, source: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions = {}): AsyncGenerator<unknown, void, undefined> {
    return mapTasks((n, a, o) => this.#submit(n, a, o, 'Pool.map'), name, source, options, this.#options.max * 2);
  }

  /** Counters and latency histograms; cheap enough to poll. */
  stats(): PoolStats {
    const [queued, running] = this.#executor.counts();
    return this.#metrics.snapshot({ queued, running, workers: this.#workers });
  }

  /** Number of live workers. */
  get size(): number {
    return this.#workers;
  }

  /** Tasks submitted and not yet settled. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Stops accepting tasks (POOL_CLOSED), lets queued and running tasks finish, stops the
   * workers, then resolves. Past `timeout` ms it terminates the workers and rejects what
   * remains with POOL_CLOSED (details: reason 'shutdown timeout'). Calling it again
   * returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeout = options.timeout ?? Infinity;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      return Promise.reject(new WeftError('INVALID_ARGUMENT', `close option timeout must be a non-negative number, got ${String(timeout)}`));
    }
    if (this.#closing !== undefined) {
      // Already closing: a timeout given now still bounds the wait.
      if (timeout !== Infinity) this.#armForceStop(timeout);
      return this.#closing;
    }
    this.#closed = true;
    // Closing keeps the process alive until the workers are gone and `close()` resolves.
    this.#keepAlive.ref();
    this.#flush();
    try {
      this.#executor.close();
    } catch (err) {
      return Promise.reject(fromNative(err, 'Pool.close')); // not closing yet: a later close() tries again
    }
    this.#room.close(new WeftError('POOL_CLOSED', 'the pool closed while waiting for room in its queue'));
    this.#closing = new Promise<void>((resolve) => {
      this.#onIdle = () => {
        if (this.#pending.size > 0 || this.#workers > 0) return;
        if (this.#forceTimer) clearTimeout(this.#forceTimer);
        this.#dispose();
        resolve();
      };
    });
    if (timeout !== Infinity) this.#armForceStop(timeout);
    this.#replenish();
    this.#onIdle!();
    return this.#closing;
  }

  #armForceStop(timeout: number): void {
    const at = performance.now() + timeout;
    if (this.#forceAt <= at) return;
    this.#forceAt = at;
    if (this.#forceTimer) clearTimeout(this.#forceTimer);
    this.#forceTimer = setTimeout(() => this.#forceStop(timeout), timeout);
  }

  /** `await using pool = new Pool(...)` closes it (waiting for tasks) at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Lets the process exit while this pool is idle: the default. Tasks queued or running
   * still keep the process alive until they settle, and so does a `close()` under way.
   *
   * @example
   * pool.ref(); ...; pool.unref() // back to the default
   */
  unref(): this {
    this.#executor.setRef(false);
    return this;
  }

  /**
   * Keeps the process alive while the pool is open, idle or not (its workers hold the event
   * loop, as a server socket does), until `unref()` or `close()`.
   *
   * @example
   * const pool = new Pool({ filename }).ref() // a service whose work arrives from the pool's tasks alone
   */
  ref(): this {
    this.#executor.setRef(true);
    return this;
  }

  // --- submission ------------------------------------------------------------------

  #enqueue(
    name: unknown,
    arg: unknown,
    options: RunOptions | undefined,
    resolve: ((v: unknown) => void) | undefined,
    detached: boolean,
    what = 'Pool.run', // names the call in native failures
  ): number {
    if (this.#closed) throw new WeftError('POOL_CLOSED', 'the pool is closed', { details: { operation: what } });
    if (this.#startupError !== undefined) throw this.#startupError;
    let func = this.#funcIndex(name, what);
    let priority = 0;
    let signal: AbortSignal | undefined;
    let timeout: number | undefined;
    if (options !== undefined) {
      checkRunOptions(options, undefined, `${what} option`);
      priority = options.priority ?? 0;
      signal = taskSignal(options);
      timeout = options.timeout;
      if (signal?.aborted) {
        this.#metrics.canceled++;
        throw cancelledTaskError(signal.reason, 'the task was cancelled by its signal before it was queued', { phase: 'queued', operation: what });
      }
    }
    if (this.#pending.size >= this.#queueLimit) {
      const { maxQueue } = this.#options;
      throw new WeftError('QUEUE_FULL', `the pool's queue is full (${maxQueue} task${maxQueue === 1 ? '' : 's'} waiting)`, {
        details: { maxQueue, operation: what },
      });
    }
    if (!this.#sharesHandles) {
      // Refused before anything is sent; a context reaches such a task through its signal only.
      refuseHandles(arg, 'a task argument');
    } else if (options?.ctx !== undefined) {
      // The worker revives the context from the argument's envelope (it pins the handle).
      func |= FLAG_WITH_CONTEXT;
      arg = { ctx: options.ctx, arg } satisfies ContextEnvelope;
    }
    let payload = encode(arg, this.#options.maxPayload, this.#shared);
    const kind = encodedKind;
    const shared = encodedShared;
    // A bytes payload is a view over the caller's memory: it is copied before run()
    // returns, so later writes by the caller are never seen by the task. A small one is
    // copied here and keeps the batched path; a large one is copied natively, at once.
    let bytes = kind >= KIND_BYTES;
    if (bytes && (payload as Uint8Array).byteLength <= SMALL_BYTES) {
      payload = new Uint8Array(payload as Uint8Array);
      bytes = false;
    }
    const cancellable = signal !== undefined || timeout !== undefined;
    const direct = cancellable || bytes || this.#direct;
    // A task submitted directly goes after whatever this tick already gathered (FIFO).
    if (direct && this.#batchIds.length > 0) this.#flush();
    // The tasks submitted in one tick share one submission time, read when the first of
    // them was submitted (a clock read per task cost the main thread measurably on tiny
    // tasks): the microtask that flushes them also seals their block of the task table.
    const id = this.#pending.takeId();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushBound);
    }
    const rich = cancellable || shared !== undefined || this.#options.retries > 0;
    const task: Pending | undefined = rich || detached ? { id, resolve: detached ? undefined : resolve, extra: rich ? {} : undefined } : undefined;
    const entry: Entry = task ?? resolve!;
    if (direct) {
      // Needs an immediate answer (QUEUE_FULL now), a native handle to cancel by, or its
      // bytes copied now: submit directly (after the tick's gathered tasks, flushed above).
      try {
        this.#executor.submit(id, func, priority, cancellable, kind, payload);
      } catch (err) {
        abandon(kind, payload); // refused (QUEUE_FULL, POOL_CLOSED): never sent
        throw fromNative(err, what);
      }
      if (this.#pending.size === 0) this.#keepAlive.ref();
      this.#pending.add(id, entry);
    } else {
      if (this.#pending.size === 0) this.#keepAlive.ref();
      this.#pending.add(id, entry);
      const n = this.#batchIds.length;
      const at = n * SUBMIT_FIELDS;
      const meta = this.#batchMeta;
      meta[at] = id;
      meta[at + 1] = func;
      meta[at + 2] = priority;
      meta[at + 3] = kind;
      meta[at + 4] = slotNumber(kind, payload);
      if (needsBeside(kind)) this.#batchValues[n] = payload;
      this.#batchIds.push(id);
      if (n + 1 === SUBMIT_BATCH) this.#flush();
    }
    const extra = task?.extra;
    if (extra !== undefined) {
      if (shared !== undefined) extra.shared = shared;
      if (this.#options.retries > 0) {
        // A retry resubmits what was sent, not what the caller's objects hold by then;
        // except a value holding weft objects, encoded again so each delivery has its pins.
        if (bytes) payload = new Uint8Array(payload as Uint8Array);
        const reencode = kind === KIND_SERIALIZED && mayHoldHandles(payload as Uint8Array);
        extra.retry = { func, priority, kind, payload: reencode ? undefined : payload, arg: reencode ? arg : undefined, attempts: 0 };
      }
      if (signal !== undefined) {
        extra.signal = signal;
        extra.onAbort = () => this.#abortTask(id, signal.reason);
        signal.addEventListener('abort', extra.onAbort, { once: true });
      }
      if (timeout !== undefined) extra.timer = setTimeout(() => this.#timeoutTask(id, timeout), timeout);
    }
    if (options?.transfer !== undefined) detach(options.transfer);
    if (this.#pending.size > this.#workers && this.#workers < this.#options.max) this.#spawn();
    return id;
  }

  /** The function index of task `name`; INVALID_ARGUMENT unless it is a non-empty string. */
  #funcIndex(name: unknown, what: string): number {
    if (typeof name !== 'string' || name === '') {
      const got = name === '' ? 'an empty string' : name === null ? 'null' : typeof name;
      throw new WeftError('INVALID_ARGUMENT', `${what}: the task name comes first and must be the name of an export of the task module ('default' for the default export), got ${got}`, {
        details: { option: 'name', value: name, operation: what },
      });
    }
    const key = name;
    let index = this.#funcIds.get(key);
    if (index === undefined) {
      index = nativeCall(() => this.#executor.intern(key), what);
      this.#funcIds.set(key, index);
    }
    return index;
  }

  // --- completion ------------------------------------------------------------------

  #onWakeup(): void {
    this.#drain();
    this.#room.wakeAll();
  }

  /**
   * Hands this tick's gathered submissions to the dispatcher in one native call, and ends
   * the task table's block (later submissions get a fresh submission time).
   */
  #flush(): void {
    this.#flushScheduled = false;
    this.#pending.seal();
    const tasks = this.#batchIds;
    if (tasks.length === 0) return;
    let queued = 0;
    let failure: unknown;
    try {
      queued = this.#executor.submitBatch!(this.#batchMeta, tasks.length, this.#batchValues);
    } catch (err) {
      failure = fromNative(err, 'Pool.run');
    }
    const refused = queued === tasks.length ? undefined : tasks.slice(queued);
    for (let i = queued; i < tasks.length; i++) abandon(this.#batchMeta[i * SUBMIT_FIELDS + 3]!, this.#batchValues[i]);
    tasks.length = 0;
    this.#batchValues.length = 0;
    for (const id of refused ?? []) {
      this.#finish(id, false, failure ?? new WeftError('POOL_CLOSED', 'the pool closed before the task was queued'));
    }
    // Short tasks come back within microseconds: wait for them here rather than sleeping
    // until a cross-thread wakeup (tens of microseconds). Only while recent tasks were short
    // and every task in flight has a worker: with a backlog the results cannot all come
    // within the spin, and a spinning main thread would take CPU from the workers.
    const inFlight = this.#pending.size;
    if (inFlight > 0 && inFlight <= this.#ready && this.#recentRunUs < MAIN_SPIN_UNDER_US) {
      this.#drain(MAIN_SPIN_US);
    }
  }

  /** Settles the completions waiting natively, after spinning up to `spinUs` for one. */
  #drain(spinUs = 0): void {
    const meta = this.#drainMeta;
    const values = this.#drainValues;
    let n: number;
    try {
      n = this.#executor.drain(meta, values, spinUs);
    } catch (err) {
      // Nothing was taken: try again shortly (this runs from the wakeup, where a throw
      // would end the process, and no other wakeup is armed until a drain succeeds).
      this.#retryDrain(err);
      return;
    }
    this.#drainFailures.reset();
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      const at = i * DRAIN_FIELDS;
      const word = meta[at + 1]!;
      const kind = word & PACKED_INDEX_MASK;
      const value = fromSlot(kind, meta[at + 3]!, values[i]);
      values[i] = undefined;
      this.#settle(meta[at]!, (word & FLAG_OK) !== 0, kind, value, meta[at + 2]!, now);
    }
    // While completions keep coming, keep polling once per event-loop turn (no wakeup is
    // armed meanwhile); an empty drain re-armed the wakeup natively.
    if (n > 0 && !this.#pollScheduled) {
      this.#pollScheduled = true;
      setImmediate(this.#pollBound);
    }
  }

  /** A drain call failed: retry after a backoff. */
  #retryDrain(err: unknown): void {
    const delay = this.#drainFailures.record(err);
    if (!this.#pollScheduled) {
      this.#pollScheduled = true;
      setTimeout(this.#pollBound, delay);
    }
  }

  #settle(id: number, ok: boolean, kind: number, raw: unknown, runUs: number, now: number): void {
    const entry = this.#pending.get(id);
    if (entry === undefined) return; // already settled (timed out, crashed, cancelled)
    this.#metrics.recordRun(runUs);
    this.#recentRunUs += (runUs - this.#recentRunUs) / 16;
    this.#metrics.queueWait.record(Math.max(0, (now - this.#pending.stampOf(id)) * 1000 - runUs));
    let value = raw;
    if (kind >= KIND_SERIALIZED) {
      try {
        value = decode(kind, raw, this.#shared);
      } catch (err) {
        // The result (or error) arrived but cannot be made here: the task fails with why.
        const timedOut = typeof entry === 'object' && entry.extra?.timedOut;
        this.#finish(id, false, timedOut ? this.#timeoutError(id, false) : err);
        return;
      }
    }
    if (typeof entry === 'object' && entry.extra?.timedOut) {
      this.#finish(id, false, this.#timeoutError(id, false));
    } else if (ok) {
      this.#finish(id, true, value);
    } else {
      const error = deserializeError(value as SerializedError);
      const aborted = typeof entry === 'object' ? entry.extra?.aborted : undefined;
      // The task threw the abort its signal brought (TaskAbort): reject with the caller's reason as the cause.
      if (aborted !== undefined && isWeftError(error) && error.details?.taskAbort === true) {
        this.#finish(id, false, abortError(error.message, aborted.reason, { phase: 'running' }));
      } else {
        this.#finish(id, false, error);
      }
    }
  }

  /** Settles task `id` exactly once and does the bookkeeping. */
  #finish(id: number, ok: boolean, value: unknown): void {
    const entry = this.#pending.remove(id);
    if (entry === undefined) return;
    const extra = typeof entry === 'object' ? entry.extra : undefined;
    if (extra !== undefined) {
      if (extra.timer) clearTimeout(extra.timer);
      if (extra.onAbort) extra.signal!.removeEventListener('abort', extra.onAbort);
    }
    this.#metrics.recordOutcome(ok, value);
    const resolve = typeof entry === 'object' ? entry.resolve : entry;
    if (resolve === undefined) {
      this.#results.push(ok ? { id, ok: true, value } : { id, ok: false, error: value as Error });
    } else {
      resolve(ok ? value : rejection(value));
    }
    if (this.#room.size > 0) this.#room.wakeAll();
    if (this.#pending.size === 0) {
      if (!this.#closed) this.#keepAlive.unref();
      this.#onIdle?.();
    }
  }

  /** Whether a task submitted now would be accepted: fewer than the queue limit in flight. */
  #hasRoom(): boolean {
    return this.#pending.size < this.#queueLimit;
  }

  /**
   * The executor's `cancel(id)`, from an abort listener or a timer: a native failure fails
   * the task with it (its outcome, should it still run, is dropped) and counts as cancelled.
   */
  #cancelQueued(id: number): boolean {
    try {
      return this.#executor.cancel(id);
    } catch (err) {
      this.#finish(id, false, fromNative(err, 'Pool task cancel'));
      return true;
    }
  }

  #abortTask(id: number, reason: unknown): void {
    if (!this.#pending.has(id)) return;
    if (this.#cancelQueued(id)) {
      this.#finish(id, false, cancelledTaskError(reason, 'the task was cancelled by its signal before it ran', { phase: 'queued' }));
      this.#serveRoom();
      return;
    }
    // Running: tell the task (cooperative); it settles with whatever it returns or throws.
    // Should it throw its signal's reason, the rejection is made here, the caller's reason its cause.
    const task = this.#pending.get(id);
    if (typeof task === 'object' && task.extra !== undefined) task.extra.aborted = { reason };
    const told = abortError('the task was cancelled by its signal while it ran', reason);
    this.#executor.abort(id, { code: told.code, message: told.message, reason: String(reason) });
  }

  #timeoutTask(id: number, timeout: number): void {
    const task = this.#pending.get(id);
    if (typeof task !== 'object') return;
    const extra = task.extra!;
    extra.timer = undefined;
    if (this.#cancelQueued(id)) {
      this.#finish(id, false, new WeftError('TIMEOUT', `the task did not start within ${timeout} ms`, { details: { timeout, phase: 'queued', workerTerminated: false } }));
      this.#serveRoom();
      return;
    }
    extra.timedOut = true;
    this.#executor.abort(id, { code: 'TIMEOUT', message: `the task timed out (the pool's timeout of ${timeout} ms)`, reason: 'timeout' });
    // Past the grace period, a task still running gets its worker ended and replaced.
    extra.timer = setTimeout(() => {
      if (this.#pending.has(id)) this.#executor.terminate(id);
    }, this.#options.timeoutGrace);
  }

  #timeoutError(id: number, workerTerminated: boolean): WeftError {
    const { worker, ended } = this.#terms;
    return new WeftError('TIMEOUT', workerTerminated ? `the task timed out and ignored its abort signal: its ${worker} was ${ended} and replaced` : 'the task timed out', {
      details: { taskId: id, phase: 'running', workerTerminated, timeoutGrace: this.#options.timeoutGrace },
    });
  }

  /** Room may have appeared without a completion (a cancel): let waiting submitters retry. */
  #serveRoom(): void {
    if (this.#room.size > 0) queueMicrotask(() => this.#onWakeup());
  }

  // --- workers ---------------------------------------------------------------------

  #spawn(): void {
    this.#executor.spawn();
    this.#workers++;
    this.#metrics.noteWorkers(this.#workers);
  }

  #onWorkerExit(exit: WorkerExit): void {
    this.#workers--;
    if (exit.ready) {
      this.#ready--;
    } else if (exit.endedBy === undefined && (exit.loadFailed || !this.#everReady)) {
      // The task module failed to load (or the worker died before it could, with none
      // ever ready): fail everything now rather than respawning forever.
      this.#failStartup(exit);
      return;
    }
    const running = exit.running;
    const entry = running === undefined ? undefined : this.#pending.get(running);
    if (running !== undefined && entry !== undefined) {
      const extra = typeof entry === 'object' ? entry.extra : undefined;
      const retry = extra?.retry;
      if (exit.endedBy === 'timeout' || extra?.timedOut) {
        this.#finish(running, false, this.#timeoutError(running, true));
      } else if (this.#forced) {
        this.#finish(running, false, new WeftError('POOL_CLOSED', 'the pool was closed before the task finished', { details: { reason: 'shutdown timeout' } }));
      } else if (retry !== undefined && retry.attempts < this.#options.retries && !this.#closed) {
        retry.attempts++;
        this.#resubmit(entry as Pending);
      } else {
        this.#finish(running, false, this.#crashError(exit, (retry?.attempts ?? 0) + 1));
      }
    }
    this.#replenish();
    this.#onIdle?.();
  }

  #crashError({ endedBy, code, signal, error, stderr }: WorkerExit, attempts: number): WeftError {
    const { worker } = this.#terms;
    const stalled = endedBy === 'stall';
    const how = signal !== undefined && signal !== null ? `signal ${signal}` : `code ${code}`;
    return new WeftError(
      'WORKER_CRASHED',
      `the ${worker} running this task ${stalled ? `sent no heartbeat for ${this.#options.stallTimeout} ms and was restarted` : `exited (${how})`}`,
      {
        cause: error,
        // `signal` only where a signal can end a worker (child processes).
        // `stderr` (the end of what it wrote) where the executor sees it.
        details: {
          reason: stalled ? 'stalled' : 'crashed',
          exitCode: code,
          ...(signal === undefined ? {} : { signal }),
          attempts,
          ...(stderr ? { stderr } : {}),
        },
      },
    );
  }

  #resubmit(task: Pending): void {
    const extra = task.extra!;
    const retry = extra.retry!;
    let payload = retry.payload;
    try {
      if (retry.arg !== undefined) payload = encode(retry.arg, this.#options.maxPayload, this.#shared);
      this.#executor.submit(task.id, retry.func, retry.priority, extra.signal !== undefined || extra.timer !== undefined, retry.kind, payload);
    } catch (err) {
      if (retry.arg !== undefined) abandon(retry.kind, payload); // a fresh encoding, refused: give its pins back
      this.#finish(task.id, false, fromNative(err, 'Pool retry'));
    }
  }


  #replenish(): void {
    if (this.#forced || this.#startupError !== undefined) return;
    const workers = this.#workers;
    const wanted = this.#closed
      ? this.#pending.size > 0 && workers === 0
        ? 1
        : 0
      : Math.max(this.#options.min - workers, this.#pending.size > workers && workers < this.#options.max ? 1 : 0);
    for (let i = 0; i < wanted; i++) this.#spawn();
  }

  #failStartup({ error, code, signal }: WorkerExit): void {
    const { worker, place } = this.#terms;
    const why = error !== undefined ? ((error as Error)?.message ?? String(error)) : `the ${worker} exited (${signal ?? `code ${code}`}) before it was ready`;
    this.#startupError = new WeftError('INVALID_ARGUMENT', `the task module ${this.#options.fileUrl} failed to load in ${place}: ${why}`, {
      cause: error,
      details: { option: 'filename', fileUrl: this.#options.fileUrl },
    });
    for (const id of this.#executor.dropQueued()) this.#finish(id, false, this.#startupError);
    for (const id of this.#pending.ids()) this.#finish(id, false, this.#startupError);
    this.#executor.stopAll();
    this.#onIdle?.();
  }

  #forceStop(timeout: number): void {
    this.#forced = true;
    for (const id of this.#executor.dropQueued()) {
      this.#finish(id, false, new WeftError('POOL_CLOSED', `the pool closed before the task ran (shutdown timeout of ${timeout} ms)`, { details: { reason: 'shutdown timeout', timeout } }));
    }
    this.#executor.stopAll();
    this.#onIdle?.();
  }

  #dispose(): void {
    clearInterval(this.#keepAlive);
    this.#results.close();
    this.#executor.dispose();
    liveExecutors.delete(this.#executor);
  }
}

function noop(): void {}

// One shared executor instead of a closure per task (Node 20 has no Promise.withResolvers):
// `new Promise(captureResolvers)` runs it synchronously, so the captured pair is read at once.
// A task keeps only its resolve function: the reject function (64 bytes a queued task) is
// left to the GC, and a failure settles the promise by resolving it with a thenable that
// rejects (the promise adopts the rejection, two microtask turns later).
let capturedResolve: (value: unknown) => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function rejection(reason: unknown): PromiseLike<never> {
  const thenable = {
    then(_onFulfilled: unknown, onRejected: (reason: unknown) => void): void {
      onRejected(reason);
    },
  };
  return thenable as unknown as PromiseLike<never>;
}

function captureResolvers(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

// At process exit, every executor makes sure none of its workers holds the exit up (a
// thread parked in native code) or outlives it (a child process busy in sync code).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const executor of liveExecutors) executor.processExit();
  });
}
