// The process-isolated pool (isolation: 'process'): the thread Pool's API and error
// semantics, with each task running in a child process.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ProcessPool, createProcessPool, type ProcessPoolOptions } from '../../dist/esm/pool/process-pool.js';
import { rejectsWith, settlesWithin, throwsWith, until } from '../fixtures/pool-helpers.js';
import { Channel, Mutex, Pool } from '@weft/core';

const TASKS = new URL('../fixtures/process-tasks.mjs', import.meta.url);
const THROWS_AT_LOAD = new URL('../fixtures/throws-at-load.mjs', import.meta.url);

const live = new Set<ProcessPool>();

function makePool(options: Partial<ProcessPoolOptions> = {}): ProcessPool {
  const pool = new ProcessPool({ filename: TASKS, size: 2, ...options } as ProcessPoolOptions);
  live.add(pool);
  return pool;
}

/**
 * Captures what is written to this process's stderr (where a pool forwards its children's)
 * until the test ends, instead of letting it print: a crash test asserts on it.
 */
function captureStderr(): { text: () => string } {
  let text = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  return { text: () => text };
}

afterEach(async () => {
  const pools = [...live];
  live.clear();
  await Promise.all(
    pools.map((pool) => settlesWithin(pool.close({ timeout: 1_000 }), 5_000, 'process pool close in afterEach').catch(() => pool.unref())),
  );
  vi.restoreAllMocks();
});

describe('ProcessPool', () => {
  it("new Pool({ isolation: 'process' }) runs tasks in child processes and is still a Pool", async () => {
    const pool = new Pool({ filename: TASKS, size: 1, isolation: 'process' });
    live.add(pool as unknown as ProcessPool);
    expect(pool).toBeInstanceOf(Pool);
    expect(pool.isolation).toBe('process');
    expect(pool).not.toBeInstanceOf(ProcessPool); // a plain Pool: no constructor swaps classes
    const pid = await pool.run('pid', null);
    expect(typeof pid).toBe('number');
    expect(pid).not.toBe(process.pid);
    expect(await pool.run('default', 1)).toBe(2);
  });

  it('a thread pool is a Pool and not a ProcessPool', async () => {
    const pool = new Pool({ filename: TASKS, size: 1 });
    expect(pool).toBeInstanceOf(Pool);
    expect(pool.isolation).toBe('thread');
    expect(pool).not.toBeInstanceOf(ProcessPool);
    await pool.close();
  });

  it('new ProcessPool() is a Pool subclass with process isolation', async () => {
    const pool = makePool({ size: 1 });
    expect(pool).toBeInstanceOf(ProcessPool);
    expect(pool).toBeInstanceOf(Pool);
    expect(pool.isolation).toBe('process');
    expect(await pool.run('pid', null)).not.toBe(process.pid);
  });

  describe('running tasks', () => {
    it('runs the default export with one argument and named exports with two', async () => {
      const pool = makePool();
      expect(await pool.run('default', 41)).toBe(42);
      expect(await pool.run('echo', 'hi')).toBe('hi');
      expect(await pool.run('default', 1)).toBe(2);
      expect(await pool.trySubmit('echo', [1, { a: 2 }])).toEqual([1, { a: 2 }]);
    });

    it('round-trips values by structured clone (Map, Date, BigInt, Buffer, typed arrays)', async () => {
      const pool = makePool({ size: 1 });
      const out = (await pool.run('kinds', null)) as Record<string, unknown>;
      expect(out.map).toEqual(new Map([['a', 1]]));
      expect(out.date).toEqual(new Date(0));
      expect(out.big).toBe(2n ** 70n);
      expect(Buffer.isBuffer(out.buffer)).toBe(true);
      expect((out.buffer as Buffer).toString()).toBe('hi');
      expect(out.u8).toEqual(new Uint8Array([1, 2, 3]));
      expect(out.f64).toEqual(new Float64Array([1.5, -2.5]));
      expect(new Uint8Array(out.ab as ArrayBuffer)).toEqual(new Uint8Array([9, 8]));
      expect([...new Uint8Array((out.dv as DataView).buffer, (out.dv as DataView).byteOffset, 3)]).toEqual([4, 5, 6]);
      const sent = { m: new Map([[1n, new Date(5)]]), f: new Float32Array([0.5]), b: Buffer.from('xyz') };
      const back = (await pool.run('echo', sent)) as typeof sent;
      expect(back.m).toEqual(sent.m);
      expect(back.f).toEqual(sent.f);
      expect(Buffer.from(back.b).toString()).toBe('xyz');
      expect(await pool.run('byteSum', new Uint8Array([1, 2, 3, 4]))).toBe(10);
    });

    it('runs tasks in child processes: another pid than the test, and a different one per concurrent task', async () => {
      const pool = makePool({ size: 2 });
      const first = await pool.run('pid', null);
      expect(first).not.toBe(process.pid);
      const release = new AbortController();
      const both = [pool.run('pidWhenAborted', null, { signal: release.signal }), pool.run('pidWhenAborted', null, { signal: release.signal })];
      await until(() => pool.stats().running === 2, 'both tasks to be running');
      release.abort();
      const [a, b] = (await Promise.all(both)) as number[];
      expect(a).not.toBe(process.pid);
      expect(b).not.toBe(process.pid);
      expect(a).not.toBe(b);
    });

    it("gives the task module the pool's workerData as globalThis.weftWorkerData", async () => {
      const pool = makePool({ size: 1, workerData: { answer: 42, when: new Date(1) } });
      expect(await pool.run('readWorkerData', null)).toEqual({ answer: 42, when: new Date(1) });
    });

    it('runs higher priorities first, FIFO within a priority', async () => {
      const pool = makePool({ size: 1 });
      const block = new AbortController();
      const blocker = pool.run('waitForAbort', null, { signal: block.signal });
      await until(() => pool.stats().running === 1, 'the blocker to run');
      const runs = [
        pool.run('order', 'a', { priority: 0 }),
        pool.run('order', 'b', { priority: 5 }),
        pool.run('order', 'c', { priority: 5 }),
        pool.run('order', 'd', { priority: -1 }),
      ];
      expect(pool.stats().queued).toBe(4);
      block.abort();
      await rejectsWith(blocker, 'CANCELED');
      const logs = (await Promise.all(runs)) as string[][];
      expect(logs.reduce((x, y) => (y.length > x.length ? y : x))).toEqual(['b', 'c', 'a', 'd']);
    });

    it('map yields in input order, or as finished with ordered: false; post() outcomes arrive on results()', async () => {
      const pool = makePool({ size: 2 });
      const out: unknown[] = [];
      for await (const v of pool.map('default', [1, 2, 3, 4, 5, 6])) out.push(v);
      expect(out).toEqual([2, 3, 4, 5, 6, 7]);
      const unordered: unknown[] = [];
      for await (const v of pool.map('echo', (function* () { yield* ['x', 'y', 'z']; })(), { ordered: false, concurrency: 2 })) unordered.push(v);
      expect(unordered.sort()).toEqual(['x', 'y', 'z']);

      const ids = [pool.post('echo', 'p1'), pool.post('fail', 'p2'), pool.post('default', 9)];
      const closed = pool.close();
      const seen = new Map<number, unknown>();
      for await (const r of pool.results()) seen.set(r.id, r.ok ? r.value : (r.error as Error).message);
      await closed;
      expect(seen).toEqual(new Map<number, unknown>([[ids[0]!, 'p1'], [ids[1]!, 'p2'], [ids[2]!, 10]]));
    });

    it('reports stats with the thread pool\'s shape', async () => {
      const pool = makePool({ size: 2 });
      await Promise.all([pool.run('default', 1), pool.run('default', 2), pool.run('fail', 'x').catch(() => {})]);
      const stats = pool.stats();
      expect(stats).toMatchObject({ completed: 2, failed: 1, canceled: 0, queued: 0, running: 0, workers: 2, peakWorkers: 2 });
      expect(stats.runTime.max).toBeGreaterThan(0);
      expect(Object.keys(stats.queueWait).sort()).toEqual(['max', 'mean', 'p50', 'p99']);
      expect(pool.size).toBe(2);
      expect(pool.pending).toBe(0);
    });
  });

  describe('errors', () => {
    it("rejects with the task's error: name, message, code and cause kept", async () => {
      const pool = makePool({ size: 1 });
      const err = (await pool.run('fail', 'boom').catch((e: unknown) => e)) as Error & { code?: string; cause?: Error };
      expect(err).toBeInstanceOf(RangeError);
      expect(err.name).toBe('RangeError');
      expect(err.message).toBe('boom');
      expect(err.code).toBe('E_TASK');
      expect(err.cause).toBeInstanceOf(Error);
      expect(err.cause!.message).toBe('root cause');
    });

    it('rejects a missing export with INVALID_ARGUMENT and an unsendable value with UNSERIALIZABLE', async () => {
      const pool = makePool({ size: 1 });
      await rejectsWith(pool.run('noSuchTask', 1), 'INVALID_ARGUMENT');
      throwsWith(() => pool.trySubmit('echo', () => 1), 'UNSERIALIZABLE');
      await rejectsWith(pool.run('echo', new SharedArrayBuffer(8)), 'UNSERIALIZABLE');
      await rejectsWith(pool.run('echo', { view: new Int32Array(new SharedArrayBuffer(8)) }), 'UNSERIALIZABLE'); // shared memory cannot reach another process
      await rejectsWith(pool.run('returnsFunction', null), 'UNSERIALIZABLE');
      throwsWith(() => pool.trySubmit(42 as unknown as string, 1), 'INVALID_ARGUMENT');
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('rejects bad options with INVALID_ARGUMENT: stallTimeout, unclonable workerData, a bad size', () => {
      throwsWith(() => new ProcessPool({ filename: TASKS, isolation: 'process', stallTimeout: 0 }), 'INVALID_ARGUMENT');
      throwsWith(() => new ProcessPool({ filename: TASKS, workerData: { sab: new SharedArrayBuffer(4) } }), 'INVALID_ARGUMENT');
      throwsWith(() => new ProcessPool({ filename: TASKS, size: 0 }), 'INVALID_ARGUMENT');
      throwsWith(() => new ProcessPool({ filename: 'relative.mjs' }), 'INVALID_ARGUMENT');
    });

    it('refuses weft objects, which cannot cross to a child process: UNSERIALIZABLE for a task argument, INVALID_ARGUMENT for workerData', async () => {
      const pool = makePool({ size: 1 });
      const ch = new Channel<number>(1);
      const err = await rejectsWith(pool.run('echo', { nested: [new Map([['jobs', ch]])] }), 'UNSERIALIZABLE');
      expect(err.details).toMatchObject({ type: 'Channel' });
      throwsWith(() => new ProcessPool({ filename: TASKS, workerData: { lock: new Mutex() } }), 'INVALID_ARGUMENT');
      expect(await pool.run('echo', { plain: [1, 'two'] })).toEqual({ plain: [1, 'two'] });
      ch.close(); // still usable here: nothing was pinned for a child that could never use it
    });

    // A child is judged stalled when no heartbeat message reaches the pool for stallTimeout,
    // and on a loaded machine a healthy child's beats (every stallTimeout / 4, over IPC, read
    // by a main thread that may itself be busy) can arrive hundreds of ms late. So no healthy
    // task runs under a short stallTimeout here: healthy ones get a second (beats every
    // 250 ms), and a task that must be caught stalled spins forever, so only the stall
    // detection can end it (the watchdog turns a missed stall into a readable failure).
    it('stallTimeout: kills a child stuck in synchronous code, rejects its task WORKER_CRASHED (stalled), replaces it', async () => {
      const pool = makePool({ size: 1, stallTimeout: 1_000 });
      const before = await pool.run('pid', null);
      const err = await rejectsWith(settlesWithin(pool.run('spin', null), 30_000, 'the spinning task'), 'WORKER_CRASHED');
      expect(err.details).toMatchObject({ reason: 'stalled', signal: 'SIGKILL' });
      expect(err.message).toContain('no heartbeat for 1000 ms');
      const after = await pool.run('pid', null);
      expect(after).not.toBe(before);
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('stallTimeout: an async task that keeps its event loop turning is not flagged; a stalled task is retried with retries', async () => {
      const healthy = makePool({ size: 1, stallTimeout: 1_000 });
      // Longer than stallTimeout: without the child's beats while it awaits, it would be flagged.
      expect(await healthy.run('sleepAsync', 2_500)).toBe(2_500);
      expect(healthy.stats().failed).toBe(0);
      // Nothing healthy runs on this one, so its stallTimeout can be short.
      const stalling = makePool({ size: 1, stallTimeout: 200, retries: 1 });
      const err = await rejectsWith(settlesWithin(stalling.run('spin', null), 30_000, 'the spinning task and its retry'), 'WORKER_CRASHED');
      expect(err.details).toMatchObject({ reason: 'stalled', attempts: 2 });
      expect(stalling.stats().failed).toBe(1);
    });

    it('fails every task with INVALID_ARGUMENT when the task module fails to load, without respawning', async () => {
      const pool = new ProcessPool({ filename: THROWS_AT_LOAD, size: 2 });
      live.add(pool);
      const tasks = [pool.run('never', 1), pool.run('never', 2), pool.run('never', 3)];
      for (const t of tasks) {
        const err = await rejectsWith(t, 'INVALID_ARGUMENT');
        expect(err.message).toMatch(/fails to load/);
      }
      await until(() => pool.size === 0, 'the children to be gone');
      throwsWith(() => pool.trySubmit('never', 4), 'INVALID_ARGUMENT');
      expect(pool.stats().peakWorkers).toBe(2);
      await settlesWithin(pool.close(), 30_000, 'close after a load failure'); // a watchdog only: generous for a loaded machine
    });
  });

  describe('crashes', () => {
    it('rejects with WORKER_CRASHED when the child exits, replaces it and keeps working', async () => {
      const pool = makePool({ size: 2 });
      const err = await rejectsWith(pool.run('crash', 3), 'WORKER_CRASHED');
      expect(err.details).toMatchObject({ reason: 'crashed', exitCode: 3, attempts: 1 });
      expect(err.transient).toBe(true);
      expect(await Promise.all(Array.from({ length: 10 }, (_, i) => pool.run('default', i)))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      await until(() => pool.size === 2, 'the pool to be back at its size');
      expect(pool.stats().failed).toBe(1);
    });

    it('reports a native-style crash (process.abort()) as WORKER_CRASHED with its signal and what it wrote to stderr', async () => {
      const stderr = captureStderr();
      const pool = makePool({ size: 1 });
      const behind = pool.run('echo', 'still runs');
      const crashed = pool.run('nativeCrash', null);
      expect(await behind).toBe('still runs');
      const err = await rejectsWith(crashed, 'WORKER_CRASHED');
      expect(err.details.signal).toBe('SIGABRT');
      expect(err.details.exitCode).toBe(null);
      // Node's abort report (native and JS stacks), forwarded to stderr and kept on the error.
      expect(err.details.stderr).toContain('nativeCrash');
      expect(stderr.text()).toContain(err.details.stderr);
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('reports an error escaping the task (uncaught) as WORKER_CRASHED with it as the cause', async () => {
      const pool = makePool({ size: 1 });
      const err = await rejectsWith(pool.run('throwLater', 'escaped'), 'WORKER_CRASHED');
      expect(err.cause).toBeInstanceOf(TypeError);
      expect((err.cause as Error).message).toBe('escaped');
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('retries a crashed task up to retries times, then gives up', async () => {
      const pool = makePool({ size: 1, retries: 2 });
      const err = await rejectsWith(pool.run('crash', 9), 'WORKER_CRASHED');
      expect(err.details.attempts).toBe(3);
      expect(await pool.run('default', 1)).toBe(2);
    });

    it('maps resourceLimits.maxOldGenerationSizeMb to the child heap limit: running out crashes only that task', async () => {
      const stderr = captureStderr();
      const pool = makePool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } });
      const err = await rejectsWith(pool.run('allocateForever', null), 'WORKER_CRASHED');
      expect(err.details.stderr).toContain('FATAL ERROR: Reached heap limit');
      expect(stderr.text()).toContain('FATAL ERROR: Reached heap limit');
      expect(await pool.run('default', 1)).toBe(2);
    });
  });

  describe('limits and cancellation', () => {
    it('rejects with QUEUE_FULL past maxQueue waiting tasks (trySubmit throws it); submit waits for room', async () => {
      const pool = makePool({ size: 1, maxQueue: 1 });
      const block = new AbortController();
      const blocker = pool.run('waitForAbort', null, { signal: block.signal });
      await until(() => pool.stats().running === 1, 'the blocker to run');
      const queued = pool.run('echo', 'queued');
      await rejectsWith(pool.run('echo', 'refused'), 'QUEUE_FULL');
      throwsWith(() => pool.trySubmit('echo', 'refused'), 'QUEUE_FULL');
      const timedOut = await rejectsWith(pool.submit('echo', 'late', { timeout: 20 }), 'TIMEOUT');
      expect(timedOut.details.phase).toBe('waiting for room');
      const waiting = pool.submit('echo', 'waited');
      block.abort();
      await rejectsWith(blocker, 'CANCELED');
      expect(await queued).toBe('queued');
      expect(await waiting).toBe('waited');
    });

    it('cancels a queued task (it never runs) and aborts a running task through ctx.signal', async () => {
      const pool = makePool({ size: 1 });
      const block = new AbortController();
      const blocker = pool.run('waitForAbort', null, { signal: block.signal });
      await until(() => pool.stats().running === 1, 'the blocker to run');
      const cancel = new AbortController();
      const queued = pool.run('calls', null, { signal: cancel.signal });
      cancel.abort('changed my mind');
      const err = await rejectsWith(queued, 'CANCELED');
      expect(err.details.phase).toBe('queued');
      block.abort();
      await rejectsWith(blocker, 'CANCELED');
      expect(await pool.run('calls', null)).toBe(1); // the cancelled one never ran in that child
      expect(pool.stats().canceled).toBe(2);
    });

    it('times out a queued task (phase queued) and a running one that honours its abort (child kept)', async () => {
      // The grace (default 1 s) only decides when a child that has not answered its abort is
      // killed; this one answers, but over IPC on a loaded machine the answer can take a
      // while, so the grace is generous. A child that ignored the abort would still be
      // killed (after 30 s, within the test timeout) and fail workerTerminated: false.
      const pool = makePool({ size: 1, timeoutGrace: 30_000 });
      const pidBefore = await pool.run('pid', null);
      const first = pool.run('waitForAbort', null, { timeout: 40 });
      const second = pool.run('echo', 'x', { timeout: 10 });
      const queuedErr = await rejectsWith(second, 'TIMEOUT');
      expect(queuedErr.details).toMatchObject({ phase: 'queued', workerTerminated: false });
      const runningErr = await rejectsWith(first, 'TIMEOUT');
      expect(runningErr.details).toMatchObject({ phase: 'running', workerTerminated: false });
      expect(await pool.run('pid', null)).toBe(pidBefore);
    });

    it('kills the child of a timed-out task that ignores its abort after timeoutGrace, and keeps working', async () => {
      const pool = makePool({ size: 1, timeoutGrace: 50 });
      const pidBefore = await pool.run('pid', null);
      const err = await rejectsWith(pool.run('spin', null, { timeout: 30 }), 'TIMEOUT');
      expect(err.details).toMatchObject({ phase: 'running', workerTerminated: true });
      const pidAfter = await pool.run('pid', null);
      expect(pidAfter).not.toBe(pidBefore);
    });

    it('grows under load up to max and shrinks back to min after idleTimeout', async () => {
      const pool = makePool({ size: { min: 0, max: 2 }, idleTimeout: 50 });
      expect(pool.size).toBe(0);
      expect(await Promise.all([pool.run('default', 1), pool.run('default', 2), pool.run('default', 3)])).toEqual([2, 3, 4]);
      expect(pool.stats().peakWorkers).toBe(2);
      await until(() => pool.size === 0, 'idle children to exit');
      expect(await pool.run('default', 5)).toBe(6);
    });
  });

  describe('close', () => {
    it('drains queued and running tasks, then resolves; later tasks reject POOL_CLOSED', async () => {
      const pool = makePool({ size: 1 });
      const tasks = [pool.run('sleepAsync', 20), pool.run('echo', 'a'), pool.run('echo', 'b')];
      const closing = pool.close();
      expect(pool.close()).toBe(closing);
      await rejectsWith(pool.run('default', 1), 'POOL_CLOSED');
      throwsWith(() => pool.post('echo', 1), 'POOL_CLOSED');
      await closing;
      expect(await Promise.all(tasks)).toEqual([20, 'a', 'b']);
      expect(pool.size).toBe(0);
    });

    it("close({ timeout }) kills the children and rejects what remains with POOL_CLOSED ('shutdown timeout')", async () => {
      const pool = makePool({ size: 1 });
      const running = pool.run('spin', null);
      await until(() => pool.stats().running === 1, 'the spinner to run');
      const queued = pool.run('echo', 'never');
      const outcomes = [rejectsWith(running, 'POOL_CLOSED'), rejectsWith(queued, 'POOL_CLOSED')];
      await settlesWithin(pool.close({ timeout: 50 }), 30_000, 'forced close'); // a watchdog only: generous for a loaded machine
      const [a, b] = await Promise.all(outcomes);
      expect(a!.details.reason).toBe('shutdown timeout');
      expect(b!.details.reason).toBe('shutdown timeout');
      expect(pool.size).toBe(0);
    });

    it('supports await using, and createProcessPool builds one', async () => {
      let seen: ProcessPool | undefined;
      {
        await using pool = createProcessPool({ filename: TASKS, isolation: 'process', size: 1 });
        seen = pool;
        expect(await pool.run('default', 1)).toBe(2);
      }
      expect(seen.size).toBe(0);
      await rejectsWith(seen.run('default', 1), 'POOL_CLOSED');
    });
  });
});
