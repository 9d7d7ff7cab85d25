/**
 * The pool's table of tasks in flight, keyed by task id: arrays indexed by `id & mask`
 * instead of a Map, because the pool chooses the ids. `takeId` hands out sequential ids
 * whose slot is free, so lookups never collide, and the table doubles when half full (a
 * live id keeps a distinct slot after doubling, since the mask only gains bits). Ids live
 * in a Uint32Array beside the entries, so an entry can be anything (a plain task is just
 * its resolve function), and each entry carries a number (the pool: when it was
 * submitted) in a Float64Array, unboxed. No hashing and no per-entry allocation on the
 * hot path.
 *
 * @example
 * const table = new TaskTable<string>()
 * const id = table.takeId(); table.add(id, 'task', 12.5); table.get(id) // 'task'; table.stampOf(id) // 12.5
 * @internal
 */
export class TaskTable<T> {
  #entries: (T | undefined)[] = new Array(1024).fill(undefined);
  #ids = new Uint32Array(1024);
  #stamps = new Float64Array(1024);
  #mask = 1023;
  #next = 1;
  /** Entries in the table. */
  size = 0;

  /** A fresh id (1..2^32-2, wrapping) whose slot is free. */
  takeId(): number {
    if (this.size * 2 >= this.#entries.length) this.#grow();
    for (;;) {
      const id = this.#next;
      this.#next = id >= 0xfffffffe ? 1 : id + 1;
      if (this.#ids[id & this.#mask] === 0) return id;
    }
  }

  /** Adds `entry` under `id` (an id from `takeId`), with a number to keep beside it. */
  add(id: number, entry: T, stamp = 0): void {
    const i = id & this.#mask;
    this.#ids[i] = id;
    this.#entries[i] = entry;
    this.#stamps[i] = stamp;
    this.size++;
  }

  /** The entry with this id, if present. */
  get(id: number): T | undefined {
    const i = id & this.#mask;
    return this.#ids[i] === id ? this.#entries[i] : undefined;
  }

  /** The number added with this id's entry (NaN if absent). */
  stampOf(id: number): number {
    const i = id & this.#mask;
    return this.#ids[i] === id ? this.#stamps[i]! : NaN;
  }

  /** Whether an entry with this id is present. */
  has(id: number): boolean {
    return this.#ids[id & this.#mask] === id;
  }

  /** Removes the entry with this id; false if absent. */
  delete(id: number): boolean {
    const i = id & this.#mask;
    if (this.#ids[i] !== id) return false;
    this.#ids[i] = 0;
    this.#entries[i] = undefined;
    this.size--;
    return true;
  }

  /** A snapshot of every id present. */
  ids(): number[] {
    const out: number[] = [];
    for (const id of this.#ids) if (id !== 0) out.push(id);
    return out;
  }

  /** A snapshot of every entry. */
  values(): T[] {
    return this.ids().map((id) => this.get(id)!);
  }

  #grow(): void {
    const ids = this.#ids;
    const entries = this.#entries;
    const stamps = this.#stamps;
    const length = ids.length * 2;
    this.#ids = new Uint32Array(length);
    this.#entries = new Array(length).fill(undefined);
    this.#stamps = new Float64Array(length);
    this.#mask = length - 1;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === 0) continue;
      const j = id & this.#mask;
      this.#ids[j] = id;
      this.#entries[j] = entries[i];
      this.#stamps[j] = stamps[i]!;
    }
  }
}
