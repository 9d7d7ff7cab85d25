/**
 * The bounded buffer that joins two pipeline stages: a small in-thread FIFO whose `push`
 * waits while it is full, so a stalled consumer stops its producer, and, stage by stage,
 * the source. Every stage of a pipeline runs on the thread that runs the pipeline, so the
 * join is a plain array and two promises rather than a weft `Channel`: items keep their
 * identity (a Channel copies each value through its codec and refuses functions) and no
 * native call is paid per item. Capacity 0 is a hand-off: `push` resolves once a `pull`
 * has taken the item.
 * @internal
 *
 * @example
 * const b = new BoundedBuffer<number>(1)
 * await b.push(1)        // room: resolves at once
 * const p = b.push(2)    // full: waits until...
 * await b.pull()         // ...this takes 1 and moves 2 in
 */

/** What a torn-down buffer rejects with; the run keeps the real reason. @internal */
export class TornDown extends Error {
  constructor() {
    super('pipeline torn down');
    this.name = 'TornDown';
  }
}

/** The one TornDown instance. @internal */
export const TORN_DOWN = new TornDown();

/** Whether `err` is the teardown marker (not an error of its own). @internal */
export function isTornDown(err: unknown): boolean {
  return err === TORN_DOWN;
}

const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

interface Reader<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(err: unknown): void;
}

interface Writer<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

/** See the module doc. @internal */
export class BoundedBuffer<T> {
  readonly capacity: number;
  #items: T[] = [];
  #readers: Reader<T>[] = [];
  #writers: Writer<T>[] = [];
  #closed = false;
  #torn = false;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Items buffered now (not counting pushes waiting for room). */
  get length(): number {
    return this.#items.length;
  }

  /**
   * Adds `item`: resolves at once when a reader waits or there is room, otherwise once a
   * `pull` makes room. Rejects with TORN_DOWN once the buffer is torn down.
   */
  push(item: T): Promise<void> {
    if (this.#torn) return Promise.reject(TORN_DOWN);
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value: item, done: false });
      return RESOLVED;
    }
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return RESOLVED;
    }
    return new Promise((resolve, reject) => this.#writers.push({ item, resolve, reject }));
  }

  /**
   * Takes the oldest item: waits while empty; `{ done: true }` once closed and drained.
   * Rejects with TORN_DOWN once torn down (buffered items are dropped).
   */
  pull(): Promise<IteratorResult<T, undefined>> {
    if (this.#torn) return Promise.reject(TORN_DOWN);
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      const writer = this.#writers.shift();
      if (writer !== undefined) {
        this.#items.push(writer.item);
        writer.resolve();
      }
      return Promise.resolve({ value, done: false });
    }
    const writer = this.#writers.shift();
    if (writer !== undefined) {
      // Capacity 0: hand over straight from the waiting writer.
      writer.resolve();
      return Promise.resolve({ value: writer.item, done: false });
    }
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /** The producer is done: readers get `{ done: true }` once the buffer is drained. */
  close(): void {
    if (this.#closed || this.#torn) return;
    this.#closed = true;
    if (this.#items.length === 0 && this.#writers.length === 0) {
      for (const reader of this.#readers.splice(0)) reader.resolve(DONE);
    }
  }

  /** Drops what is buffered and rejects every waiting and later push or pull with TORN_DOWN. */
  destroy(): void {
    if (this.#torn) return;
    this.#torn = true;
    this.#items = [];
    for (const reader of this.#readers.splice(0)) reader.reject(TORN_DOWN);
    for (const writer of this.#writers.splice(0)) writer.reject(TORN_DOWN);
  }
}
