/**
 * The process executor (`isolation: 'process'`): child processes running the functions
 * of the task module, for tasks that may crash natively (a segfault, `process.abort()`),
 * leak, or need their own heap. Each child runs one task at a time; values cross by
 * structured clone over IPC (`serialization: 'advanced'`: Map, Date, BigInt, typed arrays
 * and Buffers survive). The native in-process queue cannot cross processes, so this
 * executor keeps its own priority queue in JavaScript.
 *
 * Differences from thread isolation:
 * - the task module reads the pool's `workerData` from `globalThis.weftWorkerData` (a
 *   child process has no `worker_threads.workerData`); it must be structured-cloneable
 *   (no SharedArrayBuffer: memory cannot be shared across processes);
 * - `resourceLimits.maxOldGenerationSizeMb` becomes `--max-old-space-size` (other limits
 *   are ignored); `spinMicros` is ignored; `stallTimeout` works as for threads: a child
 *   beats over IPC while its event loop runs, and one silent that long while running a
 *   task is killed and replaced (its task rejects WORKER_CRASHED, details.reason 'stalled',
 *   or is retried); the executor watches each child with a {@link Heartbeat};
 * - a crash's details carry the exit `signal` too (`'SIGABRT'`, `'SIGSEGV'`...).
 *
 * @example
 * const pool = new Pool({ filename: new URL('./tasks.mjs', import.meta.url), isolation: 'process', size: 2 })
 * await pool.run('render', page, { timeout: 5_000 })
 * @internal
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serialize } from 'node:v8';

import { KIND_BYTES, KIND_SERIALIZED, needsBeside, slotNumber } from '../../native/codec.js';
import { WeftError, deserializeError, type SerializedError } from '../../errors.js';
import { packageInfo } from '../../native/package-info.js';
import { Context } from '../../context/context.js';
import { refuseHandles } from '../../native/handles.js';
import { heartbeat, type Heartbeat, type Watch } from '../../resilience/heartbeat.js';
import { Wire } from '../../native/wire.js';
import type { EndedBy, Executor, ExecutorHost, ExecutorTerms, TaskAbort } from '../executor.js';
import type { ResolvedPoolOptions } from '../options.js';
import type { ProcessWorkerConfig } from './process-runtime.js';

const DRAIN_FIELDS = Wire.DRAIN_FIELDS;
const FLAG_OK = Wire.FLAG_OK;

/** A task in the queue, then on its child until its outcome is back. */
interface Task {
  id: number;
  func: number;
  priority: number;
  seq: number;
  kind: number;
  /** Dropped once sent. */
  payload: unknown;
}

/** An outcome waiting for the front's `drain`. */
interface Outcome {
  id: number;
  ok: boolean;
  kind: number;
  payload: unknown;
  runUs: number;
}

interface Child {
  proc: ChildProcess;
  ready: boolean;
  task: Task | undefined;
  idleTimer?: NodeJS.Timeout;
  endedBy?: EndedBy;
  /** Its beats, with stallTimeout (the child sends one every stallTimeout / 4 ms). */
  beats?: Heartbeat;
  /** Watches the beats while it runs a task. */
  stallWatch?: Watch;
  /** Why it died, as it reported (a failed module load, an uncaught error). */
  error?: unknown;
  /** The last STDERR_TAIL characters it wrote to stderr (a fatal error's report, for its crash). */
  stderr: string;
  loadFailed?: boolean;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'beat' }
  | { type: 'loadError'; error: SerializedError }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'result'; id: number; ok: boolean; kind: number; payload: unknown; runUs: number };

const RUNTIME_FILE = (): string => join(packageInfo().root, 'dist', 'esm', 'pool', 'process', 'process-runtime.js');
const TERMS: ExecutorTerms = { worker: 'process', ended: 'killed', place: 'a child process' };
/** How much of a child's stderr a crash keeps (details.stderr). */
const STDERR_TAIL = 4096;

function noop(): void {}

/** Bytes received over IPC as an ArrayBuffer of exactly their extent (what `decode` expects). */
function toArrayBuffer(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

/** Child processes over IPC. See the module doc. */
export class ProcessExecutor implements Executor {
  readonly shared = undefined;
  readonly sharesHandles = false;
  readonly terms = TERMS;
  readonly #options: ResolvedPoolOptions;
  readonly #host: ExecutorHost;
  readonly #execArgv: string[];
  /** Task names by function index. */
  readonly #names: string[] = [];
  /** Waiting tasks, highest priority first, FIFO (by `seq`) within a priority. */
  readonly #queue: Task[] = [];
  readonly #children = new Set<Child>();
  readonly #outcomes: Outcome[] = [];
  #seq = 0;
  #running = 0;
  #roomWaiters = 0;
  #closed = false;
  #referenced = true;

  /** Checks what only children need (INVALID_ARGUMENT): `workerData` must reach them by structured clone. */
  constructor(options: ResolvedPoolOptions, host: ExecutorHost) {
    this.#options = options;
    this.#host = host;
    if (options.workerData !== undefined) {
      refuseHandles(options.workerData, 'Pool option workerData', 'INVALID_ARGUMENT');
      try {
        serialize(options.workerData);
      } catch (err) {
        throw new WeftError('INVALID_ARGUMENT', `Pool option workerData cannot be sent to a child process: ${(err as Error).message}`, {
          cause: err,
          details: { option: 'workerData' },
        });
      }
    }
    // Node's default for fork() is the parent's execArgv; debugger flags would clash on their port.
    this.#execArgv = process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
    const oldGen = options.resourceLimits?.maxOldGenerationSizeMb;
    if (oldGen !== undefined) this.#execArgv.push(`--max-old-space-size=${Math.max(1, Math.round(oldGen))}`);
  }

  intern(name: string): number {
    let index = this.#names.indexOf(name);
    if (index < 0) index = this.#names.push(name) - 1;
    return index;
  }

  /** The front has checked `maxQueue` (it counts what is in flight), so this queue takes every task. */
  submit(id: number, func: number, priority: number, _cancellable: boolean, kind: number, payload: unknown): void {
    // A bytes payload is a view over the caller's memory and is sent only when a child is
    // free: snapshot it now, so later writes by the caller are never seen by the task.
    if (kind >= KIND_BYTES) payload = new Uint8Array(payload as Uint8Array);
    this.#insert({ id, func, priority, seq: this.#seq++, kind, payload });
    this.#pump();
  }

  drain(meta: Float64Array, values: unknown[], _spinUs: number): number {
    const outcomes = this.#outcomes;
    const n = Math.min(outcomes.length, meta.length / DRAIN_FIELDS);
    for (let i = 0; i < n; i++) {
      const { id, ok, kind, payload, runUs } = outcomes[i]!;
      const at = i * DRAIN_FIELDS;
      meta[at] = id;
      meta[at + 1] = ok ? kind | FLAG_OK : kind;
      meta[at + 2] = runUs;
      meta[at + 3] = slotNumber(kind, payload);
      if (needsBeside(kind)) values[i] = kind >= KIND_SERIALIZED ? toArrayBuffer(payload) : payload;
    }
    outcomes.splice(0, n);
    return n;
  }

  hasRoom(): boolean {
    return true; // the front counts room (see submit)
  }

  roomWaiters(delta: number): void {
    this.#roomWaiters += delta;
  }

  cancel(id: number): boolean {
    const at = this.#queue.findIndex((task) => task.id === id);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    this.#pump();
    return true;
  }

  abort(id: number, why: TaskAbort): void {
    const child = this.#childRunning(id);
    if (child === undefined || !child.proc.connected) return;
    try {
      child.proc.send({ type: 'abort', id, why }, noop);
    } catch {
      // going away: its exit settles the task
    }
  }

  terminate(id: number): void {
    const child = this.#childRunning(id);
    if (child === undefined) return;
    child.endedBy = 'timeout';
    child.proc.kill('SIGKILL');
  }

  dropQueued(): number[] {
    return this.#queue.splice(0).map((task) => task.id);
  }

  close(): void {
    this.#closed = true;
    this.#pump();
  }

  stopAll(): void {
    for (const child of this.#children) {
      child.endedBy ??= 'shutdown';
      child.proc.kill('SIGKILL');
    }
  }

  dispose(): void {}

  setRef(on: boolean): void {
    this.#referenced = on;
    for (const child of this.#children) setRef(child, on);
  }

  counts(): [queued: number, running: number] {
    return [this.#queue.length, this.#running];
  }

  /** A child spinning in synchronous code never sees its channel close: kill it, so none outlives this process. */
  processExit(): void {
    for (const child of this.#children) {
      try {
        child.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  spawn(): void {
    const stallTimeout = this.#options.stallTimeout;
    const beatMs = stallTimeout === Infinity ? 0 : Math.max(1, Math.floor(stallTimeout / 4));
    const config: ProcessWorkerConfig = { fileUrl: this.#options.fileUrl, maxPayload: this.#options.maxPayload, beatMs };
    // stderr comes through here: forwarded to this process's stderr as it arrives, its tail
    // kept for the crash it may explain (V8's heap-limit report, an abort's stack).
    const proc = fork(RUNTIME_FILE(), [JSON.stringify(config)], {
      serialization: 'advanced',
      execArgv: this.#execArgv,
      stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    });
    const child: Child = { proc, ready: false, task: undefined, stderr: '' };
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      child.stderr = (child.stderr + text).slice(-STDERR_TAIL);
      process.stderr.write(text);
    });
    if (beatMs > 0) child.beats = heartbeat(Context.background(), beatMs);
    this.#children.add(child);
    if (!this.#referenced) setRef(child, false);
    proc.on('message', (msg: ChildMessage) => this.#onMessage(child, msg));
    proc.on('error', (err) => {
      child.error ??= err;
    });
    // Handled once its IPC channel and stderr have closed too, so every message the child
    // sent was seen first (a crash's 'fatal' report, a result sent just before exiting), and
    // all it wrote to stderr.
    proc.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      let waiting = 1;
      const settled = () => {
        if (--waiting === 0) this.#onExit(child, code, signal);
      };
      if (proc.connected) {
        waiting++;
        proc.once('disconnect', settled);
      }
      const stderr = proc.stderr;
      if (stderr !== null && !stderr.destroyed && !stderr.readableEnded) {
        waiting++;
        // A grandchild that inherited the pipe could hold it open: stop reading it a second on.
        const cutOff = setTimeout(() => stderr.destroy(), 1_000);
        stderr.once('close', () => {
          clearTimeout(cutOff);
          settled();
        });
      }
      settled();
    });
    proc.send({ type: 'init', workerData: this.#options.workerData }, (err: Error | null) => {
      if (err) child.error ??= err;
    });
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

  #childRunning(id: number): Child | undefined {
    for (const child of this.#children) if (child.task?.id === id) return child;
    return undefined;
  }

  /**
   * Hands queued tasks to idle ready children (telling the host when that made room for
   * a waiting submitter); once closed with nothing queued, stops the idle children.
   */
  #pump(): void {
    const queue = this.#queue;
    let moved = 0;
    if (queue.length > 0) {
      for (const child of this.#children) {
        if (queue.length === 0) break;
        if (!child.ready || child.task !== undefined || child.endedBy !== undefined) continue;
        this.#dispatch(child, queue.shift()!);
        moved++;
      }
    }
    if (moved > 0 && this.#roomWaiters > 0) this.#host.wake();
    if (this.#closed && queue.length === 0) {
      for (const child of this.#children) if (child.task === undefined) this.#stopChild(child, 'shutdown');
    }
  }

  #dispatch(child: Child, task: Task): void {
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    child.task = task;
    this.#running++;
    // Silence counts from the task's start at the earliest (the child beat while idle).
    child.beats?.beat();
    child.stallWatch = child.beats?.watch(this.#options.stallTimeout, () => this.#stalled(child));
    const { id, func, kind, payload } = task;
    task.payload = undefined;
    try {
      child.proc.send({ type: 'task', id, name: this.#names[func]!, kind, payload }, (err: Error | null) => {
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
        this.#host.workerReady();
        this.#armIdle(child);
        this.#pump();
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
        child.stallWatch?.cancel();
        this.#running--;
        this.#outcomes.push({ id: msg.id, ok: msg.ok, kind: msg.kind, payload: msg.payload, runUs: msg.runUs });
        this.#host.wake();
        this.#armIdle(child);
        this.#pump();
        break;
      }
    }
  }

  /** A ready child left idle for `idleTimeout` ms is stopped while the pool is over its `min`. */
  #armIdle(child: Child): void {
    if (child.idleTimer) clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    if (this.#options.min === this.#options.max || this.#options.idleTimeout === Infinity) return;
    child.idleTimer = setTimeout(() => {
      child.idleTimer = undefined;
      if (child.task === undefined && child.endedBy === undefined && this.#host.shouldRetire()) this.#stopChild(child, 'idle');
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
    if (child.idleTimer) clearTimeout(child.idleTimer);
    const task = child.task;
    child.task = undefined;
    if (task !== undefined) this.#running--;
    this.#host.workerExited({
      running: task?.id,
      ready: child.ready,
      endedBy: child.endedBy,
      code,
      signal,
      error: child.error,
      loadFailed: child.loadFailed === true,
      stderr: child.stderr,
    });
    this.#pump();
  }

  /** A child silent for stallTimeout while running a task: kill it; its exit settles the task. */
  #stalled(child: Child): void {
    if (child.task === undefined || child.endedBy !== undefined) return;
    child.endedBy = 'stall';
    child.proc.kill('SIGKILL');
  }
}

function setRef(child: Child, on: boolean): void {
  const channel = child.proc.channel as { ref?: () => void; unref?: () => void } | undefined | null;
  if (on) {
    child.proc.ref();
    channel?.ref?.();
    (child.proc.stderr as { ref?: () => void } | null)?.ref?.();
  } else {
    child.proc.unref();
    channel?.unref?.();
    (child.proc.stderr as { unref?: () => void } | null)?.unref?.();
  }
}
