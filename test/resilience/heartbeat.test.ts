// heartbeat: the work beats, observers get at most one pulse per interval (beats merge,
// a slow observer never builds a backlog), a watch fires once after stallTimeout of
// silence and costs one timer however often the work beats, and everything stops when
// the context ends or the heartbeat is closed. Time is a ManualClock.
import { describe, expect, it } from 'vitest';

import { Context, ManualClock, heartbeat, type Pulse } from '@weft/core';

import { throwsNaming, turn } from '../fixtures/async-helpers.js';

function setup(interval = 100) {
  const clock = new ManualClock();
  const [ctx, cancel] = Context.background().withCancel();
  const hb = heartbeat(ctx, interval, { clock });
  return { clock, ctx, cancel, hb };
}

describe('heartbeat', () => {
  it('the first beat pulses at once; later beats within the interval merge into one pulse at its end', async () => {
    const { clock, hb } = setup(100);
    const pulses = hb[Symbol.asyncIterator]();
    const first = pulses.next();
    await clock.advance(5);
    hb.beat();
    expect(await first).toEqual({ done: false, value: { at: 5, beats: 1 } });
    await clock.advance(10);
    hb.beat();
    await clock.advance(10);
    hb.beat();
    const second = pulses.next();
    await clock.advance(79);
    let got: IteratorResult<Pulse> | undefined;
    void second.then((r) => (got = r));
    await turn();
    expect(got).toBeUndefined(); // the interval since the last pulse (at 5) ends at 105
    await clock.advance(1);
    expect(await second).toEqual({ done: false, value: { at: 25, beats: 2 } });
    expect(hb.beats).toBe(3);
    expect(hb.lastBeatAt).toBe(25);
    expect(hb.silentFor).toBe(80);
    expect(clock.now()).toBe(105);
  });

  it('interval 0: one pulse per beat', async () => {
    const { clock, hb } = setup(0);
    const pulses = hb[Symbol.asyncIterator]();
    const first = pulses.next();
    hb.beat();
    expect(await first).toEqual({ done: false, value: { at: 0, beats: 1 } });
    await clock.advance(1);
    const second = pulses.next();
    hb.beat();
    expect(await second).toEqual({ done: false, value: { at: 1, beats: 1 } });
  });

  it('a slow observer holds one pulse with the beats merged, never a backlog; each observer gets its own', async () => {
    const { clock, hb } = setup(0);
    const slow = hb[Symbol.asyncIterator]();
    const fast = hb[Symbol.asyncIterator]();
    const fastSeen: Pulse[] = [];
    for (let i = 0; i < 4; i++) {
      const next = fast.next();
      hb.beat();
      fastSeen.push((await next).value as Pulse);
      await clock.advance(10);
    }
    expect(fastSeen.map((p) => p.at)).toEqual([0, 10, 20, 30]);
    expect(await slow.next()).toEqual({ done: false, value: { at: 30, beats: 4 } });
  });

  it('beats cost no timer while nobody observes', async () => {
    const { clock, hb } = setup(100);
    for (let i = 0; i < 10; i++) hb.beat();
    expect(clock.pending).toBe(0);
    expect(hb.beats).toBe(10);
  });

  it('watch fires once after stallTimeout without a beat; beats push it back with a single timer', async () => {
    const { clock, hb } = setup();
    const stalls: [number, number][] = [];
    hb.watch(100, (silent) => stalls.push([clock.now(), silent]));
    for (let t = 0; t < 300; t += 40) {
      await clock.advance(40);
      hb.beat();
      expect(clock.pending).toBe(1);
    }
    expect(stalls).toEqual([]);
    const last = hb.lastBeatAt;
    await clock.advance(99);
    expect(stalls).toEqual([]);
    await clock.advance(1);
    expect(stalls).toEqual([[last + 100, 100]]);
    await clock.advance(1_000);
    expect(stalls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('a cancelled watch never fires', async () => {
    const { clock, hb } = setup();
    let fired = false;
    hb.watch(10, () => (fired = true)).cancel();
    await clock.advance(100);
    expect(fired).toBe(false);
  });

  it('ends with its context: iterations finish, beats do nothing, watches stop', async () => {
    const { clock, cancel, hb } = setup(0);
    const pulses = hb[Symbol.asyncIterator]();
    const waiting = pulses.next();
    let stalled = false;
    hb.watch(50, () => (stalled = true));
    cancel();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(hb.ended).toBe(true);
    hb.beat();
    expect(hb.beats).toBe(0);
    await clock.advance(100);
    expect(stalled).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('ends with an ancestor context too', async () => {
    const clock = new ManualClock();
    const [parent, cancel] = Context.background().withCancel();
    const hb = heartbeat(parent.withValue('k', 1), 10, { clock });
    const done = (async () => {
      const seen: Pulse[] = [];
      for await (const pulse of hb) seen.push(pulse);
      return seen;
    })();
    hb.beat();
    await turn();
    cancel();
    expect(await done).toEqual([{ at: 0, beats: 1 }]);
    expect(hb.ended).toBe(true);
  });

  it('close() delivers what observers hold, then finishes them', async () => {
    const { clock, hb } = setup(100);
    const pulses = hb[Symbol.asyncIterator]();
    hb.beat(); // pulses at once, held by the observer
    await clock.advance(10);
    hb.beat(); // waiting for the interval
    hb.close();
    expect(await pulses.next()).toEqual({ done: false, value: { at: 10, beats: 2 } });
    expect(await pulses.next()).toEqual({ done: true, value: undefined });
    expect(clock.pending).toBe(0);
  });

  it('an iterator that returns early stops observing', async () => {
    const { clock, hb } = setup(100);
    const iterator = hb[Symbol.asyncIterator]();
    hb.beat();
    const seen: unknown[] = [];
    for await (const pulse of { [Symbol.asyncIterator]: () => iterator }) {
      seen.push(pulse);
      break; // calls iterator.return()
    }
    expect(seen).toEqual([{ at: 0, beats: 1 }]); // the loop ran once, on the held pulse
    await clock.advance(1);
    hb.beat(); // nobody observes: no pulse timer
    expect(clock.pending).toBe(0);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    hb.close();
  });

  it('bad arguments throw INVALID_ARGUMENT naming them', () => {
    const ctx = Context.background();
    throwsNaming(() => heartbeat(undefined as never, 10), 'ctx');
    throwsNaming(() => heartbeat(ctx, undefined as never), 'intervalMs');
    throwsNaming(() => heartbeat(ctx, -5), 'intervalMs');
    throwsNaming(() => heartbeat(ctx, 10, { clock: 5 as never }), 'clock');
    const hb = heartbeat(ctx, 10);
    throwsNaming(() => hb.watch(0, () => {}), 'stallTimeout');
    throwsNaming(() => hb.watch(undefined as never, () => {}), 'stallTimeout');
    throwsNaming(() => hb.watch(10, 'later' as never), 'onStall');
    hb.close();
  });
});
