/**
 * Passing weft objects (channels, mutexes, wait groups...) to other threads. The state
 * lives natively; a JS object is this thread's
 * handle on it. Each handle has an own enumerable `weftHandle` property whose getter pins
 * the native object for the trip and yields `"weft:<secret>:<type>:<id>"` (the secret is
 * 128 random bits drawn once per process, so user data that merely looks like a handle is
 * never revived or released as one), so every way of sending
 * (a pool task argument, a channel message, `workerData`, `postMessage`) carries it; the
 * receiving side revives it into its own handle, which takes over the pin. The native
 * object lives until the last handle in every thread is gone. A message that is never
 * received gives its pins back: natively when an accepted message is dropped
 * (crates/weft-node/src/pins.rs finds them in the bytes), and through `abandon` in
 * codec.ts when the sender gives up on a send.
 *
 * @example
 * // main thread
 * new Worker('./consumer.mjs', { workerData: { jobs: new Channel(64) } })
 * // consumer.mjs
 * const { jobs } = revive(workerData)   // pool workers get workerData revived already
 * @internal
 */
import { WeftError, fromNative } from '../errors.js';
import { loadNative } from './loader.js';
import type { HandleKind } from './wire.js';

let prefix: string | undefined;

/** `weft:<secret>:`, the start of every handle text in this process. */
function handlePrefix(): string {
  if (prefix === undefined) {
    try {
      prefix = `weft:${loadNative().handleSecret()}:`;
    } catch (err) {
      throw fromNative(err, 'handleSecret');
    }
  }
  return prefix;
}
/** The bytes v8.serialize writes for the property name: a cheap "are there any?" test. */
const MARKER = Buffer.from('weftHandle');

const adopters = new Map<string, (id: string) => unknown>();

/**
 * Registers how to revive handles of `type` (each shareable class does, once); `adopt`
 * gets the id text its `makeShareable` pin produced.
 */
export function registerHandleType(type: HandleKind, adopt: (id: string) => unknown): void {
  adopters.set(type, adopt);
}

/**
 * Gives `target` the `weftHandle` property that carries it to other threads, and hides
 * `internals` (own fields that mean nothing elsewhere) from serialisation.
 */
export function makeShareable(target: object, type: HandleKind, pin: () => number | string, internals: string[] = []): void {
  for (const key of internals) Object.defineProperty(target, key, { enumerable: false });
  Object.defineProperty(target, 'weftHandle', {
    enumerable: true,
    configurable: false,
    get: () => {
      try {
        return `${handlePrefix()}${type}:${pin()}`;
      } catch (err) {
        throw fromNative(err, `sending a ${type} to another thread`);
      }
    },
  });
}

/**
 * The first live weft object (channel, mutex, context...) inside `value` (plain objects,
 * arrays, Maps and Sets), or undefined. It looks at property descriptors only, so nothing
 * is pinned: for a destination where handles mean nothing (another process).
 *
 * @example
 * if (liveHandleIn(arg) !== undefined) throw new WeftError('UNSERIALIZABLE', '...')
 */
export function liveHandleIn(value: unknown, seen: Set<object> = new Set()): object | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value)) return undefined;
  seen.add(value);
  if (typeof Object.getOwnPropertyDescriptor(value, 'weftHandle')?.get === 'function') return value;
  const children: Iterable<unknown> =
    Array.isArray(value) ? value : value instanceof Map ? value.values() : value instanceof Set ? value : isPlain(value) ? Object.values(value) : [];
  for (const child of children) {
    const found = liveHandleIn(child, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Throws when `value` holds a live weft object (see {@link liveHandleIn}): before
 * anything is sent to a child process, which could not reach it (and sending would pin
 * it here forever). `code` INVALID_ARGUMENT is for an option (`workerData`).
 *
 * @example
 * refuseHandles(arg, 'a task argument') // UNSERIALIZABLE for { jobs: new Channel(1) }
 */
export function refuseHandles(value: unknown, what: string, code: 'UNSERIALIZABLE' | 'INVALID_ARGUMENT' = 'UNSERIALIZABLE'): void {
  const handle = liveHandleIn(value);
  if (handle === undefined) return;
  const type = handle.constructor?.name ?? 'object';
  throw new WeftError(code, `${what} holds a ${type}, which cannot cross to a child process (weft objects are shared between threads, not processes)`, {
    details: { type, ...(code === 'INVALID_ARGUMENT' ? { option: 'workerData' } : {}) },
  });
}

/** Whether serialised bytes may hold handles (decode revives only then). */
export function mayHoldHandles(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(MARKER) >= 0;
}

/**
 * Replaces every sent handle (`{ weftHandle: "weft:..." }`) inside `value` (plain objects,
 * arrays, Maps and Sets, in place) with a live handle on this thread. Returns the value,
 * or the handle when `value` itself is one.
 */
export function revive<T>(value: T): T {
  return reviveValue(value, new Set()) as T;
}

/** Whether `value` holds any sent handle (a look without changing anything). */
export function holdsHandles(value: unknown, seen: Set<object> = new Set()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  const text = (value as { weftHandle?: unknown }).weftHandle;
  if (typeof text === 'string' && text.startsWith(handlePrefix())) return true;
  const children: Iterable<unknown> =
    Array.isArray(value) ? value : value instanceof Map ? value.values() : value instanceof Set ? value : isPlain(value) ? Object.values(value) : [];
  for (const child of children) if (holdsHandles(child, seen)) return true;
  return false;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function reviveValue(value: unknown, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  const text = (value as { weftHandle?: unknown }).weftHandle;
  // A sent handle: its serialised form carries the pinned id (the wrappers' own fields are
  // not enumerable, but a subclass may add some).
  if (typeof text === 'string' && text.startsWith(handlePrefix())) {
    return adopt(text);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveValue(value[i], seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, reviveValue(v, seen));
  } else if (value instanceof Set) {
    for (const v of [...value]) {
      const revived = reviveValue(v, seen);
      if (revived !== v) {
        value.delete(v);
        value.add(revived);
      }
    }
  } else if (isPlain(value)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = reviveValue(record[key], seen);
  }
  return value;
}

function adopt(text: string): unknown {
  const [type = '', id = ''] = text.slice(handlePrefix().length).split(':');
  const adoptFn = adopters.get(type);
  if (adoptFn === undefined || id === '') {
    throw new WeftError('INVALID_ARGUMENT', `not a weft handle this thread can revive: ${text}`, { details: { handle: text } });
  }
  try {
    return adoptFn(id);
  } catch (err) {
    throw fromNative(err, `receiving a ${type} from another thread`);
  }
}
