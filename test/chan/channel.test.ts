// Channels and select on one thread: Go's channel semantics, cancellation that never
// loses or duplicates a value, select's choice and fairness, values and input errors.
import { describe, expect, it } from 'vitest';

import { Channel, WeftError, isWeftError, select, selectSync, type SelectCase } from '@weft/core';

import { rejectsWith, settlesWithin, throwsWith, turns } from '../fixtures/pool-helpers.js';

/** Tracks whether a promise has settled yet, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** Everything a channel holds now, taken with tryRecv (stops at empty or closed). */
function drain<T>(ch: Channel<T>): T[] {
  const out: T[] = [];
  for (let r = ch.tryRecv(); r !== undefined && r.ok; r = ch.tryRecv()) out.push(r.value as T);
  return out;
}

describe('Channel', () => {
  describe('construction', () => {
    it('is unbuffered by default and reports cap 0, n or Infinity', () => {
      expect(new Channel().cap).toBe(0);
      expect(new Channel(0).cap).toBe(0);
      expect(new Channel(5).cap).toBe(5);
      expect(new Channel(Infinity).cap).toBe(Infinity);
      const ch = new Channel(3);
      expect(ch.len).toBe(0);
      expect(ch.closed).toBe(false);
    });

    it.each([[-1], [1.5], ['x'], [NaN], [null], [-Infinity], [2 ** 32]])('rejects capacity %o with INVALID_ARGUMENT', (capacity) => {
      const err = throwsWith(() => new Channel(capacity as never), 'INVALID_ARGUMENT');
      expect(err).toBeInstanceOf(WeftError);
      expect(err.details).toEqual({ option: 'capacity', value: capacity });
    });
  });

  describe('close', () => {
    it('close then drain: buffered values come out in order, then ok false from then on', async () => {
      const ch = new Channel<number>(4);
      await ch.send(1);
      await ch.send(2);
      await ch.send(3);
      ch.close();
      expect(ch.closed).toBe(true);
      expect(ch.len).toBe(3);
      expect(await ch.recv()).toEqual({ value: 1, ok: true });
      expect(ch.tryRecv()).toEqual({ value: 2, ok: true });
      expect(await ch.recvMany(10)).toEqual([3]);
      for (let i = 0; i < 3; i++) {
        expect(await ch.recv()).toEqual({ value: undefined, ok: false });
        expect(ch.tryRecv()).toEqual({ value: undefined, ok: false });
        expect(await ch.recvMany(10)).toEqual([]);
      }
      expect(ch.len).toBe(0);
    });

    it('send on a closed channel rejects with CHANNEL_CLOSED and keeps the value', async () => {
      const ch = new Channel<unknown>(4);
      ch.close();
      const value = { id: 7, payload: 'kept' };
      const err = await rejectsWith(ch.send(value), 'CHANNEL_CLOSED');
      expect(err.details.value).toBe(value);
      const tryErr = throwsWith(() => ch.trySend('also kept'), 'CHANNEL_CLOSED');
      expect(tryErr.details.value).toBe('also kept');
      expect(ch.len).toBe(0);
    });

    it('sendMany on a closed channel rejects with CHANNEL_CLOSED saying nothing was sent', async () => {
      const ch = new Channel<number>(8);
      ch.close();
      const err = await rejectsWith(ch.sendMany([1, 2, 3]), 'CHANNEL_CLOSED');
      expect(err.details.sent).toBe(0);
      const f64Err = await rejectsWith(ch.sendMany(new Float64Array([1, 2])), 'CHANNEL_CLOSED');
      expect(f64Err.details.sent).toBe(0);
    });

    it('sendMany interrupted by close reports how many values went before', async () => {
      const ch = new Channel<number>(2);
      const sending = ch.sendMany([1, 2, 3, 4]);
      await turns();
      ch.close();
      const err = await rejectsWith(sending, 'CHANNEL_CLOSED');
      expect(err.details.sent).toBe(2);
      expect(err.details.value).toBe(3);
      expect(drain(ch)).toEqual([1, 2]);
    });

    it('closing twice throws CHANNEL_CLOSED', () => {
      const ch = new Channel(1);
      ch.close();
      throwsWith(() => ch.close(), 'CHANNEL_CLOSED');
      expect(ch.closed).toBe(true);
    });

    it('pending receivers wake with ok false when the channel closes', async () => {
      for (const cap of [0, 1, Infinity]) {
        const ch = new Channel<number>(cap);
        const waiting = ([ch.recv(), ch.recv(), ch.recvMany(5), select([ch.recvCase()])] as Promise<unknown>[]).map((p) => track(p));
        await turns();
        expect(waiting.some((w) => w.settled)).toBe(false);
        ch.close();
        const [a, b, many, selected] = await settlesWithin(Promise.all(waiting.map((w) => w.promise)), 5_000, 'receivers after close');
        expect(a).toEqual({ value: undefined, ok: false });
        expect(b).toEqual({ value: undefined, ok: false });
        expect(many).toEqual([]);
        expect(selected).toEqual({ index: 0, value: undefined, ok: false });
      }
    });

    it('pending senders reject with CHANNEL_CLOSED carrying their values, and buffered values stay receivable', async () => {
      const ch = new Channel<string>(1);
      await ch.send('buffered');
      const b = track(ch.send('second'));
      const c = track(ch.send('third'));
      await turns();
      expect(b.settled || c.settled).toBe(false);
      ch.close();
      expect((await rejectsWith(b.promise, 'CHANNEL_CLOSED')).details.value).toBe('second');
      expect((await rejectsWith(c.promise, 'CHANNEL_CLOSED')).details.value).toBe('third');
      expect(await ch.recv()).toEqual({ value: 'buffered', ok: true });
      expect(await ch.recv()).toEqual({ value: undefined, ok: false });
    });

    it('a pending sender on an unbuffered channel rejects with CHANNEL_CLOSED and no receiver gets its value', async () => {
      const ch = new Channel<number>(0);
      const sending = ch.send(42);
      await turns();
      ch.close();
      expect((await rejectsWith(sending, 'CHANNEL_CLOSED')).details.value).toBe(42);
      expect(await ch.recv()).toEqual({ value: undefined, ok: false });
    });

    it('a pending select send case rejects with CHANNEL_CLOSED carrying its value when the channel closes', async () => {
      const ch = new Channel<string>(0);
      const other = new Channel<string>(0);
      const selecting = select([other.recvCase(), ch.sendCase('mine')]);
      await turns();
      ch.close();
      const err = await rejectsWith(selecting, 'CHANNEL_CLOSED');
      expect(err.details.value).toBe('mine');
      expect(other.trySend('unclaimed')).toBe(false); // the select no longer waits on other
    });
  });

  describe('unbuffered (rendezvous)', () => {
    it('send resolves only after a receiver took the value', async () => {
      const ch = new Channel<string>(0);
      let received = false;
      const order: string[] = [];
      const sending = track(
        ch.send('hand-off').then(() => {
          order.push(received ? 'sent after receive' : 'sent before receive');
        }),
      );
      await turns(10);
      expect(sending.settled).toBe(false);
      expect(ch.len).toBe(0);
      const r = await ch.recv();
      received = true;
      expect(r).toEqual({ value: 'hand-off', ok: true });
      await sending.promise;
      expect(order).toEqual(['sent after receive']);
    });

    it('recv waits for a sender, and trySend succeeds only while a receiver waits', async () => {
      const ch = new Channel<number>(0);
      expect(ch.trySend(1)).toBe(false); // nobody to take it
      expect(ch.tryRecv()).toBeUndefined();
      const receiving = track(ch.recv());
      await turns();
      expect(receiving.settled).toBe(false);
      expect(ch.trySend(2)).toBe(true);
      expect(await receiving.promise).toEqual({ value: 2, ok: true });
      expect(ch.trySend(3)).toBe(false); // the receiver is gone again
      expect(ch.len).toBe(0);
    });

    it('tryRecv takes the value of a waiting sender and completes its send', async () => {
      const ch = new Channel<number>(0);
      const sending = track(ch.send(9));
      await turns();
      expect(sending.settled).toBe(false);
      expect(ch.tryRecv()).toEqual({ value: 9, ok: true });
      await sending.promise;
      expect(ch.tryRecv()).toBeUndefined();
    });

    it('pairs waiting senders with receivers in arrival order', async () => {
      const ch = new Channel<number>(0);
      const sends = [1, 2, 3, 4].map((v) => ch.send(v));
      const got: number[] = [];
      for (let i = 0; i < 4; i++) got.push((await ch.recv()).value!);
      await Promise.all(sends);
      expect(got).toEqual([1, 2, 3, 4]);
    });
  });

  describe('buffered', () => {
    it('send waits while the buffer is full and resolves after a recv makes room', async () => {
      const ch = new Channel<number>(2);
      await ch.send(1);
      await ch.send(2);
      expect(ch.len).toBe(2);
      expect(ch.trySend(3)).toBe(false);
      const third = track(ch.send(3));
      await turns(10);
      expect(third.settled).toBe(false);
      expect(ch.len).toBe(2);
      expect(await ch.recv()).toEqual({ value: 1, ok: true });
      await settlesWithin(third.promise, 5_000, 'send after room was made');
      expect(ch.len).toBe(2);
      expect(drain(ch)).toEqual([2, 3]);
    });

    it('delivers in FIFO order, buffered values first, then waiting senders in arrival order', async () => {
      const ch = new Channel<number>(3);
      const sends = Array.from({ length: 8 }, (_, i) => ch.send(i));
      const got: number[] = [];
      for (let i = 0; i < 8; i++) got.push((await ch.recv()).value!);
      await Promise.all(sends);
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('keeps FIFO order over many values through a small buffer', async () => {
      const ch = new Channel<number>(4);
      const n = 5_000;
      const producer = (async () => {
        for (let i = 0; i < n; i++) await ch.send(i);
        ch.close();
      })();
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      await producer;
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    });

    it('an unbounded channel never makes a sender wait', () => {
      const ch = new Channel<number>(Infinity);
      for (let i = 0; i < 10_000; i++) expect(ch.trySend(i)).toBe(true);
      expect(ch.len).toBe(10_000);
      const got = drain(ch);
      expect(got.length).toBe(10_000);
      expect(got[0]).toBe(0);
      expect(got[9_999]).toBe(9_999);
    });

    it('a receiver waiting on an empty buffered channel gets the next send directly', async () => {
      const ch = new Channel<string>(2);
      const receiving = track(ch.recv());
      await turns();
      expect(receiving.settled).toBe(false);
      await ch.send('direct');
      expect(await receiving.promise).toEqual({ value: 'direct', ok: true });
      expect(ch.len).toBe(0);
    });
  });

  describe('trySend / tryRecv', () => {
    it('trySend returns false when full, tryRecv undefined when empty and { ok: false } when closed and drained', () => {
      const ch = new Channel<number>(1);
      expect(ch.tryRecv()).toBeUndefined();
      expect(ch.trySend(1)).toBe(true);
      expect(ch.trySend(2)).toBe(false);
      expect(ch.len).toBe(1);
      expect(ch.tryRecv()).toEqual({ value: 1, ok: true });
      expect(ch.tryRecv()).toBeUndefined();
      ch.trySend(3);
      ch.close();
      expect(ch.tryRecv()).toEqual({ value: 3, ok: true });
      expect(ch.tryRecv()).toEqual({ value: undefined, ok: false });
    });
  });

  describe('sendMany / recvMany', () => {
    it('sendMany sends every value in order; recvMany takes up to max of them', async () => {
      const ch = new Channel<unknown>(10);
      await ch.sendMany([1, 'two', true, null, undefined, { six: 6 }]);
      expect(ch.len).toBe(6);
      expect(await ch.recvMany(2)).toEqual([1, 'two']);
      expect(await ch.recvMany(100)).toEqual([true, null, undefined, { six: 6 }]);
      expect(ch.len).toBe(0);
    });

    it('moves a Float64Array, keeping -0, NaN and infinities', async () => {
      const ch = new Channel<number>(Infinity);
      const values = new Float64Array([0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 2 ** 53, 1e-300]);
      await ch.sendMany(values);
      const got = await ch.recvMany(values.length);
      expect(got.length).toBe(values.length);
      for (let i = 0; i < values.length; i++) expect(Object.is(got[i], values[i])).toBe(true);
    });

    it('sendMany waits for room as needed while a receiver drains', async () => {
      const ch = new Channel<number>(3);
      const n = 1_000;
      const values = new Float64Array(n).map((_, i) => i);
      const sending = ch.sendMany(values);
      const got: number[] = [];
      while (got.length < n) got.push(...(await ch.recvMany(7)));
      await sending;
      expect(got).toEqual(Array.from(values));
    });

    it('sendMany of an empty array resolves at once', async () => {
      const ch = new Channel<number>(0);
      await ch.sendMany([]);
      await ch.sendMany(new Float64Array(0));
      expect(ch.len).toBe(0);
    });

    it('recvMany waits for the first value, then takes what is there', async () => {
      const ch = new Channel<number>(4);
      const receiving = track(ch.recvMany(4));
      await turns();
      expect(receiving.settled).toBe(false);
      await ch.send(10);
      expect(await receiving.promise).toEqual([10]);
    });

    it('recvMany on an unbuffered channel takes from waiting senders', async () => {
      const ch = new Channel<number>(0);
      const sends = [1, 2, 3].map((v) => ch.send(v));
      expect(await ch.recvMany(10)).toEqual([1, 2, 3]);
      await Promise.all(sends);
    });

    it.each([[0], [-1], [1.5], [NaN], ['3']])('recvMany rejects max %o with INVALID_ARGUMENT', async (max) => {
      const ch = new Channel<number>(1);
      await rejectsWith(ch.recvMany(max as never), 'INVALID_ARGUMENT');
    });
  });

  describe('async iteration', () => {
    it('yields every value in order and ends once the channel is closed and drained', async () => {
      const ch = new Channel<number>(2);
      const producer = (async () => {
        for (let i = 0; i < 10; i++) await ch.send(i);
        ch.close();
      })();
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      await producer;
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('breaking out of the loop leaves the rest in the channel', async () => {
      const ch = new Channel<number>(5);
      await ch.sendMany([1, 2, 3, 4]);
      const got: number[] = [];
      for await (const v of ch) {
        got.push(v);
        if (got.length === 2) break;
      }
      expect(got).toEqual([1, 2]);
      expect(drain(ch)).toEqual([3, 4]);
    });
  });

  describe('cancellation', () => {
    it('recv cancelled by a signal rejects with CANCELED (reason as cause) and consumes nothing', async () => {
      const ch = new Channel<number>(1);
      const ac = new AbortController();
      const receiving = ch.recv({ signal: ac.signal });
      await turns();
      ac.abort('stop');
      const err = await rejectsWith(receiving, 'CANCELED');
      expect(err.cause).toBe('stop');
      await ch.send(7);
      expect(ch.len).toBe(1); // not handed to the cancelled receiver
      expect(await ch.recv()).toEqual({ value: 7, ok: true });
    });

    it('recv with an already aborted signal on an empty channel rejects with CANCELED', async () => {
      const ch = new Channel<number>(0);
      await rejectsWith(ch.recv({ signal: AbortSignal.abort() }), 'CANCELED');
      expect(ch.trySend(1)).toBe(false); // no receiver was left waiting
    });

    it('an already aborted signal cancels recv and send even when they could happen at once, consuming nothing', async () => {
      const ch = new Channel<number>(2);
      await ch.send(1);
      await rejectsWith(ch.recv({ signal: AbortSignal.abort() }), 'CANCELED');
      await rejectsWith(ch.send(2, { signal: AbortSignal.abort() }), 'CANCELED');
      await rejectsWith(ch.recvMany(5, { signal: AbortSignal.abort() }), 'CANCELED');
      expect(ch.len).toBe(1);
      expect(await ch.recv()).toEqual({ value: 1, ok: true });
    });

    it('a cancelled receiver on an unbuffered channel is no longer there for senders', async () => {
      const ch = new Channel<number>(0);
      const ac = new AbortController();
      const receiving = ch.recv({ signal: ac.signal });
      await turns();
      ac.abort();
      await rejectsWith(receiving, 'CANCELED');
      expect(ch.trySend(1)).toBe(false);
    });

    it('recv timing out rejects with TIMEOUT and a later value stays in the channel', async () => {
      const ch = new Channel<string>(2);
      const err = await rejectsWith(ch.recv({ timeout: 5 }), 'TIMEOUT');
      expect(err.details.timeout).toBe(5);
      expect(ch.trySend('later')).toBe(true);
      expect(ch.len).toBe(1);
      expect(await ch.recv()).toEqual({ value: 'later', ok: true });
    });

    it('send on a full channel timing out rejects with TIMEOUT and its value never arrives', async () => {
      const ch = new Channel<number>(1);
      await ch.send(1);
      await rejectsWith(ch.send(2, { timeout: 5 }), 'TIMEOUT');
      expect(ch.len).toBe(1);
      expect(drain(ch)).toEqual([1]);
      expect(ch.tryRecv()).toBeUndefined();
    });

    it('an unbuffered send cancelled by a signal is not delivered to a later receiver', async () => {
      const ch = new Channel<number>(0);
      const ac = new AbortController();
      const sending = ch.send(5, { signal: ac.signal });
      await turns();
      ac.abort(new Error('no longer needed'));
      const err = await rejectsWith(sending, 'CANCELED');
      expect((err.cause as Error).message).toBe('no longer needed');
      expect(ch.tryRecv()).toBeUndefined();
      await rejectsWith(ch.recv({ timeout: 5 }), 'TIMEOUT');
    });

    it('sendMany cancelled while waiting for room reports how many went', async () => {
      const ch = new Channel<number>(2);
      const ac = new AbortController();
      const sending = ch.sendMany([1, 2, 3, 4], { signal: ac.signal });
      await turns();
      ac.abort();
      const err = await rejectsWith(sending, 'CANCELED');
      expect(err.details.sent).toBe(2);
      expect(drain(ch)).toEqual([1, 2]);
    });

    it('a value that arrives just as a wait is cancelled is either delivered or left, never lost', async () => {
      // Alternating timeouts and sends, each round's send landing before, around or after
      // the receive's timer fires: a send that succeeded is that round's receive, a send
      // refused leaves the value with the sender, and a receive that got nothing timed out.
      const ch = new Channel<number>(0);
      const ROUNDS = 200;
      const received: number[] = [];
      let timedOut = 0;
      const before = new Set<number>(); // rounds whose send came while the receive surely waited
      const after = new Set<number>(); // rounds whose send came once the receive had surely timed out
      let next = 0;
      for (let round = 0; round < ROUNDS; round++) {
        let got: number | 'timeout' | undefined;
        const receiving = ch.recv({ timeout: 0 }).then(
          (r) => {
            got = r.value!;
            received.push(r.value!);
          },
          (err: unknown) => {
            if (!isWeftError(err, 'TIMEOUT')) throw err;
            got = 'timeout';
          },
        );
        const mode = round % 5;
        if (mode === 0) before.add(round); // at once: the receive is registered, its timer not yet run
        else if (mode === 1) await new Promise((resolve) => setImmediate(resolve));
        else if (mode <= 3) await new Promise((resolve) => setTimeout(resolve, mode - 1));
        else {
          await receiving; // after: the receive has settled (it can only have timed out)
          after.add(round);
        }
        const value = next;
        const sent = ch.trySend(value);
        if (sent) next++;
        await receiving;
        // Delivered to this round's receive, or refused and the receive timed out: nothing else.
        expect({ round, sent, got }).toEqual({ round, sent, got: sent ? value : 'timeout' });
        if (!sent) timedOut++;
        if (before.has(round)) expect({ round, sent }).toEqual({ round, sent: true });
        if (after.has(round)) expect({ round, sent }).toEqual({ round, sent: false });
      }
      expect(before.size).toBe(ROUNDS / 5);
      expect(after.size).toBe(ROUNDS / 5);
      expect(next).toBeGreaterThanOrEqual(before.size);
      expect(timedOut).toBeGreaterThanOrEqual(after.size);
      expect(next + timedOut).toBe(ROUNDS);
      expect(received).toEqual(Array.from({ length: next }, (_, i) => i));
      expect(ch.tryRecv()).toBeUndefined(); // no value was left behind in the channel
    });
  });

  describe('select', () => {
    it('picks the ready case and commits only that one', async () => {
      const a = new Channel<string>(1);
      const b = new Channel<string>(1);
      await b.send('from b');
      const r = await select([a.recvCase(), b.recvCase()]);
      expect(r).toEqual({ index: 1, value: 'from b', ok: true });
      expect(a.len).toBe(0);
      expect(b.len).toBe(0);
    });

    it('waits until a case becomes ready, and only the case that happened takes effect', async () => {
      const a = new Channel<number>(0);
      const b = new Channel<number>(0);
      const out = new Channel<number>(0);
      const selecting = track(select([a.recvCase(), b.recvCase(), out.sendCase(99)]));
      await turns();
      expect(selecting.settled).toBe(false);
      expect(b.trySend(2)).toBe(true);
      expect(await selecting.promise).toEqual({ index: 1, value: 2, ok: true });
      // The other cases were withdrawn: nobody waits on a, and 99 was never sent.
      expect(a.trySend(1)).toBe(false);
      expect(out.tryRecv()).toBeUndefined();
    });

    it('a send case completes when a receiver takes the value', async () => {
      const ch = new Channel<string>(0);
      const selecting = track(select([ch.sendCase('via select')]));
      await turns();
      expect(selecting.settled).toBe(false);
      expect(await ch.recv()).toEqual({ value: 'via select', ok: true });
      expect(await selecting.promise).toEqual({ index: 0, value: undefined, ok: true });
    });

    it('a send case to a buffered channel with room is ready at once', async () => {
      const full = new Channel<number>(1);
      await full.send(0);
      const roomy = new Channel<number>(1);
      const r = await select([full.sendCase(1), roomy.sendCase(2)]);
      expect(r.index).toBe(1);
      expect(r.ok).toBe(true);
      expect(drain(full)).toEqual([0]);
      expect(drain(roomy)).toEqual([2]);
    });

    it('with default resolves index -1 when nothing is ready, and nothing happens', async () => {
      const a = new Channel<number>(0);
      const full = new Channel<number>(1);
      await full.send(1);
      expect(await select([a.recvCase(), full.sendCase(2)], { default: true })).toEqual({ index: -1, value: undefined, ok: false });
      expect(drain(full)).toEqual([1]);
      expect(a.trySend(1)).toBe(false); // the select left no receiver waiting
    });

    it('with default takes a ready case', async () => {
      const a = new Channel<number>(0);
      const b = new Channel<number>(1);
      await b.send(5);
      expect(await select([a.recvCase(), b.recvCase()], { default: true })).toEqual({ index: 1, value: 5, ok: true });
    });

    it('a recv case on a closed and drained channel is ready with ok false', async () => {
      const open = new Channel<number>(0);
      const done = new Channel<number>(0);
      done.close();
      expect(await select([open.recvCase(), done.recvCase()])).toEqual({ index: 1, value: undefined, ok: false });
    });

    it('a send case on a closed channel rejects with CHANNEL_CLOSED carrying its value', async () => {
      const ch = new Channel<string>(1);
      ch.close();
      const err = await rejectsWith(select([ch.sendCase('returned')]), 'CHANNEL_CLOSED');
      expect(err.details.value).toBe('returned');
    });

    it('timing out rejects with TIMEOUT and no case happens', async () => {
      const a = new Channel<number>(0);
      const out = new Channel<string>(0);
      const err = await rejectsWith(select([a.recvCase(), out.sendCase('never')], { timeout: 5 }), 'TIMEOUT');
      expect(err.details.timeout).toBe(5);
      expect(out.tryRecv()).toBeUndefined();
      expect(a.trySend(1)).toBe(false);
    });

    it('an aborted signal rejects with CANCELED and no case happens', async () => {
      const a = new Channel<number>(0);
      const out = new Channel<string>(0);
      const ac = new AbortController();
      const selecting = select([a.recvCase(), out.sendCase('never')], { signal: ac.signal });
      await turns();
      ac.abort('enough');
      const err = await rejectsWith(selecting, 'CANCELED');
      expect(err.cause).toBe('enough');
      expect(out.tryRecv()).toBeUndefined();
      expect(a.trySend(1)).toBe(false);
      await rejectsWith(select([a.recvCase()], { signal: AbortSignal.abort() }), 'CANCELED');
    });

    it('chooses uniformly among ready cases (chi-square over 100,000 selects)', async () => {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      a.trySend(0);
      b.trySend(1);
      const counts = [0, 0];
      const n = 100_000;
      for (let i = 0; i < n; i++) {
        const r = await select([a.recvCase(), b.recvCase()]);
        counts[r.index]!++;
        expect((r.index === 0 ? a : b).trySend(r.index)).toBe(true); // both stay ready
      }
      const expected = n / 2;
      const chi = ((counts[0]! - expected) ** 2 + (counts[1]! - expected) ** 2) / expected;
      // One degree of freedom: a fair choice exceeds 10.83 with probability 0.001.
      expect(chi, `counts ${counts.join(' / ')}`).toBeLessThan(10.83);
    });

    it('chooses uniformly among ready cases with default too', async () => {
      const a = new Channel<number>(1);
      const b = new Channel<number>(1);
      const c = new Channel<number>(1);
      const chans = [a, b, c];
      for (const ch of chans) ch.trySend(0);
      const counts = [0, 0, 0];
      const n = 30_000;
      for (let i = 0; i < n; i++) {
        const r = await select(
          chans.map((ch) => ch.recvCase()),
          { default: true },
        );
        counts[r.index]!++;
        chans[r.index]!.trySend(0);
      }
      const expected = n / 3;
      const chi = counts.reduce((s, k) => s + (k - expected) ** 2 / expected, 0);
      // Two degrees of freedom: a fair choice exceeds 13.82 with probability 0.001.
      expect(chi, `counts ${counts.join(' / ')}`).toBeLessThan(13.82);
    });

    it('rejects an empty case list or a case that is not a channel case with INVALID_ARGUMENT', async () => {
      const ch = new Channel<number>(1);
      await rejectsWith(select([]), 'INVALID_ARGUMENT');
      await rejectsWith(select(undefined as never), 'INVALID_ARGUMENT');
      await rejectsWith(select('cases' as never), 'INVALID_ARGUMENT');
      const bad: unknown[] = [null, 42, {}, { channel: {}, op: 'recv' }, { channel: ch, op: 'peek' }, ch];
      for (const c of bad) {
        await rejectsWith(select([ch.recvCase(), c as SelectCase]), 'INVALID_ARGUMENT');
        await rejectsWith(select([c as SelectCase], { default: true }), 'INVALID_ARGUMENT');
      }
    });

    it('rejects bad options with INVALID_ARGUMENT', async () => {
      const ch = new Channel<number>(1);
      for (const options of [{ timeout: -1 }, { timeout: NaN }, { timeout: '10' }, { signal: {} }, { signal: new AbortController() }]) {
        await rejectsWith(select([ch.recvCase()], options as never), 'INVALID_ARGUMENT');
      }
    });
  });

  describe('values', () => {
    const values: [string, unknown][] = [
      ['0', 0],
      ['-0', -0],
      ['an integer', 25],
      ['a negative float', -1.5],
      ['2^31', 2 ** 31],
      ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['an empty string', ''],
      ['a string', 'text ✓'],
      ['true', true],
      ['false', false],
      ['null', null],
      ['undefined', undefined],
      ['a bigint', 12345678901234567890n],
      ['an object', { nested: { list: [1, 'two', null] }, map: new Map([[1, { a: 1 }]]), set: new Set(['x']), date: new Date(1_700_000_000_000) }],
      ['an array', [1, [2, [3]], 'four']],
      ['a Uint8Array', new Uint8Array([1, 2, 255])],
      ['a Float64Array', new Float64Array([1.5, -0.25, 1e300])],
      ['an Int32Array', new Int32Array([-1, 2, -3])],
      ['a BigInt64Array', new BigInt64Array([-1n, 2n ** 62n])],
      ['a Buffer', Buffer.from('weft')],
      ['an ArrayBuffer', new Uint8Array([7, 8, 9]).buffer],
    ];

    function expectSame(back: unknown, value: unknown): void {
      expect(typeof back).toBe(typeof value);
      if (typeof value === 'object' && value !== null) {
        expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(value));
        if (value instanceof ArrayBuffer) expect([...new Uint8Array(back as ArrayBuffer)]).toEqual([...new Uint8Array(value)]);
        else expect(back).toStrictEqual(value);
        expect(back).not.toBe(value); // a copy, not the sender's object
      } else {
        expect(Object.is(back, value)).toBe(true);
      }
    }

    it.each(values)('round-trips %s with its type through buffered, rendezvous and select paths', async (_name, value) => {
      const buffered = new Channel<unknown>(1);
      await buffered.send(value);
      expectSame((await buffered.recv()).value, value);

      expect(buffered.trySend(value)).toBe(true);
      expectSame(buffered.tryRecv()!.value, value);

      const rendezvous = new Channel<unknown>(0);
      const receiving = rendezvous.recv();
      await turns();
      await rendezvous.send(value); // handed to the waiting receiver
      expectSame((await receiving).value, value);

      const sending = rendezvous.send(value); // taken from the waiting sender
      expectSame((await rendezvous.recv()).value, value);
      await sending;

      const selecting = select([rendezvous.recvCase()]);
      await turns();
      await select([rendezvous.sendCase(value)]);
      expectSame((await selecting).value, value);
    });

    it('round-trips mixed values with their types through sendMany / recvMany', async () => {
      const ch = new Channel<unknown>(Infinity);
      const all = values.map(([, v]) => v);
      await ch.sendMany(all);
      const back = await ch.recvMany(all.length);
      expect(back.length).toBe(all.length);
      back.forEach((v, i) => expectSame(v, all[i]));
    });

    it('refuses functions, symbols and shared memory with UNSERIALIZABLE and leaves the channel as it was', async () => {
      const ch = new Channel<unknown>(4);
      await ch.send('before');
      for (const bad of [() => 1, Symbol('s'), { nested: () => 1 }, new SharedArrayBuffer(8), new Int32Array(new SharedArrayBuffer(8)), { nested: new Float64Array(new SharedArrayBuffer(8)) }]) {
        await rejectsWith(ch.send(bad), 'UNSERIALIZABLE');
        throwsWith(() => ch.trySend(bad), 'UNSERIALIZABLE');
        await rejectsWith(select([ch.sendCase(bad)]), 'UNSERIALIZABLE');
        await rejectsWith(ch.sendMany(['ok', bad]), 'UNSERIALIZABLE');
      }
      expect(ch.len).toBe(1);
      expect(drain(ch)).toEqual(['before']);
    });

    it('a channel sent over a channel arrives as a handle on the same channel', async () => {
      const carrier = new Channel<{ reply: Channel<string> }>(1);
      const reply = new Channel<string>(1);
      await carrier.send({ reply });
      const { value } = await carrier.recv();
      expect(value!.reply).toBeInstanceOf(Channel);
      expect(value!.reply.cap).toBe(1);
      await value!.reply.send('through the copy');
      expect(await reply.recv()).toEqual({ value: 'through the copy', ok: true });
    });
  });

  describe('bad options', () => {
    const bad: [string, unknown][] = [
      ['timeout', { timeout: -1 }],
      ['timeout', { timeout: NaN }],
      ['timeout', { timeout: '10' }],
      ['signal', { signal: {} }],
      ['signal', { signal: new AbortController() }],
    ];
    it.each(bad)('rejects a bad %s (%o) with INVALID_ARGUMENT and does nothing', async (option, options) => {
      const ch = new Channel<number>(2);
      await ch.send(1);
      for (const op of [() => ch.send(2, options as never), () => ch.recv(options as never), () => ch.sendMany([2], options as never)]) {
        const err = await rejectsWith(op(), 'INVALID_ARGUMENT');
        expect(err.details.option).toBe(option);
      }
      expect(drain(ch)).toEqual([1]);
      // recvMany on an empty channel (it has to wait) checks them too.
      const err = await rejectsWith(ch.recvMany(1, options as never), 'INVALID_ARGUMENT');
      expect(err.details.option).toBe(option);
    });

    it.each(bad)('recvMany rejects a bad %s (%o) with INVALID_ARGUMENT even when values are ready, consuming nothing', async (option, options) => {
      const ch = new Channel<number>(2);
      await ch.send(1);
      const err = await rejectsWith(ch.recvMany(1, options as never), 'INVALID_ARGUMENT');
      expect(err.details.option).toBe(option);
      expect(drain(ch)).toEqual([1]);
    });

    it('rejects options that are not an object with INVALID_ARGUMENT', async () => {
      const ch = new Channel<number>(1);
      await rejectsWith(ch.send(1, null as never), 'INVALID_ARGUMENT');
      await rejectsWith(ch.recv(5 as never), 'INVALID_ARGUMENT');
      expect(ch.len).toBe(0);
    });
  });

  describe('blocking forms on the main thread', () => {
    it('sendSync, recvSync and selectSync throw WOULD_BLOCK and do nothing', async () => {
      const ch = new Channel<number>(2);
      await ch.send(1);
      throwsWith(() => ch.sendSync(2), 'WOULD_BLOCK');
      throwsWith(() => ch.sendSync(2, { timeout: 0 }), 'WOULD_BLOCK');
      throwsWith(() => ch.recvSync(), 'WOULD_BLOCK');
      throwsWith(() => ch.recvSync({ timeout: 10 }), 'WOULD_BLOCK');
      throwsWith(() => selectSync([ch.recvCase()]), 'WOULD_BLOCK');
      throwsWith(() => selectSync([ch.sendCase(3)], { timeout: 0 }), 'WOULD_BLOCK');
      expect(drain(ch)).toEqual([1]);
    });
  });
});
