/**
 * `RateLimiter.all([...])`: several limiters that admit together, e.g. 10 per second AND
 * 100 per minute AND 5 per second for this resource. A take succeeds on every member or
 * on none (the members are locked together natively while it checks them all), and a
 * reservation waits for the slowest member. Shared across threads like its members.
 *
 * @example
 * const perSecond = RateLimiter.perSecond(10), perMinute = RateLimiter.every(600, 100)
 * const both = RateLimiter.all([perSecond, perMinute])
 * if (both.allow()) send()       // took 1 from each, or nothing from either
 */
import { systemClock, type Clock } from '../time/clock.js';
import { WeftError } from '../errors.js';
import { makeShareable, registerHandleType } from '../native/handles.js';
import { loadNative, type NativeBinding } from '../native/loader.js';
import type { WaitOptions } from '../wait/notifier.js';
import { Adoption } from './adoption.js';
import { nativeCall } from './call.js';
import { checkCount } from './args.js';
import type { Limiter } from './types.js';
import { memberRefs, type MemberRef } from './refs.js';
import { nativeReserve, toReservation, waitForTokens, type Reservation, type Reserved } from './reservation.js';
import { Wire } from '../native/wire.js';

const PART_FIELDS = Wire.PART_FIELDS;

type NativeAll = InstanceType<NativeBinding['RateAllHandle']>;


const adoption = new Adoption<NativeAll>();

/**
 * Limiters that admit together; made by {@link RateLimiter.all}.
 *
 * @example
 * const perKeyAndGlobal = RateLimiter.all([globalLimiter, tenantLimiter])
 * const r = perKeyAndGlobal.reserve(2)   // 2 from each, acting when the slower allows
 * if (r.delayMs > 500) r.cancel()        // both get their share back
 */
export class AllLimiter implements Limiter {
  readonly #native: NativeAll;
  readonly #id: number;
  readonly #clock: Clock;
  readonly #syncs: ReadonlyArray<() => void>;
  readonly #meta: Float64Array;

  /**
   * An `all()` over `members` (RateLimiters or other `all()`s, whose members join this
   * one; a limiter listed twice counts once). Throws INVALID_ARGUMENT for anything else,
   * or for no members. Waits sleep on the members' clock when they share one, otherwise
   * on the system clock.
   */
  constructor(members: Iterable<Limiter>) {
    const native = loadNative();
    const side = adoption.side(() => {
      const refs = memberList(members);
      const clocks = new Set(refs.map((r) => r.clock));
      const limiterIds = refs.filter((r) => r.kind === 'limiter').map((r) => r.id);
      const allIds = refs.filter((r) => r.kind === 'all').map((r) => r.id);
      return {
        native: nativeCall(() => new native.RateAllHandle(limiterIds, allIds), 'RateLimiter.all'),
        clock: clocks.size === 1 ? refs[0]!.clock : systemClock,
        syncs: refs.flatMap((r) => r.syncs),
      };
    });
    this.#native = side.native;
    this.#id = nativeCall(() => side.native.id, 'RateLimiter.all');
    this.#clock = side.clock;
    this.#syncs = side.syncs;
    this.#meta = new Float64Array(1 + PART_FIELDS * nativeCall(() => side.native.members, 'RateLimiter.all'));
    memberRefs.set(this, { kind: 'all', id: this.#id, clock: this.#clock, syncs: this.#syncs });
    makeShareable(this, 'rate-all', () => this.#native.pin());
  }

  /** How many distinct limiters it takes from. */
  get size(): number {
    return nativeCall(() => this.#native.members, 'RateLimiter.all().size');
  }

  /** The fewest tokens any member holds now. */
  tokens(): number {
    this.#sync();
    return nativeCall(() => loadNative().rateAllTokens(this.#id), 'RateLimiter.all().tokens');
  }

  /** Takes `n` tokens (default 1) from every member if all hold them now, else from none. Never waits. */
  allow(n = 1): boolean {
    checkCount(n, 'RateLimiter.all().allow', 'n');
    this.#sync();
    return nativeCall(() => loadNative().rateAllAllow(this.#id, n), 'RateLimiter.all().allow');
  }

  /**
   * Takes `n` tokens (default 1) from every member now, to be used once the slowest
   * member allows (`delayMs`); `ok` is false (nothing taken) when `n` exceeds some
   * member's burst. `cancel()` gives every member its share back.
   */
  reserve(n = 1): Reservation {
    checkCount(n, 'RateLimiter.all().reserve', 'n');
    return toReservation(this.#reserve(n, Infinity, 'RateLimiter.all().reserve'));
  }

  /** Waits until every member grants `n` tokens; errors and cancellation as {@link RateLimiter.wait}. */
  async wait(n = 1, options?: WaitOptions): Promise<void> {
    checkCount(n, 'RateLimiter.all().wait', 'n');
    await waitForTokens(
      'RateLimiter.all().wait',
      n,
      options,
      this.#clock,
      (maxWaitMs) => this.#reserve(n, maxWaitMs, 'RateLimiter.all().wait'),
      () => "a member's burst",
    );
  }

  #sync(): void {
    for (const sync of this.#syncs) sync();
  }

  #reserve(n: number, maxWaitMs: number, what: string): Reserved {
    const id = this.#id;
    return nativeReserve(
      what,
      this.#meta,
      () => this.#sync(),
      (meta) => loadNative().rateAllReserve(id, n, maxWaitMs, meta),
      (reserved) => loadNative().rateAllCancel(id, reserved), // the delay included
    );
  }

  /** @internal This thread's handle on `id` (taking over a pinned handle). */
  static adopt(id: number): AllLimiter {
    return adoption.adopt(loadNative().RateAllHandle.adopt(id), () => new AllLimiter([]));
  }
}

function memberList(members: Iterable<Limiter>): MemberRef[] {
  if (members === null || typeof members !== 'object' || typeof (members as Iterable<Limiter>)[Symbol.iterator] !== 'function') {
    throw new WeftError('INVALID_ARGUMENT', 'RateLimiter.all: members must be an array of limiters', { details: { argument: 'members' } });
  }
  const refs: MemberRef[] = [];
  let i = 0;
  for (const member of members) {
    const ref = typeof member === 'object' && member !== null ? memberRefs.get(member) : undefined;
    if (ref === undefined) {
      throw new WeftError('INVALID_ARGUMENT', `RateLimiter.all: members[${i}] is not a RateLimiter or RateLimiter.all()`, {
        details: { argument: 'members', index: i },
      });
    }
    refs.push(ref);
    i++;
  }
  if (refs.length === 0) {
    throw new WeftError('INVALID_ARGUMENT', 'RateLimiter.all: members must hold at least one limiter', { details: { argument: 'members' } });
  }
  return refs;
}

registerHandleType('rate-all', (id) => AllLimiter.adopt(Number(id)));
