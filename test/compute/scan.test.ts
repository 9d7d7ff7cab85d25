// compute.scan and scanSync on every element type against plain running sums: inclusive
// and exclusive, at every size edge, in the output types ScanOf gives (floats their own,
// integers of up to 32 bits a Float64Array, 64-bit types their own, wrapping), floats
// exactly up to one chunk and within the chunked scan's error bound past it; with `out`
// given, `out === a`, `out` over a SharedArrayBuffer, `out` detached during an async call,
// inputs written or transferred during an async call, and INVALID_ARGUMENT for bad input.
import { describe, expect, it } from 'vitest';

import { compute, type NumericArray } from '@weft/core';

import { rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import { TYPES, SIZES, edgeArray, expectElements, memo, random, randomArray, same, shared, smallArray, type ElementType } from '../fixtures/typed-arrays.js';

type ScanOptions = { exclusive?: boolean; out?: NumericArray };
const SCAN_FORMS = [
  ['scanSync', async (a: NumericArray, options?: ScanOptions) => compute.scanSync(a, options as never) as NumericArray],
  ['scan', (a: NumericArray, options?: ScanOptions) => compute.scan(a, options as never) as Promise<NumericArray>],
] as const;

/** What scan writes for a type: the float's own, Float64Array for integers of at most 32 bits, the 64-bit type's own. */
function scanCtor(type: ElementType): Function {
  return type.family === 'int' ? Float64Array : type.Ctor;
}

/** A plain running sum: float64 rounded once per output (float32 for a Float32Array), exact integers, 64-bit wrapping. */
function referenceScan(type: ElementType, a: NumericArray, exclusive: boolean): Array<number | bigint> {
  const out: Array<number | bigint> = new Array(a.length);
  if (type.family === 'bigint') {
    const wrap = type.name === 'BigInt64Array' ? (x: bigint): bigint => BigInt.asIntN(64, x) : (x: bigint): bigint => BigInt.asUintN(64, x);
    let acc = 0n;
    for (let i = 0; i < a.length; i++) {
      if (exclusive) out[i] = acc;
      acc = wrap(acc + (a[i] as bigint));
      if (!exclusive) out[i] = acc;
    }
    return out;
  }
  const round = type.name === 'Float32Array' ? Math.fround : (x: number): number => x;
  let acc = 0;
  for (let i = 0; i < a.length; i++) {
    if (exclusive) out[i] = round(acc);
    acc += a[i] as number;
    if (!exclusive) out[i] = round(acc);
  }
  return out;
}

/** Expects float prefix sums within the error of the two-pass chunked scan: (32768 + chunks + 40)·2⁻⁵³·Σ|a₀..aᵢ|, plus float32's rounding. */
function expectFloatScan(got: NumericArray, type: ElementType, a: NumericArray, exclusive: boolean, what: string): void {
  expect(got).toBeInstanceOf(type.Ctor);
  expect(got.length).toBe(a.length);
  const factor = (32_768 + Math.ceil(a.length / 32_768) + 40) * 2 ** -53;
  // The exact prefix as a double-double (hi + lo), and Σ|x| before it.
  let hi = 0;
  let lo = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const check = (): void => {
      const want = hi + lo;
      const bound = factor * abs + (type.bits === 32 ? 2 ** -24 * Math.abs(want) : 0);
      if (!(Math.abs((got[i] as number) - want) <= bound)) expect.fail(`${what}: element ${i} is ${got[i]}, expected ${want} within ${bound}`);
    };
    if (exclusive) check();
    const s = hi + x;
    const bp = s - hi;
    lo += hi - (s - bp) + (x - bp);
    hi = s;
    abs += Math.abs(x);
    if (!exclusive) check();
  }
}

describe.each(TYPES.map((type) => [type.name, type] as const))('scan of a %s', (name, type) => {
  const next = random(700 + name.length);
  const arrays = SIZES.map((n) => randomArray(type, n, next));
  const small = SIZES.map((n) => smallArray(type, n, next));
  const Out = scanCtor(type);
  // Reference sums made once and shared by both forms.
  const inclusive = memo((a: NumericArray) => referenceScan(type, a, false));
  const exclusiveSums = memo((a: NumericArray) => referenceScan(type, a, true));
  const reference = (a: NumericArray, exclusive: boolean): Array<number | bigint> => (exclusive ? exclusiveSums(a) : inclusive(a));

  describe.each(SCAN_FORMS)('%s', (form, run) => {
    it('inclusive and exclusive prefix sums of random values at every size, in the type ScanOf gives', async () => {
      for (const a of arrays) {
        for (const exclusive of [false, true]) {
          const got = await run(a, exclusive ? { exclusive } : undefined);
          const what = `${form} ${name}[${a.length}]${exclusive ? ' exclusive' : ''}`;
          if (type.family === 'float' && a.length > 32_768) expectFloatScan(got, type, a, exclusive, what);
          else expectElements(got, Out, reference(a, exclusive), what);
        }
      }
    });

    it('exact on small integer values at every size (floats too: every partial sum is exact)', async () => {
      for (const a of small) {
        for (const exclusive of [false, true]) {
          expectElements(await run(a, { exclusive }), Out, reference(a, exclusive), `${form} ${name}[${a.length}]`);
        }
      }
    });

    it('NaN and Infinity carry forward; the integer extremes sum exactly or wrap (64-bit)', async () => {
      const e = edgeArray(type, 40_000, random(8));
      for (const exclusive of [false, true]) {
        const got = await run(e, { exclusive });
        if (type.family === 'float') {
          const want = referenceScan(type, e, exclusive);
          // Once NaN or Infinity enters the running sum, every later output follows it.
          const firstSpecial = want.findIndex((x) => !Number.isFinite(x));
          expect(firstSpecial).toBeGreaterThanOrEqual(0);
          for (let i = firstSpecial; i < e.length; i++) if (!same(got[i], want[i])) expect.fail(`${name} edge scan: element ${i} is ${got[i]}, expected ${want[i]}`);
        } else {
          expectElements(got, Out, referenceScan(type, e, exclusive), `${form} ${name} edge values`);
        }
      }
    });

    it('writes into out when given, over an ArrayBuffer or a SharedArrayBuffer, and returns it', async () => {
      const a = small[8]!;
      const want = reference(a, false);
      const OutCtor = Out as new (n: number) => NumericArray;
      const out = new OutCtor(a.length);
      expect(await run(a, { out })).toBe(out);
      expectElements(out, Out, want, `${form} into out`);
      const sab = shared(new OutCtor(a.length));
      expect(await run(a, { out: sab })).toBe(sab);
      expectElements(sab, Out, want, `${form} into out over a SharedArrayBuffer`);
      const sharedInput = shared(a);
      expectElements(await run(sharedInput, { exclusive: true }), Out, referenceScan(type, a, true), `${form} of an input over a SharedArrayBuffer`);
    });

    if (Out === type.Ctor) {
      it('scans in place with out === a (ArrayBuffer and SharedArrayBuffer)', async () => {
        for (const base of [small[9]!, arrays[9]!]) {
          for (const exclusive of [false, true]) {
            const want = await run(base, { exclusive });
            for (const a of [base.slice(), shared(base)]) {
              expect(await run(a, { exclusive, out: a })).toBe(a);
              expectElements(a, type.Ctor, Array.from(want as ArrayLike<number>), `${form} ${name} in place${exclusive ? ', exclusive' : ''}`);
            }
          }
        }
      });
    } else {
      it('refuses out === a (the sums are Float64Array) and any out but a Float64Array', async () => {
        const a = small[3]!;
        for (const out of [a, new Float32Array(a.length), new BigInt64Array(a.length)]) {
          const err = await rejectsWith(run(a, { out }), 'INVALID_ARGUMENT');
          expect(err.message).toMatch(new RegExp(`^compute\\.${form}: out must be a Float64Array \\(what scan writes for ${name.startsWith('Int') ? 'an' : 'a'} ${name}\\), got ${out.constructor.name}`));
          expect(err.details.param).toBe('out');
        }
      });
    }
  });
});

describe('scan: async results and bad input', () => {
  it('an out detached during the call rejects with the sums in details.result', async () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => i);
    const want = compute.scanSync(a);
    const out = new Float64Array(1000);
    const pending = compute.scan(a, { out });
    structuredClone(out.buffer, { transfer: [out.buffer] });
    const err = await rejectsWith(pending, 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/^compute\.scan: out was detached \(transferred\) while the kernel ran, so the result could not be written to it; it is in details\.result/);
    expect(err.details).toMatchObject({ operation: 'compute.scan', param: 'out' });
    expectElements(err.details.result, Float64Array, want, 'details.result');
  });

  it('an in-place a (out === a) detached during the call rejects with the sums in details.result', async () => {
    const a = new BigInt64Array([1n, 2n, 3n]);
    const pending = compute.scan(a, { out: a });
    structuredClone(a.buffer, { transfer: [a.buffer] });
    const err = await rejectsWith(pending, 'INVALID_ARGUMENT');
    expectElements(err.details.result, BigInt64Array, [1n, 3n, 6n], 'details.result');
  });

  it('the sums are those of the input at the call, whatever JS writes or transfers meanwhile', async () => {
    const a = Int32Array.from({ length: 200_000 }, (_, i) => i % 7);
    const want = compute.scanSync(a);
    const written = a.slice();
    const p1 = compute.scan(written);
    written.fill(-1);
    expectElements(await p1, Float64Array, want, 'written during the call');
    const moved = a.slice();
    const p2 = compute.scan(moved, { exclusive: false });
    structuredClone(moved.buffer, { transfer: [moved.buffer] });
    expectElements(await p2, Float64Array, want, 'transferred during the call');
    // In place: the input is read at the call, the result lands in it at the end.
    const f = Float64Array.from(a);
    const p3 = compute.scan(f, { out: f });
    const before = f.slice();
    f.fill(5);
    expect(await p3).toBe(f);
    expectElements(f, Float64Array, compute.scanSync(before), 'in place');
  });

  it('refuses a bad exclusive, a wrong out length or type, and unknown options', async () => {
    const a = new Float32Array(4);
    const both = async (options: unknown, message: RegExp, param?: string): Promise<void> => {
      const sync = throwsWith(() => compute.scanSync(a, options as never), 'INVALID_ARGUMENT');
      expect(sync.message).toMatch(new RegExp(`^compute\\.scanSync:? ${message.source}`));
      const async = await rejectsWith(compute.scan(a, options as never), 'INVALID_ARGUMENT');
      expect(async.message).toMatch(new RegExp(`^compute\\.scan:? ${message.source}`));
      if (param !== undefined) expect([sync.details.param, async.details.param]).toEqual([param, param]);
    };
    await both({ exclusive: 1 }, /options\.exclusive must be a boolean, got 1/, 'options.exclusive');
    await both({ exclusive: 'yes' }, /options\.exclusive must be a boolean, got "yes"/, 'options.exclusive');
    await both({ out: new Float32Array(3) }, /out must have a's length 4, got 3/, 'out');
    await both({ out: new Float64Array(4) }, /out must be a Float32Array \(what scan writes for a Float32Array\), got Float64Array/, 'out');
    await both({ out: [0, 0, 0, 0] }, /out must be a Float64Array, .*, got \[0,0,0,0\]/, 'out');
    await both({ exclusiv: true }, /option "exclusiv" is not a known option \(did you mean "exclusive"\?\)/);
    expect(throwsWith(() => compute.scanSync(a, { signal: new AbortController().signal } as never), 'INVALID_ARGUMENT').message).toMatch(/"signal" is not a known option/);
    expect(throwsWith(() => compute.scanSync([1, 2] as never), 'INVALID_ARGUMENT').message).toMatch(/^compute\.scanSync: a must be a Float64Array/);
  });
});
