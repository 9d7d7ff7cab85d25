/**
 * The thread executor, `Pool`'s default: worker threads fed through weft's native
 * dispatcher (a lock-free priority queue, parked workers, coalesced completions) instead
 * of `postMessage`. The front's submissions of one tick reach the queue in one native
 * call and its completions come back in one; each worker (./worker-runtime.ts) takes
 * tasks natively and runs sync ones back to back.
 *
 * @example
 * const pool = new Pool({ filename: new URL('./tasks.mjs', import.meta.url) }) // isolation 'thread'
 * @internal
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

import { fromNative } from '../../errors.js';
import { loadNative } from '../../native/loader.js';
import { packageInfo } from '../../native/package-info.js';
import { nativeCall } from '../../rate/call.js';
import type { EndedBy, Executor, ExecutorHost, ExecutorTerms, TaskAbort } from '../executor.js';
import type { ResolvedPoolOptions } from '../options.js';
import { SharedRegistry } from '../shared-memory.js';
import type { WorkerConfig } from './worker-runtime.js';

type PoolCore = InstanceType<ReturnType<typeof loadNative>['PoolCore']>;

interface WorkerInfo {
  worker: Worker;
  slot: number | undefined;
  /** Why we ended it, if we did. */
  endedBy?: EndedBy;
  error?: unknown;
}

const IDLE_SLICE_MS = 100;
const RUNTIME_FILE = (): string => join(packageInfo().root, 'dist', 'esm', 'pool', 'thread', 'worker-runtime.js');
const TERMS: ExecutorTerms = { worker: 'worker', ended: 'terminated', place: 'a worker' };

/** Worker threads over the native queue. See the module doc. */
export class ThreadExecutor implements Executor {
  readonly sharesHandles = true;
  readonly terms = TERMS;
  readonly shared: SharedRegistry;
  readonly #options: ResolvedPoolOptions;
  readonly #host: ExecutorHost;
  readonly #core: PoolCore;
  readonly #workers = new Set<WorkerInfo>();
  readonly #bySlot = new Map<number, WorkerInfo>();
  readonly #steward: NodeJS.Timeout | undefined;
  #referenced = true;

  /** Makes the native queue (INVALID_ARGUMENT or INTERNAL if it cannot). */
  constructor(options: ResolvedPoolOptions, host: ExecutorHost) {
    this.#options = options;
    this.#host = host;
    try {
      // The front bounds what is in flight (maxQueue waiting beyond one task per worker); the
      // native queue's own bound only backs it up, high enough never to refuse first.
      const capacity = options.maxQueue === Infinity ? 2 ** 32 - 1 : Math.min(2 ** 32 - 1, options.maxQueue + options.max);
      this.#core = new (loadNative().PoolCore)(capacity, host.wake);
    } catch (err) {
      throw fromNative(err, 'new Pool');
    }
    this.shared = new SharedRegistry((message) => {
      for (const info of this.#workers) info.worker.postMessage(message);
    });
    if (options.stallTimeout !== Infinity) {
      const every = Math.max(5, Math.min(1000, Math.floor(options.stallTimeout / 4)));
      this.#steward = setInterval(() => this.#checkStalls(), every);
      this.#steward.unref();
    }
  }

  intern(name: string): number {
    return this.#core.intern(name);
  }

  submit(id: number, func: number, priority: number, cancellable: boolean, kind: number, payload: unknown): void {
    this.#core.submit(id, func, priority, cancellable, kind, payload);
  }

  submitBatch(meta: Float64Array, count: number, values: unknown[]): number {
    return this.#core.submitBatch(meta, count, values);
  }

  drain(meta: Float64Array, values: unknown[], spinUs: number): number {
    return this.#core.drainInto(meta, values, spinUs);
  }

  hasRoom(): boolean {
    return quietly(() => this.#core.hasRoom(), 'Pool.submit', false);
  }

  roomWaiters(delta: number): void {
    quietly(() => this.#core.roomWaitersAdd(delta), 'Pool.submit', undefined);
  }

  cancel(id: number): boolean {
    return this.#core.cancel(id);
  }

  /**
   * Sent to every worker: the one that took the task may not have reported its slot yet
   * ('ready' not yet handled here), and a worker that is not running `id` ignores the
   * message. Rare (one abort), so cheap.
   */
  abort(id: number, why: TaskAbort): void {
    for (const info of this.#workers) info.worker.postMessage({ type: 'abort', id, why });
  }

  terminate(id: number): void {
    for (const [slot, info] of this.#bySlot) {
      const state = quietly(() => this.#core.workerState(slot), 'Pool worker state', null);
      if (state !== null && state[0] === id) {
        info.endedBy = 'timeout';
        void info.worker.terminate();
        return;
      }
    }
  }

  dropQueued(): number[] {
    return quietly(() => this.#core.drainQueue(), 'Pool.close', []);
  }

  close(): void {
    this.#core.close();
  }

  stopAll(): void {
    this.processExit();
    for (const info of this.#workers) {
      info.endedBy ??= 'shutdown';
      void info.worker.terminate();
    }
  }

  dispose(): void {
    if (this.#steward) clearInterval(this.#steward);
    quietly(() => this.#core.dispose(), 'Pool.close', undefined);
  }

  setRef(on: boolean): void {
    this.#referenced = on;
    for (const info of this.#workers) {
      if (on) info.worker.ref();
      else info.worker.unref();
    }
  }

  counts(): [queued: number, running: number] {
    const [queued = 0, running = 0] = nativeCall(() => this.#core.counts(), 'Pool.stats');
    return [queued, running];
  }

  /** A worker parked in native code cannot be terminated until it returns to JS: wake them all. */
  processExit(): void {
    quietly(() => this.#core.interruptAll(), 'Pool (process exit)', undefined);
  }

  spawn(): void {
    const options = this.#options;
    const config: WorkerConfig = {
      poolId: nativeCall(() => this.#core.id, 'Pool worker start'),
      fileUrl: options.fileUrl,
      spinMicros: options.spinMicros,
      idleSliceMs: IDLE_SLICE_MS,
      idleTimeout: options.min === options.max ? Infinity : options.idleTimeout,
      beatMs: options.stallTimeout === Infinity ? 1000 : Math.max(1, Math.floor(options.stallTimeout / 4)),
      maxPayload: options.maxPayload,
    };
    const worker = new Worker(RUNTIME_FILE(), {
      argv: [JSON.stringify(config)],
      workerData: options.workerData,
      resourceLimits: options.resourceLimits,
    });
    const info: WorkerInfo = { worker, slot: undefined };
    this.#workers.add(info);
    // Shared buffers sent so far (queued tasks may use them): queued before any task it takes.
    for (const message of this.shared.announcements()) worker.postMessage(message);
    worker.on('message', (msg: { type: string; workerId?: number }) => {
      if (msg.type === 'ready') {
        info.slot = msg.workerId!;
        this.#bySlot.set(info.slot, info);
        this.#host.workerReady();
      } else if (msg.type === 'idle' && info.slot !== undefined && info.endedBy === undefined && this.#host.shouldRetire()) {
        info.endedBy = 'idle';
        const slot = info.slot;
        quietly(() => this.#core.stopWorker(slot), 'Pool worker stop', undefined);
      }
    });
    worker.on('error', (err) => {
      info.error = err;
    });
    worker.on('exit', (code) => this.#onExit(info, code));
    // Last: adding a 'message' listener refs the worker's port again.
    if (!this.#referenced) worker.unref();
  }

  #onExit(info: WorkerInfo, code: number): void {
    this.#workers.delete(info);
    let running: number | null = null;
    if (info.slot !== undefined) {
      this.#bySlot.delete(info.slot);
      const slot = info.slot;
      running = quietly(() => this.#core.detachWorker(slot), 'Pool worker exit', null);
    }
    this.#host.workerExited({
      running: running ?? undefined,
      ready: info.slot !== undefined,
      endedBy: info.endedBy,
      code,
      error: info.error,
      loadFailed: false,
    });
  }

  /** A worker running one task for longer than stallTimeout without a heartbeat is replaced. */
  #checkStalls(): void {
    for (const [slot, info] of this.#bySlot) {
      const state = quietly(() => this.#core.workerState(slot), 'Pool stall check', null);
      if (state === null || info.endedBy !== undefined) continue;
      const [running, silentMs] = state as [number, number];
      if (running >= 0 && silentMs > this.#options.stallTimeout) {
        info.endedBy = 'stall';
        void info.worker.terminate();
      }
    }
  }
}

/**
 * Runs a call on the native core from an event (a worker's message or exit, a timer, a
 * wakeup, process exit) where a throw would end the process: a native failure is
 * emitted as a warning (a WeftError naming `what`) and `fallback` stands in for the result.
 */
function quietly<T>(call: () => T, what: string, fallback: T): T {
  try {
    return call();
  } catch (err) {
    process.emitWarning(fromNative(err, what));
    return fallback;
  }
}
