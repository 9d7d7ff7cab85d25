/**
 * A pool of child processes running the functions of one task module: the thread
 * `Pool`'s API and error semantics, for tasks that may crash natively (a segfault,
 * `process.abort()`), leak, or need their own heap. Each child runs one task at a time;
 * values cross by structured clone over IPC (`serialization: 'advanced'`: Map, Date,
 * BigInt, typed arrays and Buffers survive). The native in-process queue cannot cross
 * processes, so this executor keeps its own priority queue in JavaScript.
 *
 * Differences from thread isolation:
 * - the task module reads the pool's `workerData` from `globalThis.weftWorkerData` (a
 *   child process has no `worker_threads.workerData`); it must be structured-cloneable
 *   (no SharedArrayBuffer: memory cannot be shared across processes);
 * - `resourceLimits.maxOldGenerationSizeMb` becomes `--max-old-space-size` (other limits
 *   are ignored); `spinMicros` is ignored; `stallTimeout` works as for threads: a child
 *   beats over IPC while its event loop runs, and one silent that long while running a
 *   task is killed and replaced (its task rejects WORKER_CRASHED, details.reason 'stalled',
 *   or is retried); the pool watches each child with a {@link Heartbeat};
 * - a crash's details carry the exit `signal` too (`'SIGABRT'`, `'SIGSEGV'`...).
 *
 * @example
 * const pool = createProcessPool({ filename: new URL('./tasks.mjs', import.meta.url), isolation: 'process', size: 2 })
 * await pool.run('render', page, { timeout: 5_000 })
 * await pool.close()
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';

import { KIND_BYTES, decode, encode, encodedKind } from '../native/codec.js';
import { WeftError, deserializeError, type SerializedError } from '../errors.js';
import { packageInfo } from '../native/package-info.js';
import { Context } from '../context/context.js';
import { liveHandleIn } from '../native/handles.js';
import { heartbeat, type Heartbeat, type Watch } from '../resilience/heartbeat.js';
import { AsyncQueue } from './async-queue.js';
import { PoolMetrics, type PoolStats } from './metrics.js';
import { cancelledTaskError, checkRunOptions, resolvePoolOptions, taskSignal, type PoolOptions, type ResolvedPoolOptions, type RunOptions } from './options.js';
import { detach } from './transfer.js';
import type { CloseOptions, TaskResult } from './pool.js';
import { mapTasks, type MapOptions } from './map.js';
import { RoomWaiters, submitWaitingForRoom } from './room.js';
import type { ProcessWorkerConfig } from './process-runtime.js';
import { TaskTable } from './task-table.js';

/** Pool options with the isolation choice. */
export interface ProcessPoolOptions extends PoolOptions {
  /** 'process' runs tasks in child processes (this executor); 'thread' is the default `Pool`. */
  isolation?: 'thread' | 'process';
}

interface Task {
  id: number;
  name: string;
  kind: number;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  submittedAt: number;
  priority: number;
  seq: number;
  attempts: number;
  timer?: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
  timedOut?: boolean;
  detached: boolean;
  child?: Child;
}

interface Child {
  proc: ChildProcess;
  ready: boolean;
  task: Task | undefined;
  idleTimer?: NodeJS.Timeout;
  endedBy?: 'timeout' | 'shutdown' | 'idle' | 'stall';
  /** Its beats, with stallTimeout (the child sends one every stallTimeout / 4 ms). */
  beats?: Heartbeat;
  /** Watches the beats while it runs a task. */
  stallWatch?: Watch;
  /** Why it died, as it reported (a failed module load, an uncaught error). */
  error?: unknown;
  loadFailed?: boolean;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'beat' }
  | { type: 'loadError'; error: SerializedError }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'result'; id: number; ok: boolean; kind: number; payload: unknown; runUs: number };

const RUNTIME_FILE = (): string => join(packageInfo().root, 'dist', 'esm', 'pool', 'process-runtime.js');

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function noop(): void {}

/** Bytes received over IPC as an ArrayBuffer of exactly their extent (what `decode` expects). */
function toArrayBuffer(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

/** A pool of child processes. See the module doc. */
export class ProcessPool {
  readonly #options: ResolvedPoolOptions;
  readonly #execArgv: string[];
  readonly #pending = new TaskTable<Task>();
  /** Waiting tasks, highest priority first, FIFO (by `seq`) within a priority. */
  readonly #queue: Task[] = [];
  readonly #children = new Set<Child>();
  readonly #room = new RoomWaiters();
  readonly #results = new AsyncQueue<TaskResult>();
  readonly #keepAlive: NodeJS.Timeout;
  readonly #metrics = new PoolMetrics();
  #seq = 0;
  #running = 0;
  #closing: Promise<void> | undefined;
  #closed = false;
  #forced = false;
  #forceTimer: NodeJS.Timeout | undefined;
  #forceAt = Infinity;
  #referenced = true;
  #startupError: WeftError | undefined;
  #everReady = false;
  #onIdle: (() => void) | undefined;

  /** Starts `min` children (the size, for a fixed size). Throws INVALID_ARGUMENT for a bad option. */
  constructor(options: ProcessPoolOptions) {
    const { isolation, ...rest } = (options ?? {}) as ProcessPoolOptions;
    if (isolation !== undefined && isolation !== 'process' && isolation !== 'thread') {
      throw new WeftError('INVALID_ARGUMENT', `Pool option isolation must be 'thread' or 'process', got ${String(isolation)}`, {
        details: { option: 'isolation', value: String(isolation) },
      });
    }
    this.#options = resolvePoolOptions(rest as PoolOptions);
    if (this.#options.workerData !== undefined) {
      refuseHandles(this.#options.workerData, 'Pool option workerData', 'INVALID_ARGUMENT');
      try {
        serialize(this.#options.workerData);
      } catch (err) {
        throw new WeftError('INVALID_ARGUMENT', `Pool option workerData cannot be sent to a child process: ${(err as Error).message}`, {
          cause: err,
          details: { option: 'workerData' },
        });
      }
    }
    // Node's default for fork() is the parent's execArgv; debugger flags would clash on their port.
    this.#execArgv = process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
    const oldGen = this.#options.resourceLimits?.maxOldGenerationSizeMb;
    if (oldGen !== undefined) this.#execArgv.push(`--max-old-space-size=${Math.max(1, Math.round(oldGen))}`);
    this.#keepAlive = setInterval(noop, 2 ** 30);
    this.#keepAlive.unref();
    installExitHook();
    for (let i = 0; i < this.#options.min; i++) this.#spawn();
  }

  /**
   * Runs a task and resolves with its result. `run(arg)` calls the module's default
   * export; `run(name, arg, options)` calls the named export. Rejects as the thread Pool does
   * (QUEUE_FULL, POOL_CLOSED, CANCELED, TIMEOUT, WORKER_CRASHED, UNSERIALIZABLE, the task's error).
   */
  run(nameOrArg: unknown, arg?: unknown, options?: RunOptions): Promise<unknown> {
    let name: unknown = nameOrArg;
    let value = arg;
    if (arguments.length <= 1) {
      name = undefined;
      value = nameOrArg;
    }
    return new Promise((resolve, reject) => {
      try {
        this.#enqueue(name, value, options, resolve, reject, false);
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Like `run`, but throws QUEUE_FULL (or POOL_CLOSED, INVALID_ARGUMENT, UNSERIALIZABLE) synchronously. */
  trySubmit(name: string | null | undefined, arg?: unknown, options?: RunOptions): Promise<unknown> {
    let resolveFn!: (v: unknown) => void;
    let rejectFn!: (e: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    this.#enqueue(name, arg, options, resolveFn, rejectFn, false);
    return promise;
  }

  /** Like `run`, but when the queue is full waits for room (up to `options.timeout` ms, then TIMEOUT). */
  submit(name: string | null | undefined, arg?: unknown, options: RunOptions = {}): Promise<unknown> {
    return submitWaitingForRoom(() => this.trySubmit(name, arg, options), this.#room, options);
  }

  /** Fire-and-forget: queues a task and returns its id; its outcome arrives on `results()`. */
  post(name: string | null | undefined, arg?: unknown, options?: RunOptions): number {
    return this.#enqueue(name, arg, options, undefined, undefined, true);
  }

  /** The outcomes of `post()`ed tasks as they finish; ends once the pool is closed and all are delivered. */
  results(): AsyncIterable<TaskResult> {
    return this.#results;
  }

  /** Runs `name` over every item of `source` with at most `concurrency` tasks in flight (as `Pool.map`). */
  map(
    name: string | null | undefined,
    source: Iterable<unknown> | AsyncIterable<unknown>,
    options: MapOptions = {},
  ): AsyncGenerator<unknown, void, undefined> {
    return mapTasks((n, a, o) => this.submit(n, a, o), name, source, options, this.#options.max * 2);
  }

  /** Counters and latency histograms (same shape as `Pool.stats()`). */
  stats(): PoolStats {
    return this.#metrics.snapshot({ queued: this.#queue.length, running: this.#running, workers: this.#children.size });
  }


  /** Number of live child processes. */
  get size(): number {
    return this.#children.size;
  }

  /** Tasks submitted and not yet settled. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Stops accepting tasks (POOL_CLOSED), lets queued and running tasks finish, stops the
   * children, then resolves. Past `timeout` ms it kills the children and rejects what
   * remains with POOL_CLOSED (details: reason 'shutdown timeout'). Calling it again
   * returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeout = options.timeout ?? Infinity;
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      return Promise.reject(new WeftError('INVALID_ARGUMENT', `close option timeout must be a non-negative number, got ${String(timeout)}`));
    }
    if (this.#closing !== undefined) {
      if (timeout !== Infinity) this.#armForceStop(timeout);
      return this.#closing;
    }
    this.#closed = true;
    this.#room.close(new WeftError('POOL_CLOSED', 'the pool closed while waiting for room in its queue'));
    this.#closing = new Promise<void>((resolve) => {
      this.#onIdle = () => {
        if (this.#pending.size === 0) {
          for (const child of this.#children) if (child.task === undefined) this.#stopChild(child, 'shutdown');
        }
        if (this.#pending.size > 0 || this.#children.size > 0) return;
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

  /** `await using pool = ...` closes it (waiting for tasks) at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Lets the process exit while this pool is idle (tasks in flight still keep it alive). */
  unref(): this {
    this.#referenced = false;
    for (const child of this.#children) this.#setRef(child, false);
    return this;
  }

  /** Undoes `unref()`. */
  ref(): this {
    this.#referenced = true;
    for (const child of this.#children) this.#setRef(child, true);
    return this;
  }

  #setRef(child: Child, on: boolean): void {
    const channel = child.proc.channel as { ref?: () => void; unref?: () => void } | undefined | null;
    if (on) {
      child.proc.ref();
      channel?.ref?.();
    } else {
      child.proc.unref();
      channel?.unref?.();
    }
  }

  #armForceStop(timeout: number): void {
    const at = performance.now() + timeout;
    if (this.#forceAt <= at) return;
    this.#forceAt = at;
    if (this.#forceTimer) clearTimeout(this.#forceTimer);
    this.#forceTimer = setTimeout(() => this.#forceStop(timeout), timeout);
  }

  // --- submission ------------------------------------------------------------------

  #enqueue(
    name: unknown,
    arg: unknown,
    options: RunOptions | undefined,
    resolve: ((v: unknown) => void) | undefined,
    reject: ((e: unknown) => void) | undefined,
    detached: boolean,
  ): number {
    if (this.#closed) throw new WeftError('POOL_CLOSED', 'the pool is closed');
    if (this.#startupError !== undefined) throw this.#startupError;
    let priority = 0;
    let signal: AbortSignal | undefined;
    let timeout: number | undefined;
    if (options !== undefined) {
      checkRunOptions(options);
      priority = options.priority ?? 0;
      signal = taskSignal(options);
      timeout = options.timeout;
      if (signal?.aborted) {
        this.#metrics.canceled++;
        throw cancelledTaskError(signal.reason, 'the task was cancelled before it was queued');
      }
    }
    const key = name === undefined || name === null ? '' : name;
    if (typeof key !== 'string') {
      throw new WeftError('INVALID_ARGUMENT', `task name must be a string, got ${typeof key}`, { details: { option: 'name' } });
    }
    refuseHandles(arg, 'a task argument');
    let payload = encode(arg, this.#options.maxPayload);
    const kind = encodedKind;
    // A bytes payload is a view over the caller's memory and is sent only when a child is
    // free: snapshot it now, so later writes by the caller are never seen by the task.
    if (kind >= KIND_BYTES) payload = new Uint8Array(payload as Uint8Array);
    if (this.#queue.length >= this.#options.maxQueue) {
      throw new WeftError('QUEUE_FULL', `the pool's queue is full (${this.#options.maxQueue} tasks waiting)`, {
        details: { maxQueue: this.#options.maxQueue },
      });
    }
    const id = this.#pending.takeId();
    const task: Task = {
      id,
      name: key,
      kind,
      payload,
      resolve: resolve ?? noop,
      reject: reject ?? noop,
      submittedAt: performance.now(),
      priority,
      seq: this.#seq++,
      attempts: 0,
      detached,
    };
    if (this.#pending.size === 0) this.#keepAlive.ref();
    this.#pending.add(task.id, task);
    this.#insert(task);
    if (signal !== undefined) {
      task.signal = signal;
      task.onAbort = () => this.#abortTask(task, signal.reason);
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    if (timeout !== undefined) task.timer = setTimeout(() => this.#timeoutTask(task, timeout), timeout);
    if (options?.transfer !== undefined) detach(options.transfer);
    this.#pump();
    return id;
  }

  /** Inserts into the queue: after every task of higher or equal priority (FIFO within one). */
  #insert(task: Task): void {
    const q = this.#queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = q[mid]!;
      if (other.priority > task.priority || (other.priority === task.priority && other.seq < task.seq)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, task);
  }

  #unqueue(task: Task): boolean {
    const at = this.#queue.indexOf(task);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    return true;
  }

  /** Room may have appeared: let every waiting submitter retry (those that find none wait again). */
  #serveRoom(): void {
    if (this.#queue.length < this.#options.maxQueue) this.#room.wakeAll();
  }

  // --- dispatch and completion -----------------------------------------------------

  /** Hands queued tasks to idle ready children; starts children the backlog calls for. */
  #pump(): void {
    if (this.#queue.length > 0) {
      for (const child of this.#children) {
        if (this.#queue.length === 0) break;
        if (!child.ready || child.task !== undefined || child.endedBy !== undefined) continue;
        this.#dispatch(child, this.#queue.shift()!);
      }
      this.#serveRoom();
    }
    this.#replenish();
  }

  #dispatch(child: Child, task: Task): void {
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    child.task = task;
    task.child = child;
    this.#running++;
    // Silence counts from the task's start at the earliest (the child beat while idle).
    child.beats?.beat();
    child.stallWatch = child.beats?.watch(this.#options.stallTimeout, () => this.#stalled(child));
    this.#metrics.queueWait.record((performance.now() - task.submittedAt) * 1000);
    try {
      child.proc.send({ type: 'task', id: task.id, name: task.name, kind: task.kind, payload: task.payload }, (err: Error | null) => {
        // A failed send means the child is going away: its exit settles the task.
        if (err) child.error ??= err;
      });
    } catch (err) {
      child.error ??= err;
    }
  }

  #onMessage(child: Child, msg: ChildMessage): void {
    switch (msg.type) {
      case 'beat':
        child.beats?.beat();
        break;
      case 'ready':
        child.ready = true;
        this.#everReady = true;
        this.#armIdle(child);
        this.#pump();
        if (this.#closed) this.#onIdle?.();
        break;
      case 'loadError':
        child.error = deserializeError(msg.error);
        child.loadFailed = true;
        break;
      case 'fatal':
        child.error = deserializeError(msg.error);
        break;
      case 'result': {
        const task = child.task;
        if (task === undefined || task.id !== msg.id) break;
        child.task = undefined;
        task.child = undefined;
        child.stallWatch?.cancel();
        this.#running--;
        this.#metrics.recordRun(msg.runUs);
        let ok = msg.ok;
        let value: unknown;
        try {
          value = decode(msg.kind, toArrayBuffer(msg.payload));
        } catch (err) {
          ok = false;
          value = { name: 'WeftError', message: `result could not be decoded: ${(err as Error).message}` };
        }
        if (task.timedOut) this.#finish(task, false, this.#timeoutError(task, false));
        else if (ok) this.#finish(task, true, value);
        else this.#finish(task, false, deserializeError(value as SerializedError));
        this.#armIdle(child);
        this.#pump();
        this.#onIdle?.();
        break;
      }
    }
  }

  /** Settles a task exactly once and does the bookkeeping. */
  #finish(task: Task, ok: boolean, value: unknown): void {
    if (!this.#pending.delete(task.id)) return;
    if (task.timer) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener('abort', task.onAbort);
    task.payload = undefined;
    this.#metrics.recordOutcome(ok, value);
    if (task.detached) {
      this.#results.push(ok ? { id: task.id, ok: true, value } : { id: task.id, ok: false, error: value as Error });
    } else if (ok) {
      task.resolve(value);
    } else {
      task.reject(value);
    }
    if (this.#pending.size === 0) this.#keepAlive.unref();
  }

  #abortTask(task: Task, reason: unknown): void {
    if (!this.#pending.has(task.id)) return;
    if (this.#unqueue(task)) {
      this.#finish(task, false, new WeftError('CANCELED', 'the task was cancelled before it ran', { cause: reason, details: { phase: 'queued' } }));
      this.#serveRoom();
      this.#onIdle?.();
      return;
    }
    // Running: tell the task (cooperative); it settles with whatever it returns or throws.
    this.#sendAbort(task, String(reason));
  }

  #timeoutTask(task: Task, timeout: number): void {
    if (!this.#pending.has(task.id)) return;
    task.timer = undefined;
    if (this.#unqueue(task)) {
      this.#finish(task, false, new WeftError('TIMEOUT', `the task did not start within ${timeout} ms`, { details: { timeout, phase: 'queued', workerTerminated: false } }));
      this.#serveRoom();
      this.#onIdle?.();
      return;
    }
    task.timedOut = true;
    this.#sendAbort(task, 'timeout');
    // Past the grace period, a task still running gets its child killed and replaced.
    task.timer = setTimeout(() => {
      const child = task.child;
      if (!this.#pending.has(task.id) || child === undefined) return;
      child.endedBy = 'timeout';
      child.proc.kill('SIGKILL');
    }, this.#options.timeoutGrace);
  }

  #sendAbort(task: Task, reason: string): void {
    const child = task.child;
    if (child === undefined || !child.proc.connected) return;
    try {
      child.proc.send({ type: 'abort', id: task.id, reason }, noop);
    } catch {
      // going away: its exit settles the task
    }
  }

  #timeoutError(task: Task, workerTerminated: boolean): WeftError {
    return new WeftError('TIMEOUT', workerTerminated ? 'the task timed out and ignored its abort signal: its process was killed and replaced' : 'the task timed out', {
      details: { taskId: task.id, phase: 'running', workerTerminated, timeoutGrace: this.#options.timeoutGrace },
    });
  }

  // --- children --------------------------------------------------------------------

  #spawn(): void {
    const stallTimeout = this.#options.stallTimeout;
    const beatMs = stallTimeout === Infinity ? 0 : Math.max(1, Math.floor(stallTimeout / 4));
    const config: ProcessWorkerConfig = { fileUrl: this.#options.fileUrl, maxPayload: this.#options.maxPayload, beatMs };
    const proc = fork(RUNTIME_FILE(), [JSON.stringify(config)], {
      serialization: 'advanced',
      execArgv: this.#execArgv,
    });
    const child: Child = { proc, ready: false, task: undefined };
    if (beatMs > 0) child.beats = heartbeat(Context.background(), beatMs);
    this.#children.add(child);
    liveChildren.add(proc);
    this.#metrics.noteWorkers(this.#children.size);
    if (!this.#referenced) this.#setRef(child, false);
    proc.on('message', (msg: ChildMessage) => this.#onMessage(child, msg));
    proc.on('error', (err) => {
      child.error ??= err;
    });
    // Handled once the IPC channel has closed too, so every message the child sent was seen
    // first (a crash's 'fatal' report, a result sent just before exiting).
    proc.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      if (proc.connected) proc.once('disconnect', () => this.#onExit(child, code, signal));
      else this.#onExit(child, code, signal);
    });
    proc.send({ type: 'init', workerData: this.#options.workerData }, (err: Error | null) => {
      if (err) child.error ??= err;
    });
  }

  /** A ready child beyond `min` left idle for `idleTimeout` ms is stopped. */
  #armIdle(child: Child): void {
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    if (this.#options.min === this.#options.max || this.#options.idleTimeout === Infinity) return;
    child.idleTimer = setTimeout(() => {
      child.idleTimer = undefined;
      if (child.task === undefined && child.endedBy === undefined && this.#children.size > this.#options.min) this.#stopChild(child, 'idle');
    }, this.#options.idleTimeout);
    child.idleTimer.unref();
  }

  #stopChild(child: Child, why: 'shutdown' | 'idle'): void {
    if (child.endedBy !== undefined) return;
    child.endedBy = why;
    if (child.idleTimer) clearTimeout(child.idleTimer);
    // Closing the channel ends an idle child (it exits on 'disconnect'); one still loading exits too.
    if (child.proc.connected) child.proc.disconnect();
    else child.proc.kill('SIGKILL');
  }

  #onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    child.beats?.close();
    this.#children.delete(child);
    liveChildren.delete(child.proc);
    if (child.idleTimer) clearTimeout(child.idleTimer);
    const task = child.task;
    child.task = undefined;
    if (task !== undefined) {
      task.child = undefined;
      this.#running--;
    }
    if (child.endedBy === undefined && !child.ready && (child.loadFailed || !this.#everReady)) {
      // The task module failed to load (or the child died before it could): fail
      // everything now rather than respawning forever.
      this.#failStartup(child.error, code, signal);
      return;
    }
    if (task !== undefined && this.#pending.has(task.id)) {
      if (child.endedBy === 'timeout' || task.timedOut) {
        this.#finish(task, false, this.#timeoutError(task, true));
      } else if (this.#forced) {
        this.#finish(task, false, new WeftError('POOL_CLOSED', 'the pool was closed before the task finished', { details: { reason: 'shutdown timeout' } }));
      } else if (task.attempts < this.#options.retries && !this.#closed) {
        task.attempts++;
        this.#insert(task);
      } else {
        this.#finish(
          task,
          false,
          child.endedBy === 'stall'
            ? new WeftError('WORKER_CRASHED', `the process running this task sent no heartbeat for ${this.#options.stallTimeout} ms and was restarted`, {
                details: { reason: 'stalled', exitCode: code, signal, attempts: task.attempts + 1 },
              })
            : new WeftError('WORKER_CRASHED', `the process running this task exited (${signal !== null ? `signal ${signal}` : `code ${code}`})`, {
                cause: child.error,
                details: { reason: 'crashed', exitCode: code, signal, attempts: task.attempts + 1 },
              }),
        );
      }
    }
    this.#pump();
    this.#onIdle?.();
  }

  /** A child silent for stallTimeout while running a task: kill it; its exit settles the task. */
  #stalled(child: Child): void {
    if (child.task === undefined || child.endedBy !== undefined) return;
    child.endedBy = 'stall';
    child.proc.kill('SIGKILL');
  }

  #replenish(): void {
    if (this.#forced || this.#startupError !== undefined) return;
    const live = [...this.#children].filter((c) => c.endedBy === undefined);
    const free = live.filter((c) => c.task === undefined).length;
    let wanted: number;
    if (this.#closed) {
      wanted = this.#queue.length > 0 && live.length === 0 ? 1 : 0;
    } else {
      wanted = Math.max(this.#options.min - live.length, Math.min(this.#queue.length - free, this.#options.max - live.length));
    }
    for (let i = 0; i < wanted; i++) this.#spawn();
  }

  #failStartup(error: unknown, code: number | null, signal: NodeJS.Signals | null): void {
    const why = error !== undefined ? ((error as Error)?.message ?? String(error)) : `the process exited (${signal ?? `code ${code}`}) before it was ready`;
    this.#startupError = new WeftError('INVALID_ARGUMENT', `the task module ${this.#options.fileUrl} failed to load in a child process: ${why}`, {
      cause: error,
      details: { option: 'filename', fileUrl: this.#options.fileUrl },
    });
    this.#queue.length = 0;
    for (const task of this.#pending.values()) this.#finish(task, false, this.#startupError);
    for (const child of this.#children) {
      child.endedBy = 'shutdown';
      child.proc.kill('SIGKILL');
    }
    this.#onIdle?.();
  }

  #forceStop(timeout: number): void {
    this.#forced = true;
    for (const task of this.#queue.splice(0)) {
      this.#finish(task, false, new WeftError('POOL_CLOSED', `the pool closed before the task ran (shutdown timeout of ${timeout} ms)`, { details: { reason: 'shutdown timeout', timeout } }));
    }
    for (const child of this.#children) {
      child.endedBy ??= 'shutdown';
      child.proc.kill('SIGKILL');
    }
    this.#onIdle?.();
  }

  #dispose(): void {
    clearInterval(this.#keepAlive);
    this.#results.close();
  }
}

/** Builds the process-isolated pool that `new Pool({ isolation: 'process' })` stands for. */
export function createProcessPool(options: PoolOptions & { isolation: 'process' }): ProcessPool {
  return new ProcessPool(options);
}

// A child spinning in synchronous code never sees its channel close: kill what is left
// when this process exits, so no child outlives its parent.
/**
 * Channels, mutexes, contexts... live in this process's memory: a child process cannot
 * reach them, and sending one would pin it here forever. Refused before anything is sent.
 */
function refuseHandles(value: unknown, what: string, code: 'UNSERIALIZABLE' | 'INVALID_ARGUMENT' = 'UNSERIALIZABLE'): void {
  const handle = liveHandleIn(value);
  if (handle === undefined) return;
  const type = handle.constructor?.name ?? 'object';
  throw new WeftError(code, `${what} holds a ${type}, which cannot cross to a child process (weft objects are shared between threads, not processes)`, {
    details: { type, ...(code === 'INVALID_ARGUMENT' ? { option: 'workerData' } : {}) },
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const proc of liveChildren) {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}
