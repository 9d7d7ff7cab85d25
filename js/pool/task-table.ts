/**
 * The pool's table of tasks in flight, keyed by task id. The pool chooses the ids, so
 * they come in blocks: the tasks submitted in one tick (up to 1,024 of them) take
 * consecutive ids from one block, which holds their entries in a dense array and one
 * submission time for all of them (read once, when the block opened). A queued task
 * therefore costs the table one array element, not an id, a time and a half-empty slot
 * of its own; a lookup is two array reads. `seal()` ends the current block (the pool
 * calls it once per tick), so the next id opens a block with a fresh time.
 *
 * Blocks sit in a ring indexed by block number, which doubles when half full; a block
 * goes when its last entry does. A block outlived by one long task stays until that task
 * ends, and the ring skips its slot.
 *
 * @example
 * const table = new TaskTable<string>(() => performance.now())
 * const id = table.takeId(); table.add(id, 'task'); table.get(id) // 'task'
 * table.stampOf(id) // when the block opened
 * table.seal()     // the next takeId() starts a new block
 * @internal
 */
export class TaskTable<T> {
  readonly #clock: () => number;
  #ring: (Block<T> | undefined)[] = new Array(64).fill(undefined);
  #mask = 63;
  #blocks = 0;
  #nextSeq = 1;
  #open: Block<T> | undefined;
  readonly #spare: Block<T>[] = [];
  /** Entries in the table. */
  size = 0;

  /** `clock` is read once per block: its submission time (by default, none: 0). */
  constructor(clock: () => number = zero) {
    this.#clock = clock;
  }

  /**
   * The id the next `add` must use (the same until it is added: an id taken and never
   * added, for a task refused, is handed out again).
   */
  takeId(): number {
    let block = this.#open;
    if (block === undefined || block.count === BLOCK_SIZE) block = this.#openBlock();
    return block.seq * BLOCK_SIZE + block.count;
  }

  /** Adds `entry` (not undefined) under `id`, the id `takeId` just returned. */
  add(id: number, entry: T): void {
    const block = this.#open;
    if (block === undefined || id !== block.seq * BLOCK_SIZE + block.count) {
      throw new Error(`TaskTable.add: ${id} is not the id takeId() returned`);
    }
    // Arrays grow by 4x up to the block's size, which a busy tick fills exactly (pushing
    // would leave ~17% of a full block's array unused).
    if (block.count === block.entries.length) block.entries = grown(block.entries);
    block.entries[block.count++] = entry;
    block.live++;
    this.size++;
  }

  /** The entry with this id, if present. */
  get(id: number): T | undefined {
    return this.#blockOf(id)?.entries[id & INDEX_MASK];
  }

  /** When the block holding this id's entry opened (NaN if absent). */
  stampOf(id: number): number {
    const block = this.#blockOf(id);
    return block !== undefined && block.entries[id & INDEX_MASK] !== undefined ? block.stamp : NaN;
  }

  /** Whether an entry with this id is present. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Removes the entry with this id; false if absent. */
  delete(id: number): boolean {
    return this.remove(id) !== undefined;
  }

  /** Removes the entry with this id and returns it (undefined if absent). */
  remove(id: number): T | undefined {
    const block = this.#blockOf(id);
    const i = id & INDEX_MASK;
    const entry = block?.entries[i];
    if (entry === undefined) return undefined;
    block!.entries[i] = undefined;
    this.size--;
    if (--block!.live === 0 && block !== this.#open) this.#drop(block!);
    return entry;
  }

  /** Ends the current block: the next `takeId` opens one with a fresh submission time. */
  seal(): void {
    const block = this.#open;
    if (block === undefined) return;
    this.#open = undefined;
    if (block.live === 0) this.#drop(block);
  }

  /** A snapshot of every id present. */
  ids(): number[] {
    const out: number[] = [];
    for (const block of this.#ring) {
      if (block === undefined) continue;
      const base = block.seq * BLOCK_SIZE;
      for (let i = 0; i < block.count; i++) if (block.entries[i] !== undefined) out.push(base + i);
    }
    return out;
  }

  /** A snapshot of every entry. */
  values(): T[] {
    return this.ids().map((id) => this.get(id)!);
  }

  #blockOf(id: number): Block<T> | undefined {
    const seq = id >>> INDEX_BITS; // ids are below 2^32
    const block = this.#ring[seq & this.#mask];
    return block !== undefined && block.seq === seq ? block : undefined;
  }

  #openBlock(): Block<T> {
    this.seal();
    if ((this.#blocks + 1) * 2 > this.#ring.length) this.#grow();
    let seq: number;
    do {
      seq = this.#nextSeq;
      this.#nextSeq = seq >= MAX_SEQ ? 1 : seq + 1;
    } while (this.#ring[seq & this.#mask] !== undefined);
    const block = this.#spare.pop() ?? { seq: 0, entries: new Array<T | undefined>(FIRST_CAPACITY), count: 0, stamp: 0, live: 0 };
    block.seq = seq;
    block.stamp = this.#clock();
    this.#ring[seq & this.#mask] = block;
    this.#blocks++;
    this.#open = block;
    return block;
  }

  // An emptied block is kept for reuse (its entries are all undefined again): a pool
  // running one task per tick then allocates nothing per task here.
  #drop(block: Block<T>): void {
    this.#ring[block.seq & this.#mask] = undefined;
    this.#blocks--;
    if (this.#spare.length < SPARE_BLOCKS) {
      block.count = 0;
      this.#spare.push(block);
    }
  }

  // Live blocks have distinct numbers modulo the ring's length, so they stay distinct
  // modulo twice that length: moving them never collides.
  #grow(): void {
    const old = this.#ring;
    this.#ring = new Array(old.length * 2).fill(undefined);
    this.#mask = this.#ring.length - 1;
    for (const block of old) if (block !== undefined) this.#ring[block.seq & this.#mask] = block;
  }
}

/** Ids per block: the pool gathers at most this many submissions per native call too. */
const INDEX_BITS = 10;
const BLOCK_SIZE = 1 << INDEX_BITS;
const INDEX_MASK = BLOCK_SIZE - 1;
/** Emptied blocks kept for reuse. */
const SPARE_BLOCKS = 4;
/** A block's first array: a tick of a few tasks needs no more. */
const FIRST_CAPACITY = 16;
/** Block numbers wrap below this, so ids stay within 1024..2^32-1025 (never 0). */
const MAX_SEQ = 2 ** 32 / BLOCK_SIZE - 2;

interface Block<T> {
  /** Block number: its ids are seq * 1024 + index. */
  seq: number;
  /** By index; undefined once removed (or not yet added). */
  entries: (T | undefined)[];
  /** Ids handed out and added. */
  count: number;
  /** The clock's reading when the block opened. */
  stamp: number;
  /** Entries present. */
  live: number;
}

function grown<T>(entries: (T | undefined)[]): (T | undefined)[] {
  const bigger = new Array<T | undefined>(Math.min(BLOCK_SIZE, entries.length * 4));
  for (let i = 0; i < entries.length; i++) bigger[i] = entries[i];
  return bigger;
}

function zero(): number {
  return 0;
}
