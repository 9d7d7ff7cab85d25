/**
 * How values cross threads through weft's native queues. Numbers, booleans, strings, null and undefined pass as themselves; typed
 * arrays, Buffers, DataViews and ArrayBuffers are copied into native memory once and
 * arrive as the same kind of view; everything else takes the structured-clone path
 * (`v8.serialize`, what `postMessage` accepts, except shared memory). Functions and
 * symbols are refused at the sender with `UNSERIALIZABLE`. Shared memory cannot live in
 * native memory (Node 20's napi cannot make a SharedArrayBuffer over it): a pool passes
 * SharedArrayBuffers by id beside the queue (js/pool/shared-memory.ts); elsewhere
 * (channels) they are refused with `UNSERIALIZABLE`.
 *
 * @example
 * const payload = encode(new Float64Array([1, 2])); const kind = encodedKind
 * // ...native queue...
 * decode(kind, arrayBufferFromNative) // Float64Array [1, 2]
 * @internal
 */
import { DefaultDeserializer, DefaultSerializer } from 'node:v8';

import { WeftError, fromNative } from '../errors.js';
import { mayHoldHandles, revive } from './handles.js';
import { loadNative } from './loader.js';
import { mayHoldShared, replaceShared, reviveShared, type SharedReceiver, type SharedSender } from '../pool/shared-memory.js';

import { Wire } from './wire.js';

export const KIND_UNDEFINED = Wire.KIND_UNDEFINED;
export const KIND_NULL = Wire.KIND_NULL;
export const KIND_BOOL = Wire.KIND_BOOL;
export const KIND_NUMBER = Wire.KIND_NUMBER;
export const KIND_STRING = Wire.KIND_STRING;
export const KIND_SERIALIZED = Wire.KIND_SERIALIZED;
export const KIND_FAILED = Wire.KIND_FAILED;
export const KIND_BYTES = Wire.KIND_BYTES;

const ARRAY_BUFFER = Wire.BYTES_ARRAY_BUFFER;
const BUFFER = Wire.BYTES_BUFFER;
const DATA_VIEW = Wire.BYTES_DATA_VIEW;
const VIEW_CODES = new Map<unknown, number>([
  [Uint8Array, Wire.BYTES_UINT8],
  [Int8Array, Wire.BYTES_INT8],
  [Uint8ClampedArray, Wire.BYTES_UINT8_CLAMPED],
  [Int16Array, Wire.BYTES_INT16],
  [Uint16Array, Wire.BYTES_UINT16],
  [Int32Array, Wire.BYTES_INT32],
  [Uint32Array, Wire.BYTES_UINT32],
  [Float32Array, Wire.BYTES_FLOAT32],
  [Float64Array, Wire.BYTES_FLOAT64],
  [BigInt64Array, Wire.BYTES_BIGINT64],
  [BigUint64Array, Wire.BYTES_BIGUINT64],
  [DataView, DATA_VIEW],
]);
type ViewCtor = new (buffer: ArrayBuffer) => ArrayBufferView;
const VIEW_CTORS: (ViewCtor | undefined)[] = [];
for (const [ctor, code] of VIEW_CODES) VIEW_CTORS[code] = ctor as ViewCtor;

/** `String.prototype.isWellFormed` (ES2024; in every Node weft supports). */
interface WellFormedString {
  isWellFormed(): boolean;
}

/** The wire kind of the value last passed to {@link encode}. */
export let encodedKind = KIND_UNDEFINED;

/** The SharedArrayBuffers the value last passed to {@link encode} sent by id (see `shared`), or undefined. */
export let encodedShared: SharedArrayBuffer[] | undefined;

/** Largest payload accepted by {@link encode}, in bytes (set per pool). */
export const DEFAULT_MAX_PAYLOAD = 512 * 1024 * 1024;

/**
 * The form of `value` to hand to a native call; sets {@link encodedKind}. Throws
 * `UNSERIALIZABLE` for values that cannot cross threads and `INVALID_ARGUMENT` for a payload
 * over `maxPayload` bytes. With `shared` (a pool's), SharedArrayBuffers and views over them
 * travel by id (js/pool/shared-memory.ts) and {@link encodedShared} lists them; without
 * it they are refused.
 */
export function encode(value: unknown, maxPayload: number = DEFAULT_MAX_PAYLOAD, shared?: SharedSender): unknown {
  encodedShared = undefined;
  switch (typeof value) {
    case 'number':
      encodedKind = KIND_NUMBER;
      return value;
    case 'string':
      if (value.length > maxPayload) tooLarge(value.length, maxPayload);
      // A native string is UTF-8: a lone surrogate would arrive as U+FFFD. Such a string
      // takes the structured-clone path, which keeps every UTF-16 code unit.
      if (!(value as unknown as WellFormedString).isWellFormed()) return serialized(value, maxPayload);
      encodedKind = KIND_STRING;
      return value;
    case 'boolean':
      encodedKind = KIND_BOOL;
      return value;
    case 'undefined':
      encodedKind = KIND_UNDEFINED;
      return undefined;
    case 'object':
      if (value === null) {
        encodedKind = KIND_NULL;
        return null;
      }
      if (ArrayBuffer.isView(value)) {
        if (value.byteLength > maxPayload) tooLarge(value.byteLength, maxPayload);
        if (value.buffer instanceof SharedArrayBuffer) return byId(value, maxPayload, shared);
        if (value.byteLength === 0 && isDetached(value.buffer)) detachedMemory();
        const code = Buffer.isBuffer(value) ? BUFFER : VIEW_CODES.get(value.constructor);
        if (code !== undefined) {
          encodedKind = KIND_BYTES + code;
          return value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        }
      } else if (value instanceof SharedArrayBuffer) {
        return byId(value, maxPayload, shared);
      } else if (value instanceof ArrayBuffer) {
        if (value.byteLength > maxPayload) tooLarge(value.byteLength, maxPayload);
        if (value.byteLength === 0 && isDetached(value)) detachedMemory();
        encodedKind = KIND_BYTES + ARRAY_BUFFER;
        return new Uint8Array(value);
      }
      return serialized(value, maxPayload, shared);
    case 'bigint':
      return serialized(value, maxPayload);
    default:
      throw new WeftError('UNSERIALIZABLE', `a ${typeof value} cannot be sent to another thread`, {
        details: { type: typeof value },
      });
  }
}

/**
 * `v8.serialize`, except that a typed array or DataView over shared memory throws (plain
 * `v8.serialize` copies its bytes, silently ending the sharing) like a bare
 * SharedArrayBuffer does.
 */
class SharingCheckedSerializer extends DefaultSerializer {
  _writeHostObject(object: object): void {
    if (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer) {
      throw new TypeError(`a ${object.constructor.name} over a SharedArrayBuffer could not be cloned.`);
    }
    (DefaultSerializer.prototype as unknown as { _writeHostObject(o: object): void })._writeHostObject.call(this, object);
  }
}

/**
 * `v8.deserialize`, except that each typed array, Buffer or DataView in the value gets
 * bytes of its own. Node's deserializer makes them views into the whole received message,
 * so a small array kept from a large message would keep all of it alive and show the
 * message's other bytes through its `.buffer`.
 */
class OwnBytesDeserializer extends DefaultDeserializer {
  _readHostObject(): unknown {
    const view = (DefaultDeserializer.prototype as unknown as { _readHostObject(): ArrayBufferView })._readHostObject.call(this);
    const own = new Uint8Array(view.byteLength);
    own.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    if (Buffer.isBuffer(view)) return Buffer.from(own.buffer);
    return new (view.constructor as ViewCtor)(own.buffer);
  }
}

function deserialize(data: Uint8Array): unknown {
  const deserializer = new OwnBytesDeserializer(data);
  deserializer.readHeader();
  return deserializer.readValue();
}

function serialize(value: unknown): Buffer {
  const serializer = new SharingCheckedSerializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

function serialized(value: unknown, maxPayload: number, sender?: SharedSender): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = serialize(value);
  } catch (err) {
    const shared = /SharedArrayBuffer/.test((err as Error).message);
    if (shared && sender !== undefined) return byId(value, maxPayload, sender);
    throw new WeftError(
      'UNSERIALIZABLE',
      `value cannot be sent to another thread: ${(err as Error).message}` +
        (shared ? ' (shared memory cannot pass through the native queue; give it to the workers in workerData instead)' : ''),
      { cause: err },
    );
  }
  if (bytes.byteLength > maxPayload) tooLarge(bytes.byteLength, maxPayload);
  encodedKind = KIND_SERIALIZED;
  return bytes;
}

/** `value` serialised with its shared buffers replaced by ids (refused without a sender). */
function byId(value: unknown, maxPayload: number, sender: SharedSender | undefined): Uint8Array {
  if (sender === undefined) sharedMemory();
  const found: SharedArrayBuffer[] = [];
  const bytes = serialized(replaceShared(value, sender, found), maxPayload);
  encodedShared = found;
  return bytes;
}

function sharedMemory(): never {
  throw new WeftError(
    'UNSERIALIZABLE',
    'a SharedArrayBuffer cannot be sent through the native queue (sharing would be lost); give it to the workers in workerData instead',
  );
}

function detachedMemory(): never {
  throw new WeftError('UNSERIALIZABLE', 'a detached ArrayBuffer cannot be sent to another thread (it was transferred away)');
}

/**
 * Gives back what an encoded value pinned (weft objects inside it) when it will never be
 * sent: a `trySend` that found no room, a send that timed out, a select case that lost,
 * a task refused with QUEUE_FULL. Values accepted natively are released there instead.
 *
 * @example
 * if (!sent) abandon(kind, payload)
 */
export function abandon(kind: number, payload: unknown): void {
  if (kind !== KIND_SERIALIZED || !(payload instanceof Uint8Array) || !mayHoldHandles(payload)) return;
  try {
    loadNative().releasePins(payload);
  } catch (err) {
    // A cleanup path: throwing here would hide the error being reported.
    process.emitWarning(fromNative(err, 'releasing the handles of an unsent value'));
  }
}

/** Whether `buffer` was detached (transferred away): no view can be made over it. */
export function isDetached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function tooLarge(size: number, limit: number): never {
  throw new WeftError('INVALID_ARGUMENT', `payload of ${size} bytes is over the limit of ${limit} bytes (maxPayload)`, {
    details: { size, limit },
  });
}

/**
 * A number read from a Float64Array slot, as the small integer it is when it is one. A
 * typed-array read yields a double even for 25, and V8 then runs the receiving code on
 * heap numbers: a recursive fib(25) took twice as long. (0 stays as read, keeping -0.)
 *
 * @example
 * numberFromSlot(new Float64Array([25])[0]) // 25, as a small integer
 */
export function numberFromSlot(n: number): number {
  const i = n | 0;
  return i === n && i !== 0 ? i : n;
}

/**
 * Values beside a Float64Array slot (the native batch calls' convention): numbers and
 * booleans travel in the slot; null and undefined need nothing; other kinds travel as a
 * value of their own beside it. `slotNumber` writes the slot, `needsBeside` says whether
 * the value goes beside it, `fromSlot` reads the pair back (before `decode`).
 *
 * @example
 * meta[at] = slotNumber(kind, payload); if (needsBeside(kind)) values[i] = payload
 * decode(kind, fromSlot(kind, meta[at], values[i]))
 */
export function slotNumber(kind: number, payload: unknown): number {
  return kind === KIND_NUMBER ? (payload as number) : kind === KIND_BOOL ? (payload ? 1 : 0) : 0;
}

/** Whether a value of `kind` travels beside the slot (see {@link slotNumber}). */
export function needsBeside(kind: number): boolean {
  return kind > KIND_NUMBER;
}

/** The value of a (kind, slot, beside) triple, still encoded for kinds beyond strings. */
export function fromSlot(kind: number, slot: number, beside: unknown): unknown {
  switch (kind) {
    case KIND_NUMBER:
      return numberFromSlot(slot);
    case KIND_BOOL:
      return slot !== 0;
    case KIND_NULL:
      return null;
    case KIND_UNDEFINED:
      return undefined;
    default:
      return beside;
  }
}

/** The error for a value that arrived but could not be made on this thread. */
function undeliverable(reason: unknown): WeftError {
  const why = typeof reason === 'string' ? reason : 'the runtime refused to allocate it';
  return new WeftError('INTERNAL', `a received value could not be made on this thread (${why}); it was discarded`, {
    details: { reason: why },
  });
}

/**
 * Rebuilds a value received from a native call with its wire `kind`; `shared` resolves
 * the ids of shared buffers (a pool's side of js/pool/shared-memory.ts).
 */
export function decode(kind: number, value: unknown, shared?: SharedReceiver): unknown {
  if (kind < KIND_SERIALIZED) return value;
  if (kind === KIND_FAILED) throw undeliverable(value);
  const bytes = value as ArrayBuffer;
  if (kind === KIND_SERIALIZED) {
    const data = new Uint8Array(bytes);
    let value: unknown = deserialize(data);
    if (shared !== undefined && mayHoldShared(data)) value = reviveShared(value, shared);
    // Channels, mutexes... travel as pinned ids: make them live handles on this thread.
    return mayHoldHandles(data) ? revive(value) : value;
  }
  const code = kind - KIND_BYTES;
  if (code === ARRAY_BUFFER) return bytes;
  if (code === BUFFER) return Buffer.from(bytes);
  const Ctor = VIEW_CTORS[code];
  if (Ctor === undefined) throw new WeftError('INTERNAL', `unknown value kind ${kind} from the native queue`);
  return new Ctor(bytes);
}
