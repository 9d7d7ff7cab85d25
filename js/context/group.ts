/**
 * Go's errgroup: run related work concurrently, wait for all of it, get the first error.
 * The group's context ends when a function fails (so the others can stop early) or when
 * `wait` returns. Functions get that context; pass it on to pool tasks, fetches and
 * channel waits.
 *
 * @example
 * const g = new Group(ctx, { limit: 8 })
 * for (const url of urls) g.go((ctx) => fetch(url, { signal: ctx.signal }))
 * await g.wait() // rejects with the first error; the others saw ctx end
 */
import { Context, checkContext, type CancelFunc } from './context.js';
import { WeftError } from '../errors.js';
import { describeValue } from '../describe.js';

/** Options for {@link Group}. */
export interface GroupOptions {
  /** Most functions running at once (Infinity: no limit). Later `go` calls queue. */
  limit?: number;
  /**
   * Collect every error: `wait` rejects with an AggregateError of all of them, in the
   * order they happened, instead of the first one alone. The context still ends at the
   * first one. Default: false.
   */
  collectErrors?: boolean;
}

/** A function a {@link Group} runs: it gets the group's context, which ends when the group does. */
export type GroupFunction = (ctx: Context) => unknown;

/** An errgroup; see the module doc. */
export class Group {
  /** The group's context: ends at the first error or when `wait` returns. */
  readonly ctx: Context;
  readonly #cancel: CancelFunc;
  readonly #collect: boolean;
  #limit: number;
  #active = 0;
  readonly #queued: GroupFunction[] = [];
  readonly #errors: unknown[] = [];
  #idle: (() => void)[] = [];

  /** A group whose context derives from `parent` (default: background). */
  constructor(parent: Context = Context.background(), options: GroupOptions = {}) {
    checkContext(parent, 'parent');
    if (typeof options !== 'object' || options === null) {
      throw new WeftError('INVALID_ARGUMENT', `Group options must be an object, got ${describeValue(options)}`, { details: { param: 'options', value: options } });
    }
    this.#limit = checkLimit(options.limit ?? Infinity);
    this.#collect = options.collectErrors === true;
    [this.ctx, this.#cancel] = parent.withCancelCause();
  }

  /** Functions running now. */
  get active(): number {
    return this.#active;
  }

  /** Functions waiting for a slot under the limit. */
  get queued(): number {
    return this.#queued.length;
  }

  /**
   * Changes the limit (Go's SetLimit). Raising it starts queued functions at once. It
   * throws INVALID_ARGUMENT for a limit that is not a positive integer or Infinity.
   */
  setLimit(limit: number): void {
    this.#limit = checkLimit(limit);
    this.#startQueued();
  }

  /**
   * Runs `fn(ctx)` now, or once a slot frees up under the limit. A function that throws
   * or rejects fails the group: its context ends, with the error as cause. Queued
   * functions still start after a failure (they see the ended context at once), as Go's
   * `Go` would after its wait for a slot.
   */
  go(fn: GroupFunction): void {
    checkFunction(fn, 'Group.go');
    if (this.#active < this.#limit) this.#start(fn);
    else this.#queued.push(fn);
  }

  /** Runs `fn(ctx)` only if a slot is free under the limit; whether it started. */
  tryGo(fn: GroupFunction): boolean {
    checkFunction(fn, 'Group.tryGo');
    if (this.#active >= this.#limit) return false;
    this.#start(fn);
    return true;
  }

  /**
   * Waits until every function started or queued has finished, then ends the group's
   * context. Resolves if none failed; otherwise rejects with the first error (or an
   * AggregateError of all of them with `collectErrors`).
   */
  async wait(): Promise<void> {
    while (this.#active > 0 || this.#queued.length > 0) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    this.#cancel();
    if (this.#errors.length === 0) return;
    if (this.#collect) throw new AggregateError(this.#errors, `${this.#errors.length} of the group's functions failed`);
    throw this.#errors[0];
  }

  #start(fn: GroupFunction): void {
    this.#active++;
    let result: unknown;
    try {
      result = fn(this.ctx);
    } catch (err) {
      this.#finish(err, true);
      return;
    }
    Promise.resolve(result).then(
      () => this.#finish(undefined, false),
      (err: unknown) => this.#finish(err, true),
    );
  }

  #finish(err: unknown, failed: boolean): void {
    this.#active--;
    if (failed) {
      if (this.#errors.length === 0) this.#cancel(err);
      this.#errors.push(err);
    }
    this.#startQueued();
    if (this.#active === 0 && this.#queued.length === 0) for (const idle of this.#idle.splice(0)) idle();
  }

  #startQueued(): void {
    while (this.#active < this.#limit && this.#queued.length > 0) this.#start(this.#queued.shift()!);
  }
}

function checkLimit(limit: unknown): number {
  if (limit === Infinity || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 1)) return limit as number;
  throw new WeftError('INVALID_ARGUMENT', `limit must be a positive integer or Infinity, got ${String(limit)}`, { details: { option: 'limit' } });
}

function checkFunction(fn: unknown, what: string): void {
  if (typeof fn !== 'function') {
    throw new WeftError('INVALID_ARGUMENT', `${what} needs a function, got ${describeValue(fn)}`, { details: { param: 'fn', value: fn } });
  }
}
