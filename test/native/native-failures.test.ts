// What a native failure does to a user: a panic anywhere in the addon becomes an INTERNAL
// WeftError and the process (and the object) lives on; a received value that cannot be
// made on its thread fails only its own receiver, and nothing else in the batch is lost.
// Both are forced through test-only hooks (`debugPanicNext`, `debugFailNextConversion`).
import { afterEach, describe, expect, it } from 'vitest';

import { Channel, Mutex, Once, Semaphore, WaitGroup, isWeftError } from '@weft/core';
import { probes } from '../../dist/esm/native/probes.js';

import { makePool, rejectsWith, settlesWithin, throwsWith } from '../fixtures/pool-helpers.js';

const native = probes() as unknown as {
  debugPanicNext(name: string): void;
  debugFailNextConversion(): void;
};
const FAILURE_TASKS = new URL('../fixtures/failure-tasks.mjs', import.meta.url);

// A failpoint a test armed but did not reach must not fire in the next test.
afterEach(() => native.debugPanicNext('none'));


/** Captures process warnings instead of letting Node print them; `restore` puts Node's back. */
function captureWarnings(): { first: Promise<unknown>; seen: unknown[]; restore: () => void } {
  const seen: unknown[] = [];
  let resolveFirst: (w: unknown) => void = () => {};
  const first = new Promise<unknown>((resolve) => (resolveFirst = resolve));
  const original = process.emitWarning;
  process.emitWarning = ((warning: unknown) => {
    seen.push(warning);
    resolveFirst(warning);
  }) as typeof process.emitWarning;
  return { first, seen, restore: () => (process.emitWarning = original) };
}

describe('a native panic', () => {
  it('in a channel call is INTERNAL, and the channel keeps working', async () => {
    const ch = new Channel<string>(4);
    native.debugPanicNext('channel');
    const err = throwsWith(() => ch.trySend('a'), 'INTERNAL');
    expect(String((err.cause as Error).message)).toContain('failpoint channel');
    expect(ch.trySend('b')).toBe(true);
    expect(await ch.recv()).toEqual({ ok: true, value: 'b' });
  });

  it('in a slot call (the numeric fast path) is INTERNAL', () => {
    const ch = new Channel<number>(4);
    native.debugPanicNext('slot');
    throwsWith(() => ch.trySend(1), 'INTERNAL');
    expect(ch.trySend(2)).toBe(true);
    expect(ch.tryRecv()).toEqual({ ok: true, value: 2 });
  });

  it('in creating a handle is INTERNAL, and the next one is made', () => {
    native.debugPanicNext('handle');
    throwsWith(() => new Semaphore(2), 'INTERNAL');
    const sem = new Semaphore(2);
    expect(sem.tryAcquire(2)).toBe(true);
  });

  it('in a wait on a sync primitive is INTERNAL, and the mutex is not lost', async () => {
    const mu = new Mutex();
    const unlock = await mu.lock();
    native.debugPanicNext('sync');
    await rejectsWith(mu.lock(), 'INTERNAL');
    unlock();
    const again = await settlesWithin(mu.lock(), 5_000, 'lock after the panic');
    again();
  });

  it('in draining notices is retried: every pending wait still settles', async () => {
    const ch = new Channel<string>(0);
    const wg = new WaitGroup();
    wg.add(1);
    // The warning is captured and asserted here rather than printed.
    const warnings = captureWarnings();
    const waiting = [ch.recv(), wg.wait()];
    native.debugPanicNext('notifier');
    await ch.send('x');
    wg.done();
    const [got] = await settlesWithin(Promise.all(waiting), 5_000, 'waits after a failed drain');
    expect(got).toEqual({ ok: true, value: 'x' });
    const warning = await warnings.first;
    warnings.restore();
    expect(isWeftError(warning, 'INTERNAL')).toBe(true);
  });

  it('in a pool submit is INTERNAL for that task only', async () => {
    const pool = makePool({ filename: FAILURE_TASKS, size: 1 });
    expect(await pool.run('echo', 1)).toBe(1);
    const warnings = captureWarnings(); // a panic in the pool's drain warns (captured, asserted)
    native.debugPanicNext('pool');
    const outcomes = await Promise.allSettled([pool.run('echo', 2), pool.run('echo', 3)]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed.length).toBeLessThanOrEqual(1);
    for (const f of failed) expect(isWeftError((f as PromiseRejectedResult).reason, 'INTERNAL')).toBe(true);
    expect(await pool.run('echo', 4)).toBe(4);
    warnings.restore();
    for (const w of warnings.seen) expect(isWeftError(w, 'INTERNAL')).toBe(true);
  });

  it("in a worker's take ends that worker, which is replaced, and no task is lost", async () => {
    const pool = makePool({ filename: FAILURE_TASKS, size: 1 });
    expect(await pool.run('arm', 'worker')).toBe(true);
    // The worker's next take panics (before taking anything): the worker dies, and its
    // replacement runs the queued task.
    expect(await settlesWithin(pool.run('echo', 'kept'), 10_000, 'task after the worker panicked')).toBe('kept');
  });

  it('in resuming a blocking wait is INTERNAL in the worker, and the mutex is not lost', async () => {
    const sab = new SharedArrayBuffer(64);
    const view = new Int32Array(sab);
    const pool = makePool({ filename: FAILURE_TASKS, size: 1, workerData: { sab } });
    const mu = new Mutex();
    const unlock = await mu.lock();
    const blocked = pool.run('lockSyncSignalled', { mu });
    while (Atomics.load(view, 0) === 0) await Atomics.waitAsync(view, 0, 0, 1_000).value;
    native.debugPanicNext('blocking');
    const err = await rejectsWith(blocked, 'INTERNAL');
    expect(err.message).toMatch(/failpoint blocking|lockSync/);
    unlock();
    const again = await settlesWithin(mu.lock(), 5_000, 'lock after the failed blocking wait');
    again();
    expect(await pool.run('lockSyncSignalled', { mu })).toBe('locked');
  });
});

describe('a received value that cannot be made on its thread', () => {
  it('fails its own async receiver; the next receiver in the same drain gets its value', async () => {
    const ch = new Channel<string>(0);
    const first = ch.recv();
    const second = ch.recv();
    native.debugFailNextConversion();
    await Promise.all([ch.send('lost'), ch.send('kept')]);
    const err = await rejectsWith(first, 'INTERNAL');
    expect(err.message).toContain('could not be made on this thread');
    expect(await second).toEqual({ ok: true, value: 'kept' });
    // The thread's wakeup still works: a later wait settles.
    const later = ch.recv();
    await ch.send('later');
    expect(await later).toEqual({ ok: true, value: 'later' });
  });

  it('fails recvMany with the other values attached, and leaves nothing behind', async () => {
    const ch = new Channel<string>(8);
    for (const v of ['a', 'b', 'c']) ch.trySend(v);
    native.debugFailNextConversion();
    const err = await rejectsWith(ch.recvMany(8), 'INTERNAL');
    expect(err.details.received).toEqual(['b', 'c']);
    expect(ch.len).toBe(0);
  });

  it('fails tryRecv for that value only', () => {
    const ch = new Channel<string>(8);
    ch.trySend('a');
    ch.trySend('b');
    native.debugFailNextConversion();
    throwsWith(() => ch.tryRecv(), 'INTERNAL');
    expect(ch.tryRecv()).toEqual({ ok: true, value: 'b' });
  });

  it("fails the task whose result it was; the pool's next results arrive", async () => {
    const pool = makePool({ filename: FAILURE_TASKS, size: 1 });
    expect(await pool.run('echo', 'warm')).toBe('warm');
    const task = pool.run('echo', 'result');
    native.debugFailNextConversion();
    await rejectsWith(task, 'INTERNAL');
    expect(await pool.run('echo', 'next')).toBe('next');
  });

  it('fails the task whose argument it was, in the worker; the worker runs the next', async () => {
    const pool = makePool({ filename: FAILURE_TASKS, size: 1 });
    expect(await pool.run('failNextConversion', null)).toBe(true);
    const err = await rejectsWith(pool.run('echo', 'argument'), 'INTERNAL');
    expect(err.message).toContain('could not be made on this thread');
    expect(await pool.run('echo', 'next')).toBe('next');
  });
});

describe('a worker terminated while it holds or is owed something', () => {
  const ONCE_RUNNING = 1;
  const LOCK_WAITING = 2;

  async function untilSignalled(view: Int32Array, slot: number): Promise<void> {
    while (Atomics.load(view, slot) === 0) await Atomics.waitAsync(view, slot, 0, 1_000).value;
  }

  function terminatingPool() {
    const sab = new SharedArrayBuffer(64);
    const pool = makePool({ filename: FAILURE_TASKS, size: 1, workerData: { sab } });
    return { pool, view: new Int32Array(sab) };
  }

  it("mid-run in a Once: a waiting caller runs the function instead (the run was never finished)", async () => {
    const { pool, view } = terminatingPool();
    const once = new Once();
    const running = pool.run('runOnceForever', { once });
    await untilSignalled(view, ONCE_RUNNING);
    let ranHere = 0;
    const waiting = once.do(() => {
      ranHere++;
    });
    await pool.close({ timeout: 1 }); // terminates the worker mid-run
    await rejectsWith(running, 'POOL_CLOSED');
    await settlesWithin(waiting, 5_000, 'Once.do after its runner was terminated');
    expect(ranHere).toBe(1);
    expect(once.done).toBe(true);
  });

  for (const [form, task] of [
    ['async', 'lockAsyncThenStall'],
    ['blocking', 'lockSyncThenStall'],
  ] as const) {
    it(`after a mutex was handed to its ${form} wait: the mutex comes back`, async () => {
      const { pool, view } = terminatingPool();
      const mu = new Mutex();
      const unlock = await mu.lock();
      const stalled = pool.run(task, { mu });
      await untilSignalled(view, LOCK_WAITING);
      unlock(); // hands the lock to the worker's wait, which never takes it
      expect(mu.locked).toBe(true);
      await pool.close({ timeout: 1 }); // terminates the worker
      await rejectsWith(stalled, 'POOL_CLOSED');
      const again = await settlesWithin(mu.lock(), 5_000, 'lock after the owed worker was terminated');
      again();
    });
  }
});

describe('memory JS shares with native calls', () => {
  it("the argument slot's buffer cannot be transferred away (its writes would vanish)", async () => {
    const { argSlot } = await import('../../dist/esm/native/slot.js');
    const slot = argSlot()!;
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(slot.buffer, [slot.buffer]);
    } catch {
      // Newer Node versions refuse outright; older ones copy instead of transferring.
    }
    port1.close();
    port2.close();
    expect(slot.length).toBe(8);
    const ch = new Channel<number>(2);
    expect(ch.trySend(5)).toBe(true);
    expect(ch.tryRecv()).toEqual({ ok: true, value: 5 });
  });

  it('sendMany of a Float64Array over a SharedArrayBuffer sends a snapshot', async () => {
    const shared = new Float64Array(new SharedArrayBuffer(8 * 4));
    shared.set([1, 2, 3, 4]);
    const ch = new Channel<number>(8);
    await ch.sendMany(shared);
    shared.fill(0);
    expect(await ch.recvMany(8)).toEqual([1, 2, 3, 4]);
  });
});
