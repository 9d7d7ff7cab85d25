import { describe, expect, it } from 'vitest';

import { Pool, WeftError, isWeftError } from '@weft/core';

import { Shared, TASKS, THROWS_AT_LOAD, makePool, rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';

describe('Pool', () => {
  describe('running tasks', () => {
    it('runs the default export with run(arg)', async () => {
      const pool = makePool();
      expect(await pool.run('default', 41)).toBe(42);
    });

    it('runs a named export with run(name, arg), and the default for a null/undefined name', async () => {
      const pool = makePool();
      expect(await pool.run('echo', 'hello')).toBe('hello');
      expect(await pool.run('fib', 20)).toBe(6765);
      expect(await pool.run('default', 1)).toBe(2);
      expect(await pool.run('default', 2)).toBe(3);
    });

    it('accepts a file: URL string or an absolute path as filename', async () => {
      const fromHref = makePool({ filename: TASKS.href, size: 1 });
      const fromPath = makePool({ filename: new URL(TASKS).pathname, size: 1 });
      expect(await fromHref.run('default', 1)).toBe(2);
      expect(await fromPath.run('default', 2)).toBe(3);
    });

    it('round-trips primitives with their types', async () => {
      const pool = makePool();
      for (const value of [0, -0, 25, -7, 2 ** 31, -1.5, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, '', 'text ✓', true, false, null, undefined]) {
        const back = await pool.run('echo', value);
        expect(typeof back).toBe(typeof value);
        expect(back).toStrictEqual(value);
        expect(Object.is(back, value)).toBe(true); // -0 stays -0
      }
    });

    it('round-trips objects with Map, Date and BigInt through the structured clone path', async () => {
      const pool = makePool();
      const value = { nested: { list: [1, 'two', null] }, map: new Map([[1, { a: 1 }]]), set: new Set(['x']), date: new Date(1_700_000_000_000), big: 12345678901234567890n, re: /ab+c/gi };
      const back = (await pool.run('echo', value)) as typeof value;
      expect(back).toStrictEqual(value);
      expect(back.map).toBeInstanceOf(Map);
      expect(back.set).toBeInstanceOf(Set);
      expect(back.date).toBeInstanceOf(Date);
      expect(typeof back.big).toBe('bigint');
      expect(typeof (await pool.run('echo', 7n))).toBe('bigint');
    });

    it('round-trips Buffer, Uint8Array, Float64Array, ArrayBuffer and DataView as the same kinds', async () => {
      const pool = makePool();
      const buffer = Buffer.from('weft');
      const back = await pool.run('echo', buffer);
      expect(Buffer.isBuffer(back)).toBe(true);
      expect((back as Buffer).toString()).toBe('weft');

      const u8 = new Uint8Array([1, 2, 255]);
      const u8Back = await pool.run('echo', u8);
      expect(u8Back).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(u8Back)).toBe(false);
      expect([...(u8Back as Uint8Array)]).toEqual([1, 2, 255]);

      const f64 = new Float64Array([1.5, -0.25, 1e300]);
      const f64Back = await pool.run('echo', f64);
      expect(f64Back).toBeInstanceOf(Float64Array);
      expect([...(f64Back as Float64Array)]).toEqual([1.5, -0.25, 1e300]);

      // A view on part of a larger buffer sends only its bytes.
      const window = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 4);
      expect([...((await pool.run('echo', window)) as Uint8Array)]).toEqual([2, 3]);

      const ab = new Uint8Array([7, 8, 9]).buffer;
      const abBack = await pool.run('echo', ab);
      expect(abBack).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(abBack as ArrayBuffer)]).toEqual([7, 8, 9]);

      const dv = new DataView(new Uint8Array([10, 11, 12, 13]).buffer, 1, 2);
      const dvBack = await pool.run('echo', dv);
      expect(dvBack).toBeInstanceOf(DataView);
      expect((dvBack as DataView).byteLength).toBe(2);
      expect((dvBack as DataView).getUint8(0)).toBe(11);

      expect(await pool.run('byteSum', new Uint8Array([1, 2, 3]))).toBe(6);
    });

    it('delivers results of each kind created inside the worker with their types', async () => {
      const pool = makePool();
      const out = (await pool.run('kinds', null)) as Record<string, unknown>;
      expect(out.map).toEqual(new Map([['a', 1]]));
      expect(out.date).toEqual(new Date(0));
      expect(out.big).toBe(2n ** 70n);
      expect(Buffer.isBuffer(out.buffer)).toBe(true);
      expect(out.u8).toBeInstanceOf(Uint8Array);
      expect(out.f64).toBeInstanceOf(Float64Array);
      expect([...(out.f64 as Float64Array)]).toEqual([1.5, -2.5]);
      expect(out.ab).toBeInstanceOf(ArrayBuffer);
      expect(out.dv).toBeInstanceOf(DataView);
      expect((out.dv as DataView).getUint8(2)).toBe(6);
    });

    it('passes workerData to the task module', async () => {
      const pool = makePool({ workerData: { greeting: 'hi', n: 3n } });
      expect(await pool.run('getWorkerData', null)).toEqual({ greeting: 'hi', n: 3n });
    });

    it('runs tasks at the same time on different threads', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 2 }, shared);
      const a = pool.run('hold', 30_000);
      const b = pool.run('hold', 30_000);
      // Both have started while neither can have finished (the gate is still shut).
      await shared.untilStarted(2);
      expect(shared.started).toBe(2);
      expect(pool.stats().running).toBe(2);
      shared.open();
      const [ta, tb] = await Promise.all([a, b]);
      expect(typeof ta).toBe('number');
      expect(ta).not.toBe(tb);
      expect(ta).not.toBe(0); // not the main thread
    });

    it('passes a SharedArrayBuffer argument by reference (test/pool/pool-shared.test.ts has the rest)', async () => {
      const pool = makePool({ size: 1 });
      const flag = new SharedArrayBuffer(8);
      expect(await pool.run('echo', flag)).toBe(flag);
    });
  });

  describe('option validation', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['size', { size: 0 }],
      ['size', { size: -1 }],
      ['size', { size: 1.5 }],
      ['size', { size: 'x' }],
      ['size', { size: NaN }],
      ['size', { size: null }],
      ['size', { size: { min: 3, max: 2 } }],
      ['size.min', { size: { min: -1, max: 2 } }],
      ['size.max', { size: { min: 0, max: 0 } }],
      ['size.max', { size: { min: 0, max: 1.5 } }],
      ['maxQueue', { maxQueue: -1 }],
      ['isolation', { isolation: 'fiber' }],
      ['maxQueue', { maxQueue: 1.5 }],
      ['maxQueue', { maxQueue: '10' }],
      ['idleTimeout', { idleTimeout: -1 }],
      ['stallTimeout', { stallTimeout: 0 }],
      ['stallTimeout', { stallTimeout: -5 }],
      ['timeoutGrace', { timeoutGrace: -1 }],
      ['retries', { retries: -1 }],
      ['retries', { retries: 0.5 }],
      ['maxPayload', { maxPayload: 0 }],
      ['resourceLimits', { resourceLimits: 5 }],
      ['filename', { filename: 'test/fixtures/tasks.mjs' }],
      ['filename', { filename: './tasks.mjs' }],
      ['filename', { filename: 42 }],
      ['filename', { filename: undefined }],
    ];
    it.each(bad)('rejects a bad %s (%o) with INVALID_ARGUMENT naming the option', (option, override) => {
      const err = throwsWith(() => new Pool({ filename: TASKS, ...override } as never), 'INVALID_ARGUMENT');
      expect(err).toBeInstanceOf(WeftError);
      expect(err.message).toContain(option);
      expect(err.details.option).toBe(option);
    });

    it('rejects a missing or non-object options argument with INVALID_ARGUMENT', () => {
      throwsWith(() => new Pool(undefined as never), 'INVALID_ARGUMENT');
      throwsWith(() => new Pool('tasks.mjs' as never), 'INVALID_ARGUMENT');
    });

    it('accepts Infinity where documented and { min: 0 } sizes', async () => {
      const pool = makePool({ size: { min: 0, max: 1 }, maxQueue: Infinity, idleTimeout: Infinity, stallTimeout: Infinity });
      expect(pool.size).toBe(0);
      expect(await pool.run('default', 1)).toBe(2);
    });
  });

  describe('run option validation', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['timeout', { timeout: -1 }],
      ['timeout', { timeout: NaN }],
      ['timeout', { timeout: '10' }],
      ['priority', { priority: 1.5 }],
      ['priority', { priority: 2 ** 31 }],
      ['priority', { priority: '1' }],
      ['signal', { signal: {} }],
      ['signal', { signal: new AbortController() }],
    ];
    it.each(bad)('rejects a bad %s (%o) with INVALID_ARGUMENT', async (option, options) => {
      const pool = makePool({ size: 1 });
      const err = await rejectsWith(pool.run('echo', 1, options as never), 'INVALID_ARGUMENT');
      expect(err.message).toContain(option);
      throwsWith(() => pool.trySubmit('echo', 1, options as never), 'INVALID_ARGUMENT');
      throwsWith(() => pool.post('echo', 1, options as never), 'INVALID_ARGUMENT');
      await rejectsWith(pool.submit('echo', 1, options as never), 'INVALID_ARGUMENT');
      expect(pool.pending).toBe(0);
    });

    it('rejects a non-string task name with INVALID_ARGUMENT', async () => {
      const pool = makePool({ size: 1 });
      await rejectsWith(pool.run(42 as never, 1), 'INVALID_ARGUMENT');
    });
  });

  describe('values that cannot cross threads', () => {
    it('refuses a function or symbol argument with UNSERIALIZABLE at the sender', async () => {
      const pool = makePool({ size: 1 });
      await rejectsWith(pool.run('echo', () => 1), 'UNSERIALIZABLE');
      await rejectsWith(pool.run('echo', Symbol('s')), 'UNSERIALIZABLE');
      await rejectsWith(pool.run('echo', { nested: () => 1 }), 'UNSERIALIZABLE');
      throwsWith(() => pool.trySubmit('echo', Symbol('s')), 'UNSERIALIZABLE');
      throwsWith(() => pool.post('echo', () => 1), 'UNSERIALIZABLE');
      expect(pool.pending).toBe(0);
      expect(await pool.run('echo', 'still works')).toBe('still works');
    });

    it('rejects a task whose result is a function with UNSERIALIZABLE', async () => {
      const pool = makePool({ size: 1 });
      const err = await rejectsWith(pool.run('returnsFunction', null), 'UNSERIALIZABLE');
      expect(err).toBeInstanceOf(WeftError);
      expect(await pool.run('echo', 1)).toBe(1);
    });

    it('refuses an argument over maxPayload with INVALID_ARGUMENT, and a result over it fails the task', async () => {
      const pool = makePool({ size: 1, maxPayload: 1024 });
      await rejectsWith(pool.run('echo', new Uint8Array(1025)), 'INVALID_ARGUMENT');
      await rejectsWith(pool.run('echo', 'x'.repeat(2048)), 'INVALID_ARGUMENT');
      await rejectsWith(pool.run('echo', { big: new Array(500).fill('abcd') }), 'INVALID_ARGUMENT');
      expect(await pool.run('byteSum', new Uint8Array(1024).fill(1))).toBe(1024);
      // A result over the limit cannot come back either: the task fails with why.
      await rejectsWith(pool.run('makeBytes', 4096), 'INVALID_ARGUMENT');
      expect(await pool.run('makeBytes', 16)).toBeInstanceOf(Uint8Array);
      expect(pool.pending).toBe(0);
    });
  });

  describe('task modules and exports', () => {
    it('rejects an unknown export name with INVALID_ARGUMENT, and the pool keeps working', async () => {
      const pool = makePool({ size: 1 });
      const err = await rejectsWith(pool.run('noSuchExport', 1), 'INVALID_ARGUMENT');
      expect(err.message).toContain('noSuchExport');
      expect(await pool.run('echo', 5)).toBe(5);
    });

    it('rejects tasks with INVALID_ARGUMENT when the task module fails to load, without hanging', async () => {
      const pool = makePool({ filename: THROWS_AT_LOAD, size: 2 });
      const [a, b] = await Promise.allSettled([pool.run('never', 1), pool.run('default', 2)]);
      for (const outcome of [a, b]) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason;
        expect(isWeftError(reason, 'INVALID_ARGUMENT')).toBe(true);
        expect((reason as Error).message).toContain('failed to load');
      }
      // Later calls fail at once too, and close() completes.
      await rejectsWith(pool.run('never', 3), 'INVALID_ARGUMENT');
      await pool.close();
    });

    it('rejects with INVALID_ARGUMENT when the task module fails to load in a pool that starts with no workers', async () => {
      const pool = makePool({ filename: THROWS_AT_LOAD, size: { min: 0, max: 2 } });
      const outcomes = await Promise.allSettled([pool.run('never', 1), pool.run('never', 2), pool.run('never', 3)]);
      expect(outcomes.map((o) => o.status === 'rejected' && isWeftError(o.reason, 'INVALID_ARGUMENT'))).toEqual([true, true, true]);
      await pool.close();
      expect(pool.size).toBe(0);
    });

    it('rejects with INVALID_ARGUMENT when the task module does not exist', async () => {
      const pool = makePool({ filename: new URL('./does-not-exist.mjs', TASKS), size: 1 });
      await rejectsWith(pool.run('default', 1), 'INVALID_ARGUMENT');
      await pool.close();
    });
  });

  describe('task errors', () => {
    it('rejects with the thrown error: class, name, message, stack, code and cause', async () => {
      const pool = makePool({ size: 1 });
      let err: unknown;
      try {
        await pool.run('fail', 'boom');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RangeError);
      const e = err as RangeError & { code?: string };
      expect(e.name).toBe('RangeError');
      expect(e.message).toBe('boom');
      expect(e.code).toBe('E_TASK');
      expect(e.stack).toContain('fail');
      expect(e.stack).toContain('tasks.mjs');
      expect(e.cause).toBeInstanceOf(Error);
      expect((e.cause as Error).message).toBe('root cause');
      expect(isWeftError(err)).toBe(false);
      expect(pool.stats().failed).toBe(1);
    });
  });
});
