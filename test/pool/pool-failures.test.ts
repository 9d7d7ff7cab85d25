import { describe, expect, it } from 'vitest';

import { isWeftError } from '@weft/core';

import { CRASH_ATTEMPTS, Shared, makePool, rejectsWith, settlesWithin, until } from '../fixtures/pool-helpers.js';

describe('Pool', () => {
  describe('worker crashes', () => {
    it('rejects the task of a worker that exits with WORKER_CRASHED, replaces the worker and runs later tasks', async () => {
      const pool = makePool({ size: 2 });
      const err = await rejectsWith(pool.run('crash', 3), 'WORKER_CRASHED');
      expect(err.details.reason).toBe('crashed');
      expect(err.details.exitCode).toBe(3);
      expect(err.details.attempts).toBe(1);
      expect(err.transient).toBe(true);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run('default', i)));
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await until(() => pool.size === 2, 'the pool to be back at its size');
      expect(pool.stats().failed).toBe(1);
    });

    it('a crash fails only the task that crashed: tasks queued behind it still run', async () => {
      const pool = makePool({ size: 1 });
      const crashed = pool.run('crash', 1);
      const behind = [pool.run('echo', 'a'), pool.run('echo', 'b')];
      await rejectsWith(crashed, 'WORKER_CRASHED');
      expect(await Promise.all(behind)).toEqual(['a', 'b']);
    });

    it('retries a task whose worker crashed when retries allows it, and it succeeds on the new worker', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, retries: 1 }, shared);
      expect(await pool.run('crashFirst', 'second time lucky')).toBe('second time lucky');
      expect(Atomics.load(shared.view, CRASH_ATTEMPTS)).toBe(2);
      expect(pool.stats().completed).toBe(1);
      expect(pool.stats().failed).toBe(0);
    });

    it('retries a crashed task whose argument is undefined too', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, retries: 1 }, shared);
      expect(await pool.run('crashFirst', undefined)).toBe(undefined);
      expect(Atomics.load(shared.view, CRASH_ATTEMPTS)).toBe(2);
    });

    it('gives up with WORKER_CRASHED once the retries are spent', async () => {
      const pool = makePool({ size: 1, retries: 2 });
      const err = await rejectsWith(pool.run('crash', 9), 'WORKER_CRASHED');
      expect(err.details.attempts).toBe(3);
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('does not retry without retries: a crash-once task rejects WORKER_CRASHED', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      await rejectsWith(pool.run('crashFirst', 'x'), 'WORKER_CRASHED');
      expect(await pool.run('crashFirst', 'y')).toBe('y');
      expect(Atomics.load(shared.view, CRASH_ATTEMPTS)).toBe(2);
    });

    it('rejects with WORKER_CRASHED when a task exceeds the heap limit (resourceLimits)', async () => {
      const pool = makePool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
      const err = await rejectsWith(pool.run('allocateForever', null), 'WORKER_CRASHED');
      expect(err.details.reason).toBe('crashed');
      expect(err.cause).toBeDefined();
      expect((err.cause as { code?: string }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
      expect(await pool.run('default', 1)).toBe(2);
    });
  });

  describe('stalled workers', () => {
    // A worker is judged stalled when it shows no heartbeat for stallTimeout, and a loaded
    // machine can starve a healthy worker's beats for well over 100 ms. So these tests never
    // need a healthy worker to keep up with a short stallTimeout: the one that waits for a
    // stall decides nothing by time (only the stall can end its task), and the healthy
    // tasks run under a stallTimeout of a second, with beats every 250 ms.
    const STALL_TIMEOUT = 1_000;

    it('restarts a worker blocked synchronously past stallTimeout and rejects its task with WORKER_CRASHED (reason stalled)', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1, stallTimeout: STALL_TIMEOUT }, shared);
      // hold() blocks its thread until the gate opens, and the gate opens only after the
      // test: the task can only settle by the stall detection killing its worker. The
      // watchdog turns a missed stall into a readable failure instead of the test timeout.
      const stalled = pool.run('hold', Infinity);
      await shared.untilStarted(1);
      const err = await rejectsWith(settlesWithin(stalled, 30_000, 'the stalled task'), 'WORKER_CRASHED');
      expect(err.details.reason).toBe('stalled');
      expect(err.message).toContain(`no heartbeat for ${STALL_TIMEOUT} ms`);
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('does not flag an async task that keeps its event loop turning, or back-to-back short tasks', async () => {
      const pool = makePool({ size: 1, stallTimeout: STALL_TIMEOUT });
      // Longer than stallTimeout: without its beats while it awaits, it would be flagged.
      expect(await pool.run('sleepAsync', 2.5 * STALL_TIMEOUT)).toBe(2.5 * STALL_TIMEOUT);
      // Short synchronous tasks back to back (the queue kept fed, so the worker never returns
      // to its event loop) for longer than stallTimeout in all: only the beat each take
      // makes keeps the worker alive. Fed by elapsed time, not a count, so the work outlasts
      // stallTimeout on a fast machine too.
      const feedUntil = performance.now() + 2.5 * STALL_TIMEOUT;
      let ran = 0;
      const feeder = async (): Promise<void> => {
        while (performance.now() < feedUntil) {
          expect(await pool.run('fib', 22)).toBe(17711);
          ran++;
        }
      };
      await Promise.all(Array.from({ length: 32 }, feeder));
      expect(ran).toBeGreaterThan(32);
      expect(pool.stats().failed).toBe(0);
    });
  });

  describe('errors thrown by tasks', () => {
    it('keeps name, message, stack, code and cause, and the worker stays usable', async () => {
      const pool = makePool({ size: 1 });
      const first = await pool.run('whoami', null);
      const err = (await pool.run('fail', 'bad input').catch((e: unknown) => e)) as RangeError & { code?: string };
      expect(err).toBeInstanceOf(RangeError);
      expect(err.name).toBe('RangeError');
      expect(err.message).toBe('bad input');
      expect(err.code).toBe('E_TASK');
      expect(err.stack).toMatch(/RangeError: bad input[\s\S]*tasks\.mjs/);
      expect(err.cause).toEqual(expect.objectContaining({ message: 'root cause' }));
      expect(isWeftError(err)).toBe(false);
      expect(await pool.run('whoami', null)).toBe(first);
    });
  });
});
