// The pool's call surface: task selection (the name always first, 'default' for the default
// export), what counts against maxQueue, errors naming the call that was made, unknown
// options, option error wording, and aborts by the caller's signal (its reason the cause).
import { describe, expect, it } from 'vitest';

import { Pool, WeftError } from '@weft/core';

import { TASKS, makePool, rejectsWith, throwsWith, until } from '../fixtures/pool-helpers.js';

const isolations = ['thread', 'process'] as const;

describe.each(isolations)('Pool (%s isolation)', (isolation) => {
  const pool = (options: Record<string, unknown> = {}) => makePool({ isolation, ...options });

  describe('task selection', () => {
    it('runs the export a single-argument call names, not the default export with the name as its argument', async () => {
      const p = pool({ size: 1 });
      expect(await p.run('echo')).toBeUndefined(); // echo(undefined), not increment('echo')
      expect(await p.run('default', 41)).toBe(42);
    });

    it('rejects a name the module does not export, naming the task and listing the function exports', async () => {
      const p = pool({ size: 1 });
      const err = await rejectsWith(p.run('boom'), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(/has no function export named "boom" \(its function exports: .*"echo"/);
      expect(err.details.task).toBe('boom');
      expect(err.details.exports).toEqual(expect.arrayContaining(['default', 'echo', 'fail']));
    });

    it('refuses a name that is not a string (null included) in every call, naming the call', async () => {
      const p = pool({ size: 1 });
      const calls = [
        ['Pool.run', (name: unknown) => p.run(name as never, 1)],
        ['Pool.trySubmit', (name: unknown) => p.trySubmit(name as never, 1)],
        ['Pool.submit', (name: unknown) => p.submit(name as never, 1)],
        ['Pool.post', (name: unknown) => p.post(name as never, 1)],
        ['Pool.map', (name: unknown) => p.map(name as never, [1]).next()],
      ] as const;
      for (const [operation, call] of calls) {
        for (const name of [41, null, undefined, '']) {
          let err: unknown;
          try {
            await call(name);
          } catch (e) {
            err = e;
          }
          expect(err, `${operation}(${String(name)})`).toBeInstanceOf(WeftError);
          expect((err as WeftError).code).toBe('INVALID_ARGUMENT');
          expect((err as WeftError).message).toContain("'default' for the default export");
          expect((err as WeftError).details).toMatchObject({ option: 'name', operation });
        }
      }
    });

    it('gives the same task for the same name in run, trySubmit, submit, post and map', async () => {
      const p = pool({ size: 1 });
      expect(await p.run('default', 1)).toBe(2);
      expect(await p.trySubmit('default', 1)).toBe(2);
      expect(await p.submit('default', 1)).toBe(2);
      const id = p.post('default', 1);
      const [first] = await Promise.all([p.results()[Symbol.asyncIterator]().next()]);
      expect(first.value).toEqual({ id, ok: true, value: 2 });
      const out: unknown[] = [];
      for await (const v of p.map('default', [1, 2])) out.push(v);
      expect(out).toEqual([2, 3]);
    });
  });

  /** A task that runs until `release()` (its signal aborts it): holds the worker without shared memory. */
  const holder = (p: Pool) => {
    const controller = new AbortController();
    const done = p.run('waitForAbort', null, { signal: controller.signal }).catch(() => 'released');
    return { done, release: () => controller.abort('released') };
  };

  describe('maxQueue', () => {
    it('hands a task to an idle worker without counting it as queued: the second call is queued, the third refused', async () => {
      const p = pool({ size: 1, maxQueue: 1 });
      expect(await p.run('echo', 'warm')).toBe('warm'); // the worker is up and idle
      const first = holder(p);
      const second = p.run('echo', 2);
      const err = throwsWith(() => p.trySubmit('echo', 3), 'QUEUE_FULL');
      expect(err.details).toMatchObject({ maxQueue: 1, operation: 'Pool.trySubmit' });
      first.release();
      expect(await first.done).toBe('released');
      expect(await second).toBe(2);
    });

    it("names the call that was made in each call's QUEUE_FULL", async () => {
      const p = pool({ size: 1, maxQueue: 1 });
      const first = holder(p);
      const queued = p.run('echo', 'queued');
      expect(throwsWith(() => p.trySubmit('echo', 1), 'QUEUE_FULL').details.operation).toBe('Pool.trySubmit');
      expect(throwsWith(() => p.post('echo', 1), 'QUEUE_FULL').details.operation).toBe('Pool.post');
      expect((await rejectsWith(p.run('echo', 1), 'QUEUE_FULL')).details.operation).toBe('Pool.run');
      expect((await rejectsWith(p.submit('echo', 1, { timeout: 0 }), 'TIMEOUT')).details.phase).toBe('waiting for room');
      first.release();
      await first.done;
      expect(await queued).toBe('queued');
    });
  });

  describe('aborts by the caller', () => {
    it('a running task aborted by its signal says so, with the reason as cause', async () => {
      const p = pool({ size: 1 });
      await p.run('echo', 'warm');
      const controller = new AbortController();
      const running = p.run('waitForAbort', null, { signal: controller.signal });
      await until(() => p.stats().running === 1, 'the task to start');
      const reason = new Error('user pressed stop');
      controller.abort(reason);
      const err = await rejectsWith(running, 'CANCELED');
      expect(err.message).toBe('the task was cancelled by its signal while it ran');
      expect(err.cause).toBe(reason);
      expect(err.details.phase).toBe('running');
    });

    it('a running task aborted by AbortSignal.timeout() rejects with TIMEOUT, the TimeoutError as cause', async () => {
      const p = pool({ size: 1 });
      await p.run('echo', 'warm');
      const signal = AbortSignal.timeout(50);
      const running = p.run('waitForAbort', null, { signal });
      const err = await rejectsWith(running, 'TIMEOUT');
      expect(err.cause).toBe(signal.reason);
      expect((err.cause as Error).name).toBe('TimeoutError');
    });

    it('a queued task aborted by AbortSignal.timeout() rejects with TIMEOUT, the TimeoutError as cause', async () => {
      const p = pool({ size: 1 });
      const first = holder(p);
      const signal = AbortSignal.timeout(20);
      const err = await rejectsWith(p.run('echo', 'never', { signal }), 'TIMEOUT');
      expect(err.cause).toBe(signal.reason);
      expect(err.details.phase).toBe('queued');
      first.release();
      await first.done;
    });
  });
});

describe('Pool options', () => {
  it('refuses an unknown option, naming it and the closest valid one', () => {
    const err = throwsWith(() => new Pool({ filename: TASKS, maxQeue: 1 } as never), 'INVALID_ARGUMENT');
    expect(err.message).toBe('Pool option "maxQeue" is not a known option (did you mean "maxQueue"?)');
    expect(err.details).toMatchObject({ option: 'maxQeue', suggestion: 'maxQueue' });
  });

  it('lists the valid options when none is close', () => {
    const err = throwsWith(() => new Pool({ filename: TASKS, colour: 'red' } as never), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/^Pool option "colour" is not a known option \(valid options: filename, size, maxQueue/);
    expect(err.details.suggestion).toBeUndefined();
  });

  it('refuses unknown ProcessPool options and run options the same way', async () => {
    const { ProcessPool } = await import('@weft/core');
    expect(throwsWith(() => new ProcessPool({ filename: TASKS, retires: 1 } as never), 'INVALID_ARGUMENT').details.suggestion).toBe('retries');
    const pool = makePool({ size: 1 });
    const err = await rejectsWith(pool.run('echo', 1, { timout: 5 } as never), 'INVALID_ARGUMENT');
    expect(err.message).toBe('Pool.run option "timout" is not a known option (did you mean "timeout"?)');
    expect(throwsWith(() => pool.trySubmit('echo', 1, { prority: 1 } as never), 'INVALID_ARGUMENT').details.suggestion).toBe('priority');
    const mapped = await rejectsWith(pool.map('echo', [1], { concurency: 2 } as never).next(), 'INVALID_ARGUMENT');
    expect(mapped.details.suggestion).toBe('concurrency');
  });

  it('says what is wrong with size { min, max }, with the value itself in details', () => {
    const size = { min: 3, max: 1 };
    const err = throwsWith(() => new Pool({ filename: TASKS, size }), 'INVALID_ARGUMENT');
    expect(err.message).toBe('Pool option size is invalid: min 3 exceeds max 1');
    expect(err.details.value).toBe(size);
  });
});
