// compute's element-wise kernels on every element type, sync and async, against plain JS
// references (what storing the JS result into an array of the type gives) on seeded random
// and edge-value data at every size edge: add, sub, mul and div (IEEE floats, integers
// wrapping modulo 2^bits, x/0 = 0 for integers of up to 32 bits, a 64-bit zero divisor
// refused before anything is written), scale, clamp (NaN kept, the bounds converted as the
// array stores them), fill (converting as TypedArray.fill), copy and axpy; and the
// INVALID_ARGUMENT cases.
import { describe, expect, it } from 'vitest';

import { compute, type NumericArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import {
  ARITHMETIC_TYPES,
  FLOAT_TYPES,
  TYPES,
  edgeArray,
  expectElements,
  memo,
  random,
  randomArray,
  same,
  shared,
  type ElementType,
} from '../fixtures/typed-arrays.js';

type Binary = 'add' | 'sub' | 'mul' | 'div';
type Kernels = Record<string, (...args: unknown[]) => unknown>;
const kernels = compute as unknown as Kernels;

/** The sync and async forms of a kernel, both as a Promise (a sync throw becomes a rejection). */
const FORMS = [
  ['sync', async (name: string, ...args: unknown[]) => kernels[`${name}Sync`]!(...args) as NumericArray],
  ['async', (name: string, ...args: unknown[]) => kernels[name]!(...args) as Promise<NumericArray>],
] as const;

// Empty, one, a partial block, one past a chunk (32768) and past the parallel threshold (131072).
const SIZES = [0, 1, 127, 129, 32_769, 131_073];

/** Expects the sync form to throw and the async form to reject INVALID_ARGUMENT, each message led by its name. */
async function bothRefuse(name: string, args: readonly unknown[], message: RegExp, param?: string): Promise<void> {
  const sync = throwsWith(() => kernels[`${name}Sync`]!(...args), 'INVALID_ARGUMENT');
  expect(sync.message).toMatch(new RegExp(`^compute\\.${name}Sync:? ${message.source}`));
  const async = await rejectsWith(kernels[name]!(...args) as Promise<unknown>, 'INVALID_ARGUMENT');
  expect(async.message).toMatch(new RegExp(`^compute\\.${name}:? ${message.source}`));
  if (param !== undefined) expect([sync.details.param, async.details.param]).toEqual([param, param]);
}

/** `v` as an array of the type stores it. */
function stored(type: ElementType, v: number | bigint): number | bigint {
  const one = new type.Ctor(1);
  (one as { [i: number]: number | bigint })[0] = v;
  return one[0]!;
}

/** `a op b` element by element in plain JS, each result stored into an array of the type (which rounds or wraps it). */
function referenceBinary(type: ElementType, op: Binary, a: NumericArray, b: NumericArray): NumericArray {
  const out = new type.Ctor(a.length) as { [i: number]: number | bigint; length: number };
  if (type.family === 'bigint') {
    const [x, y] = [a as BigInt64Array, b as BigInt64Array];
    for (let i = 0; i < a.length; i++) out[i] = op === 'add' ? x[i]! + y[i]! : op === 'sub' ? x[i]! - y[i]! : op === 'mul' ? x[i]! * y[i]! : x[i]! / y[i]!;
    return out as NumericArray;
  }
  const [x, y] = [a as Float64Array, b as Float64Array];
  const imul = type.family === 'int' && type.bits === 32;
  for (let i = 0; i < a.length; i++) {
    const [p, q] = [x[i]!, y[i]!];
    if (op === 'add') out[i] = p + q;
    else if (op === 'sub') out[i] = p - q;
    else if (op === 'mul') out[i] = imul ? Math.imul(p, q) : p * q;
    else out[i] = type.family === 'int' ? Math.trunc(p / q) : p / q;
  }
  return out as NumericArray;
}

/** A random array with no zero (a divisor for the 64-bit types). */
function nonZero(a: NumericArray): NumericArray {
  const out = a.slice() as { [i: number]: number | bigint; length: number };
  for (let i = 0; i < out.length; i++) if (out[i] === 0n) out[i] = 1n;
  return out as NumericArray;
}

describe.each(ARITHMETIC_TYPES.map((type) => [type.name, type] as const))('arithmetic on a %s', (name, type) => {
  const next = random(900 + name.length);
  const pairs = SIZES.map((n) => [randomArray(type, n, next), randomArray(type, n, next)] as const);
  const edges = [3, 200, 40_000, 131_073].map((n) => [edgeArray(type, n, next), edgeArray(type, n, next)] as const);
  const references = new Map<string, NumericArray>();
  const reference = (op: Binary, id: string, a: NumericArray, b: NumericArray): NumericArray => {
    const key = `${op} ${id}`;
    if (!references.has(key)) references.set(key, referenceBinary(type, op, a, b));
    return references.get(key)!;
  };
  // A 64-bit division needs divisors other than zero.
  const divisor = memo((b: NumericArray) => (type.family === 'bigint' ? nonZero(b) : b));

  describe.each(FORMS)('%s', (form, run) => {
    it.each(['add', 'sub', 'mul', 'div'] as const)('%s matches plain JS on random values at every size, into a new array of the type', async (op) => {
      for (const [i, [a, b0]] of pairs.entries()) {
        const b = op === 'div' ? divisor(b0) : b0;
        const got = await run(op, a, b);
        expect(got !== a && got !== b, 'a new array').toBe(true);
        expectElements(got, type.Ctor, reference(op, `r${i}`, a, b), `${form} ${name} ${op} of ${a.length}`);
      }
    });

    it.each(['add', 'sub', 'mul', 'div'] as const)('%s matches plain JS on edge values (NaN, ±0, ±Infinity, the integer extremes)', async (op) => {
      for (const [i, [a, b0]] of edges.entries()) {
        const b = op === 'div' ? divisor(b0) : b0;
        expectElements(await run(op, a, b), type.Ctor, reference(op, `e${i}`, a, b), `${form} ${name} ${op} of ${a.length} edge values`);
      }
    });

    it('writes into out, out === a or out === b, and an out over a SharedArrayBuffer, returning it', async () => {
      const [a, b] = pairs[4]!;
      const want = reference('sub', 'r4', a, b);
      const out = new type.Ctor(a.length);
      expect(await run('sub', a, b, { out })).toBe(out);
      expectElements(out, type.Ctor, want, 'out');
      const a1 = a.slice();
      expect(await run('sub', a1, b, { out: a1 })).toBe(a1);
      expectElements(a1, type.Ctor, want, 'out === a');
      const b1 = b.slice();
      expect(await run('sub', a, b1, { out: b1 })).toBe(b1);
      expectElements(b1, type.Ctor, want, 'out === b');
      const sab = shared(new type.Ctor(a.length));
      expect(await run('sub', a, b, { out: sab })).toBe(sab);
      expectElements(sab, type.Ctor, want, 'out over a SharedArrayBuffer');
      // Inputs over a SharedArrayBuffer, written in place.
      const [sa, sb] = [shared(a), shared(b)];
      expect(await run('sub', sa, sb, { out: sa })).toBe(sa);
      expectElements(sa, type.Ctor, want, 'out === a over a SharedArrayBuffer');
      const sb2 = shared(b);
      expect(await run('sub', shared(a), sb2, { out: sb2 })).toBe(sb2);
      expectElements(sb2, type.Ctor, want, 'out === b over a SharedArrayBuffer');
      // a + a into a.
      const twice = a.slice();
      expectElements(await run('add', twice, twice, { out: twice }), type.Ctor, reference('add', 'aa', a, a), 'a + a into a');
    });

    it('writes only the view out is, not the buffer around it', async () => {
      const [a, b] = pairs[3]!;
      const around = new type.Ctor(a.length + 4);
      const fill = type.family === 'bigint' ? 7n : 7;
      (around as unknown as { fill(v: number | bigint): void }).fill(fill);
      const out = around.subarray(2, 2 + a.length);
      expect(await run('mul', a, b, { out })).toBe(out);
      expectElements(out, type.Ctor, reference('mul', 'r3', a, b), 'the view');
      expect([around[0], around[1], around[a.length + 2], around[a.length + 3]]).toEqual([fill, fill, fill, fill]);
    });
  });
});

describe('integer arithmetic wraps and truncates as documented', () => {
  it('wraps modulo 2^bits, two\'s complement', () => {
    expectElements(compute.addSync(new Int8Array([127, -128, 1]), new Int8Array([1, -1, 1])), Int8Array, [-128, 127, 2]);
    expectElements(compute.subSync(new Uint32Array([0, 5]), new Uint32Array([1, 7])), Uint32Array, [2 ** 32 - 1, 2 ** 32 - 2]);
    expectElements(compute.mulSync(new Int32Array([0x10000, 0x7fffffff, -(2 ** 31)]), new Int32Array([0x10000, 2, -1])), Int32Array, [0, -2, -(2 ** 31)]);
    expectElements(compute.mulSync(new Uint16Array([0xffff, 300]), new Uint16Array([0xffff, 300])), Uint16Array, [1, (300 * 300) % 65536]);
    expectElements(compute.addSync(new BigInt64Array([2n ** 63n - 1n]), new BigInt64Array([1n])), BigInt64Array, [-(2n ** 63n)]);
    expectElements(compute.subSync(new BigUint64Array([0n]), new BigUint64Array([1n])), BigUint64Array, [2n ** 64n - 1n]);
    expectElements(compute.mulSync(new BigUint64Array([2n ** 32n]), new BigUint64Array([2n ** 32n])), BigUint64Array, [0n]);
  });

  it('integer division truncates toward zero, MIN / -1 wraps to MIN, x / 0 is 0 up to 32 bits', () => {
    expectElements(compute.divSync(new Int32Array([7, -7, 7, -7, -(2 ** 31), 5, -5, 0]), new Int32Array([2, 2, -2, -2, -1, 0, 0, 0])), Int32Array, [3, -3, -3, 3, -(2 ** 31), 0, 0, 0]);
    expectElements(compute.divSync(new Int8Array([-128, 100]), new Int8Array([-1, 0])), Int8Array, [-128, 0]);
    expectElements(compute.divSync(new Uint32Array([2 ** 32 - 1, 9]), new Uint32Array([2, 0])), Uint32Array, [2 ** 31 - 1, 0]);
    expectElements(compute.divSync(new BigInt64Array([-(2n ** 63n), -7n, 7n]), new BigInt64Array([-1n, 2n, -2n])), BigInt64Array, [-(2n ** 63n), -3n, -3n]);
    expectElements(compute.divSync(new BigUint64Array([2n ** 64n - 1n]), new BigUint64Array([3n])), BigUint64Array, [(2n ** 64n - 1n) / 3n]);
    // Floats divide as IEEE: ±Infinity and NaN.
    expectElements(compute.divSync(new Float64Array([1, -1, 0, -0]), new Float64Array([0, 0, 0, 1])), Float64Array, [Infinity, -Infinity, NaN, -0]);
  });

  it.each(FORMS)('%s: a 64-bit zero divisor is refused before anything is written, naming the index', async (_form, run) => {
    for (const Ctor of [BigInt64Array, BigUint64Array]) {
      for (const n of [3, 131_073]) {
        const a = new Ctor(n).fill(6n);
        const b = new Ctor(n).fill(2n);
        const at = n - 2;
        b[at] = 0n;
        const out = new Ctor(n).fill(9n);
        const err = await rejectsWith(run('div', a, b, { out }), 'INVALID_ARGUMENT');
        expect(err.message).toMatch(new RegExp(`^compute\\.div(Sync)?: b contains a zero at index ${at} \\(division by zero\\)`));
        expect(out.every((x) => x === 9n)).toBe(true);
        // In place over an ArrayBuffer and over a SharedArrayBuffer: a is left as it was.
        for (const inPlace of [a.slice(), shared(a)]) {
          await rejectsWith(run('div', inPlace, b, { out: inPlace }), 'INVALID_ARGUMENT');
          expect(inPlace.every((x) => x === 6n)).toBe(true);
        }
        const sharedOut = shared(new Ctor(n).fill(9n));
        await rejectsWith(run('div', a, b, { out: sharedOut }), 'INVALID_ARGUMENT');
        expect(sharedOut.every((x) => x === 9n)).toBe(true);
      }
    }
  });
});

describe.each(FLOAT_TYPES.map((type) => [type.name, type] as const))('scale and axpy of a %s', (name, type) => {
  const next = random(1000 + name.length);
  const arrays = SIZES.map((n) => randomArray(type, n, next));
  const ys = SIZES.map((n) => randomArray(type, n, next));
  const round = type.bits === 32 ? Math.fround : (x: number): number => x;

  describe.each(FORMS)('%s', (form, run) => {
    it('scale: x[i] * alpha in float64, rounded once', async () => {
      for (const alpha of [0.5, -3, 0, 1e-300, Infinity, 1 / 3]) {
        for (const x of [...arrays, edgeArray(type, 300, next)]) {
          const got = await run('scale', x, alpha);
          expectElements(got, type.Ctor, Array.from(x as Float64Array, (v) => round(v * alpha)), `${form} ${name} scale of ${x.length} by ${alpha}`);
        }
      }
    });

    it('scale into out, out === x, and an out over a SharedArrayBuffer', async () => {
      const x = arrays[5]!;
      const want = Array.from(x as Float64Array, (v) => round(v * 2.5));
      const out = new type.Ctor(x.length);
      expect(await run('scale', x, 2.5, { out })).toBe(out);
      expectElements(out, type.Ctor, want, 'out');
      for (const same of [x.slice(), shared(x)]) {
        expect(await run('scale', same, 2.5, { out: same })).toBe(same);
        expectElements(same, type.Ctor, want, 'out === x');
      }
      const sab = shared(new type.Ctor(x.length));
      expect(await run('scale', x, 2.5, { out: sab })).toBe(sab);
      expectElements(sab, type.Ctor, want, 'out over a SharedArrayBuffer');
    });

    it('axpy: y[i] += alpha * x[i] in float64, rounded once, in place (y returned)', async () => {
      for (const [i, x] of arrays.entries()) {
        for (const alpha of [2, -0.75]) {
          const y = ys[i]!.slice() as Float64Array;
          const want = Array.from(y, (v, j) => round(v + alpha * (x[j] as number)));
          expect(await run('axpy', alpha, x, y)).toBe(y);
          expectElements(y, type.Ctor, want, `${form} ${name} axpy of ${x.length}`);
          const sy = shared(ys[i]!);
          expect(await run('axpy', alpha, shared(x), sy)).toBe(sy);
          expectElements(sy, type.Ctor, want, `${form} ${name} axpy over a SharedArrayBuffer`);
        }
      }
      // x === y: y becomes y + 3·y.
      const y = arrays[4]!.slice() as Float64Array;
      const want = Array.from(y, (v) => round(v + 3 * v));
      expectElements(await run('axpy', 3, y, y), type.Ctor, want, 'axpy with x === y');
      const e = edgeArray(type, 200, next) as Float64Array;
      const ey = edgeArray(type, 200, next) as Float64Array;
      const ewant = Array.from(ey, (v, j) => round(v + 0.5 * e[j]!));
      expectElements(await run('axpy', 0.5, e, ey), type.Ctor, ewant, 'axpy of edge values');
    });
  });
});

describe.each(TYPES.map((type) => [type.name, type] as const))('clamp, fill and copy of a %s', (name, type) => {
  const next = random(1100 + name.length);
  const arrays = SIZES.map((n) => randomArray(type, n, next));
  const edges = [5, 300, 40_000].map((n) => edgeArray(type, n, next));
  const big = type.family === 'bigint';
  /** Bounds inside the type's range: a quarter and three quarters of the way. */
  const inner = (): [number | bigint, number | bigint] => {
    if (type.family === 'float') return [-0.25, 0.5];
    if (big) {
      const [lo, hi] = [type.min as bigint, type.max as bigint];
      return [lo + (hi - lo) / 4n, hi - (hi - lo) / 4n];
    }
    const [lo, hi] = [type.min as number, type.max as number];
    return [Math.round(lo + (hi - lo) / 4), Math.round(hi - (hi - lo) / 4)];
  };
  const clampOf = (a: NumericArray, lo: number | bigint, hi: number | bigint): Array<number | bigint> => {
    const [l, h] = [stored(type, lo), stored(type, hi)];
    return Array.from(a as ArrayLike<number | bigint>, (x) => (x < l ? l : x > h ? h : x));
  };

  describe.each(FORMS)('%s', (form, run) => {
    it('clamp limits to [lo, hi] and keeps NaN and values inside as they are', async () => {
      const [lo, hi] = inner();
      for (const a of [...arrays, ...edges]) {
        expectElements(await run('clamp', a, lo, hi), type.Ctor, clampOf(a, lo, hi), `${form} ${name} clamp of ${a.length}`);
      }
      // lo === hi: every element becomes it (NaN stays NaN).
      const a = edges[1]!;
      expectElements(await run('clamp', a, lo, lo), type.Ctor, clampOf(a, lo, lo), 'lo === hi');
    });

    it('clamp converts the bounds as the array stores them, and into out, out === a or a SharedArrayBuffer', async () => {
      const a = arrays[4]!;
      const bounds: Array<[number | bigint, number | bigint]> =
        type.family === 'float' ? [[0.1, 0.7], [-Infinity, 0], [-0, Infinity]] : big ? [[-5n, 2n ** 64n + 5n], [type.min, type.max]] : [[0.5, 100.7], [-0.5, 1e3], [type.min, type.max]];
      for (const [lo, hi] of bounds) {
        if (stored(type, lo) > stored(type, hi)) {
          await bothRefuse('clamp', [a, lo, hi], /lo must be at most hi/, 'lo');
          continue;
        }
        expectElements(await run('clamp', a, lo, hi), type.Ctor, clampOf(a, lo, hi), `clamp to [${lo}, ${hi}]`);
      }
      const [lo, hi] = inner();
      const want = clampOf(a, lo, hi);
      const out = new type.Ctor(a.length);
      expect(await run('clamp', a, lo, hi, { out })).toBe(out);
      expectElements(out, type.Ctor, want, 'out');
      for (const inPlace of [a.slice(), shared(a)]) {
        expect(await run('clamp', inPlace, lo, hi, { out: inPlace })).toBe(inPlace);
        expectElements(inPlace, type.Ctor, want, 'out === a');
      }
    });

    it('fill converts the value as TypedArray.fill does, and returns the array', async () => {
      const values: Array<number | bigint> = big ? [0n, -1n, 2n ** 64n + 5n, -(2n ** 63n) - 1n, type.max as bigint] : [0, -0, 300, -1, 1.5, 2.5, -2.5, NaN, Infinity, -Infinity, 1e10, 0.1, 2 ** 31];
      for (const n of [0, 1, 129, 32_769, 131_073]) {
        for (const v of n > 200 ? values.slice(0, 3) : values) {
          const a = new type.Ctor(n);
          expect(await run('fill', a, v)).toBe(a);
          const want = (new type.Ctor(n) as unknown as { fill(v: number | bigint): NumericArray }).fill(v);
          expectElements(a, type.Ctor, want as ArrayLike<number | bigint>, `${form} ${name}[${n}].fill(${String(v)})`);
        }
      }
      const s = shared(new type.Ctor(40_000));
      expect(await run('fill', s, big ? 3n : 3)).toBe(s);
      expect(Array.from(s as ArrayLike<number | bigint>).every((x) => x === (big ? 3n : 3))).toBe(true);
    });

    it('copy copies src into dst (the same type and length) and returns dst', async () => {
      for (const a of [...arrays, ...edges]) {
        const dst = new type.Ctor(a.length);
        expect(await run('copy', a, dst)).toBe(dst);
        expectElements(dst, type.Ctor, a as ArrayLike<number | bigint>, `${form} ${name} copy of ${a.length}`);
      }
      const a = arrays[5]!;
      const sab = shared(new type.Ctor(a.length));
      expect(await run('copy', shared(a), sab)).toBe(sab);
      expectElements(sab, type.Ctor, a as ArrayLike<number | bigint>, 'copy between SharedArrayBuffers');
      const self = a.slice();
      expect(await run('copy', self, self)).toBe(self);
      expectElements(self, type.Ctor, a as ArrayLike<number | bigint>, 'copy onto itself');
    });
  });
});

describe('clamp and fill edge cases', () => {
  it('clamp keeps NaN, and keeps -0 against a bound of +0', () => {
    const got = compute.clampSync(new Float64Array([NaN, -0, 0, -5, 5]), 0, 1);
    expect([Number.isNaN(got[0]), same(got[1], -0), same(got[2], 0), got[3], got[4]]).toEqual([true, true, true, 0, 1]);
  });

  it('bounds become what the array stores: a Uint8ClampedArray clamps and rounds them, a Uint8Array wraps them, an Int32Array stores ±Infinity as 0', () => {
    expectElements(compute.clampSync(new Uint8ClampedArray([0, 100, 255]), -5, 200.5), Uint8ClampedArray, [0, 100, 200]);
    expectElements(compute.clampSync(new Uint8Array([0, 100, 255]), 0.9, 200.9), Uint8Array, [0, 100, 200]);
    expectElements(compute.clampSync(new Int32Array([-5, 5]), -Infinity, Infinity), Int32Array, [0, 0]);
    expectElements(compute.clampSync(new Float32Array([0.1, 0.2]), 0.1, 0.15), Float32Array, [Math.fround(0.1), Math.fround(0.15)]);
    expectElements(compute.clampSync(new BigUint64Array([1n, 5n]), 2n ** 64n + 2n, 2n ** 64n + 3n), BigUint64Array, [2n, 3n]);
  });

  it('fill of a Uint8ClampedArray clamps and rounds half to even, as its own fill', () => {
    for (const v of [300, -1, 1.5, 2.5, 254.5, NaN]) {
      expectElements(compute.fillSync(new Uint8ClampedArray(3), v), Uint8ClampedArray, new Uint8ClampedArray(3).fill(v));
    }
    expect(same(compute.fillSync(new Float64Array(1), -0)[0], -0)).toBe(true);
  });
});

describe('element-wise bad input', () => {
  const f64 = (n: number): Float64Array => new Float64Array(n);

  it('add, sub, mul and div refuse a Uint8ClampedArray a or out, mixed types and lengths', async () => {
    for (const op of ['add', 'sub', 'mul', 'div']) {
      const clamped = new Uint8ClampedArray(2);
      await bothRefuse(op, [clamped, clamped], /a is a Uint8ClampedArray, whose rounding and clamping the arithmetic kernels do not follow; use a Uint8Array view of its buffer/, 'a');
      await bothRefuse(op, [new Uint8Array(2), new Uint8Array(2), { out: clamped }], /out is a Uint8ClampedArray, whose rounding and clamping the arithmetic kernels do not follow/, 'out');
      await bothRefuse(op, [f64(2), new Float32Array(2)], /b must be a Float64Array like a, got Float32Array/, 'b');
      await bothRefuse(op, [new Int16Array(2), new Uint16Array(2)], /b must be an Int16Array like a, got Uint16Array/, 'b');
      await bothRefuse(op, [f64(2), f64(3)], /b must have a's length 2, got 3/, 'b');
      await bothRefuse(op, [f64(2), f64(2), { out: f64(3) }], /out must have a's length 2, got 3/, 'out');
      await bothRefuse(op, [f64(2), f64(2), { out: new Float32Array(2) }], /out must be a Float64Array like a, got Float32Array/, 'out');
      await bothRefuse(op, [[1, 2], f64(2)], /a must be a Float64Array, .* or BigUint64Array, got \[1,2\]/, 'a');
      await bothRefuse(op, [f64(2), undefined], /b must be a Float64Array, .* or BigUint64Array, got undefined/, 'b');
      await bothRefuse(op, [f64(2), f64(2), { ot: f64(2) }], /option "ot" is not a known option \(did you mean "out"\?\)/);
    }
    // A Uint8ClampedArray b is read as the bytes it holds.
    expectElements(compute.addSync(new Uint8Array([200]), new Uint8ClampedArray([100]) as never), Uint8Array, [44]);
  });

  it('scale and axpy take Float64Array and Float32Array only, alpha a number, x and y of one type and length', async () => {
    await bothRefuse('scale', [new Int32Array(2), 2], /x must be a Float64Array or Float32Array, got an Int32Array/, 'x');
    await bothRefuse('scale', [f64(2), NaN], /alpha must be a number, got NaN/, 'alpha');
    await bothRefuse('scale', [f64(2), '2'], /alpha must be a number, got "2"/, 'alpha');
    await bothRefuse('scale', [f64(2), 2n], /alpha must be a number, got 2n/, 'alpha');
    await bothRefuse('scale', [f64(2), 2, { out: new Float32Array(2) }], /out must be a Float64Array like x, got Float32Array/, 'out');
    await bothRefuse('scale', [f64(2), 2, { out: f64(1) }], /out must have x's length 2, got 1/, 'out');
    await bothRefuse('axpy', [NaN, f64(2), f64(2)], /alpha must be a number, got NaN/, 'alpha');
    await bothRefuse('axpy', [1, new BigInt64Array(2), f64(2)], /x must be a Float64Array or Float32Array, got a BigInt64Array/, 'x');
    await bothRefuse('axpy', [1, f64(2), new Uint8Array(2)], /y must be a Float64Array or Float32Array, got a Uint8Array/, 'y');
    await bothRefuse('axpy', [1, f64(2), new Float32Array(2)], /y must be a Float64Array like x, got Float32Array/, 'y');
    await bothRefuse('axpy', [1, f64(2), f64(3)], /y must have x's length 2, got 3/, 'y');
  });

  it('clamp bounds: the array\'s kind of value, lo <= hi once stored, not NaN for floats', async () => {
    await bothRefuse('clamp', [f64(2), 1, 0], /lo must be at most hi, got 1 and 0/, 'lo');
    await bothRefuse('clamp', [f64(2), NaN, 1], /lo must be at most hi, got NaN and 1/, 'lo');
    await bothRefuse('clamp', [f64(2), 0, NaN], /lo must be at most hi, got 0 and NaN/, 'lo');
    await bothRefuse('clamp', [new Uint8Array(2), -1, 300], /lo must be at most hi, got -1 and 300/, 'lo');
    await bothRefuse('clamp', [new BigInt64Array(2), 0, 1n], /lo must be a bigint for a BigInt64Array, got 0/, 'lo');
    await bothRefuse('clamp', [new BigInt64Array(2), 0n, 1], /hi must be a bigint for a BigInt64Array, got 1/, 'hi');
    await bothRefuse('clamp', [f64(2), 0n, 1], /lo must be a number for a Float64Array, got 0n/, 'lo');
    await bothRefuse('clamp', [f64(2), 0, '1'], /hi must be a number for a Float64Array, got "1"/, 'hi');
    await bothRefuse('clamp', [f64(2), 0, 1, { out: new Int8Array(2) }], /out must be a Float64Array like a, got Int8Array/, 'out');
    // The bounds are checked as stored: 2^64 + 1 and 2^64 + 2 wrap to 1 and 2 in a BigUint64Array.
    expectElements(compute.clampSync(new BigUint64Array([0n, 9n]), 2n ** 64n + 1n, 2n ** 64n + 2n), BigUint64Array, [1n, 2n]);
  });

  it('fill and copy: the array\'s kind of value; src and dst of one type and length', async () => {
    await bothRefuse('fill', [f64(2), 1n], /value must be a number for a Float64Array, got 1n/, 'value');
    await bothRefuse('fill', [new BigUint64Array(2), 1], /value must be a bigint for a BigUint64Array, got 1/, 'value');
    await bothRefuse('fill', [new Int8Array(2), '1'], /value must be a number for an Int8Array, got "1"/, 'value');
    await bothRefuse('fill', [[0, 0], 1], /a must be a Float64Array, .*, got \[0,0\]/, 'a');
    await bothRefuse('copy', [f64(2), new Float32Array(2)], /dst must be a Float64Array like src, got Float32Array/, 'dst');
    await bothRefuse('copy', [f64(2), f64(3)], /dst must have src's length 2, got 3/, 'dst');
    await bothRefuse('copy', [f64(2), undefined], /dst must be a Float64Array, .*, got undefined/, 'dst');
    expectElements(compute.copySync(new Uint8ClampedArray([1, 2]), new Uint8Array(2) as never), Uint8Array, [1, 2]);
  });

  it('a detached array is refused at the call, naming it', async () => {
    const gone = f64(4);
    structuredClone(gone.buffer, { transfer: [gone.buffer as ArrayBuffer] });
    await bothRefuse('add', [f64(0), gone], /b is detached \(its ArrayBuffer was transferred\)/);
    await bothRefuse('add', [gone, f64(0), { out: f64(0) }], /a is detached/);
    await bothRefuse('sub', [f64(0), f64(0), { out: gone }], /out is detached/);
    await bothRefuse('fill', [gone, 1], /a is detached/);
    await bothRefuse('copy', [gone, f64(0)], /src is detached/);
    await bothRefuse('copy', [f64(0), gone], /dst is detached/);
    await bothRefuse('scale', [gone, 2], /x is detached/);
    await bothRefuse('clamp', [gone, 0, 1], /a is detached/);
    await bothRefuse('axpy', [1, gone, f64(0)], /x is detached/);
    await bothRefuse('axpy', [1, f64(0), gone], /y is detached/);
  });
});
