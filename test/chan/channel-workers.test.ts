// Channels across threads: values pass between pool workers, raw workers and the main
// thread with no loss and no duplicate, in the bulk, one-at-a-time, blocking and async
// forms; cancellation racing delivery never loses a value; selectSync in a worker.
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { Channel, isWeftError, select } from '@weft/core';

import { makePool, settlesWithin, until } from '../fixtures/pool-helpers.js';

const CHAN_TASKS = new URL('../fixtures/chan-tasks.mjs', import.meta.url);
const RAW_WORKER = new URL('../fixtures/chan-raw-worker.mjs', import.meta.url);

interface Tally {
  count: number;
  sum: number;
  xor: number;
  seen: Uint8Array;
}

function chanPool(size: number) {
  return makePool({ filename: CHAN_TASKS, size });
}

/** Expects the tallies together to hold every integer in [0, n) exactly once. */
function expectEachOnce(tallies: Tally[], n: number): void {
  let count = 0;
  let sum = 0;
  let xor = 0;
  const seen = new Uint8Array(n);
  for (const t of tallies) {
    count += t.count;
    sum += t.sum;
    xor ^= t.xor;
    for (let i = 0; i < n; i++) seen[i]! += t.seen[i]!;
  }
  let expectedXor = 0;
  for (let i = 0; i < n; i++) expectedXor ^= i;
  expect(count).toBe(n);
  expect(sum).toBe((n * (n - 1)) / 2);
  expect(xor).toBe(expectedXor);
  const missing = seen.indexOf(0);
  const twice = seen.findIndex((k) => k > 1);
  expect(missing, `value ${missing} never arrived`).toBe(-1);
  expect(twice, `value ${twice} arrived more than once`).toBe(-1);
}

function newTally(n: number): Tally {
  return { count: 0, sum: 0, xor: 0, seen: new Uint8Array(n) };
}

function see(t: Tally, v: number): void {
  t.count++;
  t.sum += v;
  t.xor ^= v;
  if (Number.isInteger(v) && v >= 0 && v < t.seen.length && t.seen[v]! < 255) t.seen[v]!++;
}

describe('Channel across threads', () => {
  describe('many values, no loss and no duplicate', () => {
    it('moves 1,000,000 numbers from 2 producer tasks to 2 consumer tasks (sendMany / recvMany)', async () => {
      const n = 1_000_000;
      const pool = chanPool(4);
      const ch = new Channel<number>(4096);
      const half = n / 2;
      const consumers = [0, 1].map(() => pool.run('consumeMany', { ch, max: 4096, n }) as Promise<Tally>);
      const producers = [0, 1].map((i) => pool.run('produceMany', { ch, start: i * half, count: half, batch: 2048 }));
      expect(await settlesWithin(Promise.all(producers), 30_000, 'producers')).toEqual([half, half]);
      ch.close();
      const tallies = await settlesWithin(Promise.all(consumers), 30_000, 'consumers');
      expectEachOnce(tallies, n);
      expect(ch.len).toBe(0);
    });

    it('moves 1,000,000 numbers from 2 producer tasks to 2 consumers on the main thread', async () => {
      const n = 1_000_000;
      const pool = chanPool(2);
      const ch = new Channel<number>(1024);
      const half = n / 2;
      const producers = Promise.all([0, 1].map((i) => pool.run('produceMany', { ch, start: i * half, count: half, batch: 1024 })));
      const consume = async (): Promise<Tally> => {
        const t = newTally(n);
        for (;;) {
          const values = await ch.recvMany(2048);
          if (values.length === 0) return t;
          for (const v of values) see(t, v);
        }
      };
      const consumers = Promise.all([consume(), consume()]);
      await settlesWithin(producers, 30_000, 'producers');
      ch.close();
      expectEachOnce(await settlesWithin(consumers, 30_000, 'consumers'), n);
    });

    it.each([[0], [16]])('moves 20,000 numbers one at a time with sendSync / recvSync between workers (capacity %i)', async (cap) => {
      const n = 20_000;
      const pool = chanPool(4);
      const ch = new Channel<number>(cap);
      const consumers = [0, 1].map(() => pool.run('consumeSync', { ch, n }) as Promise<Tally>);
      const producers = [0, 1].map((i) => pool.run('produceSync', { ch, start: i * (n / 2), count: n / 2 }));
      await settlesWithin(Promise.all(producers), 30_000, 'producers');
      ch.close();
      expectEachOnce(await settlesWithin(Promise.all(consumers), 30_000, 'consumers'), n);
    });

    it('moves 10,000 numbers one at a time with async send / for-await in workers', async () => {
      const n = 10_000;
      const pool = chanPool(4);
      const ch = new Channel<number>(8);
      const consumers = [0, 1].map(() => pool.run('consumeIterate', { ch, n }) as Promise<Tally>);
      const producers = [0, 1].map((i) => pool.run('produceAsync', { ch, start: i * (n / 2), count: n / 2 }));
      await settlesWithin(Promise.all(producers), 30_000, 'producers');
      ch.close();
      expectEachOnce(await settlesWithin(Promise.all(consumers), 30_000, 'consumers'), n);
    });

    it('keeps each producer’s order as seen by a single consumer', async () => {
      const n = 20_000;
      const pool = chanPool(2);
      const ch = new Channel<number>(4);
      const producer = pool.run('produceSync', { ch, start: 0, count: n });
      const got: number[] = [];
      for await (const v of ch) {
        got.push(v);
        if (got.length === n) ch.close();
      }
      expect(await producer).toBe(n);
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    });
  });

  it('ping-pongs 3,000 rounds between the main thread (async) and a worker (sync)', async () => {
    const pool = chanPool(1);
    const ping = new Channel<number>(0);
    const pong = new Channel<number>(0);
    const worker = pool.run('pongSync', { ping, pong });
    const rounds = 3_000;
    for (let i = 0; i < rounds; i++) {
      await ping.send(i * 2);
      const r = await pong.recv();
      expect(r.ok).toBe(true);
      if (r.value !== i * 2 + 1) expect(r.value).toBe(i * 2 + 1); // only the first mismatch fails loudly
    }
    ping.close();
    expect(await settlesWithin(worker, 10_000, 'pong worker')).toBe(rounds);
  });

  it('a channel in workerData reaches a raw Worker, which revives it', async () => {
    const jobs = new Channel<number>(16);
    const results = new Channel<{ label: string; sum: number; count: number }>(Infinity);
    const workers = ['a', 'b'].map((label) => new Worker(RAW_WORKER, { workerData: { jobs, results, label } }));
    const exits = workers.map((w) => new Promise<number>((resolve, reject) => (w.once('error', reject), w.once('exit', resolve))));
    try {
      const n = 2_000;
      for (let i = 1; i <= n; i++) await jobs.send(i);
      jobs.close();
      const reports = [(await results.recv()).value!, (await results.recv()).value!];
      expect(reports.map((r) => r.label).sort()).toEqual(['a', 'b']);
      expect(reports[0]!.count + reports[1]!.count).toBe(n);
      expect(reports[0]!.sum + reports[1]!.sum).toBe((n * (n + 1)) / 2);
      expect(await settlesWithin(Promise.all(exits), 10_000, 'raw workers exiting')).toEqual([0, 0]);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('a channel sent over another channel is the same channel on the other side, both ways', async () => {
    const pool = chanPool(1);
    const carrier = new Channel<Channel<string>>(0);
    const task = pool.run('useReceivedChannel', { carrier, message: 'hello from the worker' });
    const inner = new Channel<string>(0);
    await carrier.send(inner);
    expect(await inner.recv()).toEqual({ value: 'hello from the worker', ok: true });
    // The worker made a channel and sent it back the same way.
    const { value: back } = await carrier.recv();
    expect(back).toBeInstanceOf(Channel);
    expect(back!.cap).toBe(1);
    await back!.send('reply from main');
    expect(await settlesWithin(task, 10_000, 'worker')).toBe('reply from main');
  });

  describe('cancellation racing delivery', () => {
    it.each([[0], [4]])('recv with tiny timeouts and aborts never loses or repeats a value a worker sends (capacity %i)', async (cap) => {
      const pool = chanPool(1);
      const ch = new Channel<number>(cap);
      const n = 3_000;
      let finished = false;
      const task = pool.run('sendDistinct', { ch, count: n }).then((v) => {
        finished = true;
        return v;
      });
      const received: number[] = [];
      let cancelled = 0;
      for (let i = 0; !finished; i++) {
        let options: { timeout?: number; signal?: AbortSignal };
        if (i % 3 === 2) {
          const ac = new AbortController();
          setImmediate(() => ac.abort());
          options = { signal: ac.signal };
        } else {
          options = { timeout: i % 3 };
        }
        try {
          const r = await ch.recv(options);
          expect(r.ok).toBe(true);
          received.push(r.value!);
        } catch (err) {
          if (!isWeftError(err, 'TIMEOUT') && !isWeftError(err, 'CANCELED')) throw err;
          cancelled++;
        }
      }
      expect(await task).toBe(n);
      // What the worker sent but no receive took is still in the channel.
      for (let r = ch.tryRecv(); r !== undefined; r = ch.tryRecv()) received.push(r.value!);
      expect(received.length).toBe(n);
      expect(new Set(received).size).toBe(n);
      expect(received.reduce((s, v) => s + v, 0)).toBe((n * (n + 1)) / 2);
      // One sender: the order is kept too.
      expect(received).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });

    it('a select with a tiny timeout on the main thread never loses a value sent by a worker', async () => {
      const pool = chanPool(1);
      const ch = new Channel<number>(0);
      const idle = new Channel<number>(0);
      const n = 2_000;
      let finished = false;
      const task = pool.run('sendDistinct', { ch, count: n }).then(() => {
        finished = true;
      });
      const received: number[] = [];
      while (!finished) {
        try {
          const r = await select([idle.recvCase(), ch.recvCase()], { timeout: 0 });
          expect(r.index).toBe(1);
          received.push(r.value as number);
        } catch (err) {
          if (!isWeftError(err, 'TIMEOUT')) throw err;
        }
      }
      await task;
      for (let r = ch.tryRecv(); r !== undefined; r = ch.tryRecv()) received.push(r.value!);
      expect(received).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });
  });

  describe('blocking forms in workers', () => {
    it('selectSync receives from whichever channel is ready until both are closed and drained', async () => {
      const pool = chanPool(1);
      const a = new Channel<number>(2);
      const b = new Channel<number>(2);
      const task = pool.run('selectBoth', { a, b }) as Promise<{ fromA: number[]; fromB: number[] }>;
      const n = 1_000;
      await Promise.all([
        (async () => {
          for (let i = 0; i < n; i++) await a.send(i);
          a.close();
        })(),
        (async () => {
          for (let i = 0; i < n; i++) await b.send(n + i);
          b.close();
        })(),
      ]);
      const { fromA, fromB } = await settlesWithin(task, 10_000, 'selectBoth');
      expect(fromA).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(fromB).toEqual(Array.from({ length: n }, (_, i) => n + i));
    });

    it('selectSync with a send case sends exactly as many values as were received, then sees quit close', async () => {
      const pool = chanPool(1);
      const out = new Channel<string>(0);
      const quit = new Channel<never>(0);
      const values = Array.from({ length: 100 }, (_, i) => `v${i}`);
      const task = pool.run('selectSendUntilQuit', { out, quit, values });
      const got: string[] = [];
      for (let i = 0; i < 40; i++) got.push((await out.recv()).value!);
      quit.close();
      expect(await settlesWithin(task, 10_000, 'selectSendUntilQuit')).toBe(40);
      expect(got).toEqual(values.slice(0, 40));
      expect(out.tryRecv()).toBeUndefined(); // the pending send case was withdrawn
    });

    it('selectSync, recvSync and sendSync time out with TIMEOUT and leave the channels as they were', async () => {
      const pool = chanPool(1);
      const ch = new Channel<number>(0);
      expect(await pool.run('selectSyncTimeout', { ch, timeout: 5 })).toBe('TIMEOUT');
      expect(ch.trySend(1)).toBe(false); // no receiver left waiting
      const empty = new Channel<number>(1);
      const full = new Channel<string>(1);
      await full.send('first');
      expect(await pool.run('syncTimeouts', { empty, full })).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
      expect(full.len).toBe(1);
      expect(await full.recv()).toEqual({ value: 'first', ok: true });
      expect(full.tryRecv()).toBeUndefined();
    });

    it('selectSync commits an after case when nothing is ready, a ready channel case first, and refuses after cases alone', async () => {
      const pool = chanPool(1);
      const ch = new Channel<string>(1);
      expect(await pool.run('selectSyncAfter', { ch })).toEqual({
        idle: { index: 1, value: undefined, ok: true },
        ready: { index: 0, value: 'ready', ok: true },
        alone: 'INVALID_ARGUMENT',
      });
      expect(ch.waitingCount).toBe(0);
    });

    it('a blocked sendSync throws CHANNEL_CLOSED with its value when the channel closes', async () => {
      const pool = chanPool(1);
      const ch = new Channel<string>(1);
      const task = pool.run('sendSyncUntilClosed', { ch, value: 'unsent' });
      await until(() => ch.len === 1, 'the first send to land');
      // The second sendSync is blocked: registered as a waiting sender, its task unsettled.
      // (A sendSync that did not wait would settle the task before any sender registered.)
      const blocked = until(() => ch.waitingCount === 1, 'the second sendSync to block').then(
        () => 'blocked',
        (err: unknown) => ({ neverBlocked: String(err) }),
      );
      const settledFirst = task.then(
        (value) => ({ settledBeforeClose: value }),
        (err: unknown) => ({ settledBeforeClose: err }),
      );
      expect(await Promise.race([blocked, settledFirst])).toBe('blocked');
      expect(ch.len).toBe(1);
      ch.close();
      expect(await settlesWithin(task, 10_000, 'sendSyncUntilClosed')).toEqual({ code: 'CHANNEL_CLOSED', value: 'unsent' });
      expect(ch.waitingCount).toBe(0); // the refused sender is no longer registered
      expect(await ch.recv()).toEqual({ value: 'unsent', ok: true });
      expect(await ch.recv()).toEqual({ value: undefined, ok: false });
    });

    it('an async select in a worker wakes when the main thread sends', async () => {
      const pool = chanPool(1);
      const a = new Channel<string>(0);
      const b = new Channel<string>(0);
      const task = pool.run('selectAsyncInWorker', { a, b }) as Promise<{ index: number; value: string; threadId: number }>;
      await b.send('to the worker'); // resolves once the worker's select took it
      const r = await task;
      expect(r.index).toBe(1);
      expect(r.value).toBe('to the worker');
      expect(r.threadId).not.toBe(0);
    });
  });
});
