// The async kernels' memory rule and controls: an ArrayBuffer-backed input is copied when
// the call starts, so writing, transferring (postMessage, structuredClone) or dropping it
// meanwhile never reaches the kernel; a SharedArrayBuffer-backed input is used in place;
// a signal cancels; kernels from many threads share the pool; and a busy kernel pool does
// not stop the worker pool's tasks.
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { compute } from '@weft/core';

import { makePool, rejectsWith } from '../fixtures/pool-helpers.js';

const TASKS = new URL('../fixtures/tasks.mjs', import.meta.url);

describe('async kernels and the memory they read', () => {
  it('give the sync form\'s result', async () => {
    const xs = Float64Array.from({ length: 300_000 }, (_, i) => (i % 101) - 50);
    expect(await compute.sum(xs)).toBe(compute.sumSync(xs));
    expect(await compute.min(xs)).toBe(-50);
    expect(await compute.max(xs)).toBe(50);
    expect(await compute.dot(xs, xs)).toBe(compute.dotSync(xs, xs));
  });

  it('read the array as it was when the call started, whatever JS writes meanwhile', async () => {
    const xs = new Float64Array(1_000_000).fill(1);
    const pending = compute.sum(xs);
    xs.fill(7);
    expect(await pending).toBe(1_000_000);
  });

  it('survive the array being transferred by structuredClone or postMessage during the call', async () => {
    const xs = new Float64Array(1_000_000).fill(2);
    const pending = compute.sum(xs);
    structuredClone(xs.buffer, { transfer: [xs.buffer] });
    expect(xs.length).toBe(0);
    expect(await pending).toBe(2_000_000);

    const ys = new Float64Array(1_000_000).fill(3);
    const worker = new Worker('require("node:worker_threads").parentPort.once("message", (b) => process.exit(new Float64Array(b)[0]))', { eval: true });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const again = compute.max(ys);
    worker.postMessage(ys.buffer, [ys.buffer]);
    expect(ys.length).toBe(0);
    expect(await again).toBe(3);
    expect(await exited).toBe(3);
  });

  it('use a SharedArrayBuffer-backed array in place', async () => {
    const xs = new Float64Array(new SharedArrayBuffer(8 * 500_000)).fill(4);
    expect(await compute.sum(xs)).toBe(2_000_000);
    expect(await compute.dot(xs, xs)).toBe(8_000_000);
  });

  it('reject a detached array at the call, naming the argument', async () => {
    const xs = new Float64Array(8);
    structuredClone(xs.buffer, { transfer: [xs.buffer] });
    const err = await rejectsWith(compute.sum(xs), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/compute\.sum: a is detached/);
  });
});

describe('async kernel controls', () => {
  it('an aborted signal rejects before the kernel starts, with the reason as cause', async () => {
    const why = new Error('not needed');
    const err = await rejectsWith(compute.sum(new Float64Array(4), { signal: AbortSignal.abort(why) }), 'CANCELED');
    expect(err.cause).toBe(why);
    expect(err.details.operation).toBe('compute.sum');
  });

  it('bad options are INVALID_ARGUMENT naming the option', async () => {
    const xs = new Float64Array(4);
    expect((await rejectsWith(compute.sum(xs, { signal: 'x' } as never), 'INVALID_ARGUMENT')).message).toMatch(/options\.signal must be an AbortSignal/);
    expect((await rejectsWith(compute.sum(xs, { onProgress: 1 } as never), 'INVALID_ARGUMENT')).message).toMatch(/options\.onProgress must be a function/);
    expect((await rejectsWith(compute.sum(xs, { sigal: 1 } as never), 'INVALID_ARGUMENT')).message).toMatch(/"sigal" is not a known option \(did you mean "signal"\?\)/);
    expect((await rejectsWith(compute.sum(xs, 5 as never), 'INVALID_ARGUMENT')).message).toMatch(/options must be an object/);
  });
});

describe('kernels across threads', () => {
  it('raw workers call sync and async kernels at once, sharing the kernel pool', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('@weft/core').then(async ({ compute }) => {
        const xs = Float64Array.from({ length: 200000 }, (_, i) => (i % 13) * workerData);
        const out = [];
        for (let i = 0; i < 10; i++) out.push(compute.sumSync(xs), await compute.sum(xs), await compute.max(xs));
        parentPort.postMessage(out);
      });`;
    const results = await Promise.all(
      [1, 2, 3, 4].map(
        (k) =>
          new Promise<number[]>((resolve, reject) => {
            const w = new Worker(source, { eval: true, workerData: k });
            w.once('message', (m: number[]) => void w.terminate().then(() => resolve(m)));
            w.once('error', reject);
          }),
      ),
    );
    results.forEach((out, i) => {
      const k = i + 1;
      const sum = Array.from({ length: 200_000 }, (_, j) => (j % 13) * k).reduce((a, b) => a + b, 0);
      expect(out).toEqual(Array.from({ length: 10 }, () => [sum, sum, 12 * k]).flat());
    });
  });

  it('a kernel pool kept busy does not stop the worker pool\'s tasks', async () => {
    const pool = makePool({ filename: TASKS, size: 2 });
    const big = new Float64Array(4_000_000).fill(1);
    let tasksDone = false;
    let kernels = 0;
    // One loop per kernel thread and one more: the kernel pool never idles until the
    // worker pool's tasks are all done.
    const loops = Array.from({ length: compute.threads() + 1 }, async () => {
      while (!tasksDone) {
        expect(await compute.sum(big)).toBe(4_000_000);
        kernels++;
      }
    });
    const tasks = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.run('default', i)));
    tasksDone = true;
    await Promise.all(loops);
    expect(tasks).toHaveLength(40);
    expect(kernels).toBeGreaterThan(0);
  });
});
