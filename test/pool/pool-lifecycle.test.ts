import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { Pool } from '@weft/core';

import { Shared, TASKS, makePool, rejectsWith, throwsWith, turns, until } from '../fixtures/pool-helpers.js';

function runScript(script: string, args: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`../fixtures/${script}`, import.meta.url));
  return new Promise((resolve) => {
    // The kill timer only turns a hang into a failure report; it decides nothing else.
    execFile(process.execPath, [file, ...args], { timeout: 20_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, signal: (error?.signal as NodeJS.Signals) ?? null, stdout, stderr });
    });
  });
}

describe('Pool', () => {
  describe('dynamic sizing', () => {
    it('starts no workers for min 0, grows to max under load, and shrinks back to min after idleTimeout', async () => {
      const shared = new Shared();
      const pool = makePool({ size: { min: 0, max: 2 }, idleTimeout: 50 }, shared);
      expect(pool.size).toBe(0);
      expect(pool.stats().workers).toBe(0);
      const held = [pool.run('hold', 30_000), pool.run('hold', 30_000), pool.run('hold', 30_000)];
      await shared.untilStarted(2);
      expect(pool.size).toBe(2); // never above max
      expect(shared.started).toBe(2);
      shared.open();
      const threads = await Promise.all(held);
      expect(new Set(threads).size).toBe(2);
      expect(pool.stats().peakWorkers).toBe(2);
      await until(() => pool.size === 0, 'the idle workers to exit');
      // And it grows again on demand.
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('keeps min workers when shrinking', async () => {
      const shared = new Shared();
      const pool = makePool({ size: { min: 1, max: 3 }, idleTimeout: 50 }, shared);
      expect(pool.size).toBe(1);
      const held = [pool.run('hold', 30_000), pool.run('hold', 30_000), pool.run('hold', 30_000)];
      await shared.untilStarted(3);
      expect(pool.size).toBe(3);
      shared.open();
      await Promise.all(held);
      await until(() => pool.size === 1, 'the pool to shrink to min');
      expect(await pool.run('default', 1)).toBe(2);
      expect(pool.size).toBeGreaterThanOrEqual(1);
    });
  });

  describe('close', () => {
    it('lets queued and running tasks finish, then resolves; later runs reject POOL_CLOSED', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const queued = [pool.run('echo', 'a'), pool.run('echo', 'b', { timeout: 30_000 }), pool.run('echo', 'c')];
      let closed = false;
      const closing = pool.close().then(() => (closed = true));
      await rejectsWith(pool.run('echo', 'late'), 'POOL_CLOSED');
      throwsWith(() => pool.trySubmit('echo', 'late'), 'POOL_CLOSED');
      throwsWith(() => pool.post('echo', 'late'), 'POOL_CLOSED');
      await rejectsWith(pool.submit('echo', 'late'), 'POOL_CLOSED');
      await turns(10);
      expect(closed).toBe(false);
      shared.open();
      expect(await Promise.all([held, ...queued])).toEqual([expect.any(Number), 'a', 'b', 'c']);
      await closing;
      expect(closed).toBe(true);
      expect(pool.size).toBe(0);
      expect(pool.pending).toBe(0);
    });

    it('close({ timeout }) rejects the running and queued tasks left with POOL_CLOSED (reason shutdown timeout)', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 1 }, shared);
      const held = pool.run('hold', 30_000);
      await shared.untilStarted(1);
      const queued = pool.run('echo', 'never');
      const closing = pool.close({ timeout: 50 });
      const [a, b] = await Promise.all([rejectsWith(held, 'POOL_CLOSED'), rejectsWith(queued, 'POOL_CLOSED')]);
      expect(a.details.reason).toBe('shutdown timeout');
      expect(b.details.reason).toBe('shutdown timeout');
      await closing;
      expect(pool.size).toBe(0);
    });

    it('close({ timeout }) stops a task spinning in a loop', async () => {
      const pool = makePool({ size: 2 });
      const spinning = pool.run('spin', null);
      await until(() => pool.stats().running === 1, 'the spin task to start');
      const closing = pool.close({ timeout: 50 });
      const err = await rejectsWith(spinning, 'POOL_CLOSED');
      expect(err.details.reason).toBe('shutdown timeout');
      await closing;
      expect(pool.size).toBe(0);
    });

    it('returns the same promise when called twice', async () => {
      const pool = makePool();
      await pool.run('default', 1);
      const first = pool.close();
      expect(pool.close()).toBe(first);
      expect(pool.close({ timeout: 5 })).toBe(first);
      await first;
      expect(pool.close()).toBe(first);
    });

    it('rejects a bad close timeout with INVALID_ARGUMENT', async () => {
      const pool = makePool();
      await rejectsWith(pool.close({ timeout: -1 }), 'INVALID_ARGUMENT');
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('closes an idle pool and one that never started a worker', async () => {
      const idle = new Pool({ filename: TASKS, size: 1 });
      await idle.close();
      const lazy = new Pool({ filename: TASKS, size: { min: 0, max: 1 } });
      await lazy.close();
      expect(lazy.size).toBe(0);
    });

    it('Symbol.asyncDispose closes the pool after its tasks finish (await using)', async () => {
      let outside: Pool;
      let result: unknown;
      {
        await using pool = new Pool({ filename: TASKS, size: 1 });
        outside = pool;
        result = pool.run('sleepAsync', 20);
      }
      expect(await result).toBe(20);
      await rejectsWith(outside!.run('default', 1), 'POOL_CLOSED');
      expect(outside!.size).toBe(0);

      const pool = makePool();
      await pool[Symbol.asyncDispose]();
      await rejectsWith(pool.run('default', 1), 'POOL_CLOSED');
    });
  });

  describe('process lifetime', () => {
    it('a script that creates a pool, runs tasks and closes it exits by itself', async () => {
      const { code, signal, stdout, stderr } = await runScript('pool-exits.mjs');
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toBe('closed\n');
    });

    it.each(['thread', 'process'])('an idle pool (%s isolation), never closed nor unref()ed, lets the process exit by itself', async (isolation) => {
      const { code, signal, stdout, stderr } = await runScript('pool-idle-exit.mjs', [isolation, 'idle']);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toBe('ran 42\nend of script\n');
    });

    it.each(['thread', 'process'])('a pool (%s isolation) with a task running keeps the process alive until the task settles', async (isolation) => {
      const { code, signal, stdout, stderr } = await runScript('pool-idle-exit.mjs', [isolation, 'pending']);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toBe('ran 42\nend of script\npending task finished after 50 ms\n');
    });

    it('an idle, unclosed pool that is unref()ed lets the process exit', async () => {
      const { code, signal, stdout, stderr } = await runScript('pool-unref.mjs');
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toBe('unrefd\n');
    });

    it('an unref()ed dynamic pool lets the process exit too', async () => {
      const { code, signal, stderr } = await runScript('pool-unref.mjs', ['dynamic']);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    });

    it('an unref()ed pool still keeps the process alive for a task in flight', async () => {
      const { code, signal, stdout, stderr } = await runScript('pool-unref.mjs', ['inflight']);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(stdout).toBe('unrefd\nin-flight task finished after 50 ms\n');
    });
  });

  describe('stats', () => {
    it('times a task from the worker taking it to its completion, awaits included', async () => {
      const pool = makePool({ size: 1 });
      // Atomics.wait with a timeout and a timer both last at least about their time.
      await pool.run('blockFor', 25);
      expect(pool.stats().runTime.max).toBeGreaterThanOrEqual(24_000);
      await pool.run('sleepAsync', 60);
      const { runTime } = pool.stats();
      expect(runTime.max).toBeGreaterThanOrEqual(59_000);
      expect(runTime.max).toBeLessThan(60_000_000); // microseconds, not a unit slip
    });

    it('counts completed, failed and canceled tasks, workers and latencies', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 2 }, shared);
      const fresh = pool.stats();
      expect(fresh).toMatchObject({ completed: 0, failed: 0, canceled: 0, queued: 0, running: 0 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => pool.run('echo', i)));
      await pool.run('fail', 'x').catch(() => {});
      await pool.run('crash', 1).catch(() => {});
      await pool.run('echo', 1, { signal: AbortSignal.abort() }).catch(() => {});
      const held = [pool.run('hold', 30_000), pool.run('hold', 30_000)];
      await shared.untilStarted(2);
      const controller = new AbortController();
      const queued = pool.run('echo', 'q', { signal: controller.signal });
      const busy = pool.stats();
      expect(busy.running).toBe(2);
      expect(busy.queued).toBe(1);
      controller.abort();
      await queued.catch(() => {});
      shared.open();
      await Promise.all(held);

      const s = pool.stats();
      expect(s.completed).toBe(52);
      expect(s.failed).toBe(2);
      expect(s.canceled).toBe(2);
      expect(s.queued).toBe(0);
      expect(s.running).toBe(0);
      expect(s.workers).toBe(pool.size);
      expect(s.peakWorkers).toBe(2); // the crashed worker was replaced, not added to
      for (const latency of [s.queueWait, s.runTime]) {
        for (const field of ['p50', 'p99', 'max', 'mean'] as const) {
          expect(typeof latency[field]).toBe('number');
          expect(Number.isFinite(latency[field])).toBe(true);
          expect(latency[field]).toBeGreaterThanOrEqual(0);
        }
        expect(latency.p50).toBeLessThanOrEqual(latency.p99);
        expect(latency.p99).toBeLessThanOrEqual(latency.max);
        expect(latency.mean).toBeLessThanOrEqual(latency.max);
      }
      expect(s.runTime.max).toBeGreaterThan(0);
      expect(s.throughput).toBeGreaterThan(0);
      expect(s.utilization).toBeGreaterThanOrEqual(0);
      expect(s.utilization).toBeLessThanOrEqual(1);
    });
  });
});
