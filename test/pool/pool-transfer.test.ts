// What a task receives is what the caller passed at run() time, and a transfer list hands
// buffers over (detached on the sender), on worker threads and in child processes alike.
import { afterEach, describe, expect, it } from 'vitest';

import { Pool, type PoolOptions } from '@weft/core';

import { CRASH_ATTEMPTS, Shared, makePool, rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';

const PROCESS_TASKS = new URL('../fixtures/process-tasks.mjs', import.meta.url);
const processPools = new Set<Pool>();
afterEach(async () => {
  const pools = [...processPools];
  processPools.clear();
  await Promise.all(pools.map((pool) => pool.close({ timeout: 1_000 })));
});

type Isolation = 'thread' | 'process';
function poolFor(isolation: Isolation, options: Partial<PoolOptions> = {}, shared?: Shared): Pool {
  if (isolation === 'thread') return makePool(options, shared);
  const pool = new Pool({ filename: PROCESS_TASKS, size: 1, isolation: 'process', ...options } as PoolOptions);
  processPools.add(pool);
  return pool;
}

const bytesOf = (value: unknown): number[] => Array.from(value as Uint8Array);

describe.each<Isolation>(['thread', 'process'])('Pool (%s): task arguments', (isolation) => {
  it('a task sees its bytes as they were at run(), whatever the caller writes afterwards', async () => {
    const pool = poolFor(isolation);
    const u8 = new Uint8Array([1, 2, 3]);
    const f64 = new Float64Array([1.5, 2.5]);
    const sent = [pool.run('echo', u8), pool.run('echo', f64), pool.run('echo', u8.buffer)];
    u8[0] = 99;
    f64[1] = -1;
    const [u8Back, f64Back, abBack] = await Promise.all(sent);
    expect(bytesOf(u8Back)).toEqual([1, 2, 3]);
    expect(Array.from(f64Back as Float64Array)).toEqual([1.5, 2.5]);
    expect(bytesOf(new Uint8Array(abBack as ArrayBuffer))).toEqual([1, 2, 3]);
  });

  it('transfer: the listed buffers are detached once the task is queued, and the task gets their bytes', async () => {
    const pool = poolFor(isolation);
    const bytes = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    const expected = bytes.reduce((sum, b) => sum + b, 0);
    const other = new ArrayBuffer(16); // listed but not in the argument: detached too, as with postMessage
    const result = pool.run('byteSum', bytes, { transfer: [bytes.buffer, other] });
    expect(bytes.byteLength).toBe(0);
    expect(other.byteLength).toBe(0);
    expect(await result).toBe(expected);
  });

  it('transfer inside an object argument (structured-clone path)', async () => {
    const pool = poolFor(isolation);
    const payload = { name: 'frame', data: new Uint8Array([5, 6, 7]) };
    const back = pool.run('echo', payload, { transfer: [payload.data.buffer] });
    expect(payload.data.byteLength).toBe(0);
    const echoed = (await back) as typeof payload;
    expect(echoed.name).toBe('frame');
    expect(bytesOf(echoed.data)).toEqual([5, 6, 7]);
  });

  it('a bad transfer list is INVALID_ARGUMENT naming the option, and nothing is queued or detached', async () => {
    const pool = poolFor(isolation);
    const kept = new ArrayBuffer(8);
    const detached = new ArrayBuffer(8);
    structuredClone(undefined, { transfer: [detached] });
    const cases: [unknown, RegExp][] = [
      [kept, /must be an array/],
      [[new Uint8Array(kept)], /Uint8Array \(list its \.buffer\)/],
      [[new SharedArrayBuffer(8)], /SharedArrayBuffer/],
      [[kept, kept], /same ArrayBuffer twice/],
      [[detached], /already detached/],
      [[null], /got null/],
      [[{}], /got a Object/],
    ];
    for (const [transfer, message] of cases) {
      const err = await rejectsWith(pool.run('echo', new Uint8Array(kept), { transfer } as never), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
      expect(err.details).toMatchObject({ option: 'transfer' });
    }
    expect(kept.byteLength).toBe(8);
    expect(pool.stats().completed + pool.stats().queued + pool.stats().running).toBe(0);
  });

  it('a detached buffer (already transferred away) is UNSERIALIZABLE, as postMessage refuses it', async () => {
    const pool = poolFor(isolation);
    const u8 = new Uint8Array([1, 2, 3]);
    const ab = new ArrayBuffer(4);
    structuredClone(undefined, { transfer: [u8.buffer, ab] });
    for (const arg of [u8, ab, { nested: u8 }]) {
      const err = await rejectsWith(pool.run('echo', arg), 'UNSERIALIZABLE');
      expect(err.message).toMatch(/detached/);
    }
    expect(await pool.run('echo', new Uint8Array(0))).toEqual(new Uint8Array(0)); // empty is not detached
  });
});

describe('Pool (thread): transfer and queue limits, retries', () => {
  it('a task refused with QUEUE_FULL leaves its transfer list attached', async () => {
    const shared = new Shared();
    const pool = makePool({ size: 1, maxQueue: 1 }, shared);
    const held = pool.run('hold', 30_000);
    await shared.untilStarted(1);
    const queued = pool.trySubmit('echo', 1);
    const buffer = new Uint8Array([1, 2]).buffer;
    throwsWith(() => pool.trySubmit('echo', buffer, { transfer: [buffer] }), 'QUEUE_FULL');
    expect(buffer.byteLength).toBe(2);
    shared.open();
    expect(await Promise.all([held, queued])).toEqual([expect.any(Number), 1]);
  });

  it('a retry after a crash resubmits the bytes that were sent, though the sender handed them over', async () => {
    const shared = new Shared();
    const pool = makePool({ size: 1, retries: 1 }, shared);
    const bytes = new Uint8Array([4, 5, 6]);
    const back = pool.run('crashFirst', bytes, { transfer: [bytes.buffer] });
    expect(bytes.byteLength).toBe(0);
    expect(bytesOf(await back)).toEqual([4, 5, 6]);
    expect(Atomics.load(shared.view, CRASH_ATTEMPTS)).toBe(2);
  });

  it('a retry sends the bytes as they were at run(), not as the caller later changed them', async () => {
    const shared = new Shared();
    const pool = makePool({ size: 1, retries: 1 }, shared);
    const bytes = new Uint8Array([1, 1, 1]);
    const back = pool.run('crashFirst', bytes);
    bytes.fill(9);
    expect(bytesOf(await back)).toEqual([1, 1, 1]);
  });
});

