/**
 * Pool options, validated once at construction: every problem is an `INVALID_ARGUMENT`
 * WeftError naming the option.
 * @internal
 */
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { inspect } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';

import { DEFAULT_MAX_PAYLOAD } from '../native/codec.js';
import { Context } from '../context/context.js';
import { WeftError, abortError } from '../errors.js';
import { checkKnownKeys } from '../unknown-options.js';
import { checkTransfer } from './transfer.js';

/** Options for `new Pool(...)`. An unknown key is INVALID_ARGUMENT naming the closest valid one. */
export interface PoolOptions {
  /** The task module: a path (absolute) or file: URL. Its named exports (and default) are the task functions. */
  filename: string | URL;
  /** Worker count: a fixed number, or `{ min, max }` to grow under load and shrink when idle. Default: CPU count. */
  size?: number | { min: number; max: number };
  /**
   * Most tasks waiting for a worker, at least 1: a task that a worker can take at once (one
   * per worker, up to the pool's max size) does not count, so `size: 1, maxQueue: 1` accepts
   * a running task and one waiting, and refuses the third (QUEUE_FULL). Default: Infinity.
   */
  maxQueue?: number;
  /** A worker idle this long (ms) exits while the pool has more than `min`. Default: 30,000. */
  idleTimeout?: number;
  /** A worker running a task that shows no heartbeat for this long (ms) is restarted. Default: Infinity (off). */
  stallTimeout?: number;
  /** How long (ms) a timed-out task may keep running after its abort before its worker is terminated. Default: 1,000. */
  timeoutGrace?: number;
  /** How many times a task whose worker crashed is retried on a new worker. Default: 0. */
  retries?: number;
  /** V8 heap limits for each worker (as `new Worker`'s `resourceLimits`). */
  resourceLimits?: ResourceLimits;
  /** Passed to the task module as `workerData`. */
  workerData?: unknown;
  /** Largest argument or result in bytes. Default: 512 MiB. */
  maxPayload?: number;
  /** Microseconds a worker spins for new work before parking, 0 to 1,000,000. Default: 50. */
  spinMicros?: number;
  /**
   * 'thread' (default): worker threads fed by the native queue. 'process': child processes,
   * same module and API, for tasks that may crash natively or leak (the
   * module reads workerData from `globalThis.weftWorkerData`).
   */
  isolation?: 'thread' | 'process';
}

/** Every key `PoolOptions` has: any other is refused (INVALID_ARGUMENT, with the closest one). */
export const POOL_OPTION_KEYS: readonly (keyof PoolOptions)[] = [
  'filename', 'size', 'maxQueue', 'idleTimeout', 'stallTimeout', 'timeoutGrace', 'retries',
  'resourceLimits', 'workerData', 'maxPayload', 'spinMicros', 'isolation',
];

/** Options after validation and defaults. */
export interface ResolvedPoolOptions {
  fileUrl: string;
  min: number;
  max: number;
  maxQueue: number;
  idleTimeout: number;
  stallTimeout: number;
  timeoutGrace: number;
  retries: number;
  resourceLimits: ResourceLimits | undefined;
  workerData: unknown;
  maxPayload: number;
  spinMicros: number;
  isolation: 'thread' | 'process';
}

/** Throws INVALID_ARGUMENT: `Pool option <option> <problem>, got <value>`, the value itself in details. */
function invalid(option: string, problem: string, value: unknown): never {
  throw new WeftError('INVALID_ARGUMENT', `Pool option ${option} ${problem}, got ${describe(value)}`, {
    details: { option, value },
  });
}

/** A value as a message shows it: strings quoted, objects and arrays written out (shallowly). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return inspect(value, { depth: 1, breakLength: Infinity });
  return String(value);
}

function count(option: string, value: unknown, fallback: number, { min = 0, max = Infinity, allowInfinity = false } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) invalid(option, 'must be a number', value);
  if (value === Infinity && allowInfinity) return value;
  if (!Number.isInteger(value) || value < min) {
    invalid(option, `must be an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}`, value);
  }
  if (value > max) invalid(option, `must be at most ${max}`, value);
  return value;
}

/** The longest idle spin a worker may be given: past a second, parking is always cheaper. */
export const MAX_SPIN_MICROS = 1_000_000;

/** The `isolation` option, checked (INVALID_ARGUMENT): 'thread' (the default) or 'process'. */
export function checkIsolation(value: unknown): 'thread' | 'process' {
  if (value === undefined) return 'thread';
  if (value !== 'thread' && value !== 'process') invalid('isolation', "must be 'thread' or 'process'", value);
  return value;
}

/** Checks every option; throws INVALID_ARGUMENT naming the first bad one. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'must be an object', options);
  checkKnownKeys(options, POOL_OPTION_KEYS, 'Pool option');
  const { filename } = options;
  let fileUrl: string;
  if (filename instanceof URL) {
    fileUrl = filename.href;
  } else if (typeof filename === 'string' && filename.startsWith('file:')) {
    fileUrl = filename;
  } else if (typeof filename === 'string' && isAbsolute(filename)) {
    fileUrl = pathToFileURL(filename).href;
  } else {
    invalid('filename', 'must be an absolute path or a file: URL', filename);
  }
  let min: number;
  let max: number;
  const { size } = options;
  if (size === undefined || typeof size === 'number') {
    min = max = count('size', size, availableParallelism(), { min: 1 });
  } else if (typeof size === 'object' && size !== null) {
    min = count('size.min', size.min, 0);
    max = count('size.max', size.max, Math.max(min, availableParallelism()), { min: 1 });
    if (min > max) {
      throw new WeftError('INVALID_ARGUMENT', `Pool option size is invalid: min ${min} exceeds max ${max}`, {
        details: { option: 'size', value: size, min, max },
      });
    }
  } else {
    invalid('size', 'must be a positive integer or { min, max }', size);
  }
  if (options.resourceLimits !== undefined && (typeof options.resourceLimits !== 'object' || options.resourceLimits === null)) {
    invalid('resourceLimits', 'must be an object', options.resourceLimits);
  }
  return {
    fileUrl,
    min,
    max,
    // At least 1: a task counts as queued until a worker takes it, so 0 would refuse all.
    maxQueue: count('maxQueue', options.maxQueue, Infinity, { min: 1, allowInfinity: true }),
    idleTimeout: count('idleTimeout', options.idleTimeout, 30_000, { allowInfinity: true }),
    stallTimeout: count('stallTimeout', options.stallTimeout, Infinity, { min: 1, allowInfinity: true }),
    timeoutGrace: count('timeoutGrace', options.timeoutGrace, 1_000),
    retries: count('retries', options.retries, 0),
    resourceLimits: options.resourceLimits,
    workerData: options.workerData,
    maxPayload: count('maxPayload', options.maxPayload, DEFAULT_MAX_PAYLOAD, { min: 1 }),
    spinMicros: count('spinMicros', options.spinMicros, 50, { max: MAX_SPIN_MICROS }),
    isolation: checkIsolation(options.isolation),
  };
}

/** Per-task options for `run`, `trySubmit`, `submit` and `post` (and `map`, with its own two). An unknown key is INVALID_ARGUMENT. */
export interface RunOptions {
  /** Aborting it cancels the task: removed if still queued (CANCELED), signalled inside the worker if running. */
  signal?: AbortSignal;
  /** Milliseconds before the task rejects with TIMEOUT. */
  timeout?: number;
  /** Higher runs first; FIFO within a priority. Default 0. Integer in -2^31..2^31-1. */
  priority?: number;
  /**
   * The task's context: its end cancels the task as `signal` does (a queued task rejects
   * with its code, CANCELED or DEADLINE_EXCEEDED), and a worker-thread task receives it
   * as `taskContext.ctx`, seeing a cancellation made on any thread at once. A process
   * pool's task sees it only through `taskContext.signal`.
   */
  ctx?: Context;
  /**
   * ArrayBuffers to hand over, as in `postMessage(value, transfer)`: once the task is
   * queued they are detached here (`byteLength` 0). The bytes still cross as one copy
   * (Node 20's napi cannot adopt an ArrayBuffer's memory); what the list buys is the
   * guarantee that the sender no longer holds them.
   */
  transfer?: readonly ArrayBuffer[];
}

/** Every key `RunOptions` has: any other is refused (INVALID_ARGUMENT, with the closest one). */
export const RUN_OPTION_KEYS: readonly (keyof RunOptions)[] = ['signal', 'timeout', 'priority', 'ctx', 'transfer'];

/** Checks per-task options (cheap: called per task); `keys` are the keys allowed. */
export function checkRunOptions(options: RunOptions, keys: readonly string[] = RUN_OPTION_KEYS, what = 'run option'): void {
  if (typeof options !== 'object' || options === null) {
    throw new WeftError('INVALID_ARGUMENT', `${what}s must be an object, got ${describe(options)}`, { details: { option: 'options', value: options } });
  }
  checkKnownKeys(options, keys, what);
  const { timeout, priority, signal } = options;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    throw new WeftError('INVALID_ARGUMENT', `run option timeout must be a non-negative number, got ${describe(timeout)}`, {
      details: { option: 'timeout' },
    });
  }
  if (priority !== undefined && (!Number.isInteger(priority) || priority < -(2 ** 31) || priority >= 2 ** 31)) {
    throw new WeftError('INVALID_ARGUMENT', `run option priority must be a 32-bit integer, got ${describe(priority)}`, {
      details: { option: 'priority' },
    });
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new WeftError('INVALID_ARGUMENT', 'run option signal must be an AbortSignal', { details: { option: 'signal' } });
  }
  if (options.transfer !== undefined) checkTransfer(options.transfer);
  if (options.ctx !== undefined && !(options.ctx instanceof Context)) {
    throw new WeftError('INVALID_ARGUMENT', `run option ctx must be a Context, got ${describe(options.ctx)}`, { details: { option: 'ctx' } });
  }
}

/** The signal that cancels a task: `signal`, its context's, or either. */
export function taskSignal(options: RunOptions): AbortSignal | undefined {
  const { signal, ctx } = options;
  if (ctx === undefined) return signal;
  return signal === undefined ? ctx.signal : AbortSignal.any([signal, ctx.signal]);
}

/**
 * The error for a task cancelled before it ran ({@link abortError}'s codes: a context's end
 * keeps its code, `AbortSignal.timeout()` is TIMEOUT, anything else CANCELED; the reason is the cause).
 */
export function cancelledTaskError(reason: unknown, message: string, details?: Record<string, unknown>): WeftError {
  return abortError(message, reason, details);
}
