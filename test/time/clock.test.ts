// Clocks: ManualClock fires timers in time order only when advanced, sleep follows the
// clock it is given and honours its signal, abortReason maps an abort to a WeftError.
import { describe, expect, it, vi } from 'vitest';

import { ManualClock, WeftError, abortReason, sleep, systemClock } from '@weft/core';

describe('ManualClock', () => {
  it('fires timers in time order, ties in the order set, only once advanced past them', async () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b@20'), 20);
    clock.setTimer(() => fired.push('a@10'), 10);
    clock.setTimer(() => fired.push('c@20'), 20);
    await clock.advance(9);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_009);
    await clock.advance(11);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.pending).toBe(0);
  });

  it('runs each timer at its own time and fires timers set by callbacks during the advance', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const tick = (): void => {
      seen.push(clock.now());
      if (seen.length < 4) clock.setTimer(tick, 10);
    };
    clock.setTimer(tick, 10);
    await clock.advance(100);
    expect(seen).toEqual([10, 20, 30, 40]);
    expect(clock.now()).toBe(100);
  });

  it('lets a promise chain set its next timer before moving on (sleep loops)', async () => {
    const clock = new ManualClock();
    const wakes: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(5, { clock });
        wakes.push(clock.now());
      }
    })();
    await clock.advance(15);
    await loop;
    expect(wakes).toEqual([5, 10, 15]);
  });

  it('cancelled timers never fire; runNext jumps to the next one', async () => {
    const clock = new ManualClock();
    let fired = 0;
    clock.setTimer(() => fired++, 5).cancel();
    clock.setTimer(() => fired++, 50);
    expect(clock.nextAt).toBe(50);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(50);
    expect(await clock.runNext()).toBe(false);
  });

  it('rejects bad input with INVALID_ARGUMENT', async () => {
    expect(() => new ManualClock(Number.NaN)).toThrow(WeftError);
    await expect(new ManualClock().advance(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('sleep', () => {
  it('rejects at once on an aborted signal and on abort while sleeping, clearing its timer', async () => {
    const clock = new ManualClock();
    const done = new AbortController();
    done.abort('stop');
    await expect(sleep(10, { clock, signal: done.signal })).rejects.toMatchObject({ code: 'CANCELED', cause: 'stop' });
    const later = new AbortController();
    const slept = sleep(10, { clock, signal: later.signal });
    expect(clock.pending).toBe(1);
    later.abort();
    await expect(slept).rejects.toMatchObject({ code: 'CANCELED' });
    expect(clock.pending).toBe(0);
  });

  it('sleeps on the system clock by default: its timer is a setTimeout one, cleared by an abort', async () => {
    // Faked, the global setTimeout that the system clock calls is counted and moved by hand.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const short = sleep(10); // no clock given
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(10);
      await short;
      expect(vi.getTimerCount()).toBe(0);

      let fired = 0;
      systemClock.setTimer(() => fired++, 50).cancel();
      const stop = new AbortController();
      const long = sleep(3_600_000, { signal: stop.signal });
      expect(vi.getTimerCount()).toBe(1); // the sleep's own timer
      stop.abort('done waiting');
      await expect(long).rejects.toMatchObject({ code: 'CANCELED', cause: 'done waiting' });
      expect(vi.getTimerCount()).toBe(0); // the abort cleared it
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(fired).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('abortReason', () => {
  it('passes a WeftError reason through and wraps anything else as CANCELED with the cause', () => {
    const own = new WeftError('DEADLINE_EXCEEDED', 'late');
    const a = new AbortController();
    a.abort(own);
    expect(abortReason(a.signal)).toBe(own);
    const b = new AbortController();
    b.abort(new Error('x'));
    const err = abortReason(b.signal, 'the fetch');
    expect(err).toMatchObject({ code: 'CANCELED', message: 'the fetch was cancelled' });
    expect((err as WeftError).cause).toBe(b.signal.reason);
  });
});
