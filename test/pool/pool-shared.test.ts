// SharedArrayBuffers in task arguments stay shared: the worker and the caller see the same
// memory, whatever view or container holds it, on any worker, however many tasks use it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { SharedBuffers, SharedRegistry, type SharedMessage } from '../../dist/esm/pool/shared-memory.js';
import { Shared, makePool, rejectsWith, settlesWithin, throwsWith } from '../fixtures/pool-helpers.js';

describe('Pool: SharedArrayBuffer arguments', () => {
  it('a view over shared memory inside an object: the worker writes, the caller sees it, and the view comes back over the same buffer', async () => {
    const pool = makePool({ size: 1 });
    const sab = new SharedArrayBuffer(32);
    const counts = new Int32Array(sab, 8, 4);
    const back = (await pool.run('addShared', { counts, index: 1, by: 5 })) as Int32Array;
    expect(new Int32Array(sab)[3]).toBe(5);
    expect(back).toBeInstanceOf(Int32Array);
    expect(back.buffer).toBe(sab);
    expect([back.byteOffset, back.length]).toEqual([8, 4]);
  });

  it('every view kind and the buffer itself arrive as the same kind over the same memory', async () => {
    const pool = makePool({ size: 1 });
    const sab = new SharedArrayBuffer(64);
    const values: ArrayBufferView[] = [new Uint8Array(sab, 3, 5), new Float64Array(sab, 8, 2), new BigInt64Array(sab, 24, 1), new DataView(sab, 40, 6), Buffer.from(sab, 50, 4), new Uint8ClampedArray(sab)];
    for (const view of values) {
      const back = (await pool.run('echo', view)) as ArrayBufferView;
      expect(back.constructor).toBe(view.constructor);
      expect(back.buffer).toBe(sab);
      expect([back.byteOffset, back.byteLength]).toEqual([view.byteOffset, view.byteLength]);
    }
    expect(await pool.run('echo', sab)).toBe(sab);
  });

  it('inside arrays, Maps and Sets, without changing the caller\'s containers', async () => {
    const pool = makePool({ size: 1 });
    const sab = new SharedArrayBuffer(8);
    const map = new Map<string, unknown>([['buf', sab], ['n', 1]]);
    const set = new Set<unknown>([sab]);
    const list = [sab, { deeper: [new Int32Array(sab)] }];
    const [mapBack, setBack, listBack] = (await Promise.all([pool.run('echo', map), pool.run('echo', set), pool.run('echo', list)])) as [
      Map<string, unknown>, Set<unknown>, [SharedArrayBuffer, { deeper: Int32Array[] }],
    ];
    expect(mapBack.get('buf')).toBe(sab);
    expect(mapBack.get('n')).toBe(1);
    expect([...setBack]).toEqual([sab]);
    expect(listBack[0]).toBe(sab);
    expect(listBack[1].deeper[0]!.buffer).toBe(sab);
    expect(map.get('buf')).toBe(sab); // the caller's objects still hold the buffer itself
    expect(list[0]).toBe(sab);
  });

  it('2,000 tasks on 2 workers add to one shared counter: no lost update, one buffer', async () => {
    const shared = new Shared();
    const pool = makePool({ size: 2 }, shared);
    const sab = new SharedArrayBuffer(8);
    const counts = new Int32Array(sab);
    // A worker runs one task at a time: while the other one is held in a task that waits for
    // its abort, a batch can only run on the free worker, which reports its thread id.
    const batchOnFreeWorker = async (): Promise<number> => {
      const adds = Array.from({ length: 1_000 }, () => pool.run('addShared', { counts, index: 0, by: 1 }));
      const [thread] = await settlesWithin(Promise.all([pool.run('whoami', null), ...adds]), 10_000, 'a batch on the free worker');
      return thread as number;
    };
    const holdFirst = new AbortController();
    const heldFirst = pool.run('startedThenWaitForAbort', null, { signal: holdFirst.signal });
    await shared.untilStarted(1);
    const one = await batchOnFreeWorker();
    const holdSecond = new AbortController();
    const heldSecond = pool.run('startedThenWaitForAbort', null, { signal: holdSecond.signal });
    await shared.untilStarted(2); // on the worker that ran the first batch, the only free one
    holdFirst.abort();
    await rejectsWith(heldFirst, 'CANCELED');
    const other = await batchOnFreeWorker();
    holdSecond.abort();
    await rejectsWith(heldSecond, 'CANCELED');
    expect(other).not.toBe(one);
    expect(Atomics.load(counts, 0)).toBe(2_000);
  });

  it('a worker started after the buffer was first sent (a crashed one\'s replacement) gets it too', async () => {
    const pool = makePool({ size: 1 });
    const sab = new SharedArrayBuffer(8);
    const counts = new Int32Array(sab);
    await pool.run('addShared', { counts, index: 0, by: 1 });
    await rejectsWith(pool.run('crash', 3), 'WORKER_CRASHED');
    await pool.run('addShared', { counts, index: 0, by: 10 });
    expect(Atomics.load(counts, 0)).toBe(11);
  });

  it('a SharedArrayBuffer made in the worker cannot come back: the task fails UNSERIALIZABLE saying why', async () => {
    const pool = makePool({ size: 1 });
    const err = await rejectsWith(pool.run('makeShared', null), 'UNSERIALIZABLE');
    expect(err.message).toMatch(/made in a worker/);
  });
});

describe('shared-memory registry (the bookkeeping behind it)', () => {
  it('one id and one announcement per buffer; once the buffer is collected the workers are told to forget it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sent: Pick<SharedMessage, 'type' | 'id'>[] = []; // not the buffers: they would stay reachable
    const registry = new SharedRegistry((m) => sent.push({ type: m.type, id: m.id }));
    const kept = new SharedArrayBuffer(8);
    const keptId = registry.idOf(kept);
    expect(registry.idOf(kept)).toBe(keptId);
    let id = 0;
    (() => {
      const dropped = new SharedArrayBuffer(8);
      id = registry.idOf(dropped);
    })();
    expect(sent.map((m) => [m.type, m.id])).toEqual([['shared', keptId], ['shared', id]]);
    expect(registry.announcements().map((m) => m.id)).toEqual([keptId, id]);
    // Finalizers run as their own tasks after a GC: collect, then let the loop turn.
    for (let turn = 0; turn < 200 && !sent.some((m) => m.type === 'unshare'); turn++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sent.filter((m) => m.type === 'unshare').map((m) => m.id)).toEqual([id]);
    throwsWith(() => registry.get(id), 'INTERNAL');
    expect(registry.get(keptId)).toBe(kept);
    expect(registry.announcements().map((m) => m.id)).toEqual([keptId]);
  });

  it('a worker reads pending messages for an id it has not seen, handing other messages on', () => {
    const sab = new SharedArrayBuffer(4);
    const inbox: unknown[] = [{ type: 'abort', id: 9 }, { type: 'shared', id: 3, buffer: sab }];
    const others: unknown[] = [];
    const buffers = new SharedBuffers(() => inbox.shift(), (m) => others.push(m));
    expect(buffers.get(3)).toBe(sab);
    expect(others).toEqual([{ type: 'abort', id: 9 }]);
    expect(buffers.idOf(sab)).toBe(3);
    throwsWith(() => buffers.get(4), 'INTERNAL'); // never announced
    throwsWith(() => buffers.idOf(new SharedArrayBuffer(4)), 'UNSERIALIZABLE');
    expect(buffers.apply({ type: 'unshare', id: 3 })).toBe(true);
    expect(buffers.size).toBe(0);
  });
});
