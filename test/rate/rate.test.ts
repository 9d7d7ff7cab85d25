// Rate limiting (RateLimiter, RateLimiter.all, KeyedLimiter) on one thread and across pool
// workers. Time is a ManualClock everywhere a result depends on it: nothing here sleeps to
// decide an outcome, and the cross-thread tests use buckets that never refill, so exactly
// the burst is admitted whatever the scheduling.
import { describe, expect, it } from 'vitest';

import { KeyedLimiter, ManualClock, RateLimiter, type Clock, type Timer } from '@weft/core';

import { makePool, rejectsWith, settlesWithin, throwsWith } from '../fixtures/pool-helpers.js';

const RATE_TASKS = new URL('../fixtures/rate-tasks.mjs', import.meta.url);

/** Whether `promise` has settled (after the turns ManualClock.advance already lets run). */
function tracked<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  const p = promise.finally(() => {
    settled = true;
  });
  p.catch(() => {});
  return { settled: () => settled, promise: p };
}

function limiter(perSecond: number, burst: number) {
  const clock = new ManualClock();
  return { clock, lim: new RateLimiter(perSecond, burst, { clock }) };
}

describe('RateLimiter', () => {
  it('starts full: allow takes up to the burst, then refuses until tokens refill', async () => {
    const { clock, lim } = limiter(10, 3);
    expect([lim.allow(), lim.allow(), lim.allow(), lim.allow()]).toEqual([true, true, true, false]);
    expect(lim.tokens()).toBe(0);
    await clock.advance(99);
    expect(lim.allow()).toBe(false);
    await clock.advance(1);
    expect(lim.allow()).toBe(true); // 100 ms at 10/s: one token
    expect(lim.allow()).toBe(false);
  });

  it('allow(n) takes n at once or nothing, and n above the burst never fits', async () => {
    const { clock, lim } = limiter(10, 3);
    expect(lim.allow(2)).toBe(true);
    expect(lim.allow(2)).toBe(false);
    expect(lim.tokens()).toBe(1); // the refused call took nothing
    expect(lim.allow(0)).toBe(true);
    await clock.advance(10_000);
    expect(lim.tokens()).toBe(3); // refilled, capped at the burst
    expect(lim.allow(4)).toBe(false);
    expect(lim.allow(3)).toBe(true);
  });

  it('follows Go TestLimiterBurst3 step by step', async () => {
    // golang.org/x/time/rate's table: (time in 100 ms steps, tokens before, n, allowed)
    const { clock, lim } = limiter(10, 3);
    const steps: Array<[number, number, number, boolean]> = [
      [0, 3, 2, true], [0, 1, 2, false], [0, 1, 1, true], [0, 0, 1, false], [1, 1, 4, false],
      [2, 2, 1, true], [3, 2, 1, true], [4, 2, 1, true], [4, 1, 1, true], [4, 0, 1, false],
      [9, 3, 3, true], [9, 0, 0, true],
    ];
    for (const [step, tokens, n, ok] of steps) {
      await clock.advance(step * 100 - clock.now());
      expect(lim.tokens()).toBeCloseTo(tokens, 9);
      expect(lim.allow(n)).toBe(ok);
    }
  });

  it('reserve takes tokens ahead and reports the delay; cancel gives them back', async () => {
    const { clock, lim } = limiter(10, 2);
    expect(lim.allow(2)).toBe(true);
    const r = lim.reserve(2);
    expect(r.ok).toBe(true);
    expect(r.delayMs).toBe(200);
    expect(lim.tokens()).toBe(-2);
    await clock.advance(100);
    r.cancel(); // at 100 ms: as if never reserved
    expect(lim.tokens()).toBeCloseTo(1, 9);
    r.cancel(); // a second cancel does nothing
    expect(lim.tokens()).toBeCloseTo(1, 9);
  });

  it('cancel keeps the tokens a later reservation counts on (Go TestCancel0Tokens)', () => {
    const { lim } = limiter(10, 2);
    expect(lim.reserve(2).delayMs).toBe(0);
    const first = lim.reserve(1);
    const second = lim.reserve(1);
    expect([first.delayMs, second.delayMs]).toEqual([100, 200]);
    first.cancel();
    expect(lim.reserve(1).delayMs).toBe(300); // nothing came back
  });

  it('a cancel past the time to act gives nothing back', async () => {
    const { clock, lim } = limiter(10, 1);
    lim.allow();
    const r = lim.reserve();
    await clock.advance(150);
    r.cancel();
    expect(lim.tokens()).toBeCloseTo(0.5, 9);
  });

  it('reserve(n) above the burst is not ok, has an infinite delay and takes nothing', () => {
    const { lim } = limiter(10, 2);
    const r = lim.reserve(3);
    expect(r.ok).toBe(false);
    expect(r.delayMs).toBe(Infinity);
    r.cancel();
    expect(lim.tokens()).toBe(2);
  });

  it("wait resolves once the delay has passed on the limiter's clock", async () => {
    const { clock, lim } = limiter(10, 1);
    await lim.wait(); // a token is there: at once
    const w = tracked(lim.wait());
    await clock.advance(99);
    expect(w.settled()).toBe(false);
    await clock.advance(1);
    expect(w.settled()).toBe(true);
    await w.promise;
  });

  it('waiters are served one slot apart, in order', async () => {
    const { clock, lim } = limiter(10, 1);
    lim.allow();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => lim.wait().then(() => order.push(i)));
    await clock.advance(100);
    expect(order).toEqual([1]);
    await clock.advance(200);
    expect(order).toEqual([1, 2, 3]);
    await Promise.all(waits);
  });

  it('wait aborted by its signal rejects with CANCELED and gives the tokens back', async () => {
    const { clock, lim } = limiter(10, 1);
    lim.allow();
    const ac = new AbortController();
    const w = tracked(lim.wait(1, { signal: ac.signal }));
    expect(lim.tokens()).toBe(-1); // reserved
    await clock.advance(50);
    ac.abort(new Error('user left'));
    const err = await rejectsWith(w.promise, 'CANCELED');
    expect((err.cause as Error).message).toBe('user left');
    expect(lim.tokens()).toBeCloseTo(0.5, 9); // as if the wait had never been
    await clock.advance(50);
    expect(lim.allow()).toBe(true);
  });

  it('wait with an already aborted signal rejects at once and takes nothing', async () => {
    const { lim } = limiter(10, 1);
    await rejectsWith(lim.wait(1, { signal: AbortSignal.abort() }), 'CANCELED');
    expect(lim.tokens()).toBe(1);
  });

  it('wait rejects with TIMEOUT at once, taking nothing, when the delay exceeds the timeout', async () => {
    const { lim } = limiter(10, 1);
    lim.allow();
    const err = await rejectsWith(lim.wait(1, { timeout: 99 }), 'TIMEOUT');
    expect(err.details).toMatchObject({ n: 1, timeout: 99 });
    expect(lim.tokens()).toBe(0);
    const fits = lim.wait(1, { timeout: 100 }); // fits: reserved now (and left pending)
    fits.catch(() => {});
    expect(lim.tokens()).toBe(-1);
  });

  it('wait rejects with INVALID_ARGUMENT when n exceeds the burst', async () => {
    const { lim } = limiter(10, 2);
    const err = await rejectsWith(lim.wait(3), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/n \(3\) exceeds the burst \(2\)/);
    expect(lim.tokens()).toBe(2);
  });

  it('wait on a zero-rate, empty bucket waits until aborted (the tokens never come)', async () => {
    const { clock, lim } = limiter(0, 1);
    lim.allow();
    await rejectsWith(lim.wait(1, { timeout: 60_000 }), 'TIMEOUT');
    const ac = new AbortController();
    const w = tracked(lim.wait(1, { signal: ac.signal }));
    await clock.advance(3_600_000);
    expect(w.settled()).toBe(false);
    ac.abort();
    await rejectsWith(w.promise, 'CANCELED');
    expect(lim.tokens()).toBe(0);
  });

  it('setLimit mid-stream: time so far counts at the old rate, from now on at the new', async () => {
    const { clock, lim } = limiter(10, 10);
    lim.allow(10);
    await clock.advance(100); // 1 token at 10/s
    lim.setLimit(100);
    expect(lim.limit).toBe(100);
    expect(lim.tokens()).toBeCloseTo(1, 9);
    await clock.advance(50); // 5 more at 100/s
    expect(lim.tokens()).toBeCloseTo(6, 9);
    lim.setLimit(0);
    await clock.advance(10_000);
    expect(lim.tokens()).toBeCloseTo(6, 9);
  });

  it('setBurst at run time: a bigger burst lets bigger takes fit, a smaller one caps the bucket', async () => {
    const { clock, lim } = limiter(10, 1);
    expect(lim.allow(3)).toBe(false);
    lim.setBurst(3);
    expect(lim.burst).toBe(3);
    await clock.advance(300);
    expect(lim.allow(3)).toBe(true);
    await clock.advance(1_000);
    lim.setBurst(1);
    await clock.advance(1);
    expect(lim.tokens()).toBe(1);
  });

  it('unlimited() allows any n at once and never waits', async () => {
    const lim = RateLimiter.unlimited();
    expect(lim.limit).toBe(Infinity);
    expect(lim.allow(1_000_000)).toBe(true);
    expect(lim.reserve(1_000).delayMs).toBe(0);
    await lim.wait(5);
  });

  it('every(ms) allows one token per interval; every(0) is unlimited', async () => {
    const clock = new ManualClock();
    const lim = RateLimiter.every(250, 1, { clock });
    expect(lim.limit).toBe(4);
    expect(lim.allow()).toBe(true);
    expect(lim.allow()).toBe(false);
    await clock.advance(250);
    expect(lim.allow()).toBe(true);
    expect(RateLimiter.every(0, 0).limit).toBe(Infinity);
  });

  it('perSecond(n) spaces tokens evenly by default, or takes a burst', () => {
    const clock = new ManualClock();
    const even = RateLimiter.perSecond(100, { clock });
    expect([even.limit, even.burst]).toEqual([100, 1]);
    const bursty = RateLimiter.perSecond(100, { burst: 10, clock });
    expect(bursty.allow(10)).toBe(true);
  });

  it('reads any Clock implementation, set before each call', () => {
    let now = 0;
    const clock: Clock = { now: () => now, setTimer: (): Timer => ({ cancel() {}, unref() {} }) };
    const lim = new RateLimiter(1, 1, { clock });
    expect(lim.allow()).toBe(true);
    expect(lim.allow()).toBe(false);
    now = 1_000;
    expect(lim.allow()).toBe(true);
  });

  it('refuses bad input with INVALID_ARGUMENT naming the argument', async () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => new RateLimiter(-1, 1), /perSecond must be a non-negative number/],
      [() => new RateLimiter(Number.NaN, 1), /perSecond/],
      [() => new RateLimiter('5' as unknown as number, 1), /perSecond .* got "5"/],
      [() => new RateLimiter(1, 1.5), /burst must be a non-negative integer/],
      [() => new RateLimiter(1, -1), /burst/],
      [() => new RateLimiter(1, undefined as unknown as number), /burst .* got undefined/],
      [() => new RateLimiter(1, 1, 'x' as unknown as object), /options must be an object/],
      [() => new RateLimiter(1, 1, { clock: {} as Clock }), /options.clock must be a Clock/],
      [() => RateLimiter.every(-5, 1), /ms must be a non-negative finite number/],
      [() => RateLimiter.perSecond(1, { burst: -1 }), /burst/],
      [() => RateLimiter.unlimited().allow(-1), /RateLimiter.allow: n must be a non-negative integer, got -1/],
      [() => RateLimiter.unlimited().allow(1.5), /n must/],
      [() => RateLimiter.unlimited().allow('1' as unknown as number), /n must .* got "1"/],
      [() => RateLimiter.unlimited().allow(Number.NaN), /n must/],
      [() => RateLimiter.unlimited().reserve(-1), /RateLimiter.reserve: n/],
      [() => RateLimiter.unlimited().setLimit(-1), /setLimit: perSecond/],
      [() => RateLimiter.unlimited().setBurst(0.5), /setBurst: burst/],
    ];
    for (const [fn, message] of bad) {
      expect(throwsWith(fn, 'INVALID_ARGUMENT').message).toMatch(message);
    }
    const lim = RateLimiter.unlimited();
    expect((await rejectsWith(lim.wait(-1), 'INVALID_ARGUMENT')).message).toMatch(/RateLimiter.wait: n/);
    await rejectsWith(lim.wait(1, { timeout: -1 }), 'INVALID_ARGUMENT');
    await rejectsWith(lim.wait(1, { signal: 'x' as unknown as AbortSignal }), 'INVALID_ARGUMENT');
  });
});

describe('RateLimiter.all', () => {
  it('takes n from every member', () => {
    const clock = new ManualClock();
    const a = new RateLimiter(10, 3, { clock });
    const b = new RateLimiter(10, 5, { clock });
    const both = RateLimiter.all([a, b]);
    expect(both.size).toBe(2);
    expect(both.allow(2)).toBe(true);
    expect([a.tokens(), b.tokens(), both.tokens()]).toEqual([1, 3, 1]);
  });

  it('a refusal by one member takes nothing from the others', () => {
    const clock = new ManualClock();
    const perSecond = new RateLimiter(10, 5, { clock });
    const perMinute = new RateLimiter(1 / 60, 1, { clock });
    const perResource = new RateLimiter(10, 5, { clock });
    const all = RateLimiter.all([perSecond, perMinute, perResource]);
    expect(all.allow()).toBe(true);
    expect(all.allow()).toBe(false); // perMinute is empty
    expect([perSecond.tokens(), perResource.tokens()]).toEqual([4, 4]);
    expect(all.reserve(2).ok).toBe(false); // 2 exceeds perMinute's burst
    expect([perSecond.tokens(), perResource.tokens()]).toEqual([4, 4]);
  });

  it('waits for the slowest member', async () => {
    const clock = new ManualClock();
    const fast = new RateLimiter(10, 1, { clock });
    const slow = new RateLimiter(5, 1, { clock });
    const both = RateLimiter.all([fast, slow]);
    await both.wait();
    expect(both.reserve().delayMs).toBe(200);
    const w = tracked(both.wait());
    await clock.advance(399);
    expect(w.settled()).toBe(false);
    await clock.advance(1);
    expect(w.settled()).toBe(true);
  });

  it('cancel (and an aborted wait) gives every member its share back', async () => {
    const clock = new ManualClock();
    const a = new RateLimiter(10, 2, { clock });
    const b = new RateLimiter(5, 2, { clock });
    const both = RateLimiter.all([a, b]);
    both.allow(2);
    const r = both.reserve(2);
    expect(r.delayMs).toBe(400);
    await clock.advance(100);
    r.cancel();
    expect(a.tokens()).toBeCloseTo(1, 9);
    expect(b.tokens()).toBeCloseTo(0.5, 9);
    const ac = new AbortController();
    const w = both.wait(2, { signal: ac.signal });
    ac.abort();
    await rejectsWith(w, 'CANCELED');
    expect(a.tokens()).toBeCloseTo(1, 9);
    expect(b.tokens()).toBeCloseTo(0.5, 9);
  });

  it('an all() of all()s joins their members (a limiter listed twice counts once)', () => {
    const a = new RateLimiter(0, 4);
    const b = new RateLimiter(0, 4);
    const nested = RateLimiter.all([RateLimiter.all([a, b]), a]);
    expect(nested.size).toBe(2);
    expect(nested.allow(2)).toBe(true);
    expect([a.tokens(), b.tokens()]).toEqual([2, 2]);
  });

  it('refuses members that are not limiters, and an empty list', () => {
    expect(throwsWith(() => RateLimiter.all([]), 'INVALID_ARGUMENT').message).toMatch(/at least one/);
    expect(throwsWith(() => RateLimiter.all([RateLimiter.unlimited(), {} as RateLimiter]), 'INVALID_ARGUMENT').message).toMatch(/members\[1\]/);
    throwsWith(() => RateLimiter.all(5 as unknown as RateLimiter[]), 'INVALID_ARGUMENT');
  });
});

describe('KeyedLimiter', () => {
  it('gives each key its own bucket, made full on first use', async () => {
    const clock = new ManualClock();
    const keyed = new KeyedLimiter(10, 2, { clock });
    expect([keyed.limit, keyed.burst, keyed.idleMs]).toEqual([10, 2, 60_000]);
    expect(keyed.allow('ann', 2)).toBe(true);
    expect(keyed.allow('ann')).toBe(false);
    expect(keyed.allow('bob', 2)).toBe(true);
    expect(keyed.tokens('cat')).toBe(2); // unseen: full, and not created
    expect(keyed.size).toBe(2);
    await clock.advance(100);
    expect(keyed.allow('ann')).toBe(true);
  });

  it('evicts keys that are full again and idle, a few per call', async () => {
    const clock = new ManualClock();
    const keyed = new KeyedLimiter(10, 1, { clock, idleMs: 1_000 });
    for (let i = 0; i < 6; i++) keyed.allow(`k${i}`);
    expect(keyed.size).toBe(6);
    await clock.advance(500);
    keyed.allow('fresh', 0);
    keyed.allow('fresh', 0);
    expect(keyed.size).toBe(7); // full again, but not idle long enough
    await clock.advance(1_000);
    keyed.allow('fresh', 0);
    expect(keyed.size).toBeGreaterThanOrEqual(5); // one call looks at two keys only
    for (let i = 0; i < 6; i++) keyed.allow('fresh', 0);
    expect(keyed.size).toBe(1);
    expect(keyed.allow('k0')).toBe(true); // back, full, as its bucket would have been
  });

  it('wait and reserve work per key', async () => {
    const clock = new ManualClock();
    const keyed = new KeyedLimiter(10, 1, { clock });
    keyed.allow('a');
    expect(keyed.reserve('b').delayMs).toBe(0);
    const w = tracked(keyed.wait('a'));
    await clock.advance(100);
    expect(w.settled()).toBe(true);
    const ac = new AbortController();
    const aborted = keyed.wait('a', 1, { signal: ac.signal });
    ac.abort();
    await rejectsWith(aborted, 'CANCELED');
    expect(keyed.tokens('a')).toBeCloseTo(0, 9);
    await rejectsWith(keyed.wait('a', 2), 'INVALID_ARGUMENT');
  });

  it('refuses bad input with INVALID_ARGUMENT', () => {
    throwsWith(() => new KeyedLimiter(-1, 1), 'INVALID_ARGUMENT');
    throwsWith(() => new KeyedLimiter(1, 1, { idleMs: -1 }), 'INVALID_ARGUMENT');
    const keyed = new KeyedLimiter(1, 1);
    expect(throwsWith(() => keyed.allow(5 as unknown as string), 'INVALID_ARGUMENT').message).toMatch(/key must be a string/);
    throwsWith(() => keyed.allow('a', -1), 'INVALID_ARGUMENT');
  });
});

describe('rate limiters across worker threads', () => {
  function ratePool() {
    const sab = new SharedArrayBuffer(64);
    return makePool({ filename: RATE_TASKS, size: 2, workerData: { sab } });
  }

  it('one limiter shared by two workers admits exactly its burst in total', async () => {
    const pool = ratePool();
    const limiter = new RateLimiter(0, 3_000); // never refills: exactly 3,000 tokens
    const runs = [0, 1].map(() => pool.run('allowMany', { limiter, tries: 5_000, parties: 2 }));
    const granted = await settlesWithin(Promise.all(runs), 20_000, 'allowMany');
    expect(granted[0]! + granted[1]!).toBe(3_000);
    expect(limiter.allow()).toBe(false);
    expect(limiter.tokens()).toBe(0);
  });

  it('an all() and a keyed limiter are shared the same way', async () => {
    const pool = ratePool();
    const a = new RateLimiter(0, 500);
    const b = new RateLimiter(0, 800);
    const both = RateLimiter.all([a, b]);
    const runs = [0, 1].map(() => pool.run('allowMany', { limiter: both, tries: 1_000, parties: 2 }));
    const granted = await settlesWithin(Promise.all(runs), 20_000, 'allowMany(all)');
    expect(granted[0]! + granted[1]!).toBe(500);
    expect(b.tokens()).toBe(300);

    const keyed = new KeyedLimiter(0, 100, { idleMs: Infinity });
    const pool2 = makePool({ filename: RATE_TASKS, size: 2, workerData: { sab: new SharedArrayBuffer(64) } });
    const keyedRuns = [0, 1].map(() => pool2.run('keyedAllowMany', { keyed, keys: ['x', 'y'], tries: 300, parties: 2 }));
    const perKey = await settlesWithin(Promise.all(keyedRuns), 20_000, 'keyedAllowMany');
    expect(perKey[0].x + perKey[1].x).toBe(100);
    expect(perKey[0].y + perKey[1].y).toBe(100);
    expect(keyed.size).toBe(2);
  });

  it("workers read a ManualClock limiter's time as the main thread sets it", async () => {
    const pool = ratePool();
    const clock = new ManualClock();
    const limiter = new RateLimiter(10, 1, { clock });
    expect(limiter.allow()).toBe(true);
    expect(await pool.run('allowOnce', { limiter })).toEqual({ allowed: false, tokens: 0 });
    await clock.advance(100);
    expect(await pool.run('allowOnce', { limiter })).toEqual({ allowed: true, tokens: 0 });
    expect(limiter.tokens()).toBe(0);
  });
});
