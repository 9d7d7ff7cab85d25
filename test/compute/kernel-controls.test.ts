// The async forms of the reductions, histogram, scan/search and element-wise kernels:
// results written back into an ArrayBuffer-backed `out` or in-place array when the kernel
// ends, INVALID_ARGUMENT with the result in details.result when that array was detached
// meanwhile, inputs written or transferred during the call not changing the result,
// cancellation by a signal (CANCELED, the reason as cause, an in-place array untouched),
// onProgress reports, and results that do not depend on compute.setThreads.
import { describe, expect, it } from 'vitest';

import { compute } from '@weft/core';

import { rejectsWith } from '../fixtures/pool-helpers.js';
import { expectElements, onThreadCounts, random, randomArray, shared, TYPES } from '../fixtures/typed-arrays.js';

type Options = { signal?: AbortSignal; onProgress?: (done: number, total: number) => void };

/** 2^23 elements: 256 chunks of 32768, each preceded by a cancellation check. */
const BIG = 1 << 23;

/** An ascending Float32Array of `n` elements with repeats. */
function ascending(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(i / 4);
  return a;
}

/** `n` values to look up in `ascending(n)`, in no order. */
function scattered(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7919) % (n / 4);
  return a;
}

/**
 * Every async kernel started on large inputs with `options`; `untouched` (if any) is the
 * ArrayBuffer-backed array the kernel would write, and what it must still hold when the
 * kernel is cancelled.
 */
function kernelCalls(n: number): Array<{ name: string; start: (options: Options) => Promise<unknown>; untouched?: () => boolean }> {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (i % 1000) / 1000;
  const sorted = ascending(n);
  const out = new Float32Array(n).fill(-1);
  const inPlace = new Float32Array(n).fill(-2);
  const y = new Float32Array(n).fill(-3);
  const filled = new Uint8Array(n).fill(9);
  const sums = new Float32Array(n).fill(-4);
  const all = (xs: ArrayLike<number>, v: number) => (): boolean => Array.prototype.every.call(xs, (x: number) => x === v);
  return [
    { name: 'sum', start: (o) => compute.sum(a, o) },
    { name: 'mean', start: (o) => compute.mean(a, o) },
    { name: 'variance', start: (o) => compute.variance(a, { ddof: 1, ...o }) },
    { name: 'std', start: (o) => compute.std(a, o) },
    { name: 'min', start: (o) => compute.min(a, o) },
    { name: 'max', start: (o) => compute.max(a, o) },
    { name: 'minMax', start: (o) => compute.minMax(a, o) },
    { name: 'countNonZero', start: (o) => compute.countNonZero(a, o) },
    { name: 'countNaN', start: (o) => compute.countNaN(a, o) },
    { name: 'dot', start: (o) => compute.dot(a, a, o) },
    { name: 'histogram', start: (o) => compute.histogram(a, { bins: 10, ...o }) },
    { name: 'histogram', start: (o) => compute.histogram(a, { bins: 10, range: [0, 1], ...o }) },
    { name: 'scan', start: (o) => compute.scan(a, { out: sums, ...o }), untouched: all(sums, -4) },
    { name: 'unique', start: (o) => compute.unique(sorted, o) },
    { name: 'searchSorted', start: (o) => compute.searchSorted(sorted, a, { side: 'right', ...o }) },
    { name: 'add', start: (o) => compute.add(a, a, { out, ...o }), untouched: all(out, -1) },
    { name: 'sub', start: (o) => compute.sub(inPlace, a, { out: inPlace, ...o }), untouched: all(inPlace, -2) },
    { name: 'mul', start: (o) => compute.mul(a, a, o) },
    { name: 'div', start: (o) => compute.div(a, a, o) },
    { name: 'scale', start: (o) => compute.scale(a, 2, o) },
    { name: 'clamp', start: (o) => compute.clamp(a, 0.25, 0.5, o) },
    { name: 'copy', start: (o) => compute.copy(a, out, o), untouched: all(out, -1) },
    { name: 'fill', start: (o) => compute.fill(filled, 1, o), untouched: all(filled, 9) },
    { name: 'axpy', start: (o) => compute.axpy(2, a, y, o), untouched: all(y, -3) },
  ];
}

describe('cancellation', () => {
  /**
   * A kernel busy for seconds on every pool thread: a binary search of 2^23 values in 2^23
   * sorted ones, 256 chunks. Kernels started after it wait in the pool's queue until its
   * chunks run out, so a signal aborted right after their call reaches them first.
   */
  function busyPool(signal: AbortSignal): Promise<unknown> {
    return compute.searchSorted(ascending(BIG), scattered(BIG), { signal });
  }

  it('a signal aborted right after the call rejects CANCELED with the reason as cause, leaving an in-place array untouched', async () => {
    const busy = new AbortController();
    const blocker = busyPool(busy.signal);
    const calls = kernelCalls(1 << 20).map(({ name, start, untouched }) => {
      const controller = new AbortController();
      const why = new Error(`${name} not needed`);
      const pending = start({ signal: controller.signal });
      controller.abort(why);
      // Handled at once: it may reject while the test still awaits the long kernel.
      const outcome = rejectsWith(pending, 'CANCELED').catch((e: Error) => expect.fail(`compute.${name}: ${e.message}`));
      return { name, outcome, why, untouched };
    });
    // The long kernel, aborted while it runs: it stops between chunks.
    const why = new Error('busy no more');
    busy.abort(why);
    const err = await rejectsWith(blocker, 'CANCELED');
    expect(err.cause).toBe(why);
    expect(err.message).toMatch(/^compute\.searchSorted was cancelled by its signal/);
    for (const { name, outcome, why, untouched } of calls) {
      const err = await outcome;
      expect(err.cause, name).toBe(why);
      expect(err.message).toMatch(new RegExp(`^compute\\.${name} was cancelled by its signal`));
      expect(err.details.operation).toBe(`compute.${name}`);
      if (untouched !== undefined) expect(untouched(), `${name} left its array as it was`).toBe(true);
    }
  });

  it('a large kernel aborted right after the call stops between chunks; its in-place array is untouched', async () => {
    const [sorted, values] = [ascending(BIG), scattered(BIG)];
    const controller = new AbortController();
    const seen: number[] = [];
    const pending = compute.searchSorted(sorted, values, { signal: controller.signal, onProgress: (done) => seen.push(done) });
    controller.abort();
    const err = await rejectsWith(pending, 'CANCELED');
    expect(err.cause).toBe(controller.signal.reason);
    expect((err.cause as Error).name).toBe('AbortError');
    for (const done of seen) expect(done).toBeLessThan(2 * BIG);
  });

  it('an aborted signal rejects before the kernel starts; AbortSignal.timeout() rejects TIMEOUT', async () => {
    const a = new Float64Array(8);
    for (const start of [() => compute.histogram(a, { bins: 2, signal: AbortSignal.abort('early') }), () => compute.fill(a, 1, { signal: AbortSignal.abort('early') })]) {
      const err = await rejectsWith(start(), 'CANCELED');
      expect(err.cause).toBe('early');
    }
    expect(a.every((x) => x === 0)).toBe(true);
    const timeout = AbortSignal.timeout(0);
    await new Promise((resolve) => timeout.addEventListener('abort', resolve, { once: true }));
    await rejectsWith(compute.scan(a, { signal: timeout }), 'TIMEOUT');
  });

  it('a signal that never aborts changes nothing', async () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => i);
    const signal = new AbortController().signal;
    expect(await compute.sum(a, { signal })).toBe(499_500);
    expectElements(await compute.scale(a, 2, { signal }), Float64Array, Array.from(a, (x) => 2 * x));
  });
});

describe('progress', () => {
  it('onProgress: done never decreases, total never changes, and the last report has done === total', async () => {
    for (const { name, start } of kernelCalls(1 << 21)) {
      const calls: Array<[number, number]> = [];
      await start({ onProgress: (done, total) => calls.push([done, total]) });
      expect(calls.length, name).toBeGreaterThan(0);
      const total = calls[0]![1];
      expect(total, name).toBeGreaterThan(0);
      for (let i = 0; i < calls.length; i++) {
        expect(calls[i]![1], `${name} total`).toBe(total);
        if (i > 0) expect(calls[i]![0], `${name} done`).toBeGreaterThanOrEqual(calls[i - 1]![0]);
      }
      expect(calls.at(-1), name).toEqual([total, total]);
    }
  });

  it('an empty input reports its end once: (0, 0)', async () => {
    const empty = new Float64Array(0);
    for (const start of [(o: Options) => compute.sum(empty, o), (o: Options) => compute.scan(empty, o), (o: Options) => compute.add(empty, empty, o), (o: Options) => compute.fill(empty, 1, o)]) {
      const calls: Array<[number, number]> = [];
      await start({ onProgress: (done, total) => calls.push([done, total]) });
      expect(calls).toEqual([[0, 0]]);
    }
  });

  it('a throwing onProgress stops the kernel and becomes the call\'s error', async () => {
    const boom = new Error('progress failed');
    const y = new Float64Array(BIG).fill(1);
    const pending = compute.axpy(1, new Float64Array(BIG), y, {
      onProgress: () => {
        throw boom;
      },
    });
    await expect(pending).rejects.toBe(boom);
  });
});

describe('async results land in the arrays the call named', () => {
  const next = random(1200);
  const a = randomArray(TYPES[1]!, 50_000, next) as Float32Array;
  const b = randomArray(TYPES[1]!, 50_000, next) as Float32Array;
  const sum = compute.addSync(a, b);

  it('an ArrayBuffer-backed out or in-place array receives the result when the kernel ends, over what JS wrote meanwhile', async () => {
    const out = new Float32Array(a.length);
    const p1 = compute.add(a, b, { out });
    out.fill(5);
    expect(await p1).toBe(out);
    expectElements(out, Float32Array, sum, 'out');
    const a1 = a.slice();
    const p2 = compute.add(a1, b, { out: a1 });
    a1.fill(7);
    expect(await p2).toBe(a1);
    expectElements(a1, Float32Array, sum, 'out === a');
    const y = b.slice();
    const p3 = compute.axpy(1, a, y);
    y.fill(0);
    expect(await p3).toBe(y);
    expectElements(y, Float32Array, compute.axpySync(1, a, b.slice()), 'axpy y');
    const f = new Int16Array(1000);
    const p4 = compute.fill(f, 300);
    f[0] = 1;
    expect(await p4).toBe(f);
    expect(f.every((x) => x === 300)).toBe(true);
  });

  const DETACHED: Array<[string, string, () => [Promise<unknown>, ArrayBufferView], () => unknown]> = [
    ['add', 'out', () => { const out = new Float32Array(a.length); return [compute.add(a, b, { out }), out]; }, () => sum],
    ['sub', 'out', () => { const x = a.slice(); return [compute.sub(x, b, { out: x }), x]; }, () => compute.subSync(a, b)],
    ['mul', 'out', () => { const y = b.slice(); return [compute.mul(a, y, { out: y }), y]; }, () => compute.mulSync(a, b)],
    ['div', 'out', () => { const out = new Float32Array(a.length); return [compute.div(a, b, { out }), out]; }, () => compute.divSync(a, b)],
    ['scale', 'out', () => { const x = a.slice(); return [compute.scale(x, 3, { out: x }), x]; }, () => compute.scaleSync(a, 3)],
    ['clamp', 'out', () => { const out = new Float32Array(a.length); return [compute.clamp(a, -0.1, 0.1, { out }), out]; }, () => compute.clampSync(a, -0.1, 0.1)],
    ['clamp', 'out', () => { const out = new Uint8ClampedArray(10); return [compute.clamp(new Uint8ClampedArray(10).fill(200), 0, 100, { out }), out]; }, () => new Uint8ClampedArray(10).fill(100)],
    ['copy', 'dst', () => { const dst = new Float32Array(a.length); return [compute.copy(a, dst), dst]; }, () => a],
    ['fill', 'a', () => { const f = new BigInt64Array(10); return [compute.fill(f, -5n), f]; }, () => new BigInt64Array(10).fill(-5n)],
    ['axpy', 'y', () => { const y = b.slice(); return [compute.axpy(2, a, y), y]; }, () => compute.axpySync(2, a, b.slice())],
    ['scan', 'out', () => { const out = new Float64Array(1000); return [compute.scan(new Int8Array(1000).fill(1), { out }), out]; }, () => Float64Array.from({ length: 1000 }, (_, i) => i + 1)],
  ];

  it.each(DETACHED)('%s: the array written (%s) detached during the call rejects INVALID_ARGUMENT with the result in details.result', async (name, param, start, want) => {
    const [pending, target] = start();
    structuredClone(target.buffer, { transfer: [target.buffer as ArrayBuffer] });
    const err = await rejectsWith(pending, 'INVALID_ARGUMENT');
    expect(err.message).toMatch(new RegExp(`^compute\\.${name}: ${param} was detached \\(transferred\\) while the kernel ran, so the result could not be written to it; it is in details\\.result`));
    expect(err.details).toMatchObject({ operation: `compute.${name}`, param });
    const expected = want() as ArrayLike<number | bigint>;
    expectElements(err.details.result, expected.constructor, expected, 'details.result');
  });

  it('inputs written or transferred during the call do not change the result', async () => {
    const [ca, cb] = [a.slice(), b.slice()];
    const p1 = compute.add(ca, cb);
    ca.fill(NaN);
    cb.reverse();
    expectElements(await p1, Float32Array, sum, 'written meanwhile');
    const [ta, tb] = [a.slice(), b.slice()];
    const p2 = compute.add(ta, tb);
    const p3 = compute.axpy(2, ta, b.slice());
    const p4 = compute.histogram(ta, { bins: 16 });
    const p5 = compute.clamp(tb, 0, 1);
    structuredClone([ta.buffer, tb.buffer], { transfer: [ta.buffer, tb.buffer] });
    expectElements(await p2, Float32Array, sum, 'transferred meanwhile');
    expectElements(await p3, Float32Array, compute.axpySync(2, a, b.slice()), 'axpy x transferred meanwhile');
    expect(await p4).toEqual(compute.histogramSync(a, { bins: 16 }));
    expectElements(await p5, Float32Array, compute.clampSync(b, 0, 1), 'clamp input transferred meanwhile');
    // A SharedArrayBuffer out is written in place: the promise resolves to that array.
    const sab = shared(new Float32Array(a.length));
    expect(await compute.add(a, b, { out: sab })).toBe(sab);
    expectElements(sab, Float32Array, sum, 'shared out');
  });
});

describe('results do not depend on the thread count', () => {
  it('histogram, scan, unique, searchSorted and the element-wise kernels give the same bits on 1, 2 and 3 threads', async () => {
    const next = random(1300);
    const f64 = randomArray(TYPES[0]!, 300_007, next) as Float64Array;
    const f32 = randomArray(TYPES[1]!, 300_007, next) as Float32Array;
    const i64 = randomArray(TYPES[9]!, 300_007, next) as BigInt64Array;
    const sorted = f64.slice().sort();
    const runAll = async (): Promise<unknown[]> => [
      compute.histogramSync(f64, { bins: 37 }),
      await compute.histogram(f32, { bins: 1000, range: [-0.5, 0.5] }),
      compute.scanSync(f64),
      await compute.scan(f32, { exclusive: true }),
      compute.scanSync(i64),
      compute.uniqueSync(sorted),
      await compute.searchSorted(sorted, f64),
      compute.addSync(f64, f64),
      await compute.mul(f32, f32),
      compute.divSync(i64, i64.map((x) => x | 1n)),
      compute.scaleSync(f32, 1 / 3),
      compute.clampSync(f64, -0.1, 0.1),
      compute.axpySync(0.1, f64, f64.slice()),
      compute.fillSync(new Uint16Array(300_007), 7),
    ];
    const results = await onThreadCounts([1, 2, 3], runAll);
    for (const r of results.slice(1)) {
      r.forEach((x, i) => {
        const want = results[0]![i] as Record<string, ArrayLike<number | bigint>> | ArrayLike<number | bigint>;
        if (ArrayBuffer.isView(want)) expectElements(x, want.constructor, want as ArrayLike<number | bigint>, `result ${i}`);
        else for (const key of Object.keys(want)) expectElements((x as Record<string, unknown>)[key], Float64Array, (want as Record<string, ArrayLike<number>>)[key]!, `result ${i}.${key}`);
      });
    }
  });
});

