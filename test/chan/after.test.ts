// after(ms): Go's time.After as a select case. It commits like any other case (no
// rejection), its timer is cleared when another case wins (seen in the active handles), and
// a select loop with it works as a ticker. No test judges time: a timer case is made to win
// by giving the channel nothing, a channel case by giving it a value now.
import { describe, expect, it } from 'vitest';

import { Channel, after, isWeftError, select } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';

/** Timers this process has active now. */
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('after(ms) as a select case', () => {
  it('commits when no channel case is ready: its index, ok, no value, no rejection', async () => {
    const ch = new Channel<number>(1);
    const r = await select([ch.recvCase(), after(1)]);
    expect(r).toEqual({ index: 1, value: undefined, ok: true });
    expect(ch.waitingCount).toBe(0); // the receive was withdrawn
  });

  it('a channel case that wins clears the timer', async () => {
    const ch = new Channel<number>(1);
    const before = timers();
    const waiting = select([after(60_000), ch.recvCase()]);
    expect(timers()).toBe(before + 1);
    await ch.send(7);
    expect(await waiting).toEqual({ index: 1, value: 7, ok: true });
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('a channel case ready at once wins and leaves no timer', async () => {
    const ch = new Channel<string>(1);
    ch.trySend('now');
    const before = timers();
    expect(await select([ch.recvCase(), after(0)])).toEqual({ index: 0, value: 'now', ok: true });
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('the earliest of several after cases commits; after cases alone work as a sleep', async () => {
    const ch = new Channel(0);
    expect((await select([after(60_000), ch.recvCase(), after(1)])).index).toBe(2);
    expect(await select([after(60_000), after(0)])).toEqual({ index: 1, value: undefined, ok: true });
  });

  it('a select loop with after as a ticker: values while they come, a tick when idle', async () => {
    const jobs = new Channel<number>(8);
    for (const j of [1, 2, 3]) jobs.trySend(j);
    const seen: (number | 'tick')[] = [];
    const before = timers();
    for (let ticks = 0; ticks < 2; ) {
      const r = await select([jobs.recvCase(), after(1)]);
      if (r.index === 1) {
        seen.push('tick');
        ticks++;
        if (ticks === 1) jobs.trySend(4); // work arrives after an idle tick
        continue;
      }
      if (r.ok) seen.push(r.value);
    }
    expect(seen).toEqual([1, 2, 3, 'tick', 4, 'tick']);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('default ignores after cases (never ready at once)', async () => {
    const ch = new Channel(1);
    expect(await select([ch.recvCase(), after(0)], { default: true })).toEqual({ index: -1, value: undefined, ok: false });
    expect(await select([after(0)], { default: true })).toEqual({ index: -1, value: undefined, ok: false });
  });

  it('the signal and timeout options still end a select with an after case, clearing its timer', async () => {
    const ch = new Channel(0);
    const before = timers();
    const controller = new AbortController();
    const waiting = select([ch.recvCase(), after(60_000)], { signal: controller.signal });
    const why = new Error('stop');
    controller.abort(why);
    const err = await waiting.catch((e: unknown) => e);
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect((err as Error).cause).toBe(why);
    await rejectsWith(select([ch.recvCase(), after(60_000)], { timeout: 1 }), 'TIMEOUT');
    await rejectsWith(select([after(60_000)], { timeout: 1 }), 'TIMEOUT');
    const signal = AbortSignal.timeout(1);
    await rejectsWith(select([after(60_000)], { signal }), 'TIMEOUT');
    expect(timers()).toBeLessThanOrEqual(before); // none left behind (a timer from before may have ended)
    expect(ch.waitingCount).toBe(0);
  });

  it('rejects a bad duration with INVALID_ARGUMENT naming the value', () => {
    for (const bad of [-1, Number.NaN, Infinity, '5', undefined]) {
      const err = throwsWith(() => after(bad as number), 'INVALID_ARGUMENT');
      expect(err.details).toEqual({ param: 'ms', value: bad });
    }
    expect(throwsWith(() => after('5' as never), 'INVALID_ARGUMENT').message).toContain('got "5"');
  });
});
