/**
 * The pool's table of tasks in flight, keyed by task id: an array indexed by
 * `id & mask` instead of a Map, because the pool chooses the ids. `takeId` hands out
 * sequential ids whose slot is free, so lookups never collide, and the table doubles when
 * half full (a live id keeps a distinct slot after doubling, since the mask only gains bits).
 * No hashing and no per-entry allocation on the hot path.
 *
 * @example
 * const table = new TaskTable<{ id: number }>()
 * const id = table.takeId(); table.add({ id }); table.get(id) // { id }
 * @internal
 */
export class TaskTable<T extends { id: number }> {
  #slots: (T | undefined)[] = new Array(1024).fill(undefined);
  #mask = 1023;
  #next = 1;
  /** Entries in the table. */
  size = 0;

  /** A fresh id (1..2^32-2, wrapping) whose slot is free. */
  takeId(): number {
    if (this.size * 2 >= this.#slots.length) this.#grow();
    for (;;) {
      const id = this.#next;
      this.#next = id >= 0xfffffffe ? 1 : id + 1;
      if (this.#slots[id & this.#mask] === undefined) return id;
    }
  }

  /** Adds an entry under `entry.id` (an id from `takeId`). */
  add(entry: T): void {
    this.#slots[entry.id & this.#mask] = entry;
    this.size++;
  }

  /** The entry with this id, if present. */
  get(id: number): T | undefined {
    const entry = this.#slots[id & this.#mask];
    return entry !== undefined && entry.id === id ? entry : undefined;
  }

  /** Whether an entry with this id is present. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Removes the entry with this id; false if absent. */
  delete(id: number): boolean {
    const i = id & this.#mask;
    const entry = this.#slots[i];
    if (entry === undefined || entry.id !== id) return false;
    this.#slots[i] = undefined;
    this.size--;
    return true;
  }

  /** A snapshot of every entry. */
  values(): T[] {
    return this.#slots.filter((e): e is T => e !== undefined);
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Array(old.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const entry of old) if (entry !== undefined) this.#slots[entry.id & this.#mask] = entry;
  }
}
