/**
 * What runs a pool's tasks: the workers (threads, child processes, ...) and the queue that
 * feeds them. The front (`Pool`) keeps everything a caller sees: task ids and the task
 * table, promises and `results()`, timeouts, cancellation and retries, backpressure,
 * metrics, the pool's size, close and the process-exit hook. An executor moves encoded
 * tasks to its workers and their outcomes back, and says when a worker is ready or gone.
 *
 * Tasks cross in the native wire's numbers (js/native/wire.ts): a task is its id, a
 * function index (from {@link Executor.intern}, with FLAG_WITH_CONTEXT when the argument
 * is a context envelope), a priority and an encoded argument (a kind and a payload, from
 * js/native/codec.ts). Every executor takes single tasks through {@link Executor.submit};
 * one with {@link Executor.submitBatch} also takes a tick's tasks in one call. Outcomes go
 * the other way: the executor calls {@link ExecutorHost.wake}, and the front takes them,
 * as many as fit, in Wire's DRAIN layout with {@link Executor.drain}.
 *
 * @example
 * // js/pool/thread/executor.ts and js/pool/process/executor.ts are the two there are:
 * const executor: Executor = options.isolation === 'process' ? new ProcessExecutor(options, host) : new ThreadExecutor(options, host)
 * executor.spawn(); executor.submit(id, executor.intern('resize'), 0, false, kind, payload)
 * const n = executor.drain(meta, values, 0) // after host.wake()
 * @internal
 */
import { WeftError, type ErrorCode } from '../errors.js';
import type { SharedRegistry } from './shared-memory.js';

/** Why the pool ended a worker (undefined: it ended by itself, e.g. a crash). */
export type EndedBy = 'timeout' | 'stall' | 'shutdown' | 'idle';

/** A worker that is gone, as its executor saw it go. */
export interface WorkerExit {
  /** The id of the task it was running, if any. */
  running: number | undefined;
  /** Whether it had become ready (taking tasks) before it went. */
  ready: boolean;
  endedBy: EndedBy | undefined;
  /** Its exit code (null when a signal ended it). */
  code: number | null;
  /** The signal that ended it (null: none); absent where no signal can end a worker (threads). */
  signal?: NodeJS.Signals | null;
  /** What it reported or threw as it went (a failed module load, an uncaught error). */
  error: unknown;
  /** It said the task module failed to load: the pool fails for good rather than respawn. */
  loadFailed: boolean;
  /** The end of what it wrote to stderr, where the executor sees it (child processes). */
  stderr?: string;
}

/** Why a running task's signal aborted, as sent to its worker: the WeftError made of it there. */
export interface TaskAbort {
  code: ErrorCode;
  message: string;
  /** The caller's reason, as text (the value itself stays with the pool, as the rejection's cause). */
  reason: string;
}

/**
 * The reason a running task's signal aborts with, in its worker: a WeftError marked
 * `details.taskAbort`, so the pool knows a task that threw it was stopped by its abort.
 */
export function taskAbortError(why: TaskAbort): WeftError {
  return new WeftError(why.code, why.message, { details: { reason: why.reason, taskAbort: true } });
}

/** Words for messages about an executor's workers. */
export interface ExecutorTerms {
  /** What runs a task: 'worker', 'process'. */
  worker: string;
  /** What ending one is: 'terminated', 'killed'. */
  ended: string;
  /** Where a task module loads: 'a worker', 'a child process'. */
  place: string;
}

/** What an executor tells the front. */
export interface ExecutorHost {
  /** Outcomes wait in `drain()`, or room may have appeared in the queue: drain soon. */
  wake(): void;
  /** A worker is ready to take tasks. */
  workerReady(): void;
  /** A worker is gone (the front settles or retries its task and replaces it). */
  workerExited(exit: WorkerExit): void;
  /** A worker has been idle for `idleTimeout`: whether to stop it (the pool is over its `min`). */
  shouldRetire(): boolean;
}

/**
 * One way to run a pool's tasks. Calls named "may throw" throw a WeftError (or a native
 * error the front converts); every other call is made from events, where a throw would
 * end the process, so it reports native failures as warnings instead.
 */
export interface Executor {
  /** Sends SharedArrayBuffers to the workers by id; undefined: shared memory cannot reach them. */
  readonly shared: SharedRegistry | undefined;
  /** Whether weft objects (channels, mutexes, contexts) can reach the workers (same process). */
  readonly sharesHandles: boolean;
  readonly terms: ExecutorTerms;

  /** The function index of a task name ('default' for the default export). May throw. */
  intern(name: string): number;
  /** Starts one worker (it calls `workerReady` once it takes tasks). May throw. */
  spawn(): void;
  /**
   * Queues one task. `cancellable`: it may be cancelled while queued. The payload of a
   * bytes kind may be a view of the caller's memory: copy it before returning. May throw
   * (QUEUE_FULL, POOL_CLOSED): then nothing was queued.
   */
  submit(id: number, func: number, priority: number, cancellable: boolean, kind: number, payload: unknown): void;
  /**
   * Queues `count` tasks laid out as Wire.SUBMIT_FIELDS numbers each in `meta` (id, func,
   * priority, kind, the slot number) with non-slot payloads in `values`; returns how many
   * were queued (the first ones). May throw: then none was. Without it, every task goes
   * through `submit`.
   */
  submitBatch?(meta: Float64Array, count: number, values: unknown[]): number;
  /**
   * Moves waiting outcomes into `meta` (Wire.DRAIN_FIELDS numbers each: id, kind word with
   * FLAG_OK, run time in us, the slot number) and `values`, waiting up to `spinUs` for a
   * first one where that is cheap; returns how many. May throw: then none was taken.
   */
  drain(meta: Float64Array, values: unknown[], spinUs: number): number;
  /** Whether a submit would find room in the queue now. */
  hasRoom(): boolean;
  /** Submitters waiting for room came (+n) or went (-n): wake the host when room appears while any wait. */
  roomWaiters(delta: number): void;
  /** Removes a queued task; false when it is not queued (running, or gone). May throw. */
  cancel(id: number): boolean;
  /** Tells the task running as `id`, if any, to stop: its signal aborts with `why` (see {@link taskAbortError}). */
  abort(id: number, why: TaskAbort): void;
  /** Ends the worker running task `id`, if any (endedBy 'timeout'): its exit settles the task. */
  terminate(id: number): void;
  /** Empties the queue; the ids taken out. */
  dropQueued(): number[];
  /** Takes no more tasks; each worker ends once nothing is left for it. May throw. */
  close(): void;
  /** Ends every worker now (endedBy 'shutdown' unless ended already). */
  stopAll(): void;
  /** Releases what is left once the pool has closed and every worker is gone. */
  dispose(): void;
  /** Whether the workers keep the process alive (new ones included). */
  setRef(on: boolean): void;
  /** Tasks queued and running now. May throw. */
  counts(): [queued: number, running: number];
  /** The process is exiting: make sure no worker holds it up or outlives it. */
  processExit(): void;
}
