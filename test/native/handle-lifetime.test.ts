// A weft object sent inside a message that is never received (a channel freed with it
// buffered, a cancelled or abandoned pool task) is released, not kept until the process
// exits; a context value or cancellation cause read many times gives each reader a
// handle of its own.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { Channel, Context, Mutex, select } from '@weft/core';
import { loadNative } from '../../dist/esm/native/loader.js';
import { Shared, makePool, rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';

const CONTEXT_TASKS = new URL('../fixtures/context-tasks.mjs', import.meta.url);
const CHAN_TASKS = new URL('../fixtures/chan-tasks.mjs', import.meta.url);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const live = (): number => loadNative().liveObjects('channel');

/** Collects until `live()` is back to `count` (finalizers run as tasks after a GC). */
async function settlesTo(count: number): Promise<number> {
  for (let turn = 0; turn < 200 && live() !== count; turn++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return live();
}

/** The count once what earlier tests dropped has been collected. */
async function settledBase(): Promise<number> {
  for (let turn = 0; turn < 10; turn++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return live();
}

/**
 * Whether some thread's wait is queued for `mutex`: a try for zero units takes nothing
 * and, the queue being first-come first-served, fails only while a wait is in line.
 */
function lockQueued(mutex: Mutex): boolean {
  return !mutex.native.tryAcquire(0);
}

/** Whether `done()` came true within a bounded number of event-loop turns. */
async function until(done: () => boolean): Promise<boolean> {
  for (let turn = 0; turn < 2000 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
  return done();
}

describe('handles in messages nobody receives', () => {
  it('a channel freed with channels still buffered in it frees them too', async () => {
    const base = await settlesTo(live());
    await (async () => {
      const outer = new Channel<Channel<number>>(4);
      for (let i = 0; i < 3; i++) await outer.send(new Channel<number>(1));
      expect(outer.len).toBe(3);
    })();
    expect(await settlesTo(base)).toBe(base);
  });

  it('nested: a channel freed with a channel in it that holds another frees all three', async () => {
    const base = await settlesTo(live());
    await (async () => {
      const outer = new Channel<Channel<Channel<number>>>(1);
      const middle = new Channel<Channel<number>>(1);
      await middle.send(new Channel<number>(1));
      await outer.send(middle);
    })();
    expect(await settlesTo(base)).toBe(base);
  });

  it('a queued pool task cancelled before it ran, and one left when the pool was forced closed, release the channel in their argument', async () => {
    const shared = new Shared();
    const pool = makePool({ size: 1 }, shared);
    const held = pool.run('hold', 30_000);
    await shared.untilStarted(1);
    const base = await settlesTo(live());
    const abort = new AbortController();
    let cancelled!: Promise<unknown>;
    let abandoned!: Promise<unknown>;
    (() => {
      cancelled = pool.run('echo', { reply: new Channel(1) }, { signal: abort.signal });
      abandoned = pool.run('echo', { reply: new Channel(1) });
    })();
    abort.abort();
    await rejectsWith(cancelled, 'CANCELED');
    const closing = pool.close({ timeout: 0 });
    await rejectsWith(abandoned, 'POOL_CLOSED');
    await closing.catch(() => undefined);
    void held.catch(() => undefined);
    expect(await settlesTo(base)).toBe(base);
  });

  it('a context value read twice in a worker: each read is a handle of its own, so dropping both leaves the channel usable and sendable', async () => {
    const pool = makePool({ filename: CONTEXT_TASKS, size: 1 });
    const reply = new Channel<number>(2);
    const ctx = Context.background().withValue('reply', reply);
    expect(await pool.run('readTwiceAndDrop', null, { ctx })).toBe(true);
    expect(reply.tryRecv()).toEqual({ value: 1, ok: true });
    // Had the two reads shared one count, collecting them would have unregistered the
    // channel, and sending it to a worker again would fail there.
    expect(await pool.run('sendOn', { reply, n: 2 })).toBe(true);
    expect(reply.tryRecv()).toEqual({ value: 2, ok: true });
  });

  it('a context\'s cancellation cause read by several contexts and threads: each read is a handle of its own, so dropping them leaves the channel usable', async () => {
    const pool = makePool({ filename: CONTEXT_TASKS, size: 1 });
    const reply = new Channel<number>(4);
    const [ctx, cancel] = Context.background().withCancelCause();
    cancel({ reply });
    expect((ctx.err?.cause as { reply: Channel<number> }).reply).toBe(reply); // this thread: the object itself
    (() => {
      const [child] = ctx.withCancel(); // born ended: reads the shared cause
      expect((child.err?.cause as { reply: Channel<number> }).reply.trySend(0)).toBe(true);
    })();
    expect(await pool.run('readCauseTwiceAndDrop', { ctx })).toBe(true);
    for (let turn = 0; turn < 20; turn++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Had the reads shared one pin, collecting them would have unregistered the channel.
    expect(await pool.run('sendOn', { reply, n: 2 })).toBe(true);
    expect([reply.tryRecv().value, reply.tryRecv().value, reply.tryRecv().value]).toEqual([0, 1, 2]);
  });

  it('a cancellation cause is released with its context, and a cause that ended nothing at once', async () => {
    const base = await settledBase();
    (() => {
      const [ctx, cancel] = Context.background().withCancelCause();
      cancel({ reply: new Channel(1) });
      cancel({ reply: new Channel(1) }); // it had ended: this cause is dropped
      const [child] = ctx.withCancel();
      expect(child.err?.cause).toEqual({ reply: expect.any(Channel) });
    })();
    expect(await settlesTo(base)).toBe(base);
  });
});

describe('handles in values the sender gave up on', () => {
  it('trySend that finds no room, send that times out, a select case that lost or found nothing, a task refused QUEUE_FULL: each releases the channel it carried', async () => {
    const full = new Channel<unknown>(1);
    full.trySend('filler');
    const ready = new Channel<number>(1);
    const shared = new Shared();
    const pool = makePool({ size: 1, maxQueue: 1 }, shared);
    const held = pool.run('hold', 30_000);
    await shared.untilStarted(1);
    const queued = pool.trySubmit('echo', 1);
    const base = await settlesTo(live());

    expect(full.trySend({ reply: new Channel(1) })).toBe(false);
    await rejectsWith(full.send({ reply: new Channel(1) }, { timeout: 1 }), 'TIMEOUT');
    ready.trySend(7);
    const won = await select([full.sendCase({ reply: new Channel(1) }), ready.recvCase()]);
    expect(won.index).toBe(1);
    const none = await select([full.sendCase({ reply: new Channel(1) })], { default: true });
    expect(none.index).toBe(-1);
    throwsWith(() => pool.trySubmit('echo', { reply: new Channel(1) }), 'QUEUE_FULL');
    expect(await settlesTo(base)).toBe(base);

    shared.open();
    expect(await Promise.all([held, queued])).toEqual([expect.any(Number), 1]);
  });

  it('a worker\'s sendSync and selectSync that time out release the channel they carried', async () => {
    const full = new Channel<unknown>(1);
    full.trySend('filler');
    const base = await settlesTo(live());
    const pool = makePool({ filename: CHAN_TASKS, size: 1 });
    expect(await pool.run('abandonBlockingSends', { full })).toBe(2);
    await pool.close(); // the worker's own handles go with its thread
    expect(await settlesTo(base)).toBe(base);
  });

  it('a value delivered to a receive whose thread ended before taking it releases the channel in it', async () => {
    const ch = new Channel<{ reply: Channel<number> }>(0);
    const started = new Channel<boolean>(1);
    const pool = makePool({ filename: CHAN_TASKS, size: 1 });
    const stuck = pool.run('recvThenSpin', { ch, started });
    expect(await started.recv()).toEqual({ value: true, ok: true });
    const base = await settledBase();
    await (async () => {
      await ch.send({ reply: new Channel<number>(1) }); // unbuffered: taken by the worker's receive
    })();
    await pool.close({ timeout: 0 }).catch(() => undefined); // terminates the spinning worker
    await rejectsWith(stuck, 'POOL_CLOSED');
    expect(await settlesTo(base)).toBe(base);
  });

  it('a worker terminated while its async send waits releases the channel that send carried, and the send never happens', async () => {
    const full = new Channel<unknown>(1);
    full.trySend('filler');
    const started = new Channel<boolean>(1);
    const pool = makePool({ filename: CHAN_TASKS, size: 1 });
    const base = await settledBase();
    const stuck = pool.run('sendThenSpin', { full, started });
    expect(await started.recv()).toEqual({ value: true, ok: true });
    expect(full.waitingCount).toBe(1);
    await pool.close({ timeout: 0 }).catch(() => undefined);
    await rejectsWith(stuck, 'POOL_CLOSED');
    expect(await settlesTo(base)).toBe(base);
    expect(full.waitingCount).toBe(0);
    expect(full.tryRecv()).toEqual({ value: 'filler', ok: true });
    expect(full.tryRecv()).toBeUndefined(); // the ended thread's value is not delivered
  });

  it('a worker terminated while blocked in recvSync leaves no receiver behind: a value sent afterwards stays in the channel', async () => {
    const ch = new Channel<number>(1);
    const started = new Channel<boolean>(1);
    const pool = makePool({ filename: CHAN_TASKS, size: 1 });
    const stuck = pool.run('recvSyncForever', { ch, started });
    expect(await started.recv()).toEqual({ value: true, ok: true });
    expect(await until(() => ch.waitingCount === 1)).toBe(true); // its receive is registered
    await pool.close({ timeout: 0 }).catch(() => undefined);
    await rejectsWith(stuck, 'POOL_CLOSED');
    expect(await until(() => ch.waitingCount === 0)).toBe(true);
    expect(ch.trySend(5)).toBe(true);
    expect(ch.tryRecv()).toEqual({ value: 5, ok: true }); // not handed to the thread that is gone
  });

  it('a worker terminated while blocked in lockSync does not take the lock with it: the next lock gets it', async () => {
    const mutex = new Mutex();
    const release = await mutex.lock();
    expect(lockQueued(mutex)).toBe(false); // held, and nobody in line yet
    const started = new Channel<boolean>(1);
    const pool = makePool({ filename: CHAN_TASKS, size: 1 });
    const stuck = pool.run('lockSyncForever', { mutex, started });
    expect(await started.recv()).toEqual({ value: true, ok: true });
    // It is blocked: its wait is queued for the lock, and its task has not returned (a
    // lockSync that did not wait for the lock would return before queueing anything).
    const queued = until(() => lockQueued(mutex)).then((yes) => (yes ? 'queued' : 'never queued'));
    const returnedFirst = stuck.then(
      (value) => ({ returnedWhileHeld: value }),
      (err: unknown) => ({ returnedWhileHeld: err }),
    );
    expect(await Promise.race([queued, returnedFirst])).toBe('queued');
    expect(mutex.locked).toBe(true); // still ours
    await pool.close({ timeout: 0 }).catch(() => undefined);
    await rejectsWith(stuck, 'POOL_CLOSED');
    // The ended thread's wait was withdrawn: nothing is queued, so the release frees the lock.
    expect(await until(() => !lockQueued(mutex))).toBe(true);
    release();
    const again = mutex.tryLock();
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('a value that was delivered keeps its handle: the receiver can use and pass on what it got', async () => {
    const ch = new Channel<{ reply: Channel<number> }>(1);
    await (async () => {
      await ch.send({ reply: new Channel<number>(1) });
    })();
    for (let turn = 0; turn < 10; turn++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { value } = await ch.recv();
    expect(value.reply.trySend(3)).toBe(true);
    const pool = makePool({ filename: CONTEXT_TASKS, size: 1 });
    expect(await pool.run('sendOn', { reply: value.reply, n: 4 })).toBe(false); // full: its buffer holds 3
    expect(value.reply.tryRecv()).toEqual({ value: 3, ok: true });
  });
});

describe('user data that looks like a handle', () => {
  it('is neither revived nor released as one', async () => {
    const before = await settledBase();
    const target = new Channel<number>(1);
    const forged = (id: number) => [{ weftHandle: `weft:channel:${id}` }, { weftHandle: `weft:${'0'.repeat(32)}:channel:${id}` }];
    // Received: stays the plain object it was.
    const carrier = new Channel<unknown>(8);
    await carrier.send(forged(1));
    expect(await carrier.recv()).toEqual({ ok: true, value: forged(1) });
    const base = before + 2; // target and carrier
    expect(await settlesTo(base)).toBe(base);
    // Dropped unreceived, naming every id a live channel could have: releases nothing.
    await (async () => {
      const dropped = new Channel<unknown>(200);
      for (let id = 1; id <= 200; id++) await dropped.send(forged(id));
    })();
    expect(await settlesTo(base)).toBe(base);
    expect(target.trySend(7)).toBe(true);
    expect(target.tryRecv()).toEqual({ ok: true, value: 7 });
    expect(carrier.len).toBe(0); // (keeps the carrier alive until here)
  });
});
