/**
 * weft's one error type. Every failure weft reports is a {@link WeftError} with a stable
 * `code`, a unique `id` for log correlation, the UTC time it happened (`at`), whether a
 * retry may succeed (`transient`), context fields (`details`) and the `cause` it wraps.
 *
 * @example
 * try { pool.trySubmit('resize', img) }
 * catch (err) { if (isWeftError(err, 'QUEUE_FULL')) retryLater() ; else throw err }
 */
import { randomUUID } from 'node:crypto';

/**
 * Every stable error code. The native core throws QUEUE_FULL, CHANNEL_CLOSED, POOL_CLOSED,
 * INVALID_ARGUMENT and INTERNAL (its `errorCodes()`); the facade also throws those, and
 * decides the rest itself: TIMEOUT (a timer ran out), CANCELED and DEADLINE_EXCEEDED (a
 * signal aborted, a context ended), WORKER_CRASHED (a worker or process exited mid-task),
 * UNSERIALIZABLE (a value structured clone refuses), NATIVE_UNAVAILABLE (the addon could
 * not be loaded for this platform: an installation problem, not a bug), WOULD_BLOCK (a
 * blocking call such as `recvSync` made on the main thread, where it would freeze the
 * event loop) and TASK_FAILED (a task of a TaskGraph failed: `details.task` names it,
 * `cause` is its error).
 */
export const ErrorCodes = [
  'QUEUE_FULL',
  'TIMEOUT',
  'CANCELED',
  'DEADLINE_EXCEEDED',
  'CHANNEL_CLOSED',
  'POOL_CLOSED',
  'WORKER_CRASHED',
  'UNSERIALIZABLE',
  'INVALID_ARGUMENT',
  'INTERNAL',
  'NATIVE_UNAVAILABLE',
  'WOULD_BLOCK',
  'TASK_FAILED',
] as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[number];

const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['QUEUE_FULL', 'TIMEOUT', 'WORKER_CRASHED']);
const CODE_SET: ReadonlySet<string> = new Set(ErrorCodes);

/** Options for {@link WeftError}'s constructor. */
export interface WeftErrorOptions {
  /** What caused it: kept as `cause`, serialised with the error. */
  cause?: unknown;
  /** Context fields, e.g. `{ option: 'maxQueue', value: -1 }`. */
  details?: Record<string, unknown>;
  /** Override the code's default (QUEUE_FULL, TIMEOUT and WORKER_CRASHED are transient). */
  transient?: boolean;
  /** Restore a known id (used when an error crosses threads); a new one is made otherwise. */
  id?: string;
  /** Restore a known time (ISO 8601, UTC); now otherwise. */
  at?: string;
}

// A brand shared by every copy of this module (the ESM and the CommonJS builds, several
// installed versions), so `isWeftError` works where `instanceof` would not.
const BRAND = Symbol.for('@weft/core.WeftError');

/**
 * The error weft throws and rejects with.
 *
 * @example
 * throw new WeftError('INVALID_ARGUMENT', 'size must be a positive integer, got -1', {
 *   details: { option: 'size', value: -1 },
 * })
 */
export class WeftError extends Error {
  /** Stable code, safe to branch on. */
  readonly code: ErrorCode;
  /** Unique id, printed in INTERNAL messages and logs so reports can be correlated. */
  readonly id: string;
  /** When the error was made, as an ISO 8601 UTC string. */
  readonly at: string;
  /** Whether retrying the same operation may succeed. */
  readonly transient: boolean;
  /** Context fields; never undefined. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    this.id = options.id ?? randomUUID();
    this.at = options.at ?? new Date().toISOString();
    this.transient = options.transient ?? TRANSIENT.has(code);
    this.details = options.details ?? {};
    if (code === 'INTERNAL' && options.id === undefined) {
      this.message = `${message} (this is a bug in weft: please report it with error id ${this.id})`;
    }
  }

  /** @internal */
  get [BRAND](): true {
    return true;
  }

  /** A plain JSON-safe object; {@link deserializeError} turns it back into an error. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/**
 * The error for an operation an AbortSignal (or a context) ended: `AbortSignal.timeout()`'s
 * TimeoutError is TIMEOUT, a context's end keeps its code (CANCELED or DEADLINE_EXCEEDED),
 * a WeftError reason keeps TIMEOUT, anything else is CANCELED. The reason is always the
 * `cause`, the identical object.
 *
 * @example
 * signal.addEventListener('abort', () => reject(abortError('Channel.recv was cancelled', signal.reason)))
 */
export function abortError(message: string, reason: unknown, details?: Record<string, unknown>): WeftError {
  return new WeftError(abortCode(reason), message, { cause: reason, details });
}

function abortCode(reason: unknown): ErrorCode {
  if (isWeftError(reason, 'DEADLINE_EXCEEDED') || isWeftError(reason, 'TIMEOUT')) return reason.code;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'TIMEOUT';
  return 'CANCELED';
}

/**
 * Whether `value` is a {@link WeftError} (from any copy of weft), optionally with `code`.
 *
 * @example
 * if (isWeftError(err, 'TIMEOUT')) console.log('took too long', err.details)
 */
export function isWeftError(value: unknown, code?: ErrorCode): value is WeftError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (value as WeftError).code === code)
  );
}

/**
 * Wraps a lower layer's error at a module boundary, adding context. A WeftError passes
 * through with the extra details merged; any other error becomes the `cause` of a new
 * WeftError with `code`.
 *
 * @example
 * try { await readTask(file) }
 * catch (err) { throw wrap(err, 'INVALID_ARGUMENT', `cannot load task module ${file}`, { file }) }
 */
export function wrap(
  err: unknown,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): WeftError {
  if (isWeftError(err)) {
    Object.assign(err.details, details);
    return err;
  }
  return new WeftError(code, message, { cause: err, details });
}

/** An error as plain data: what crosses threads and processes. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** WeftError fields, present only for WeftErrors. */
  weft?: { id: string; at: string; transient: boolean; details: Record<string, unknown> };
  /** Other own enumerable properties (e.g. `errno`, `path`), when they are plain data. */
  props?: Record<string, unknown>;
  cause?: SerializedError | { value: unknown };
  /** An AggregateError's errors. */
  errors?: SerializedError[];
}

const OWN_SKIP = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors', 'id', 'at', 'transient', 'details']);

/**
 * Turns any thrown value into plain data that survives `structuredClone`, JSON or a
 * native queue: name, message, stack, code and the whole cause chain.
 *
 * @example
 * const wire = serializeError(err); const again = deserializeError(wire) // same name, message, stack, code, cause
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error) && !isWeftError(err)) {
    return { name: 'Error', message: describeThrown(err), props: { thrown: toPlain(err) } };
  }
  const e = err as Error & { code?: unknown; errors?: unknown };
  const out: SerializedError = { name: e.name, message: e.message };
  if (e.stack !== undefined) out.stack = e.stack;
  if (typeof e.code === 'string') out.code = e.code;
  if (isWeftError(err)) {
    out.weft = { id: err.id, at: err.at, transient: err.transient, details: toPlain(err.details) as Record<string, unknown> };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (OWN_SKIP.has(key)) continue;
    props[key] = toPlain((e as unknown as Record<string, unknown>)[key]);
  }
  if (Object.keys(props).length > 0) out.props = props;
  if (depth < 32 && e.cause !== undefined) {
    out.cause = e.cause instanceof Error || isWeftError(e.cause) ? serializeError(e.cause, depth + 1) : { value: toPlain(e.cause) };
  }
  if (Array.isArray(e.errors)) out.errors = e.errors.map((x) => serializeError(x, depth + 1));
  return out;
}

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error from {@link serializeError}'s output: a WeftError stays a WeftError
 * (same id, at, details), built-in types keep their class, others keep their name.
 */
export function deserializeError(data: SerializedError): Error {
  const cause =
    data.cause === undefined ? undefined : 'value' in data.cause ? data.cause.value : deserializeError(data.cause as SerializedError);
  let err: Error;
  if (data.weft !== undefined && CODE_SET.has(data.code ?? '')) {
    err = new WeftError(data.code as ErrorCode, data.message, {
      cause,
      details: data.weft.details,
      transient: data.weft.transient,
      id: data.weft.id,
      at: data.weft.at,
    });
  } else if (data.errors !== undefined) {
    err = new AggregateError(data.errors.map(deserializeError), data.message, cause === undefined ? undefined : { cause });
  } else {
    const Ctor = ERROR_TYPES[data.name] ?? Error;
    err = new Ctor(data.message, cause === undefined ? undefined : { cause });
  }
  if (err.name !== data.name) Object.defineProperty(err, 'name', { value: data.name, writable: true, configurable: true, enumerable: false });
  if (data.code !== undefined && !isWeftError(err)) (err as Error & { code?: string }).code = data.code;
  if (data.props !== undefined) Object.assign(err, data.props);
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `non-error thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `non-error thrown: ${String(value)}`;
  }
}

// Keeps values that structured clone accepts; replaces what it rejects (functions,
// symbols) with a description, so serialising an error never throws.
function toPlain(value: unknown): unknown {
  if (typeof value === 'function') return `[function ${(value as { name?: string }).name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'bigint') return value;
  if (value === null || typeof value !== 'object') return value;
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

// Native errors arrive as `Error('CODE: message')` (see crates/weft-node/src/errors.rs);
// napi-rs's own argument conversion failures carry a napi status as `code`.
const NATIVE_MESSAGE = /^([A-Z_]+): ([\s\S]*)$/;
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
]);

/** Where a caught native panic happened, as its message ends: `(at file:line:column)`. */
const PANIC_LOCATION = /\(at ([^()]+:\d+:\d+)\)$/;

/**
 * Turns an error thrown by the native binding into a WeftError (INTERNAL for anything
 * unrecognised, since the binding should only throw coded errors).
 * @internal
 */
export function fromNative(err: unknown, operation: string): WeftError {
  if (isWeftError(err)) return err;
  if (err instanceof Error) {
    const match = NATIVE_MESSAGE.exec(err.message);
    if (match !== null && CODE_SET.has(match[1]!)) {
      // A caught native panic ends with where it happened: `... (at src/file.rs:12:5)`.
      const location = match[1] === 'INTERNAL' ? PANIC_LOCATION.exec(match[2]!)?.[1] : undefined;
      return new WeftError(match[1] as ErrorCode, match[2]!, { details: location === undefined ? { operation } : { operation, location } });
    }
    const status = (err as Error & { code?: unknown }).code;
    if (typeof status === 'string' && NAPI_ARGUMENT_STATUSES.has(status)) {
      return new WeftError('INVALID_ARGUMENT', `${operation}: ${err.message}`, { cause: err, details: { operation } });
    }
  }
  return new WeftError('INTERNAL', `${operation} failed unexpectedly`, { cause: err, details: { operation } });
}
