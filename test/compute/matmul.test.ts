// compute.matmul and matmulSync: products against a plain triple loop on seeded random
// matrices (both float widths, square and non-square, every dimension 0 and 1), exact
// products of integer matrices across the kernel's row panels, where the product goes
// (a new array, `out`, `out` over a SharedArrayBuffer, `out` detached during an async
// call), inputs written or transferred during an async call, cancellation and progress,
// and INVALID_ARGUMENT for bad input.
import { describe, expect, it } from 'vitest';

import { compute, type FloatArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import { random, randomInt } from '../fixtures/seeded.js';

type FloatCtor = Float64ArrayConstructor | Float32ArrayConstructor;
type Shape = { m: number; k: number; n: number };

/** Each float width with its unit roundoff. */
const WIDTHS: Array<[string, FloatCtor, number]> = [
  ['Float64Array', Float64Array, 2 ** -53],
  ['Float32Array', Float32Array, 2 ** -24],
];

/** The sync and async forms, each returning a Promise of the product. */
const FORMS: Array<[string, <T extends FloatArray>(a: T, b: T, options: Shape & { out?: T }) => Promise<T>]> = [
  ['matmulSync', (a, b, options) => Promise.resolve(compute.matmulSync(a, b, options))],
  ['matmul', (a, b, options) => compute.matmul(a, b, options)],
];

// A row of a k×n product costs k*n multiply-adds; the kernel runs 2^29 of them per panel
// of rows, and never fewer than 256 rows: with k*n = 2^21 a panel is 256 rows.
const PANEL = { rows: 256, k: 2048, n: 1024 };

/** An m×k matrix (row-major) of values in [-1, 1). */
function uniform<T extends FloatArray>(Ctor: { new (n: number): T }, length: number, next: () => number): T {
  const xs = new Ctor(length);
  for (let i = 0; i < length; i++) xs[i] = next() * 2 - 1;
  return xs;
}

/** A matrix of small integers: every product and partial sum of them is exact, in any order. */
function integers<T extends FloatArray>(Ctor: { new (n: number): T }, length: number, next: () => number): T {
  const xs = new Ctor(length);
  for (let i = 0; i < length; i++) xs[i] = randomInt(next, -4, 4);
  return xs;
}

/** Row `i` of a·b by the textbook loop (float64), with Σ|a_ip·b_pj| for each entry. */
function referenceRow(a: FloatArray, b: FloatArray, i: number, { k, n }: Shape): { row: Float64Array; magnitude: Float64Array } {
  const row = new Float64Array(n);
  const magnitude = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    let abs = 0;
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]! * b[p * n + j]!;
      sum += x;
      abs += Math.abs(x);
    }
    row[j] = sum;
    magnitude[j] = abs;
  }
  return { row, magnitude };
}

/**
 * Expects `got` to be a·b within the error of a length-k dot product in the given unit
 * roundoff (the float64 reference's own error included): |error| ≤ (2k+3)·u·Σ|a_ip·b_pj|.
 * With k = 0 that is exact zeros.
 */
function expectProduct(got: FloatArray, a: FloatArray, b: FloatArray, shape: Shape, unit: number): void {
  const { m, k, n } = shape;
  expect(got.length).toBe(m * n);
  for (let i = 0; i < m; i++) {
    const { row, magnitude } = referenceRow(a, b, i, shape);
    for (let j = 0; j < n; j++) {
      const bound = (2 * k + 3) * unit * magnitude[j]!;
      const error = Math.abs(got[i * n + j]! - row[j]!);
      if (!(error <= bound)) {
        expect.fail(`${m}×${k}×${n}: entry (${i}, ${j}) is ${got[i * n + j]}, expected ${row[j]} within ${bound}`);
      }
    }
  }
}

/** Expects `got` to equal the exact product of integer matrices a·b, row by row. */
function expectExactRows(got: FloatArray, a: FloatArray, b: FloatArray, shape: Shape, rows: readonly number[]): void {
  for (const i of rows) {
    const { row } = referenceRow(a, b, i, shape);
    const start = i * shape.n;
    if (!row.every((x, j) => got[start + j] === x)) expect.fail(`row ${i} of the ${shape.m}×${shape.k}×${shape.n} product differs`);
  }
}

/**
 * Freivalds' check on integer matrices: out·x = a·(b·x) exactly for random integer vectors
 * x (every sum stays far below 2^53), which a wrong entry in any row fails but with
 * probability at most 1/2001 per vector.
 */
function expectFreivalds(out: FloatArray, a: FloatArray, b: FloatArray, { m, k, n }: Shape, next: () => number): void {
  for (let trial = 0; trial < 2; trial++) {
    const x = Float64Array.from({ length: n }, () => randomInt(next, -1000, 1000));
    const bx = new Float64Array(k);
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += b[p * n + j]! * x[j]!;
      bx[p] = s;
    }
    for (let i = 0; i < m; i++) {
      let left = 0;
      for (let j = 0; j < n; j++) left += out[i * n + j]! * x[j]!;
      let right = 0;
      for (let p = 0; p < k; p++) right += a[i * k + p]! * bx[p]!;
      if (left !== right) expect.fail(`row ${i} of the ${m}×${k}×${n} product fails Freivalds' check`);
    }
  }
}

/** Expects `got` to hold exactly `want`'s values (a plain loop: deep equality is slow on large arrays). */
function expectSame(got: FloatArray, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) expect.fail(`element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

/** Expects `fn` to throw INVALID_ARGUMENT with a message matching `message`. */
function refuses(fn: () => unknown, message: RegExp): void {
  expect(throwsWith(fn, 'INVALID_ARGUMENT').message).toMatch(message);
}

/** Expects the sync form to throw and the async one to reject INVALID_ARGUMENT, both matching `message`. */
async function bothRefuse(a: unknown, b: unknown, options: unknown, message: RegExp, param?: string): Promise<void> {
  const sync = throwsWith(() => compute.matmulSync(a as never, b as never, options as never), 'INVALID_ARGUMENT');
  expect(sync.message).toMatch(new RegExp(`^compute\\.matmulSync:? ${message.source}`));
  const async = await rejectsWith(compute.matmul(a as never, b as never, options as never), 'INVALID_ARGUMENT');
  expect(async.message).toMatch(new RegExp(`^compute\\.matmul:? ${message.source}`));
  if (param !== undefined) {
    expect(sync.details.param).toBe(param);
    expect(async.details.param).toBe(param);
  }
}

describe.each(WIDTHS)('products of %s matrices', (_name, Ctor, unit) => {
  // Every dimension from 0 to past the SIMD widths, square and not.
  const DIMS = [0, 1, 2, 7, 16, 33];
  const SHAPES: Shape[] = [
    ...DIMS.flatMap((m) => DIMS.flatMap((k) => DIMS.map((n) => ({ m, k, n })))),
    { m: 64, k: 100, n: 37 },
    { m: 130, k: 65, n: 257 },
    { m: 257, k: 129, n: 3 },
    { m: 3, k: 300, n: 200 },
  ];

  it.each(FORMS)('%s matches a triple loop on random matrices of every shape', async (_form, multiply) => {
    const next = random(11);
    for (const shape of SHAPES) {
      const a = uniform(Ctor, shape.m * shape.k, next);
      const b = uniform(Ctor, shape.k * shape.n, next);
      const c = await multiply(a, b, shape);
      expect(c).toBeInstanceOf(Ctor);
      expectProduct(c, a, b, shape, unit);
    }
  });

  it('is exact on integer matrices across the row panels: one panel, one row more, and a partial third', async () => {
    const next = random(12);
    const { k, n, rows } = PANEL;
    const b = integers(Ctor, k * n, next);
    for (const m of [rows, rows + 1, 2 * rows + 17]) {
      const shape = { m, k, n };
      const a = integers(Ctor, m * k, next);
      const boundaries = [0, rows - 1, rows, rows + 1, 2 * rows - 1, 2 * rows, 2 * rows + 1, m - 1].filter((i) => i < m);
      const sync = compute.matmulSync(a, b, shape);
      expectExactRows(sync, a, b, shape, boundaries);
      expectFreivalds(sync, a, b, shape, next);
      if (m > 2 * rows) {
        const async = await compute.matmul(a, b, shape);
        expectSame(async, sync);
      }
    }
  });

  it('k = 0 gives zeros (overwriting what out held); m = 0 or n = 0 an empty product', async () => {
    const empty = new Ctor(0);
    expect(Array.from(compute.matmulSync(empty, empty, { m: 2, k: 0, n: 3 }))).toEqual([0, 0, 0, 0, 0, 0]);
    const out = new Ctor(6).fill(NaN);
    expect(compute.matmulSync(empty, empty, { m: 3, k: 0, n: 2, out })).toBe(out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    const again = new Ctor(6).fill(NaN);
    expect(await compute.matmul(empty, empty, { m: 3, k: 0, n: 2, out: again })).toBe(again);
    expect(Array.from(again)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(compute.matmulSync(empty, new Ctor(4), { m: 0, k: 2, n: 2 })).toHaveLength(0);
    expect(await compute.matmul(new Ctor(4), empty, { m: 2, k: 2, n: 0 })).toHaveLength(0);
  });

  it('gives the same exact product on one kernel thread and on several', () => {
    const next = random(13);
    const shape = { m: 300, k: 200, n: 150 };
    const a = integers(Ctor, shape.m * shape.k, next);
    const b = integers(Ctor, shape.k * shape.n, next);
    const before = compute.threads();
    try {
      for (const threads of [1, 3]) {
        compute.setThreads(threads);
        const c = compute.matmulSync(a, b, shape);
        expectExactRows(c, a, b, shape, Array.from({ length: shape.m }, (_, i) => i));
      }
    } finally {
      compute.setThreads(before);
    }
  });
});

describe('where the product goes', () => {
  const shape = { m: 5, k: 4, n: 3 };
  const next = random(21);
  const a = uniform(Float64Array, 20, next);
  const b = uniform(Float64Array, 12, next);
  const expected = compute.matmulSync(a, b, shape);

  it('the product is checked against the reference once', () => {
    expectProduct(expected, a, b, shape, 2 ** -53);
  });

  it.each(FORMS)('%s writes into out and returns that same array', async (_form, multiply) => {
    const out = new Float64Array(15).fill(NaN);
    expect(await multiply(a, b, { ...shape, out })).toBe(out);
    expect(out).toEqual(expected);
  });

  it.each(FORMS)('%s writes only the view out is, not the buffer around it', async (_form, multiply) => {
    const around = new Float64Array(19).fill(-7);
    const out = around.subarray(2, 17);
    expect(await multiply(a, b, { ...shape, out })).toBe(out);
    expect(out).toEqual(expected);
    expect([...around.subarray(0, 2), ...around.subarray(17)]).toEqual([-7, -7, -7, -7]);
  });

  it.each(FORMS)('%s writes an out over a SharedArrayBuffer in place (another view sees the product)', async (_form, multiply) => {
    const sab = new SharedArrayBuffer(8 * 19);
    const around = new Float64Array(sab).fill(-7);
    const out = new Float64Array(sab, 16, 15);
    expect(await multiply(a, b, { ...shape, out })).toBe(out);
    expect(new Float64Array(sab, 16, 15)).toEqual(expected);
    expect([around[0], around[1], around[17], around[18]]).toEqual([-7, -7, -7, -7]);
  });

  it.each(FORMS)('%s reads inputs over a SharedArrayBuffer and views with a byteOffset', async (_form, multiply) => {
    const sab = new SharedArrayBuffer(8 * 40);
    const sa = new Float64Array(sab, 8, 20);
    sa.set(a);
    const wide = new Float64Array(14).fill(1e300);
    wide.set(b, 1);
    const vb = wide.subarray(1, 13);
    expect(await multiply(sa, vb, shape)).toEqual(expected);
  });

  it('async: an out detached during the call rejects INVALID_ARGUMENT with the product in details.result', async () => {
    const out = new Float64Array(15);
    const pending = compute.matmul(a, b, { ...shape, out });
    structuredClone(out.buffer, { transfer: [out.buffer] });
    expect(out.length).toBe(0);
    const err = await rejectsWith(pending, 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/^compute\.matmul: out was detached \(transferred\) while the kernel ran/);
    expect(err.details).toMatchObject({ operation: 'compute.matmul', param: 'out' });
    expect(err.details.result).toBeInstanceOf(Float64Array);
    expect(err.details.result).toEqual(expected);
  });

  it('async: the product is that of the inputs at the call, whatever JS writes meanwhile', async () => {
    const ca = a.slice();
    const cb = b.slice();
    const pending = compute.matmul(ca, cb, shape);
    ca.fill(0);
    cb.fill(NaN);
    expect(await pending).toEqual(expected);
  });

  it('async: the product is that of the inputs at the call when they are transferred meanwhile', async () => {
    const ca = a.slice();
    const cb = b.slice();
    const pending = compute.matmul(ca, cb, shape);
    structuredClone([ca.buffer, cb.buffer], { transfer: [ca.buffer, cb.buffer] });
    expect(ca.length + cb.length).toBe(0);
    expect(await pending).toEqual(expected);

    // Large inputs too (several MiB, whose copies may come from kept buffers).
    const big = { m: 300, k: 600, n: 500 };
    const nextBig = random(22);
    const ba = integers(Float64Array, big.m * big.k, nextBig);
    const bb = integers(Float64Array, big.k * big.n, nextBig);
    const want = compute.matmulSync(ba, bb, big);
    expectFreivalds(want, ba, bb, big, nextBig);
    for (let round = 0; round < 3; round++) {
      const [ta, tb] = [ba.slice(), bb.slice()];
      const moved = compute.matmul(ta, tb, big);
      structuredClone([ta.buffer, tb.buffer], { transfer: [ta.buffer, tb.buffer] });
      expectSame(await moved, want);
    }
  });
});

describe('cancellation and progress', () => {
  // 8 panels of 512 rows (k*n = 2^20): the kernel checks the signal before each one.
  const big = { m: 4096, k: 1024, n: 1024 };
  const ones = (length: number): Float64Array => new Float64Array(length).fill(1);

  it('a signal aborted right after the call cancels it between panels: CANCELED, the reason as cause, out untouched', async () => {
    const controller = new AbortController();
    const why = new Error('no longer needed');
    const out = new Float64Array(big.m * big.n).fill(7);
    const seen: number[] = [];
    const pending = compute.matmul(ones(big.m * big.k), ones(big.k * big.n), { ...big, out, signal: controller.signal, onProgress: (done) => seen.push(done) });
    controller.abort(why);
    const err = await rejectsWith(pending, 'CANCELED');
    expect(err.cause).toBe(why);
    expect(err.message).toMatch(/^compute\.matmul was cancelled by its signal/);
    expect(err.details.operation).toBe('compute.matmul');
    expect(out.every((x) => x === 7)).toBe(true);
    for (const done of seen) expect(done).toBeLessThan(big.m);
  });

  it('an abort without a reason rejects CANCELED with the AbortError as cause', async () => {
    const controller = new AbortController();
    const pending = compute.matmul(ones(big.m * big.k), ones(big.k * big.n), { ...big, signal: controller.signal });
    controller.abort();
    const err = await rejectsWith(pending, 'CANCELED');
    expect(err.cause).toBe(controller.signal.reason);
    expect((err.cause as Error).name).toBe('AbortError');
  });

  it('onProgress counts rows: done never decreases, total is m throughout, and ends at m', async () => {
    const shape = { m: 2048, k: 1024, n: 1024 };
    const calls: Array<[number, number]> = [];
    const c = await compute.matmul(ones(shape.m * shape.k), ones(shape.k * shape.n), { ...shape, onProgress: (done, total) => calls.push([done, total]) });
    expect(c.every((x) => x === shape.k)).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    for (let i = 0; i < calls.length; i++) {
      expect(calls[i]![1]).toBe(shape.m);
      if (i > 0) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
    }
    expect(calls.at(-1)).toEqual([shape.m, shape.m]);
  });

  it('an empty product reports its end once: (0, 0)', async () => {
    const calls: Array<[number, number]> = [];
    await compute.matmul(new Float32Array(0), new Float32Array(0), { m: 0, k: 0, n: 0, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([[0, 0]]);
  });

  it('a signal already aborted rejects before the kernel starts', async () => {
    const why = new Error('too late');
    const err = await rejectsWith(compute.matmul(ones(4), ones(4), { m: 2, k: 2, n: 2, signal: AbortSignal.abort(why) }), 'CANCELED');
    expect(err.cause).toBe(why);
  });
});

describe('bad input', () => {
  const f64 = (n: number): Float64Array => new Float64Array(n);
  const NOT_FLOAT = [undefined, null, 1, 'x', [1, 2, 3, 4], new Int32Array(4), new Uint8Array(32), new BigInt64Array(4), new DataView(new ArrayBuffer(32))];

  it('a, b and out must be Float64Array or Float32Array, named in the message', async () => {
    const shape = { m: 2, k: 2, n: 2 };
    for (const bad of NOT_FLOAT) {
      await bothRefuse(bad, f64(4), shape, /a must be a Float64Array or Float32Array, got /, 'a');
      await bothRefuse(f64(4), bad, shape, /b must be a Float64Array or Float32Array, got /, 'b');
      if (bad !== undefined) await bothRefuse(f64(4), f64(4), { ...shape, out: bad }, /out must be a Float64Array or Float32Array, got /, 'out');
    }
  });

  it('mixed Float32Array and Float64Array are refused', async () => {
    const shape = { m: 2, k: 2, n: 2 };
    await bothRefuse(f64(4), new Float32Array(4), shape, /b must be a Float64Array like a, got Float32Array/, 'b');
    await bothRefuse(new Float32Array(4), f64(4), shape, /b must be a Float32Array like a, got Float64Array/, 'b');
    await bothRefuse(f64(4), f64(4), { ...shape, out: new Float32Array(4) }, /out must be a Float64Array like a, got Float32Array/, 'out');
  });

  it('m, k and n must be given as non-negative integers', async () => {
    await bothRefuse(f64(4), f64(4), undefined, /options must give m, k and n/, 'options');
    await bothRefuse(f64(4), f64(4), null, /options must be an object, got null/, 'options');
    await bothRefuse(f64(4), f64(4), 4, /options must be an object, got 4/, 'options');
    for (const key of ['m', 'k', 'n'] as const) {
      const { [key]: _, ...missing } = { m: 2, k: 2, n: 2 };
      await bothRefuse(f64(4), f64(4), missing, new RegExp(`${key} must be a non-negative integer, got undefined`), key);
      for (const [bad, shown] of [[-1, '-1'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], ['2', '"2"'], [2n, '2n'], [null, 'null'], [2 ** 53, '9007199254740992']] as const) {
        await bothRefuse(f64(4), f64(4), { m: 2, k: 2, n: 2, [key]: bad }, new RegExp(`${key} must be a non-negative integer, got ${shown.replace(/[.+]/g, '\\$&')}`), key);
      }
    }
  });

  it('lengths must be m*k, k*n and m*n, the message naming the array', async () => {
    await bothRefuse(f64(5), f64(6), { m: 2, k: 3, n: 2 }, /a has 5 elements, but m\*k = 6/, 'a');
    await bothRefuse(f64(6), f64(7), { m: 2, k: 3, n: 2 }, /b has 7 elements, but k\*n = 6/, 'b');
    await bothRefuse(f64(6), f64(6), { m: 2, k: 3, n: 2, out: f64(3) }, /out has 3 elements, but m\*n = 4/, 'out');
    await bothRefuse(f64(6), f64(6), { m: 2, k: 3, n: 2, out: f64(5) }, /out has 5 elements, but m\*n = 4/, 'out');
    await bothRefuse(f64(0), f64(0), { m: 2, k: 0, n: 2, out: f64(0) }, /out has 0 elements, but m\*n = 4/, 'out');
    // Sizes past any array: refused, never a RangeError or a failed allocation.
    await bothRefuse(f64(0), f64(0), { m: 2 ** 26, k: 0, n: 2 ** 26 }, /m and n ask for a product of m\*n = 4503599627370496 elements, which could not be allocated/);
    await bothRefuse(f64(0), f64(0), { m: 2 ** 53 - 1, k: 0, n: 2 ** 53 - 1 }, /m and n ask for a product of m\*n = .* elements, which could not be allocated/, 'm');
    await bothRefuse(f64(1), f64(1), { m: 2 ** 40, k: 2 ** 40, n: 1 }, /a has 1 elements, but m\*k = 1\.2089258196146292e\+24/, 'a');
  });

  it('out may not share memory with a or b (the same array, a view of it, the same SharedArrayBuffer)', async () => {
    const shape = { m: 2, k: 2, n: 2 };
    const a = f64(4);
    const b = f64(4);
    await bothRefuse(a, b, { ...shape, out: a }, /out must not share memory with a or b/);
    await bothRefuse(a, b, { ...shape, out: b }, /out must not share memory with a or b/);
    const wide = f64(10);
    await bothRefuse(wide.subarray(0, 4), b, { ...shape, out: wide.subarray(3, 7) }, /out must not share memory with a or b/);
    const sab = new SharedArrayBuffer(8 * 8);
    await bothRefuse(a, new Float64Array(sab, 0, 4), { ...shape, out: new Float64Array(sab, 24, 4) }, /out must not share memory with a or b/);
    // Next to each other in one buffer is fine, and a and b may be the same array.
    const c = compute.matmulSync(wide.subarray(0, 4), wide.subarray(0, 4), { ...shape, out: wide.subarray(4, 8) });
    expect(c).toHaveLength(4);
    expect(await compute.matmul(new Float64Array(sab, 0, 4), new Float64Array(sab, 0, 4), { ...shape, out: new Float64Array(sab, 32, 4) })).toHaveLength(4);
  });

  it('unknown option keys are refused, with the likely key', async () => {
    const shape = { m: 2, k: 2, n: 2 };
    const sync = throwsWith(() => compute.matmulSync(f64(4), f64(4), { ...shape, otu: f64(4) } as never), 'INVALID_ARGUMENT');
    expect(sync.message).toBe('compute.matmulSync option "otu" is not a known option (did you mean "out"?)');
    refuses(() => compute.matmulSync(f64(4), f64(4), { ...shape, signal: new AbortController().signal } as never), /compute\.matmulSync option "signal" is not a known option/);
    const async = await rejectsWith(compute.matmul(f64(4), f64(4), { ...shape, signl: 1 } as never), 'INVALID_ARGUMENT');
    expect(async.message).toBe('compute.matmul option "signl" is not a known option (did you mean "signal"?)');
    expect((await rejectsWith(compute.matmul(f64(4), f64(4), { ...shape, onProgress: 1 } as never), 'INVALID_ARGUMENT')).message).toMatch(/options\.onProgress must be a function/);
    expect((await rejectsWith(compute.matmul(f64(4), f64(4), { ...shape, signal: {} } as never), 'INVALID_ARGUMENT')).message).toMatch(/options\.signal must be an AbortSignal/);
  });

  it('a detached input is refused, naming it', async () => {
    const a = f64(4);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    await bothRefuse(a, f64(4), { m: 2, k: 2, n: 2 }, /a is detached/);
  });
});
