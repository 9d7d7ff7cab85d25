// Sync primitives (Mutex, RwLock, Semaphore, WaitGroup, Cond, Once, Barrier) on one thread
// and across pool workers: exclusion with no lost update, wakeups that reach every waiter,
// FIFO service, generations that no one passes early, input errors, and WOULD_BLOCK for
// every blocking form on the main thread.
import { describe, expect, it } from 'vitest';

import { Barrier, Cond, Mutex, Once, RwLock, Semaphore, WaitGroup, WeftError } from '@weft/core';

import { makePool, rejectsWith, settlesWithin, throwsWith, turns } from '../fixtures/pool-helpers.js';

const SYNC_TASKS = new URL('../fixtures/sync-tasks.mjs', import.meta.url);
const FAILURE_TASKS = new URL('../fixtures/failure-tasks.mjs', import.meta.url);

// Int32 slots of the shared buffer (as SLOTS in sync-tasks.mjs).
const COUNTER = 0;
const ENTERED = 1;
const INSIDE = 2;
const PEAK = 3;
const VIOLATIONS = 4;
const WAITING = 5;
const READY = 6;
const RUNS = 7;
const DONE = 8;
const GATE = 9;
const ARRIVALS = 12;
const LEADERS = 64;

/** A pool over sync-tasks.mjs whose workers share a fresh SharedArrayBuffer with the test. */
function syncPool(size: number) {
  const sab = new SharedArrayBuffer(4096);
  const pool = makePool({ filename: SYNC_TASKS, size, workerData: { sab } });
  return { pool, view: new Int32Array(sab) };
}

/**
 * Resolves once slot `at` is at least `n` (woken by the workers' Atomics.notify); rejects
 * as soon as one of `tasks` fails, so a broken worker fails the test instead of hanging it.
 */
async function untilSlot(view: Int32Array, at: number, n: number, tasks: Promise<unknown>[] = []): Promise<void> {
  let failure: { err: unknown } | undefined;
  for (const task of tasks) task.catch((err: unknown) => (failure ??= { err }));
  const start = performance.now();
  for (;;) {
    if (failure !== undefined) throw failure.err;
    const seen = Atomics.load(view, at);
    if (seen >= n) return;
    if (performance.now() - start > 10_000) throw new Error(`shared slot ${at} stayed at ${seen}, below ${n}`);
    await Atomics.waitAsync(view, at, seen, 50).value;
  }
}

/** `promise`, or the first failure among `tasks` if one fails first. */
function unlessFailed<T>(promise: Promise<T>, tasks: Promise<unknown>[]): Promise<T> {
  return Promise.race([promise, ...tasks.map((task) => task.then(() => new Promise<never>(() => {})))]);
}

function setSlot(view: Int32Array, at: number, value: number): void {
  Atomics.store(view, at, value);
  Atomics.notify(view, at);
}

/** Tracks whether a promise has settled yet, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('Mutex', () => {
  it('lock resolves with a release function; tryLock fails while it is held', async () => {
    const mu = new Mutex();
    expect(mu.locked).toBe(false);
    const unlock = await mu.lock();
    expect(mu.locked).toBe(true);
    expect(mu.tryLock()).toBeUndefined();
    unlock();
    expect(mu.locked).toBe(false);
    const again = mu.tryLock();
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('serves waiting lock calls in arrival order', async () => {
    const mu = new Mutex();
    const first = await mu.lock();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((i) =>
      mu.lock().then((unlock) => {
        order.push(i);
        unlock();
      }),
    );
    await turns();
    expect(order).toEqual([]);
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(mu.locked).toBe(false);
  });

  it('withLock releases the lock whether fn returns or throws', async () => {
    const mu = new Mutex();
    expect(await mu.withLock(() => 'result')).toBe('result');
    expect(mu.locked).toBe(false);
    await expect(
      mu.withLock(async () => {
        expect(mu.locked).toBe(true);
        throw new Error('inside');
      }),
    ).rejects.toThrow('inside');
    expect(mu.locked).toBe(false);
  });

  it('unlock() releases a lock taken elsewhere (Go semantics); unlocking an unlocked mutex is INVALID_ARGUMENT', async () => {
    const mu = new Mutex();
    await mu.lock();
    mu.unlock();
    expect(mu.locked).toBe(false);
    throwsWith(() => mu.unlock(), 'INVALID_ARGUMENT');
  });

  it('calling a release function twice throws INVALID_ARGUMENT and does not release someone else’s lock', async () => {
    const mu = new Mutex();
    const unlock = await mu.lock();
    unlock();
    const other = await mu.lock();
    const err = throwsWith(() => unlock(), 'INVALID_ARGUMENT');
    expect(err).toBeInstanceOf(WeftError);
    expect(mu.locked).toBe(true);
    other();
  });

  it('a lock that times out or is cancelled rejects and never holds the lock', async () => {
    const mu = new Mutex();
    const unlock = await mu.lock();
    await rejectsWith(mu.lock({ timeout: 5 }), 'TIMEOUT');
    const ac = new AbortController();
    const cancelled = mu.lock({ signal: ac.signal });
    const next = track(mu.lock());
    await turns();
    ac.abort();
    await rejectsWith(cancelled, 'CANCELED');
    expect(next.settled).toBe(false);
    unlock();
    const nextUnlock = await next.promise; // the cancelled waiter was skipped
    nextUnlock();
    expect(mu.locked).toBe(false);
  });

  it('guards a non-atomic counter across 4 workers with lockSync: no lost update', async () => {
    const { pool, view } = syncPool(4);
    const iterations = 2_000;
    const mu = new Mutex();
    await Promise.all([0, 1, 2, 3].map(() => pool.run('incrementWithLockSync', { mu, iterations })));
    expect(Atomics.load(view, COUNTER)).toBe(4 * iterations);
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    expect(mu.locked).toBe(false);
  });

  it('guards a non-atomic counter across workers with async lock and withLock, and the main thread: no lost update', async () => {
    const { pool, view } = syncPool(3);
    const iterations = 1_000;
    const mu = new Mutex();
    const main = (async () => {
      for (let i = 0; i < iterations; i++) {
        const unlock = await mu.lock();
        const before = Atomics.load(view, COUNTER);
        await Promise.resolve();
        Atomics.store(view, COUNTER, before + 1);
        unlock();
      }
    })();
    await Promise.all([
      pool.run('incrementWithLock', { mu, iterations }),
      pool.run('incrementWithWithLock', { mu, iterations }),
      pool.run('incrementWithLockSync', { mu, iterations }),
      main,
    ]);
    expect(Atomics.load(view, COUNTER)).toBe(4 * iterations);
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    expect(mu.locked).toBe(false);
  });

  it('a mutex locked on the main thread holds back a worker until it is released', async () => {
    const sab = new SharedArrayBuffer(64);
    const view = new Int32Array(sab);
    const pool = makePool({ filename: FAILURE_TASKS, size: 1, workerData: { sab } });
    const mu = new Mutex();
    const unlock = await mu.lock();
    const task = track(pool.run('lockSyncSignalled', { mu }) as Promise<string>);
    // The worker says it is about to call lockSync (slot 0); then its wait must be queued
    // for the lock (taking zero units fails only while a waiter is queued: the queue is
    // first come, first served) before its task returns. A lockSync that ignored the
    // main thread's lock would return without ever queueing.
    await untilSlot(view, 0, 1, [task.promise]);
    const lockQueued = () => !mu.native.tryAcquire(0);
    let queued = false;
    while (!queued && !task.settled) {
      await turns(1);
      queued = lockQueued();
    }
    expect({ queued, settled: task.settled }).toEqual({ queued: true, settled: false });
    expect(mu.locked).toBe(true);
    unlock();
    expect(await settlesWithin(task.promise, 10_000, 'worker lockSync')).toBe('locked');
    expect(mu.locked).toBe(false); // the worker gave it back
  });
});

describe('RwLock', () => {
  it('readers share: two read locks are held at once, and a write lock is not available meanwhile', async () => {
    const rw = new RwLock();
    const r1 = await rw.rlock();
    const r2 = await rw.rlock();
    expect(rw.tryLock()).toBeUndefined();
    const r3 = rw.tryRLock();
    expect(r3).toBeTypeOf('function');
    r1();
    r2();
    r3!();
    const w = rw.tryLock();
    expect(w).toBeTypeOf('function');
    w!();
  });

  it('a writer excludes readers and other writers', async () => {
    const rw = new RwLock();
    const w = await rw.lock();
    expect(rw.tryRLock()).toBeUndefined();
    expect(rw.tryLock()).toBeUndefined();
    const reader = track(rw.rlock());
    const writer = track(rw.lock());
    await turns();
    expect(reader.settled || writer.settled).toBe(false);
    w();
    const r = await reader.promise; // arrival order: the reader first
    await turns();
    expect(writer.settled).toBe(false);
    r();
    (await writer.promise)();
  });

  it('a waiting writer holds back readers that arrive after it (no writer starvation)', async () => {
    const rw = new RwLock();
    const r1 = await rw.rlock();
    const order: string[] = [];
    const writer = rw.lock().then((unlock) => {
      order.push('writer');
      unlock();
    });
    await turns();
    expect(rw.tryRLock()).toBeUndefined(); // would overtake the waiting writer
    const lateReader = rw.rlock().then((unlock) => {
      order.push('late reader');
      unlock();
    });
    await turns();
    expect(order).toEqual([]);
    r1();
    await Promise.all([writer, lateReader]);
    expect(order).toEqual(['writer', 'late reader']);
  });

  it('withRLock and withLock release whatever fn does', async () => {
    const rw = new RwLock();
    expect(await rw.withRLock(() => 1)).toBe(1);
    await expect(rw.withLock(() => Promise.reject(new Error('write failed')))).rejects.toThrow('write failed');
    const w = rw.tryLock();
    expect(w).toBeTypeOf('function');
    w!();
  });

  it('calling a read or write release twice throws INVALID_ARGUMENT', async () => {
    const rw = new RwLock();
    const r = await rw.rlock();
    r();
    throwsWith(() => r(), 'INVALID_ARGUMENT');
    const w = await rw.lock();
    w();
    throwsWith(() => w(), 'INVALID_ARGUMENT');
  });

  it('two workers hold the read lock at the same time', async () => {
    const { pool } = syncPool(2);
    const rw = new RwLock();
    expect(await Promise.all([0, 1].map(() => pool.run('readTogether', { rw, readers: 2 })))).toEqual([true, true]);
  });

  it('across 4 workers a writer never overlaps a reader or another writer, and writes are not lost', async () => {
    const { pool, view } = syncPool(4);
    const rw = new RwLock();
    const iterations = 1_000;
    const writeEvery = 5;
    await Promise.all([0, 1, 2, 3].map(() => pool.run('readersAndWriters', { rw, iterations, writeEvery })));
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    expect(Atomics.load(view, COUNTER)).toBe(4 * (iterations / writeEvery));
  });
});

describe('Semaphore', () => {
  it('acquire and release units; held and size report them', async () => {
    const sem = new Semaphore(3);
    expect(sem.size).toBe(3);
    await sem.acquire();
    await sem.acquire(2);
    expect(sem.held).toBe(3);
    expect(sem.tryAcquire()).toBe(false);
    sem.release(2);
    expect(sem.tryAcquire(2)).toBe(true);
    sem.release(3);
    expect(sem.held).toBe(0);
  });

  it('serves waiters in order: a big request at the front holds back smaller later ones', async () => {
    const sem = new Semaphore(4);
    await sem.acquire(3);
    const order: string[] = [];
    const big = sem.acquire(4).then(() => order.push('big'));
    const small = track(sem.acquire(1).then(() => order.push('small')));
    await turns();
    // One unit is free, but the small request waits behind the big one.
    expect(order).toEqual([]);
    expect(sem.tryAcquire(1)).toBe(false);
    expect(sem.held).toBe(3);
    sem.release(3);
    await big;
    expect(order).toEqual(['big']);
    expect(sem.held).toBe(4);
    await turns();
    expect(small.settled).toBe(false);
    sem.release(4);
    await small.promise;
    expect(order).toEqual(['big', 'small']);
    expect(sem.held).toBe(1);
    sem.release(1);
  });

  it('a cancelled request at the front lets the requests behind it proceed', async () => {
    const sem = new Semaphore(4);
    await sem.acquire(3);
    const ac = new AbortController();
    const big = sem.acquire(4, { signal: ac.signal });
    const small = track(sem.acquire(1));
    await turns();
    expect(small.settled).toBe(false);
    ac.abort();
    await rejectsWith(big, 'CANCELED');
    await settlesWithin(small.promise, 5_000, 'the small acquire after the big one was cancelled');
    expect(sem.held).toBe(4);
    sem.release(4);
  });

  it('an acquire that times out holds nothing', async () => {
    const sem = new Semaphore(2);
    await sem.acquire(2);
    const err = await rejectsWith(sem.acquire(1, { timeout: 5 }), 'TIMEOUT');
    expect(err.details.timeout).toBe(5);
    expect(sem.held).toBe(2);
    sem.release(2);
    expect(sem.held).toBe(0);
  });

  it('weighted acquires from 4 workers never oversubscribe it (peak <= size)', async () => {
    const { pool, view } = syncPool(4);
    const sem = new Semaphore(4);
    const iterations = 1_000;
    await Promise.all([0, 1, 2, 3].map(() => pool.run('semaphoreWeights', { sem, iterations, maxWeight: 3 })));
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    const peak = Atomics.load(view, PEAK);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(4);
    expect(Atomics.load(view, INSIDE)).toBe(0);
    expect(sem.held).toBe(0);
  });

  it.each([[0], [-1], [1.5], ['x'], [NaN], [2 ** 32]])('new Semaphore(%o) throws INVALID_ARGUMENT', (size) => {
    throwsWith(() => new Semaphore(size as never), 'INVALID_ARGUMENT');
  });

  it('acquiring more than its size or releasing more than is held is INVALID_ARGUMENT', async () => {
    const sem = new Semaphore(4);
    await rejectsWith(sem.acquire(5), 'INVALID_ARGUMENT');
    throwsWith(() => sem.release(1), 'INVALID_ARGUMENT');
    await sem.acquire(2);
    throwsWith(() => sem.release(3), 'INVALID_ARGUMENT');
    expect(sem.held).toBe(2);
    for (const n of [-1, 1.5, 'x']) {
      await rejectsWith(sem.acquire(n as never), 'INVALID_ARGUMENT');
      throwsWith(() => sem.tryAcquire(n as never), 'INVALID_ARGUMENT');
      throwsWith(() => sem.release(n as never), 'INVALID_ARGUMENT');
    }
    expect(sem.held).toBe(2);
    sem.release(2);
  });
});

describe('WaitGroup', () => {
  it('add returns the counter, done counts down, and going negative is INVALID_ARGUMENT leaving it as it was', () => {
    const wg = new WaitGroup();
    expect(wg.count).toBe(0);
    expect(wg.add(3)).toBe(3);
    expect(wg.done()).toBe(2);
    expect(wg.add(-2)).toBe(0);
    throwsWith(() => wg.done(), 'INVALID_ARGUMENT');
    throwsWith(() => wg.add(-1), 'INVALID_ARGUMENT');
    wg.add(1);
    throwsWith(() => wg.add(-2), 'INVALID_ARGUMENT');
    expect(wg.count).toBe(1);
    for (const bad of [1.5, NaN, 'x']) throwsWith(() => wg.add(bad as never), 'INVALID_ARGUMENT');
    expect(wg.count).toBe(1);
  });

  it('wait resolves at once at zero, and otherwise when the counter reaches zero, waking every waiter', async () => {
    const wg = new WaitGroup();
    await wg.wait();
    wg.add(2);
    const waiters = [wg.wait(), wg.wait(), wg.wait()].map(track);
    await turns();
    wg.done();
    await turns();
    expect(waiters.some((w) => w.settled)).toBe(false);
    wg.done();
    await settlesWithin(Promise.all(waiters.map((w) => w.promise)), 5_000, 'waiters');
    // Reusable once at zero.
    wg.add(1);
    await rejectsWith(wg.wait({ timeout: 5 }), 'TIMEOUT');
    wg.done();
    await wg.wait();
  });

  it('the main thread waits until workers call done', async () => {
    const { pool, view } = syncPool(3);
    const wg = new WaitGroup();
    wg.add(3);
    const tasks = [0, 1, 2].map(() => pool.run('doneAfterGate', { wg }) as Promise<number>);
    const waiting = track(wg.wait());
    await untilSlot(view, ENTERED, 3, tasks);
    await turns();
    expect(waiting.settled).toBe(false); // every worker is still held at the gate
    expect(wg.count).toBe(3);
    setSlot(view, GATE, 1);
    await settlesWithin(waiting.promise, 10_000, 'wg.wait');
    expect(wg.count).toBe(0);
    expect((await Promise.all(tasks)).sort()).toEqual([0, 1, 2]);
  });

  it('workers blocked in waitSync wake when the main thread counts down to zero', async () => {
    const { pool, view } = syncPool(3);
    const wg = new WaitGroup();
    wg.add(2);
    const tasks = [0, 1, 2].map(() => pool.run('waitGroupWaitSync', { wg }));
    await untilSlot(view, ENTERED, 3, tasks);
    wg.done();
    wg.done();
    expect(await settlesWithin(Promise.all(tasks), 10_000, 'waitSync workers')).toEqual([0, 0, 0]);
  });
});

describe('Cond', () => {
  it('needs a Mutex', () => {
    expect(() => new Cond({} as never)).toThrow(TypeError);
    expect(new Cond(new Mutex()).mutex).toBeInstanceOf(Mutex);
  });

  it('broadcast wakes every waiter on the main thread, each one holding the mutex again', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    let ready = false;
    let waiting = 0;
    let inside = 0;
    let overlaps = 0;
    const waiter = async () => {
      const unlock = await mu.lock();
      waiting++;
      while (!ready) await cond.wait();
      const held = mu.locked;
      if (inside++ !== 0) overlaps++;
      await Promise.resolve();
      inside--;
      unlock();
      return held;
    };
    const waiters = [waiter(), waiter(), waiter()];
    while (waiting < 3) await turns(1);
    const unlock = await mu.lock(); // every waiter has given the mutex up in cond.wait
    ready = true;
    expect(cond.broadcast()).toBe(3);
    unlock();
    expect(await settlesWithin(Promise.all(waiters), 5_000, 'cond waiters')).toEqual([true, true, true]);
    expect(overlaps).toBe(0);
    expect(mu.locked).toBe(false);
    expect(cond.broadcast()).toBe(0);
    expect(cond.signal()).toBe(0);
  });

  it('broadcast wakes waiters in 3 workers, each re-holding the mutex alone', async () => {
    const { pool, view } = syncPool(3);
    const mu = new Mutex();
    const cond = new Cond(mu);
    const tasks = [0, 1, 2].map(() => pool.run('condWaitUntilReady', { cond }) as Promise<{ held: boolean; threadId: number }>);
    await untilSlot(view, WAITING, 3, tasks);
    const unlock = await mu.lock(); // all three are now waiting on cond, mutex given up
    setSlot(view, READY, 1);
    expect(cond.broadcast()).toBe(3);
    unlock();
    const results = await settlesWithin(Promise.all(tasks), 10_000, 'cond workers');
    expect(results.map((r) => r.held)).toEqual([true, true, true]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(3);
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    expect(mu.locked).toBe(false);
  });

  it('signal wakes exactly one waiter at a time', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    let tickets = 0;
    let waiting = 0;
    const wakeups = [0, 0]; // per waiter: how many times its cond.wait returned
    const waiter = async (i: number): Promise<void> => {
      const unlock = await mu.lock();
      waiting++;
      while (tickets === 0) {
        await cond.wait();
        wakeups[i]!++;
      }
      tickets--;
      unlock();
    };
    const waiters = [0, 1].map((i) => track(waiter(i)));
    while (waiting < 2) await turns(1);
    let unlock = await mu.lock(); // both waiters have given the mutex up in cond.wait
    tickets = 1;
    expect(cond.signal()).toBe(1);
    unlock();
    await Promise.race(waiters.map((w) => w.promise));
    unlock = await mu.lock();
    expect(tickets).toBe(0);
    expect(waiters.filter((w) => w.settled).length).toBe(1);
    tickets = 1;
    expect(cond.signal()).toBe(1); // the other one was still waiting
    unlock();
    await settlesWithin(Promise.all(waiters.map((w) => w.promise)), 5_000, 'second ticket taker');
    // Each waiter woke once, for its own ticket: a signal that woke both would show in a
    // second wakeup of the one that found no ticket.
    expect(wakeups).toEqual([1, 1]);
    expect(tickets).toBe(0);
    expect(cond.signal()).toBe(0);
  });

  it('signal wakes exactly one waiter blocked in waitSync on a worker', async () => {
    const { pool, view } = syncPool(2);
    const mu = new Mutex();
    const cond = new Cond(mu);
    const tasks = [0, 1].map(() => track(pool.run('condTakeTicket', { cond }) as Promise<{ threadId: number; wakeups: number }>));
    await untilSlot(view, WAITING, 2, tasks.map((t) => t.promise));
    let unlock = await mu.lock(); // both counted themselves under mu, so both are in waitSync
    Atomics.store(view, COUNTER, 1); // one ticket
    expect(cond.signal()).toBe(1);
    unlock();
    await Promise.race(tasks.map((t) => t.promise));
    unlock = await mu.lock();
    expect(Atomics.load(view, COUNTER)).toBe(0);
    expect(tasks.filter((t) => t.settled).length).toBe(1);
    Atomics.store(view, COUNTER, 1);
    expect(cond.signal()).toBe(1); // the other one was still waiting
    unlock();
    const results = await settlesWithin(Promise.all(tasks.map((t) => t.promise)), 10_000, 'second ticket taker');
    // Each woke once, for its own ticket: a signal that woke both would show as a second
    // wakeup of the one that found no ticket.
    expect(results.map((r) => r.wakeups)).toEqual([1, 1]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    expect(Atomics.load(view, COUNTER)).toBe(0);
  });

  it('a wait that times out or is cancelled rejects holding the mutex again, and is no longer a waiter', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const unlock = await mu.lock();
    await rejectsWith(cond.wait({ timeout: 5 }), 'TIMEOUT');
    expect(mu.locked).toBe(true);
    const ac = new AbortController();
    const waiting = cond.wait({ signal: ac.signal });
    await turns();
    expect(mu.locked).toBe(false); // given up while waiting
    ac.abort('bye');
    const err = await rejectsWith(waiting, 'CANCELED');
    expect(err.cause).toBe('bye');
    expect(mu.locked).toBe(true);
    expect(cond.signal()).toBe(0);
    unlock();
  });

  it('waitSync that times out in a worker throws TIMEOUT holding the mutex again', async () => {
    const { pool } = syncPool(1);
    const cond = new Cond(new Mutex());
    expect(await pool.run('condWaitSyncTimeout', { cond })).toEqual({ code: 'TIMEOUT', held: true });
    expect(cond.mutex.locked).toBe(false);
  });

  it('waiting without holding the mutex is INVALID_ARGUMENT', async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    await rejectsWith(cond.wait(), 'INVALID_ARGUMENT');
    expect(mu.locked).toBe(false);
  });
});

describe('Once', () => {
  it('do() without a function is INVALID_ARGUMENT and leaves the once unrun', async () => {
    const once = new Once();
    await expect(once.do(5 as unknown as () => void)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(once.done).toBe(false);
    let runs = 0;
    await once.do(() => runs++);
    expect(runs).toBe(1);
  });

  it('runs the function on the first call only, and do() resolves after it finished', async () => {
    const once = new Once();
    let runs = 0;
    let finished = false;
    expect(once.done).toBe(false);
    const first = once.do(async () => {
      runs++;
      await turns(3);
      finished = true;
    });
    const second = once.do(() => {
      runs++;
    }).then(() => finished);
    await first;
    expect(await second).toBe(true); // waited for the running call
    await once.do(() => {
      runs++;
    });
    expect(runs).toBe(1);
    expect(once.done).toBe(true);
  });

  it('a function that throws still counts as done; only its caller gets the error', async () => {
    const once = new Once();
    await expect(
      once.do(() => {
        throw new Error('init failed');
      }),
    ).rejects.toThrow('init failed');
    expect(once.done).toBe(true);
    let ran = false;
    await once.do(() => {
      ran = true;
    });
    expect(ran).toBe(false);
  });

  it('across 4 workers (doSync) the function runs once and every caller returns after it finished', async () => {
    const { pool, view } = syncPool(4);
    const once = new Once();
    const results = await Promise.all([0, 1, 2, 3].map(() => pool.run('onceEveryone', { once, callers: 4 })));
    expect(results).toEqual([true, true, true, true]);
    expect(Atomics.load(view, RUNS)).toBe(1);
    expect(Atomics.load(view, DONE)).toBe(1);
    expect(once.done).toBe(true);
    let ranOnMain = false;
    await once.do(() => {
      ranOnMain = true;
    });
    expect(ranOnMain).toBe(false);
  });

  it('while one worker runs it (do), callers in other workers (doSync and do) wait for it and do not run it', async () => {
    const { pool, view } = syncPool(4);
    const once = new Once();
    const runner = pool.run('onceEveryoneAsync', { once, callers: 4 });
    // The function is running now (it waits for the other callers to enter).
    await untilSlot(view, RUNS, 1, [runner]);
    const others = [
      pool.run('onceEveryone', { once, callers: 4 }),
      pool.run('onceEveryone', { once, callers: 4 }),
      pool.run('onceEveryoneAsync', { once, callers: 4 }),
    ];
    expect(await settlesWithin(Promise.all([runner, ...others]), 10_000, 'once callers')).toEqual([true, true, true, true]);
    expect(Atomics.load(view, RUNS)).toBe(1);
    expect(once.done).toBe(true);
  });
});

describe('Barrier', () => {
  it('releases a generation once all parties arrived, with exactly one leader', async () => {
    const barrier = new Barrier(3);
    expect(barrier.parties).toBe(3);
    expect(barrier.generation).toBe(0);
    const a = track(barrier.wait());
    const b = track(barrier.wait());
    await turns();
    expect(a.settled || b.settled).toBe(false);
    const c = barrier.wait();
    const leaders = await Promise.all([a.promise, b.promise, c]);
    expect(leaders.filter(Boolean).length).toBe(1);
    expect(leaders[2]).toBe(true); // the last to arrive leads
    expect(barrier.generation).toBe(1);
  });

  it('a single-party barrier trips on every wait', async () => {
    const barrier = new Barrier(1);
    expect(await barrier.wait()).toBe(true);
    expect(await barrier.wait()).toBe(true);
    expect(barrier.generation).toBe(2);
  });

  it('a cancelled or timed-out arrival is withdrawn: the generation still needs all parties', async () => {
    const barrier = new Barrier(2);
    const ac = new AbortController();
    const cancelled = barrier.wait({ signal: ac.signal });
    await turns();
    ac.abort();
    await rejectsWith(cancelled, 'CANCELED');
    await rejectsWith(barrier.wait({ timeout: 5 }), 'TIMEOUT');
    expect(barrier.generation).toBe(0);
    const a = track(barrier.wait());
    await turns();
    expect(a.settled).toBe(false);
    const b = barrier.wait();
    expect([await a.promise, await b]).toEqual([false, true]);
    expect(barrier.generation).toBe(1);
  });

  it('3 workers pass 200 generations in lockstep: no one passes early, one leader per generation', async () => {
    const { pool, view } = syncPool(3);
    const generations = 200;
    const barrier = new Barrier(3);
    await Promise.all([0, 1, 2].map(() => pool.run('barrierRounds', { barrier, generations })));
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    expect(Atomics.load(view, ARRIVALS)).toBe(3 * generations);
    const leaders = Array.from({ length: generations }, (_, g) => Atomics.load(view, LEADERS + g));
    expect(leaders).toEqual(new Array(generations).fill(1));
    expect(barrier.generation).toBe(generations);
  });

  it('2 workers and the main thread (async wait) pass 100 generations together (a worker leads the first)', async () => {
    const { pool, view } = syncPool(2);
    const generations = 100;
    const barrier = new Barrier(3);
    // The main thread arrives first in generation 0, so a worker (waitSync) leads it.
    Atomics.add(view, ARRIVALS, 1);
    let arrival = barrier.wait();
    const workers = [0, 1].map(() => pool.run('barrierRounds', { barrier, generations }));
    let early = 0;
    for (let g = 0; g < generations; g++) {
      const leader = await unlessFailed(arrival, workers);
      if (Atomics.load(view, ARRIVALS) < 3 * (g + 1)) early++;
      if (leader) Atomics.add(view, LEADERS + g, 1);
      if (g + 1 < generations) {
        Atomics.add(view, ARRIVALS, 1);
        arrival = barrier.wait();
      }
    }
    await Promise.all(workers);
    expect(early).toBe(0);
    expect(Atomics.load(view, VIOLATIONS)).toBe(0);
    const leaders = Array.from({ length: generations }, (_, g) => Atomics.load(view, LEADERS + g));
    expect(leaders).toEqual(new Array(generations).fill(1));
    expect(barrier.generation).toBe(generations);
  });

  it.each([[0], [-1], [1.5], ['x'], [NaN]])('new Barrier(%o) throws INVALID_ARGUMENT', (parties) => {
    const err = throwsWith(() => new Barrier(parties as never), 'INVALID_ARGUMENT');
    expect(err.details.option).toBe('parties');
  });
});

describe('blocking forms', () => {
  it('throw WOULD_BLOCK on the main thread and change nothing', async () => {
    const mu = new Mutex();
    throwsWith(() => mu.lockSync(), 'WOULD_BLOCK');
    throwsWith(() => mu.lockSync({ timeout: 0 }), 'WOULD_BLOCK');
    expect(mu.locked).toBe(false);

    const rw = new RwLock();
    throwsWith(() => rw.rlockSync(), 'WOULD_BLOCK');
    throwsWith(() => rw.lockSync(), 'WOULD_BLOCK');
    const w = rw.tryLock(); // nothing is held
    expect(w).toBeTypeOf('function');
    w!();

    const sem = new Semaphore(2);
    throwsWith(() => sem.acquireSync(), 'WOULD_BLOCK');
    throwsWith(() => sem.acquireSync(2, { timeout: 1 }), 'WOULD_BLOCK');
    expect(sem.held).toBe(0);

    const wg = new WaitGroup();
    throwsWith(() => wg.waitSync(), 'WOULD_BLOCK');

    const cond = new Cond(mu);
    const unlock = await mu.lock();
    throwsWith(() => cond.waitSync(), 'WOULD_BLOCK');
    expect(mu.locked).toBe(true); // not given up
    unlock();

    const once = new Once();
    let ran = false;
    throwsWith(
      () =>
        once.doSync(() => {
          ran = true;
        }),
      'WOULD_BLOCK',
    );
    expect(ran).toBe(false);
    expect(once.done).toBe(false);

    const barrier = new Barrier(1);
    throwsWith(() => barrier.waitSync(), 'WOULD_BLOCK');
    expect(barrier.generation).toBe(0);
  });

  it('WaitGroup.waitSync and Barrier.waitSync time out with TIMEOUT in a worker, and a bad timeout is INVALID_ARGUMENT', async () => {
    const { pool } = syncPool(1);
    const wg = new WaitGroup();
    const barrier = new Barrier(2);
    wg.add(1);
    expect(await pool.run('waitTimeouts', { wg, barrier })).toEqual({ waitSync: 'TIMEOUT', barrierWaitSync: 'TIMEOUT', badTimeout: 'INVALID_ARGUMENT' });
    expect(barrier.generation).toBe(0);
    const b = track(barrier.wait());
    await turns();
    expect(b.settled).toBe(false); // the worker's arrival was withdrawn
    expect(await Promise.all([b.promise, barrier.wait()])).toEqual([false, true]);
    wg.done();
  });

  it('lockSync, rlockSync, acquireSync and Cond.waitSync work in a worker on objects made there', async () => {
    const { pool } = syncPool(1);
    expect(await pool.run('localBlockingForms', null)).toEqual({
      lockSync: 'TIMEOUT',
      relock: 'ok',
      rlockSync: 'ok',
      rwLockSync: 'TIMEOUT',
      acquireSync: 'TIMEOUT',
      acquireAfterRelease: 'ok',
      condWaitSync: 'TIMEOUT',
      condHeldAfter: true,
      badTimeout: 'INVALID_ARGUMENT',
    });
  });

  it('lockSync, rlockSync and acquireSync on objects from the main thread time out with TIMEOUT in a worker, taking nothing', async () => {
    const { pool } = syncPool(1);
    const mu = new Mutex();
    const rw = new RwLock();
    const sem = new Semaphore(1);
    const unlockMu = await mu.lock();
    const unlockRw = await rw.lock();
    await sem.acquire();
    expect(await pool.run('lockTimeouts', { mu, rw, sem })).toEqual({
      lockSync: 'TIMEOUT',
      rlockSync: 'TIMEOUT',
      rwLockSync: 'TIMEOUT',
      acquireSync: 'TIMEOUT',
      badTimeout: 'INVALID_ARGUMENT',
    });
    unlockMu();
    unlockRw();
    sem.release();
    expect(mu.locked).toBe(false);
    expect(sem.held).toBe(0);
    expect(rw.tryLock()).toBeTypeOf('function');
  });

  it('reject bad async wait options with INVALID_ARGUMENT', async () => {
    const mu = new Mutex();
    const rw = new RwLock();
    const sem = new Semaphore(1);
    const wg = new WaitGroup();
    const once = new Once();
    const barrier = new Barrier(1);
    for (const options of [{ timeout: -1 }, { timeout: NaN }, { signal: {} }]) {
      await rejectsWith(mu.lock(options as never), 'INVALID_ARGUMENT');
      await rejectsWith(rw.rlock(options as never), 'INVALID_ARGUMENT');
      await rejectsWith(rw.lock(options as never), 'INVALID_ARGUMENT');
      await rejectsWith(sem.acquire(1, options as never), 'INVALID_ARGUMENT');
      await rejectsWith(wg.wait(options as never), 'INVALID_ARGUMENT');
      await rejectsWith(once.do(() => {}, options as never), 'INVALID_ARGUMENT');
      await rejectsWith(barrier.wait(options as never), 'INVALID_ARGUMENT');
    }
    expect(mu.locked).toBe(false);
    expect(sem.held).toBe(0);
    expect(once.done).toBe(false);
    expect(barrier.generation).toBe(0);
  });
});
