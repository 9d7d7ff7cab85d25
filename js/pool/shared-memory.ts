/**
 * SharedArrayBuffers in pool task arguments (and results that hand one back). A task's
 * value crosses through native memory as bytes, which cannot carry shared memory, so
 * each SharedArrayBuffer (or typed array / DataView / Buffer over one) is replaced by a
 * placeholder `{ weftShared: id, ... }` before encoding, and the buffer itself goes to
 * every worker once, by `postMessage` (which shares it), ahead of the task. A worker that
 * meets an id it has not seen yet reads its pending messages synchronously
 * (`receiveMessageOnPort`), so a worker running sync tasks back to back never waits for
 * its event loop. The pool keeps each buffer of a task alive until the task settles;
 * once the main thread drops a buffer, the workers are told to forget it.
 *
 * @example
 * const sab = new SharedArrayBuffer(1024)
 * await pool.run('fill', { counts: new Int32Array(sab, 64, 8) }) // the worker writes into sab
 * @internal
 */
import { WeftError } from '../errors.js';

const KEY = 'weftShared';
/** The bytes v8.serialize writes for the placeholder key: a cheap "are there any?" test. */
const MARKER = Buffer.from(KEY);

/** Gives ids to buffers a value sends. */
export interface SharedSender {
  idOf(buffer: SharedArrayBuffer): number;
}

/** Finds the buffer of an id a value received. */
export interface SharedReceiver {
  get(id: number): SharedArrayBuffer;
}

/** What the pool posts to its workers about shared buffers. */
export type SharedMessage = { type: 'shared'; id: number; buffer: SharedArrayBuffer } | { type: 'unshare'; id: number };

interface Placeholder {
  weftShared: number;
  /** For a view: its constructor's name, byte offset and length in elements (bytes for DataView). */
  view?: string;
  offset?: number;
  length?: number;
}

const VIEWS: Record<string, (buffer: SharedArrayBuffer, offset: number, length: number) => unknown> = {
  Buffer: (b, o, n) => Buffer.from(b, o, n),
  DataView: (b, o, n) => new DataView(b, o, n),
};
for (const Ctor of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
  VIEWS[Ctor.name] = (b, o, n) => new Ctor(b as unknown as ArrayBuffer, o, n);
}

/**
 * `value` with every SharedArrayBuffer, and every view over one, replaced by a placeholder
 * (inside plain objects, arrays, Maps and Sets; those containers are copied, the caller's
 * are never changed). The buffers met are appended to `found`.
 */
export function replaceShared(value: unknown, sender: SharedSender, found: SharedArrayBuffer[]): unknown {
  return replace(value, sender, found, new Map());
}

function replace(value: unknown, sender: SharedSender, found: SharedArrayBuffer[], copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof SharedArrayBuffer) return placeholder(value, sender, found);
  if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof SharedArrayBuffer)) return value;
    const view = Buffer.isBuffer(value) ? 'Buffer' : value.constructor.name;
    if (VIEWS[view] === undefined) return value; // an unknown subclass: let the serialiser refuse it
    const length = value instanceof DataView || view === 'Buffer' ? value.byteLength : (value as unknown as { length: number }).length;
    return { ...placeholder(value.buffer, sender, found), view, offset: value.byteOffset, length };
  }
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    for (const item of value) copy.push(replace(item, sender, found, copies));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    copies.set(value, copy);
    for (const [k, v] of value) copy.set(replace(k, sender, found, copies), replace(v, sender, found, copies));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    copies.set(value, copy);
    for (const v of value) copy.add(replace(v, sender, found, copies));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Date, RegExp, class instances: as v8.serialize sees them
  const copy: Record<string, unknown> = {};
  copies.set(value, copy);
  for (const [k, v] of Object.entries(value)) copy[k] = replace(v, sender, found, copies);
  return copy;
}

function placeholder(buffer: SharedArrayBuffer, sender: SharedSender, found: SharedArrayBuffer[]): Placeholder {
  found.push(buffer);
  return { [KEY]: sender.idOf(buffer) } as Placeholder;
}

/** Whether serialised bytes may hold placeholders (the receiver revives only then). */
export function mayHoldShared(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(MARKER) >= 0;
}

/** Replaces placeholders in a received value (in place; returns the buffer for a top-level one). */
export function reviveShared(value: unknown, receiver: SharedReceiver, seen: Set<object> = new Set()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  const id = (value as Placeholder)[KEY];
  if (typeof id === 'number') {
    const { view, offset = 0, length = 0 } = value as Placeholder;
    const buffer = receiver.get(id);
    return view === undefined ? buffer : VIEWS[view]!(buffer, offset, length);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveShared(value[i], receiver, seen);
  } else if (value instanceof Map) {
    const entries = [...value];
    value.clear();
    for (const [k, v] of entries) value.set(reviveShared(k, receiver, seen), reviveShared(v, receiver, seen));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const v of items) value.add(reviveShared(v, receiver, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = reviveShared(record[key], receiver, seen);
    }
  }
  return value;
}

/**
 * The main thread's side: ids for buffers (stable while a buffer lives), announced to every
 * worker through `broadcast`, and forgotten by the workers once the buffer is collected here.
 *
 * @example
 * const registry = new SharedRegistry((msg) => workers.forEach((w) => w.postMessage(msg)))
 * registry.idOf(sab) // 1; the workers got { type: 'shared', id: 1, buffer: sab }
 */
export class SharedRegistry implements SharedSender, SharedReceiver {
  readonly #ids = new WeakMap<SharedArrayBuffer, number>();
  readonly #byId = new Map<number, WeakRef<SharedArrayBuffer>>();
  readonly #broadcast: (message: SharedMessage) => void;
  readonly #collected = new FinalizationRegistry<number>((id) => {
    this.#byId.delete(id);
    this.#broadcast({ type: 'unshare', id });
  });
  #next = 1;

  constructor(broadcast: (message: SharedMessage) => void) {
    this.#broadcast = broadcast;
  }

  idOf(buffer: SharedArrayBuffer): number {
    let id = this.#ids.get(buffer);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(buffer, id);
      this.#byId.set(id, new WeakRef(buffer));
      this.#collected.register(buffer, id);
      this.#broadcast({ type: 'shared', id, buffer });
    }
    return id;
  }

  get(id: number): SharedArrayBuffer {
    const buffer = this.#byId.get(id)?.deref();
    if (buffer === undefined) throw new WeftError('INTERNAL', `shared buffer ${id} is not known to the pool`);
    return buffer;
  }

  /** Announcements of every live buffer, for a worker that starts now. */
  announcements(): SharedMessage[] {
    const out: SharedMessage[] = [];
    for (const [id, ref] of this.#byId) {
      const buffer = ref.deref();
      if (buffer !== undefined) out.push({ type: 'shared', id, buffer });
    }
    return out;
  }
}

/**
 * A worker's side: the buffers announced so far. `get` of an id not yet seen drains the
 * pending messages synchronously through `receive` (which hands each to `onOther` unless it
 * is about shared buffers). Sends back only buffers it received.
 */
export class SharedBuffers implements SharedSender, SharedReceiver {
  readonly #byId = new Map<number, SharedArrayBuffer>();
  readonly #ids = new WeakMap<SharedArrayBuffer, number>();

  constructor(
    private readonly receive: () => unknown,
    private readonly onOther: (message: unknown) => void,
  ) {}

  /** Applies a message if it is about shared buffers; false otherwise. */
  apply(message: unknown): boolean {
    const m = message as SharedMessage;
    if (m?.type === 'shared') {
      this.#byId.set(m.id, m.buffer);
      this.#ids.set(m.buffer, m.id);
      return true;
    }
    if (m?.type === 'unshare') {
      this.#byId.delete(m.id);
      return true;
    }
    return false;
  }

  get(id: number): SharedArrayBuffer {
    for (;;) {
      const buffer = this.#byId.get(id);
      if (buffer !== undefined) return buffer;
      const next = this.receive();
      if (next === undefined) throw new WeftError('INTERNAL', `shared buffer ${id} was never announced to this worker`);
      if (!this.apply(next)) this.onOther(next);
    }
  }

  idOf(buffer: SharedArrayBuffer): number {
    const id = this.#ids.get(buffer);
    if (id === undefined) {
      throw new WeftError(
        'UNSERIALIZABLE',
        'a SharedArrayBuffer made in a worker cannot be sent back through the pool; create it on the main thread and pass it in the task argument or workerData',
      );
    }
    return id;
  }

  /** Buffers this worker knows (for tests and diagnostics). */
  get size(): number {
    return this.#byId.size;
  }
}
