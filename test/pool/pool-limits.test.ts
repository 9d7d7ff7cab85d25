import { describe, expect, it } from 'vitest';

import { throwsNaming } from '../fixtures/async-helpers.js';
import { COUNTED, STARTED, Shared, makePool, rejectsWith, settlesWithin, throwsWith, turns, until } from '../fixtures/pool-helpers.js';

/**
 * Blocks the main thread until a task has started in a worker, so the worker's 'ready'
 * message has not been handled yet when the test goes on (as on a busy main thread).
 */
function blockUntilStarted(shared: Shared, n = 1): void {
  while (Atomics.load(shared.view, STARTED) < n) Atomics.wait(shared.view, STARTED, Atomics.load(shared.view, STARTED), 10_000);
}

/** Tracks whether a promise has settled, without deciding anything by time. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

describe('Pool', () => {
  describe('bounded queue', () => {
    it('accepts maxQueue waiting tasks behind a busy worker, then trySubmit throws QUEUE_FULL synchronously and run rejects QUEUE_FULL', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 2 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1); // the running task does not count against maxQueue
      const a = pool.trySubmit('echo', 'a');
      const b = pool.trySubmit('echo', 'b');
      const err = throwsWith(() => pool.trySubmit('echo', 'c'), 'QUEUE_FULL');
      expect(err.transient).toBe(true);
      throwsWith(() => pool.post('echo', 'd'), 'QUEUE_FULL');
      await rejectsWith(pool.run('echo', 'e'), 'QUEUE_FULL');
      expect(pool.stats().queued).toBe(2);
      shared.open();
      expect(await Promise.all([held, a, b])).toEqual([expect.any(Number), 'a', 'b']);
      // Room again.
      expect(await pool.trySubmit('echo', 'f')).toBe('f');
    });

    it('refuses maxQueue 0 at construction with INVALID_ARGUMENT naming maxQueue (at least 1: a task counts as queued until a worker takes it)', () => {
      const err = throwsNaming(() => makePool({ size: 1, maxQueue: 0 }), 'maxQueue');
      expect(err.message).toContain('maxQueue must be an integer >= 1 or Infinity, got 0');
      // The least accepted value is 1.
      expect(makePool({ size: 1, maxQueue: 1 })).toBeDefined();
    });

    it('submit rejects with TIMEOUT when no room appears within its timeout', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const queued = pool.trySubmit('echo', 'queued');
      const err = await rejectsWith(pool.submit('echo', 'late', { timeout: 30 }), 'TIMEOUT');
      expect(err.details.phase).toBe('waiting for room');
      shared.open();
      expect(await Promise.all([held, queued])).toEqual([expect.any(Number), 'queued']);
    });

    it('submit waits for room and succeeds once the held task is released', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const queued = pool.trySubmit('echo', 'queued');
      const waiting = track(pool.submit('echo', 'waited'));
      const waitingWithTimeout = track(pool.submit('echo', 'waited too', { timeout: 20_000 }));
      await turns(10);
      expect(waiting.settled()).toBe(false);
      expect(waitingWithTimeout.settled()).toBe(false);
      shared.open();
      expect(await Promise.all([held, queued, waiting.promise, waitingWithTimeout.promise])).toEqual([
        expect.any(Number),
        'queued',
        'waited',
        'waited too',
      ]);
    });

    it('submit waiting for room rejects CANCELED when its signal aborts, and POOL_CLOSED when the pool closes', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const queued = pool.trySubmit('echo', 'queued');
      const controller = new AbortController();
      const aborted = pool.submit('echo', 'x', { signal: controller.signal });
      const closedOut = pool.submit('echo', 'y');
      await turns(5);
      controller.abort();
      await rejectsWith(aborted, 'CANCELED');
      const closing = pool.close();
      await rejectsWith(closedOut, 'POOL_CLOSED');
      shared.open();
      expect(await Promise.all([held, queued])).toEqual([expect.any(Number), 'queued']);
      await closing;
    });

    it('cancelling a queued task makes room for a waiting submit', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const controller = new AbortController();
      const queued = pool.trySubmit('echo', 'queued', { signal: controller.signal });
      const waiting = track(pool.submit('echo', 'waited'));
      await turns(5);
      expect(waiting.settled()).toBe(false);
      controller.abort();
      await rejectsWith(queued, 'CANCELED');
      // The room was taken by the waiter while the worker is still held.
      await until(() => pool.stats().queued === 1, 'the waiting submit to be queued');
      expect(Atomics.load(shared.view, 1)).toBe(1);
      shared.open();
      expect(await waiting.promise).toBe('waited');
      await held;
    });
  });

  describe('priorities', () => {
    it('runs higher priorities first and FIFO within a priority', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const plan: [value: number, priority: number | undefined][] = [
        [1, 0],
        [2, 5],
        [3, undefined], // default 0
        [4, -1],
        [5, 5],
        [6, 10],
        [7, 0],
        [8, -(2 ** 31)],
        [9, 2 ** 31 - 1],
        [10, -1],
      ];
      const done = plan.map(([value, priority]) => pool.run('record', value, priority === undefined ? undefined : { priority }));
      await turns(5);
      expect(shared.log()).toEqual([]);
      shared.open();
      await Promise.all([held, ...done]);
      expect(shared.log()).toEqual([9, 6, 2, 5, 1, 3, 7, 4, 10, 8]);
    });

    it('keeps submission order among tasks of one tick whether or not they carry a signal or timeout', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const signal = new AbortController().signal;
      const done = [
        pool.run('record', 1),
        pool.run('record', 2, { signal }),
        pool.run('record', 3),
        pool.run('record', 4, { timeout: 30_000 }),
        pool.run('record', 5),
        pool.run('record', 6, { priority: 0 }),
      ];
      await turns(2);
      const more = [pool.run('record', 7), pool.run('record', 8, { signal })];
      shared.open();
      await Promise.all([held, ...done, ...more]);
      expect(shared.log()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });
  });

  describe('cancellation', () => {
    it('rejects a queued task with CANCELED when its signal aborts, and never runs it', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const controller = new AbortController();
      const doomed = pool.run('counted', 'doomed', { signal: controller.signal });
      const kept = pool.run('counted', 'kept', { signal: new AbortController().signal });
      controller.abort(new Error('user gave up'));
      const err = await rejectsWith(doomed, 'CANCELED');
      expect(err.details.phase).toBe('queued');
      expect((err.cause as Error).message).toBe('user gave up');
      shared.open();
      await held;
      expect(await kept).toBe('kept');
      // FIFO: the cancelled task would have run before `kept` finished.
      expect(Atomics.load(shared.view, COUNTED)).toBe(1);
      expect(pool.stats().canceled).toBe(1);
    });

    it('rejects with CANCELED at once for an already-aborted signal (trySubmit and post throw)', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const signal = AbortSignal.abort('nope');
      const err = await rejectsWith(pool.run('counted', 1, { signal }), 'CANCELED');
      expect(err.cause).toBe('nope');
      throwsWith(() => pool.trySubmit('counted', 1, { signal }), 'CANCELED');
      throwsWith(() => pool.post('counted', 1, { signal }), 'CANCELED');
      await rejectsWith(pool.submit('counted', 1, { signal }), 'CANCELED');
      expect(await pool.run('counted', 2)).toBe(2);
      expect(Atomics.load(shared.view, COUNTED)).toBe(1);
      expect(pool.pending).toBe(0);
    });

    it('aborts ctx.signal inside a running task, and the task rejection arrives', async () => {
      const pool = makePool({ size: 1 });
      await pool.run('echo', 'warm-up'); // the worker is up (see the next test for a cold one)
      const controller = new AbortController();
      const running = pool.run('waitForAbort', null, { signal: controller.signal });
      await until(() => pool.stats().running === 1, 'the task to start');
      controller.abort('stop please');
      const err = await rejectsWith(running, 'CANCELED');
      expect(err.cause).toBe('stop please'); // the caller's reason itself
      expect(err.message).toBe('the task was cancelled by its signal while it ran');
      // The worker is reused, not replaced.
      expect(await pool.run('echo', 'after')).toBe('after');
      expect(pool.stats().peakWorkers).toBe(1);
    });

    it('delivers an abort to a running task even before the main thread has handled its worker\'s ready message', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const controller = new AbortController();
      const running = pool.run('startedThenWaitForAbort', null, { signal: controller.signal });
      blockUntilStarted(shared);
      controller.abort('stop please');
      // A watchdog only: a lost abort would leave the task running until the test timeout;
      // a delivered one settles it in ms, however fresh the worker. Generous, for a loaded
      // machine, and below the 60 s test timeout.
      const err = await rejectsWith(settlesWithin(running, 30_000, 'the aborted running task'), 'CANCELED');
      expect(err.cause).toBe('stop please'); // the caller's reason itself
      expect(err.message).toBe('the task was cancelled by its signal while it ran');
    });

    it('lets a running task that ignores its signal finish with its own result', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const controller = new AbortController();
      const running = pool.run('hold', 30_000, { signal: controller.signal });
      await shared.untilStarted(1);
      controller.abort();
      await turns(5);
      shared.open();
      expect(typeof (await running)).toBe('number');
    });
  });

  describe('timeouts', () => {
    it('rejects a task still queued at its timeout with TIMEOUT (phase queued) and never runs it', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const err = await rejectsWith(pool.run('counted', 1, { timeout: 20 }), 'TIMEOUT');
      expect(err.details.phase).toBe('queued');
      expect(err.details.workerTerminated).toBe(false);
      expect(err.transient).toBe(true);
      shared.open();
      await held;
      expect(await pool.run('counted', 2)).toBe(2);
      expect(Atomics.load(shared.view, COUNTED)).toBe(1);
    });

    it('rejects a running task that honours its abort with TIMEOUT (workerTerminated false), keeping the worker', async () => {
      // The grace only decides when a worker that has not ended its task after the abort is
      // terminated; this task honours the abort, but a loaded machine can delay that, so the
      // grace is generous (a task ignoring its abort would still be terminated, after 30 s,
      // within the test timeout, and fail workerTerminated: false).
      const pool = makePool({ size: 1, timeoutGrace: 30_000 });
      const first = await pool.run('whoami', null);
      const err = await rejectsWith(pool.run('waitForAbort', null, { timeout: 30 }), 'TIMEOUT');
      expect(err.details.phase).toBe('running');
      expect(err.details.workerTerminated).toBe(false);
      expect(await pool.run('whoami', null)).toBe(first);
    });

    it('terminates the worker of a task that ignores its abort after timeoutGrace (workerTerminated true), and keeps working', async () => {
      const pool = makePool({ size: 1, timeoutGrace: 50 });
      const first = await pool.run('whoami', null);
      const err = await rejectsWith(pool.run('spin', null, { timeout: 30 }), 'TIMEOUT');
      expect(err.details.phase).toBe('running');
      expect(err.details.workerTerminated).toBe(true);
      expect(await pool.run('default', 41)).toBe(42);
      expect(await pool.run('whoami', null)).not.toBe(first);
      await until(() => pool.size === 1, 'the replacement worker');
    });

    it('a cooperative task on a just-started worker times out without its worker being terminated', async () => {
      const shared = new Shared();
      // Generous for the same reason as above: a just-started worker on a loaded machine may
      // take a while to see the abort (the 1 ms timeout has fired long before), and only a
      // worker that never honoured it would be terminated at the end of the grace.
      const pool = makePool({ size: 1, timeoutGrace: 30_000 }, shared);
      const running = pool.run('startedThenWaitForAbort', null, { timeout: 1 });
      blockUntilStarted(shared);
      const err = await rejectsWith(running, 'TIMEOUT');
      expect(err.details.workerTerminated).toBe(false);
    });

    it('submit\'s timeout also bounds the task once it runs', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, maxQueue: 4 }, shared);
      await pool.run('echo', 'warm-up');
      const running = pool.submit('startedThenWaitForAbort', null, { timeout: 50 });
      blockUntilStarted(shared); // the timer can only fire once the task runs
      const err = await rejectsWith(running, 'TIMEOUT');
      expect(err.details.phase).toBe('running');
    });

    it('a task that finishes within its timeout resolves normally', async () => {
      const pool = makePool({ size: 1 });
      expect(await pool.run('echo', 'quick', { timeout: 20_000 })).toBe('quick');
      expect(await pool.submit('echo', 'quick too', { timeout: 20_000 })).toBe('quick too');
    });
  });
});
