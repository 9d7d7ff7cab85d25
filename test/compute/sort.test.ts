// compute.sort, argsort, sortBy, nthElement, partition and topK (and their Sync forms) for
// every element type, against TypedArray.prototype.sort() on seeded inputs: random, edge
// values only (NaN of any sign and payload, ±0, ±Infinity, the type's limits), few
// distinct values, all equal, sorted and reversed, at lengths around the comparison-sort
// cutoff (256) and the parallel threshold (2^17). Then stability, NaN bits, the async
// memory rule (the copy made at the call is what lands; transferred arrays; shared memory
// in place), cancellation, progress, calls from many threads at once, and bad input.
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { compute, type WeftError } from '@weft/core';

import { makePool, rejectsWith, throwsWith } from '../fixtures/pool-helpers.js';
import { random, randomInt } from '../fixtures/seeded.js';
import type { NumericArray } from '@weft/core';

type Num = number | bigint;
interface ArrayCtor {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** An element type: its constructor, a random element, and the values at its edges. */
interface Kind {
  name: string;
  Ctor: ArrayCtor;
  float: boolean;
  draw(next: () => number): Num;
  edges: readonly Num[];
}

/** From this length the kernels split the work over the kernel pool (radix.rs). */
const PARALLEL_FROM = 1 << 17;
/** Up to this length they sort by comparison. */
const COMPARISON_UP_TO = 256;

const SORT_TASKS = new URL('../fixtures/sort-tasks.mjs', import.meta.url);

const intIn =
  (lo: number, hi: number) =>
  (next: () => number): number =>
    randomInt(next, lo, hi);
const u32 = (next: () => number): number => Math.floor(next() * 2 ** 32);
const u64 = (next: () => number): bigint => (BigInt(u32(next)) << 32n) | BigInt(u32(next));
/** A float of random sign and magnitude from 2^-60 to 2^60. */
const anyFloat = (next: () => number): number => (next() < 0.5 ? -1 : 1) * next() * 2 ** randomInt(next, -60, 60);
const intEdges = (lo: number, hi: number): number[] => [...new Set([lo, lo + 1, hi - 1, hi, 0, 1, Math.max(lo, -1)])];

const FLOAT_EDGES = [NaN, -NaN, -0, 0, Infinity, -Infinity, 1, -1];
const KINDS: readonly Kind[] = [
  {
    name: 'Float64Array',
    Ctor: Float64Array,
    float: true,
    draw: anyFloat,
    edges: [...FLOAT_EDGES, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE],
  },
  {
    name: 'Float32Array',
    Ctor: Float32Array,
    float: true,
    draw: (next) => Math.fround(anyFloat(next)),
    edges: [...FLOAT_EDGES, 2 ** -149, -(2 ** -149), 3.4028234663852886e38, -3.4028234663852886e38],
  },
  { name: 'Int32Array', Ctor: Int32Array, float: false, draw: (next) => u32(next) | 0, edges: intEdges(-(2 ** 31), 2 ** 31 - 1) },
  { name: 'Uint32Array', Ctor: Uint32Array, float: false, draw: u32, edges: intEdges(0, 2 ** 32 - 1) },
  { name: 'Int16Array', Ctor: Int16Array, float: false, draw: intIn(-32768, 32767), edges: intEdges(-32768, 32767) },
  { name: 'Uint16Array', Ctor: Uint16Array, float: false, draw: intIn(0, 65535), edges: intEdges(0, 65535) },
  { name: 'Int8Array', Ctor: Int8Array, float: false, draw: intIn(-128, 127), edges: intEdges(-128, 127) },
  { name: 'Uint8Array', Ctor: Uint8Array, float: false, draw: intIn(0, 255), edges: intEdges(0, 255) },
  { name: 'Uint8ClampedArray', Ctor: Uint8ClampedArray, float: false, draw: intIn(0, 255), edges: intEdges(0, 255) },
  {
    name: 'BigInt64Array',
    Ctor: BigInt64Array,
    float: false,
    draw: (next) => BigInt.asIntN(64, u64(next)),
    edges: [-(2n ** 63n), -(2n ** 63n) + 1n, 2n ** 63n - 2n, 2n ** 63n - 1n, -1n, 0n, 1n],
  },
  { name: 'BigUint64Array', Ctor: BigUint64Array, float: false, draw: u64, edges: [0n, 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n] },
];

/** NaN bit patterns of every sign, quiet and signalling, with payloads (high word, low word for Float64Array). */
const NAN_BITS_64: ReadonlyArray<readonly [number, number]> = [
  [0x7ff80000, 0],
  [0xfff80000, 0],
  [0x7ff00000, 1],
  [0xfff00000, 1],
  [0x7fffffff, 0xffffffff],
  [0xffffffff, 0xffffffff],
  [0x7ff80000, 0xdeadbeef],
  [0xfff12345, 0x6789],
];
const NAN_BITS_32: readonly number[] = [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff, 0xffc12345];

type Pattern = 'random' | 'edges' | 'few' | 'equal' | 'sorted' | 'reversed';
const PATTERNS: readonly Pattern[] = ['random', 'edges', 'few', 'equal', 'sorted', 'reversed'];

/** Writes odd NaN bit patterns over about `share` of the elements, alternately through a DataView and a Uint8Array view. */
function writeNaNs(xs: NumericArray, next: () => number, share: number): void {
  const view = new DataView(xs.buffer, xs.byteOffset, xs.byteLength);
  const bytes = new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength);
  const width = xs.BYTES_PER_ELEMENT;
  const count = Math.round(xs.length * share);
  for (let j = 0; j < count; j++) {
    const i = randomInt(next, 0, xs.length - 1);
    if (width === 8) {
      const [hi, lo] = NAN_BITS_64[j % NAN_BITS_64.length]!;
      view.setUint32(8 * i, lo, true);
      view.setUint32(8 * i + 4, hi, true);
    } else {
      const bits = NAN_BITS_32[j % NAN_BITS_32.length]!;
      if (j % 2 === 0) view.setUint32(4 * i, bits, true);
      else bytes.set([bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24], 4 * i);
    }
  }
}

/** A seeded input of `n` elements of `kind` in `pattern`. */
function make(kind: Kind, n: number, pattern: Pattern, next: () => number): NumericArray {
  const xs = new kind.Ctor(n);
  const w = xs as unknown as Num[];
  const pool = Array.from({ length: 16 }, () => kind.draw(next));
  const one = kind.draw(next);
  const edge = (): Num => kind.edges[randomInt(next, 0, kind.edges.length - 1)]!;
  for (let i = 0; i < n; i++) {
    if (pattern === 'edges') w[i] = edge();
    else if (pattern === 'few') w[i] = pool[randomInt(next, 0, 2)]!;
    else if (pattern === 'equal') w[i] = one;
    else {
      const r = next();
      w[i] = r < 0.05 ? edge() : r < 0.35 ? pool[randomInt(next, 0, pool.length - 1)]! : kind.draw(next);
    }
  }
  if (kind.float && n > 0 && (pattern === 'random' || pattern === 'edges')) writeNaNs(xs, next, 0.02);
  if (pattern === 'sorted') xs.sort();
  if (pattern === 'reversed') xs.sort().reverse();
  return xs;
}

/** V8's TypedArray.prototype.sort() of a copy. */
function v8Sorted(xs: NumericArray): NumericArray {
  return xs.slice().sort();
}

/** How many NaNs end `sorted`. */
function trailingNaNs(sorted: NumericArray): number {
  let k = 0;
  while (k < sorted.length && Number.isNaN(sorted[sorted.length - 1 - k])) k++;
  return k;
}

/** The descending order the kernels document: the ascending one reversed, NaNs still last. */
function descendingOf(ascending: NumericArray): NumericArray {
  const out = ascending.slice();
  out.subarray(0, out.length - trailingNaNs(out)).reverse();
  return out;
}

const show = (x: Num | undefined): string => (Object.is(x, -0) ? '-0' : String(x));

/** Whether two arrays of integers can be compared by their bytes (same width, no floats). */
function integerBytes(a: ArrayLike<Num>, b: ArrayLike<Num>): boolean {
  const isInt = (x: ArrayLike<Num>): x is NumericArray => ArrayBuffer.isView(x) && !(x instanceof Float64Array) && !(x instanceof Float32Array);
  return isInt(a) && isInt(b) && a.BYTES_PER_ELEMENT === b.BYTES_PER_ELEMENT;
}

/** The array's bytes as a Buffer over the same memory. */
const bytesOf = (xs: ArrayBufferView): Buffer => Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength);

/** Where `got` and `want` first differ (Object.is, element by element), or undefined. */
function difference(got: ArrayLike<Num>, want: ArrayLike<Num>): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  // Integers are equal exactly when their bytes are (the fast check; the loop finds where not).
  if (integerBytes(got, want) && bytesOf(got as NumericArray).equals(bytesOf(want as NumericArray))) return undefined;
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) return `at ${i} of ${got.length}: got ${show(got[i])}, want ${show(want[i])}`;
  }
  return undefined;
}

/** The array's bytes (a copy). */
function bitsOf(xs: NumericArray): Uint8Array {
  return new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength).slice();
}

/** Where two arrays' bytes first differ, or undefined. */
function bitsDifference(got: ArrayBufferView, want: ArrayBufferView): string | undefined {
  const [g, w] = [bytesOf(got), bytesOf(want)];
  if (g.equals(w)) return undefined;
  if (g.length !== w.length) return `byte length ${g.length}, want ${w.length}`;
  const i = g.findIndex((b, j) => b !== w[j]);
  return `byte ${i} of ${g.length}: got ${g[i]}, want ${w[i]}`;
}

/** The bytes of `xs[p[0]], xs[p[1]], ...`. */
function permutedBits(xs: NumericArray, p: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(xs.byteLength);
  const width = xs.BYTES_PER_ELEMENT;
  // Whole elements at a time: 8-byte ones as two 32-bit words.
  const Word = width === 1 ? Uint8Array : width === 2 ? Uint16Array : Uint32Array;
  const per = width === 8 ? 2 : 1;
  const from = new Word(xs.buffer, xs.byteOffset, xs.length * per);
  const to = new Word(out.buffer, 0, xs.length * per);
  for (let i = 0; i < p.length; i++) {
    to[per * i] = from[per * p[i]!]!;
    if (per === 2) to[2 * i + 1] = from[2 * p[i]! + 1]!;
  }
  return out;
}

/** The NaN bit patterns in `xs`, sorted, as one string. */
function nanBits(xs: NumericArray): string {
  const view = new DataView(xs.buffer, xs.byteOffset, xs.byteLength);
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isNaN(xs[i])) continue;
    out.push(xs.BYTES_PER_ELEMENT === 8 ? view.getBigUint64(8 * i, true).toString(16) : view.getUint32(4 * i, true).toString(16));
  }
  return out.sort().join(',');
}

/** Sort order: -1, 0 or 1 (numeric, -0 before +0, NaN last and equal to NaN; descending reverses all but NaN). */
function order(x: Num, y: Num, descending = false): number {
  const xNaN = Number.isNaN(x);
  const yNaN = Number.isNaN(y);
  if (xNaN || yNaN) return xNaN === yNaN ? 0 : xNaN ? 1 : -1;
  let c = x < y ? -1 : x > y ? 1 : 0;
  if (c === 0 && x === 0 && y === 0) c = Object.is(x, y) ? 0 : Object.is(x, -0) ? -1 : 1;
  return descending ? -c : c;
}

/**
 * What is wrong with `p` as the stable sorting permutation of `xs`, or undefined: it must
 * hold each index once, and along it each element sorts after the one before or equal to
 * it with a larger index. That order is unique, so this is a complete check.
 */
function stableOrderProblem(xs: NumericArray, p: ArrayLike<number>, descending: boolean): string | undefined {
  const n = xs.length;
  if (p.length !== n) return `length ${p.length}, want ${n}`;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = p[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= n || seen[j] === 1) return `p[${i}] = ${j} is not a new index`;
    seen[j] = 1;
  }
  for (let i = 1; i < n; i++) {
    const c = order(xs[p[i - 1]!]!, xs[p[i]!]!, descending);
    if (c > 0 || (c === 0 && p[i - 1]! > p[i]!)) {
      return `p[${i - 1}] = ${p[i - 1]} (${show(xs[p[i - 1]!])}) before p[${i}] = ${p[i]} (${show(xs[p[i]!])})`;
    }
  }
  return undefined;
}

/** What is wrong with `a` as partitioned around index k, or undefined. */
function partitionProblem(a: NumericArray, k: number): string | undefined {
  const pivot = a[k]!;
  for (let i = 0; i < a.length; i++) {
    const c = order(a[i]!, pivot);
    if ((i < k && c > 0) || (i > k && c < 0)) return `a[${i}] = ${show(a[i])} on the wrong side of a[${k}] = ${show(pivot)}`;
  }
  return undefined;
}

/** `xs[p[i]]` for each i, as a new array of xs's type. */
function gather(xs: NumericArray, p: ArrayLike<number>): NumericArray {
  const out = new (xs.constructor as ArrayCtor)(p.length);
  for (let i = 0; i < p.length; i++) (out as unknown as Num[])[i] = xs[p[i]!]!;
  return out;
}

/** Fills `xs` (a whole buffer's view) with random bits, NaN payloads and all; returns it. */
function randomBits<A extends NumericArray>(xs: A, next: () => number): A {
  const words = new Uint32Array(xs.buffer, 0, xs.byteLength >> 2);
  for (let i = 0; i < words.length; i++) words[i] = u32(next);
  const bytes = new Uint8Array(xs.buffer);
  for (let i = 4 * words.length; i < bytes.length; i++) bytes[i] = u32(next) & 0xff;
  return xs;
}

/** A seed per element type, so each suite draws its own inputs. */
const seedOf = (kind: Kind, salt: number): number => 1000 * salt + KINDS.indexOf(kind);

/** Lengths around the comparison cutoff, each in every pattern; LARGE is past the parallel threshold. */
const SIZES = [0, 1, 2, 3, COMPARISON_UP_TO - 1, COMPARISON_UP_TO, COMPARISON_UP_TO + 1, 5000];
const LARGE = 300_000;

/** An input with its V8-sorted orders. */
interface Sorted {
  xs: NumericArray;
  ascending: NumericArray;
  descending: NumericArray;
}

function sorted(xs: NumericArray): Sorted {
  const ascending = v8Sorted(xs);
  return { xs, ascending, descending: descendingOf(ascending) };
}

/** Each type's random input of LARGE elements (sorted by V8 once, shared by the suites; never written). */
const larges = new Map<Kind, Sorted>();
function large(kind: Kind): Sorted {
  let found = larges.get(kind);
  if (found === undefined) larges.set(kind, (found = sorted(make(kind, LARGE, 'random', random(seedOf(kind, 0))))));
  return found;
}

/** The small inputs in every pattern, then the large one. */
function* inputs(kind: Kind, next: () => number, patterns: readonly Pattern[] = PATTERNS): Generator<Sorted & { what: string }> {
  for (const n of SIZES) for (const pattern of patterns) yield { ...sorted(make(kind, n, pattern, next)), what: `${n} elements, ${pattern}` };
  yield { ...large(kind), what: `${LARGE} elements, random` };
}

describe.each(KINDS)('$name', (kind) => {
  it('sort equals TypedArray.prototype.sort(), descending its exact reverse with NaN last, sync and async', async () => {
    const next = random(seedOf(kind, 1));
    const cases = [...inputs(kind, next)];
    // Heavy duplicates over the parallel path too.
    cases.push({ ...sorted(make(kind, LARGE, 'few', next)), what: `${LARGE} elements, few` });
    for (const [c, { xs, ascending, descending: down, what }] of cases.entries()) {
      for (const descending of [false, true]) {
        const want = descending ? down : ascending;
        const how = `${what}, ${descending ? 'descending' : 'ascending'}`;
        // Large inputs: sync one way, async the other.
        const large = xs.length === LARGE;
        if (!large || descending === (c % 2 === 0)) {
          const a = xs.slice();
          expect(compute.sortSync(a, { descending })).toBe(a);
          expect(difference(a, want), `sortSync: ${how}`).toBeUndefined();
        }
        if (!large || descending !== (c % 2 === 0)) {
          const b = xs.slice();
          expect(await compute.sort(b, { descending })).toBe(b);
          expect(difference(b, want), `sort: ${how}`).toBeUndefined();
        }
      }
      if (xs.length <= 5000) expect(difference(compute.sortSync(xs.slice()), ascending), `sortSync without options: ${what}`).toBeUndefined();
    }
  });

  it('sorts only the view, not the buffer around it', async () => {
    const next = random(seedOf(kind, 2));
    for (const n of [300, PARALLEL_FROM + 10]) {
      const whole = make(kind, n + 8, 'random', next);
      const view = new kind.Ctor(whole.buffer, 4 * kind.Ctor.BYTES_PER_ELEMENT, n);
      // sortSync is checked against V8 above.
      const want = compute.sortSync(view.slice());
      const before = bitsOf(whole);
      const edgeBits = (xs: NumericArray): string => [...bitsOf(xs.subarray(0, 4)), ...bitsOf(xs.subarray(n + 4))].join();
      for (const run of [() => compute.sortSync(view), () => compute.sort(view)]) {
        new Uint8Array(whole.buffer).set(before);
        await run();
        expect(difference(view, want)).toBeUndefined();
        expect(edgeBits(whole)).toBe(edgeBits(new kind.Ctor(before.buffer)));
      }
    }
  });

  it.runIf(kind.float)('NaNs of every sign and payload end last with their bits kept, sync and async', async () => {
    const next = random(seedOf(kind, 3));
    const cases = [1, 10, COMPARISON_UP_TO + 1, 5000].map((n) => {
      const xs = make(kind, n, 'random', next);
      writeNaNs(xs, next, n === 1 ? 1 : 0.1);
      return xs;
    });
    cases.push(large(kind).xs);
    for (const xs of cases) {
      const n = xs.length;
      const nans = trailingNaNs(v8Sorted(xs));
      const bits = nanBits(xs);
      expect(nans).toBeGreaterThan(0);
      for (const descending of [false, true]) {
        for (const got of [compute.sortSync(xs.slice(), { descending }), await compute.sort(xs.slice(), { descending })]) {
          expect(trailingNaNs(got), `${n} elements`).toBe(nans);
          expect(got.subarray(0, n - nans).some(Number.isNaN)).toBe(false);
          expect(nanBits(got)).toBe(bits);
        }
      }
    }
  });

  it('argsort is the stable sorting permutation, ascending and descending, and leaves the input unchanged', async () => {
    const next = random(seedOf(kind, 4));
    for (const { xs, ascending, descending: down, what } of inputs(kind, next, ['random', 'edges', 'few', 'equal'])) {
      const before = bitsOf(xs);
      for (const descending of [false, true]) {
        const how = `${what}, ${descending ? 'descending' : 'ascending'}`;
        // The large input: sync one way, async the other.
        const forms = xs.length === LARGE ? [descending ? 'argsort' : 'argsortSync'] : ['argsortSync', 'argsort'];
        for (const form of forms) {
          const p = form === 'argsortSync' ? compute.argsortSync(xs, { descending }) : await compute.argsort(xs, { descending });
          expect(p, `${form}: ${how}`).toBeInstanceOf(Uint32Array);
          expect(stableOrderProblem(xs, p, descending), `${form}: ${how}`).toBeUndefined();
          expect(difference(gather(xs, p), descending ? down : ascending), `${form} applied: ${how}`).toBeUndefined();
        }
      }
      expect(bitsDifference(xs, before), `input of ${what}`).toBeUndefined();
    }
  });

  it('sortBy sorts the keys stably and moves values of every element type alike, sync and async', async () => {
    const next = random(seedOf(kind, 5));
    let v = KINDS.indexOf(kind);
    for (const { xs: keys, ascending, descending: down, what } of inputs(kind, next, ['random', 'edges', 'few'])) {
      const n = keys.length;
      for (const descending of [false, true]) {
        // Values of each element type in turn, any bit pattern (NaN payloads included).
        const valueKind = KINDS[v++ % KINDS.length]!;
        const values = randomBits(new valueKind.Ctor(n), next);
        const how = `${what}, ${valueKind.name} values, ${descending ? 'descending' : 'ascending'}`;
        // The stable order is unique: checked, it is the reference for both arrays' bits.
        const p = compute.argsortSync(keys, { descending });
        expect(stableOrderProblem(keys, p, descending), how).toBeUndefined();
        const [wantKeys, wantValues] = [permutedBits(keys, p), permutedBits(values, p)];
        const forms = n === LARGE ? [descending ? 'sortBy' : 'sortBySync'] : ['sortBySync', 'sortBy'];
        for (const form of forms) {
          const [k, vs] = [keys.slice(), values.slice()];
          if (form === 'sortBySync') expect(compute.sortBySync(k, vs, { descending })).toBeUndefined();
          else expect(await compute.sortBy(k, vs, { descending })).toBeUndefined();
          expect(difference(k, descending ? down : ascending), `${form} keys: ${how}`).toBeUndefined();
          expect(bitsDifference(k, wantKeys), `${form} key bits: ${how}`).toBeUndefined();
          expect(bitsDifference(vs, wantValues), `${form} values: ${how}`).toBeUndefined();
        }
      }
    }
  });

  it('nthElement and partition put the k-th sorted element at k, smaller before and larger after', async () => {
    const next = random(seedOf(kind, 6));
    const FORMS = ['nthElementSync', 'nthElement', 'partitionSync', 'partition'] as const;
    for (const { xs, ascending, what } of inputs(kind, next, ['random', 'edges', 'few', 'equal'])) {
      const n = xs.length;
      if (n === 0) continue;
      const ks = [...new Set([0, n - 1, n >> 1, randomInt(next, 0, n - 1)])];
      for (const [i, k] of ks.entries()) {
        const how = `k = ${k}, ${what}`;
        // The large input: one form per k.
        for (const form of n === LARGE ? [FORMS[i % 4]!] : FORMS) {
          const a = xs.slice();
          if (form === 'nthElementSync') expect(show(compute.nthElementSync(a, k)), how).toBe(show(ascending[k]));
          if (form === 'nthElement') expect(show(await compute.nthElement(a, k)), how).toBe(show(ascending[k]));
          if (form === 'partitionSync') expect(compute.partitionSync(a, k)).toBe(a);
          if (form === 'partition') expect(await compute.partition(a, k)).toBe(a);
          expect(show(a[k]), `${form}: ${how}`).toBe(show(ascending[k]));
          expect(partitionProblem(a, k), `${form}: ${how}`).toBeUndefined();
          // A permutation of the input (sortSync is checked against V8 above).
          expect(difference(compute.sortSync(a), ascending), `${form} permutation: ${how}`).toBeUndefined();
        }
      }
    }
  });

  it('topK gives the k largest or smallest, best first, as sorting does; NaN only when fewer than k others', async () => {
    const next = random(seedOf(kind, 7));
    for (const { xs, ascending, descending, what } of inputs(kind, next, ['random', 'edges', 'few'])) {
      const n = xs.length;
      const before = bitsOf(xs);
      const ks = [...new Set([0, 1, 7, n >> 1, n - 1, n])].filter((k) => k >= 0 && k <= n);
      for (const [i, k] of ks.entries()) {
        for (const largest of [true, false]) {
          const want = (largest ? descending : ascending).subarray(0, k);
          const how = `k = ${k}, ${what}, ${largest ? 'largest' : 'smallest'}`;
          const forms = n === LARGE ? [i % 2 === 0 ? 'topKSync' : 'topK'] : ['topKSync', 'topK'];
          for (const form of forms) {
            const got = form === 'topKSync' ? compute.topKSync(xs, k, { largest }) : await compute.topK(xs, k, { largest });
            expect(Object.getPrototypeOf(got), `${form}: ${how}`).toBe(kind.Ctor.prototype);
            expect(difference(got, want), `${form}: ${how}`).toBeUndefined();
          }
        }
        if (n <= 5000) expect(difference(compute.topKSync(xs, k), descending.subarray(0, k)), `topKSync default: k = ${k}, ${what}`).toBeUndefined();
      }
      expect(bitsDifference(xs, before)).toBeUndefined();
    }
  });

  it('sortBy refuses keys and values of different lengths or sharing memory, leaving both unchanged', async () => {
    const next = random(seedOf(kind, 8));
    const keys = make(kind, 6, 'random', next);
    const before = bitsOf(keys);
    const width = kind.Ctor.BYTES_PER_ELEMENT;
    const both = async (k: NumericArray, values: NumericArray, message: RegExp): Promise<void> => {
      const was = bitsOf(k);
      for (const err of [throwsWith(() => compute.sortBySync(k, values), 'INVALID_ARGUMENT'), await rejectsWith(compute.sortBy(k, values), 'INVALID_ARGUMENT')]) {
        expect(err.message).toMatch(message);
      }
      expect(bitsDifference(k, was)).toBeUndefined();
    };
    await both(keys, new Float64Array(5), /^compute\.sortBy(Sync)?: values must have keys's length 6, got 5$/);
    await both(keys, new BigInt64Array(7), /values must have keys's length 6, got 7/);
    const overlap = /^compute\.sortBy(Sync)?: values must not share memory with keys$/;
    await both(keys, keys, overlap);
    await both(keys, new kind.Ctor(keys.buffer, keys.byteOffset, keys.length), overlap);
    // The last byte of keys is the first of values, in an ArrayBuffer and in a SharedArrayBuffer.
    for (const Backing of [ArrayBuffer, SharedArrayBuffer]) {
      const memory = new Backing(6 * width + 8);
      const k = new kind.Ctor(memory, 0, 6);
      k.set(keys as never);
      await both(k, new Uint8Array(memory, 6 * width - 1, 6), overlap);
      await both(new Uint8Array(memory, 6 * width - 1, 6), k, overlap);
    }
    expect(bitsDifference(keys, before)).toBeUndefined();
    // Views of one buffer that touch but do not overlap are fine.
    const memory = new ArrayBuffer(6 * 8 + 6 * width);
    const [v3, k3] = [new Float64Array(memory, 0, 6), new kind.Ctor(memory, 6 * 8, 6)];
    k3.set(keys as never);
    v3.set([0, 1, 2, 3, 4, 5]);
    compute.sortBySync(k3, v3);
    expect(difference(k3, v8Sorted(keys))).toBeUndefined();
    expect(stableOrderProblem(keys, v3, false)).toBeUndefined();
  });
});

describe('documented examples and special values', () => {
  it('the orders the API documents', () => {
    expect(difference(compute.sortSync(new Float64Array([3, NaN, -0, 0, -1])), [-1, -0, 0, 3, NaN])).toBeUndefined();
    expect(difference(compute.sortSync(new Float64Array([3, NaN, -0, 0, -1]), { descending: true }), [3, 0, -0, -1, NaN])).toBeUndefined();
    expect([...compute.argsortSync(new Float64Array([3, 1, 2]))]).toEqual([1, 2, 0]);
    expect([...compute.argsortSync(new Float32Array([2, NaN, 1, 2]), { descending: true })]).toEqual([0, 3, 2, 1]);
    expect(compute.nthElementSync(new Float64Array([5, 1, 4, 2, 3]), 2)).toBe(3);
    expect([...compute.topKSync(new Int32Array([5, 1, 9, 3]), 2)]).toEqual([9, 5]);
    expect(compute.nthElementSync(new BigInt64Array([5n, -1n, 3n]), 0)).toBe(-1n);
    const keys = new Float64Array([3, 1, 2]);
    const ids = new Uint32Array([30, 10, 20]);
    compute.sortBySync(keys, ids);
    expect([...keys]).toEqual([1, 2, 3]);
    expect([...ids]).toEqual([10, 20, 30]);
  });

  it('NaN counts as neither largest nor smallest in topK, and sorts last in nthElement', () => {
    const xs = new Float64Array([1, NaN, 5, 3, NaN]);
    expect(difference(compute.topKSync(xs, 2), [5, 3])).toBeUndefined();
    expect(difference(compute.topKSync(xs, 2, { largest: false }), [1, 3])).toBeUndefined();
    expect(difference(compute.topKSync(xs, 4), [5, 3, 1, NaN])).toBeUndefined();
    expect(difference(compute.topKSync(xs, 5, { largest: false }), [1, 3, 5, NaN, NaN])).toBeUndefined();
    expect(compute.nthElementSync(xs.slice(), 2)).toBe(5);
    expect(compute.nthElementSync(xs.slice(), 3)).toBeNaN();
    expect(difference(compute.topKSync(new Float32Array([NaN, NaN]), 1), [NaN])).toBeUndefined();
  });

  it('a Uint8ClampedArray stays one: sorted in place, topK of the same type', async () => {
    const xs = new Uint8ClampedArray([200, 3, 255, 0, 3]);
    expect(compute.sortSync(xs)).toBeInstanceOf(Uint8ClampedArray);
    expect([...xs]).toEqual([0, 3, 3, 200, 255]);
    expect(await compute.topK(xs, 2)).toBeInstanceOf(Uint8ClampedArray);
    expect([...(await compute.sort(xs, { descending: true }))]).toEqual([255, 200, 3, 3, 0]);
  });
});

describe('async calls and the memory they use', () => {
  const N = 20_000;

  it.each(KINDS)('$name: an ArrayBuffer-backed array written during the call ends as the kernel left the copy made at the call', async (kind) => {
    const next = random(seedOf(kind, 9));
    const xs = make(kind, N, 'random', next);
    const original = xs.slice();
    const ascending = v8Sorted(xs);
    const zero = kind.edges.includes(0n) ? 0n : 0;
    const scribble = (a: NumericArray): void => void (a as unknown as { fill(v: Num): void }).fill(zero);

    const before = bitsOf(xs);
    let pending: Promise<unknown> = compute.sort(xs, { descending: true });
    // The kernel sorts a copy: the array is as it was until the call settles.
    expect(bitsDifference(xs, before)).toBeUndefined();
    scribble(xs);
    await pending;
    expect(difference(xs, descendingOf(ascending)), 'sort').toBeUndefined();

    xs.set(original as never);
    const k = randomInt(next, 0, N - 1);
    const value = compute.nthElement(xs, k);
    scribble(xs);
    expect(show(await value)).toBe(show(ascending[k]));
    expect(partitionProblem(xs, k), 'nthElement').toBeUndefined();
    expect(difference(compute.sortSync(xs.slice()), ascending)).toBeUndefined();

    xs.set(original as never);
    const ids = Uint32Array.from({ length: N }, (_, i) => i);
    pending = compute.sortBy(xs, ids);
    scribble(xs);
    ids.fill(7);
    await pending;
    expect(difference(xs, ascending), 'sortBy keys').toBeUndefined();
    expect(stableOrderProblem(original, ids, false), 'sortBy values').toBeUndefined();

    // Read-only kernels read the copy made at the call.
    xs.set(original as never);
    const order = compute.argsort(xs);
    const top = compute.topK(xs, 100);
    scribble(xs);
    expect(stableOrderProblem(original, await order, false), 'argsort').toBeUndefined();
    expect(difference(await top, descendingOf(ascending).subarray(0, 100)), 'topK').toBeUndefined();
  });

  it.each(KINDS)('$name: transferred during the call, an in-place kernel rejects INVALID_ARGUMENT with its result in details.result', async (kind) => {
    const next = random(seedOf(kind, 10));
    const original = make(kind, N, 'random', next);
    const ascending = v8Sorted(original);
    const transfer = (a: NumericArray): void => {
      structuredClone(a.buffer, { transfer: [a.buffer] });
      expect(a.length).toBe(0);
    };
    const landed = async (pending: Promise<unknown>, operation: string, param: string): Promise<NumericArray> => {
      const err: WeftError = await rejectsWith(pending, 'INVALID_ARGUMENT');
      expect(err.message).toMatch(new RegExp(`^${operation.replace('.', '\\.')}: ${param} was detached \\(transferred\\) while the kernel ran`));
      expect(err.details.operation).toBe(operation);
      expect(err.details.param).toBe(param);
      expect(Object.getPrototypeOf(err.details.result)).toBe((param === 'values' ? Uint32Array : kind.Ctor).prototype);
      return err.details.result as NumericArray;
    };

    let xs = original.slice();
    let pending: Promise<unknown> = compute.sort(xs);
    transfer(xs);
    expect(difference(await landed(pending, 'compute.sort', 'a'), ascending)).toBeUndefined();

    const k = N >> 1;
    xs = original.slice();
    pending = compute.nthElement(xs, k);
    transfer(xs);
    const partitioned = await landed(pending, 'compute.nthElement', 'a');
    expect(show(partitioned[k])).toBe(show(ascending[k]));
    expect(partitionProblem(partitioned, k)).toBeUndefined();

    xs = original.slice();
    pending = compute.partition(xs, k);
    transfer(xs);
    expect(partitionProblem(await landed(pending, 'compute.partition', 'a'), k)).toBeUndefined();

    // sortBy: the array that is still there receives its new order either way.
    for (const gone of ['keys', 'values'] as const) {
      const keys = original.slice();
      const ids = Uint32Array.from({ length: N }, (_, i) => i);
      pending = compute.sortBy(keys, ids);
      transfer(gone === 'keys' ? keys : ids);
      const result = await landed(pending, 'compute.sortBy', gone);
      if (gone === 'keys') {
        expect(difference(result, ascending)).toBeUndefined();
        expect(stableOrderProblem(original, ids, false)).toBeUndefined();
      } else {
        expect(difference(keys, ascending)).toBeUndefined();
        expect(stableOrderProblem(original, result as Uint32Array, false)).toBeUndefined();
      }
    }

    // Read-only kernels do not mind.
    xs = original.slice();
    const order = compute.argsort(xs);
    const top = compute.topK(xs, 3, { largest: false });
    transfer(xs);
    expect(stableOrderProblem(original, await order, false)).toBeUndefined();
    expect(difference(await top, ascending.subarray(0, 3))).toBeUndefined();
  });

  it.each(KINDS)('$name: a SharedArrayBuffer-backed array is sorted, reordered and read in place', async (kind) => {
    const next = random(seedOf(kind, 11));
    const original = make(kind, N, 'random', next);
    const ascending = v8Sorted(original);
    const onShared = (): NumericArray => {
      const xs = new kind.Ctor(new SharedArrayBuffer(original.byteLength));
      xs.set(original as never);
      return xs;
    };
    const xs = onShared();
    expect(await compute.sort(xs)).toBe(xs);
    expect(xs.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(difference(xs, ascending)).toBeUndefined();

    const ys = onShared();
    expect(show(await compute.nthElement(ys, 10))).toBe(show(ascending[10]));
    expect(partitionProblem(ys, 10)).toBeUndefined();

    // Shared keys with ArrayBuffer-backed values, and the other way round.
    const keys = onShared();
    const ids = Uint32Array.from({ length: N }, (_, i) => i);
    await compute.sortBy(keys, ids, { descending: true });
    expect(difference(keys, descendingOf(ascending))).toBeUndefined();
    expect(stableOrderProblem(original, ids, true)).toBeUndefined();
    const plainKeys = original.slice();
    const sharedIds = new Uint32Array(new SharedArrayBuffer(4 * N)).map((_, i) => i);
    await compute.sortBy(plainKeys, sharedIds);
    expect(difference(plainKeys, ascending)).toBeUndefined();
    expect(stableOrderProblem(original, sharedIds, false)).toBeUndefined();

    expect(stableOrderProblem(original, await compute.argsort(onShared()), false)).toBeUndefined();
    expect(difference(await compute.topK(onShared(), 5), descendingOf(ascending).subarray(0, 5))).toBeUndefined();
  });
});

describe('cancellation and progress', () => {
  // Large enough that no kernel ends in the moment between the call and the abort.
  const BIG = 4_000_000;
  const next = random(12);
  const big = new Float64Array(BIG);
  for (let i = 0; i < BIG; i++) big[i] = next() - 0.5;
  const bigBits = bitsOf(big);
  /** Fills `xs` with 0, 1, 2, ... and returns it. */
  const iota = <A extends Float64Array | Uint32Array>(xs: A): A => {
    for (let i = 0; i < xs.length; i++) xs[i] = i;
    return xs;
  };
  const isIota = (xs: Float64Array | Uint32Array): boolean => {
    for (let i = 0; i < xs.length; i++) if (xs[i] !== i) return false;
    return true;
  };

  it('aborted right after the call: CANCELED with the reason as cause, an ArrayBuffer-backed array untouched', async () => {
    const values = iota(new Float64Array(BIG));
    const calls: Array<[string, (a: Float64Array, signal: AbortSignal) => Promise<unknown>]> = [
      ['compute.sort', (a, signal) => compute.sort(a, { signal })],
      ['compute.sort', (a, signal) => compute.sort(a, { signal, descending: true })],
      ['compute.argsort', (a, signal) => compute.argsort(a, { signal })],
      ['compute.sortBy', (a, signal) => compute.sortBy(a, values, { signal })],
      ['compute.nthElement', (a, signal) => compute.nthElement(a, BIG >> 1, { signal })],
      ['compute.partition', (a, signal) => compute.partition(a, 5, { signal })],
      ['compute.topK', (a, signal) => compute.topK(a, BIG >> 1, { signal })],
    ];
    for (const [operation, call] of calls) {
      const xs = big.slice();
      const controller = new AbortController();
      const why = new Error('no longer needed');
      const pending = call(xs, controller.signal);
      controller.abort(why);
      const err = await rejectsWith(pending, 'CANCELED');
      expect(err.cause).toBe(why);
      expect(err.message).toMatch(new RegExp(`^${operation.replace('.', '\\.')} was cancelled by its signal`));
      expect(err.details.operation).toBe(operation);
      expect(bitsDifference(xs, bigBits), operation).toBeUndefined();
    }
    expect(isIota(values)).toBe(true);
  });

  it('cancelled on shared memory: sort and nthElement leave a permutation, sortBy leaves both arrays untouched', async () => {
    const shared = (): Float64Array => {
      const xs = new Float64Array(new SharedArrayBuffer(8 * BIG));
      xs.set(big);
      return xs;
    };
    const want = bytesOf(compute.sortSync(big.slice()));
    for (const call of [(a: Float64Array, signal: AbortSignal) => compute.sort(a, { signal }), (a: Float64Array, signal: AbortSignal) => compute.nthElement(a, 7, { signal })]) {
      const xs = shared();
      const controller = new AbortController();
      const pending = call(xs, controller.signal);
      controller.abort();
      const err = await rejectsWith(pending, 'CANCELED');
      expect((err.cause as Error).name).toBe('AbortError');
      expect(bytesOf(compute.sortSync(xs)).equals(want)).toBe(true);
    }
    const keys = shared();
    const ids = iota(new Uint32Array(new SharedArrayBuffer(4 * BIG)));
    const controller = new AbortController();
    const pending = compute.sortBy(keys, ids, { signal: controller.signal });
    controller.abort();
    await rejectsWith(pending, 'CANCELED');
    expect(bitsDifference(keys, bigBits)).toBeUndefined();
    expect(isIota(ids)).toBe(true);
  });

  it('an already aborted signal rejects before the kernel starts', async () => {
    const why = new Error('before');
    const signal = AbortSignal.abort(why);
    const xs = new Float64Array([2, 1]);
    for (const pending of [
      compute.sort(xs, { signal }),
      compute.argsort(xs, { signal }),
      compute.sortBy(xs, new Float64Array(2), { signal }),
      compute.nthElement(xs, 1, { signal }),
      compute.partition(xs, 1, { signal }),
      compute.topK(xs, 1, { signal }),
    ]) {
      expect((await rejectsWith(pending, 'CANCELED')).cause).toBe(why);
    }
    expect([...xs]).toEqual([2, 1]);
  });

  it('onProgress: done never decreases, total stays fixed, and the last report is done === total', async () => {
    for (const [Ctor, n] of [
      [Float64Array, 300_000],
      [Uint8Array, 300_000],
      [Int16Array, 5000],
      [Float32Array, 100],
      [Float64Array, 0],
    ] as const) {
      const xs = Ctor.from({ length: n }, (_, i) => (i * 7919) % 251);
      const k = n >> 1;
      const runs: Array<[string, number, (onProgress: (done: number, total: number) => void) => Promise<unknown>]> = [
        ['sort', n, (onProgress) => compute.sort(xs.slice(), { onProgress })],
        ['argsort', n, (onProgress) => compute.argsort(xs, { onProgress, descending: true })],
        ['sortBy', n, (onProgress) => compute.sortBy(xs.slice(), new Float64Array(n), { onProgress })],
        ['topK', n + k, (onProgress) => compute.topK(xs, k, { onProgress })],
      ];
      if (n > 0) runs.push(['nthElement', n, (onProgress) => compute.nthElement(xs.slice(), k, { onProgress })]);
      for (const [name, total, run] of runs) {
        const calls: Array<[number, number]> = [];
        await run((done, t) => calls.push([done, t]));
        const what = `${name} of ${n} ${Ctor.name} elements`;
        expect(calls.length, what).toBeGreaterThan(0);
        for (let i = 0; i < calls.length; i++) {
          expect(calls[i]![1], what).toBe(total);
          if (i > 0) expect(calls[i]![0], what).toBeGreaterThanOrEqual(calls[i - 1]![0]);
        }
        expect(calls.at(-1), what).toEqual([total, total]);
      }
    }
  });
});

describe('sorting from many threads at once', () => {
  /** Inputs of several element types and sizes, with the results they must give. */
  function threadInputs(seed: number): Array<{ xs: NumericArray; ascending: NumericArray }> {
    const next = random(seed);
    return KINDS.filter((_, i) => (i + seed) % 3 === 0).map((kind, i) => {
      const xs = make(kind, i % 2 === 0 ? PARALLEL_FROM + 1000 : 3000, 'random', next);
      return { xs, ascending: v8Sorted(xs) };
    });
  }

  it('raw Workers sort sync and async at once, while the main thread does too', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('@weft/core').then(async ({ compute }) => {
        const out = [];
        for (const xs of workerData) {
          out.push(compute.sortSync(xs.slice()), await compute.sort(xs.slice()), await compute.sort(xs.slice(), { descending: true }), compute.argsortSync(xs));
        }
        parentPort.postMessage(out);
      });`;
    const sets = [21, 22, 23].map(threadInputs);
    const workers = sets.map(
      (set) =>
        new Promise<NumericArray[]>((resolve, reject) => {
          const w = new Worker(source, { eval: true, workerData: set.map(({ xs }) => xs) });
          w.once('message', (m: NumericArray[]) => void w.terminate().then(() => resolve(m)));
          w.once('error', reject);
        }),
    );
    const main = threadInputs(24);
    const mine = await Promise.all(main.map(({ xs }) => compute.sort(xs.slice())));
    const results = await Promise.all(workers);
    main.forEach(({ ascending }, i) => expect(difference(mine[i]!, ascending)).toBeUndefined());
    results.forEach((out, w) => {
      const set = sets[w]!;
      expect(out).toHaveLength(4 * set.length);
      out.forEach((got, j) => {
        const { xs, ascending } = set[Math.floor(j / 4)]!;
        const what = `worker ${w}, result ${j} (${xs.constructor.name}, ${xs.length})`;
        if (j % 4 === 3) expect(stableOrderProblem(xs, got as unknown as Uint32Array, false), what).toBeUndefined();
        else expect(difference(got, j % 4 === 2 ? descendingOf(ascending) : ascending), what).toBeUndefined();
      });
    });
  });

  it('pool workers sort sync and async at once', async () => {
    const pool = makePool({ filename: SORT_TASKS, size: 2 });
    const set = [...threadInputs(25), ...threadInputs(26)];
    type Both = { sync: NumericArray; async: NumericArray; descending: NumericArray };
    const [sorted, orders] = await Promise.all([
      Promise.all(set.map(({ xs }) => pool.run('sortBoth', xs) as Promise<Both>)),
      Promise.all(set.map(({ xs }) => pool.run('argsortBoth', xs) as Promise<{ sync: Uint32Array; async: Uint32Array }>)),
    ]);
    set.forEach(({ xs, ascending }, i) => {
      const what = `${xs.constructor.name} of ${xs.length}`;
      expect(difference(sorted[i]!.sync, ascending), what).toBeUndefined();
      expect(difference(sorted[i]!.async, ascending), what).toBeUndefined();
      expect(difference(sorted[i]!.descending, descendingOf(ascending)), what).toBeUndefined();
      expect(stableOrderProblem(xs, orders[i]!.sync, false), what).toBeUndefined();
      expect(stableOrderProblem(xs, orders[i]!.async, false), what).toBeUndefined();
    });
  });
});

describe('bad input', () => {
  const NOT_ARRAYS: unknown[] = [undefined, null, 1, 'abc', 1n, [3, 1, 2], { length: 2, 0: 1, 1: 0 }, new ArrayBuffer(8), new SharedArrayBuffer(8), new DataView(new ArrayBuffer(8)), () => 1];
  const ok = new Float64Array([3, 1, 2, 5, 4]);
  const MUST_BE = 'must be a Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray, BigInt64Array or BigUint64Array, got';

  /** Expects the sync call to throw and the async one to reject INVALID_ARGUMENT, naming `operation` (the async one's name) and `param`. */
  async function bothRefuse(sync: () => unknown, async: () => Promise<unknown>, operation: string, param: string | undefined, message: RegExp): Promise<void> {
    const errors: Array<[string, WeftError]> = [
      [`${operation}Sync`, throwsWith(sync, 'INVALID_ARGUMENT')],
      [operation, await rejectsWith(async(), 'INVALID_ARGUMENT')],
    ];
    for (const [name, err] of errors) {
      expect(err.message.startsWith(`${name}`), err.message).toBe(true);
      expect(err.message).toMatch(message);
      if (param !== undefined) expect(err.details.param, err.message).toBe(param);
    }
  }

  it('what is not a numeric TypedArray (a DataView, an ArrayBuffer, an Array) is refused, naming the argument', async () => {
    for (const bad of NOT_ARRAYS) {
      const b = bad as NumericArray;
      const must = new RegExp(`: a ${MUST_BE} `);
      await bothRefuse(() => compute.sortSync(b), () => compute.sort(b), 'compute.sort', 'a', must);
      await bothRefuse(() => compute.argsortSync(b), () => compute.argsort(b), 'compute.argsort', 'a', must);
      await bothRefuse(() => compute.nthElementSync(b, 0), () => compute.nthElement(b, 0), 'compute.nthElement', 'a', must);
      await bothRefuse(() => compute.partitionSync(b, 0), () => compute.partition(b, 0), 'compute.partition', 'a', must);
      await bothRefuse(() => compute.topKSync(b, 0), () => compute.topK(b, 0), 'compute.topK', 'a', must);
      await bothRefuse(() => compute.sortBySync(b, ok), () => compute.sortBy(b, ok), 'compute.sortBy', 'keys', new RegExp(`: keys ${MUST_BE} `));
      await bothRefuse(() => compute.sortBySync(ok, b), () => compute.sortBy(ok, b), 'compute.sortBy', 'values', new RegExp(`: values ${MUST_BE} `));
    }
    expect(throwsWith(() => compute.sortSync(new DataView(new ArrayBuffer(8)) as never), 'INVALID_ARGUMENT').message).toBe(`compute.sortSync: a ${MUST_BE} a DataView`);
    expect([...ok]).toEqual([3, 1, 2, 5, 4]);
  });

  it('a detached array is refused at the call', async () => {
    const xs = new Float64Array(4);
    structuredClone(xs.buffer, { transfer: [xs.buffer] });
    const detached = /a is detached \(its ArrayBuffer was transferred\)/;
    await bothRefuse(() => compute.sortSync(xs), () => compute.sort(xs), 'compute.sort', undefined, detached);
    await bothRefuse(() => compute.argsortSync(xs), () => compute.argsort(xs), 'compute.argsort', undefined, detached);
    await bothRefuse(() => compute.topKSync(xs, 0), () => compute.topK(xs, 0), 'compute.topK', undefined, detached);
  });

  it('descending and largest must be booleans', async () => {
    for (const bad of ['yes', 1, 0, null, {}]) {
      const message = /options\.descending must be a boolean, got /;
      await bothRefuse(() => compute.sortSync(ok, { descending: bad as never }), () => compute.sort(ok, { descending: bad as never }), 'compute.sort', 'options.descending', message);
      await bothRefuse(() => compute.argsortSync(ok, { descending: bad as never }), () => compute.argsort(ok, { descending: bad as never }), 'compute.argsort', 'options.descending', message);
      await bothRefuse(
        () => compute.sortBySync(ok, new Float64Array(5), { descending: bad as never }),
        () => compute.sortBy(ok, new Float64Array(5), { descending: bad as never }),
        'compute.sortBy',
        'options.descending',
        message,
      );
      await bothRefuse(() => compute.topKSync(ok, 1, { largest: bad as never }), () => compute.topK(ok, 1, { largest: bad as never }), 'compute.topK', 'options.largest', /options\.largest must be a boolean, got /);
    }
    expect(throwsWith(() => compute.sortSync(ok, { descending: 'yes' as never }), 'INVALID_ARGUMENT').message).toBe('compute.sortSync: options.descending must be a boolean, got "yes"');
    expect([...ok]).toEqual([3, 1, 2, 5, 4]);
  });

  it('an unknown option is refused with a suggestion, and options must be an object', async () => {
    const cases: Array<[string, () => unknown, () => Promise<unknown>, string]> = [
      ['compute.sort', () => compute.sortSync(ok, { descnding: true } as never), () => compute.sort(ok, { descnding: true } as never), 'descending'],
      ['compute.argsort', () => compute.argsortSync(ok, { decending: true } as never), () => compute.argsort(ok, { decending: true } as never), 'descending'],
      ['compute.sortBy', () => compute.sortBySync(ok, new Int8Array(5), { descendng: true } as never), () => compute.sortBy(ok, new Int8Array(5), { descendng: true } as never), 'descending'],
      ['compute.topK', () => compute.topKSync(ok, 1, { larget: true } as never), () => compute.topK(ok, 1, { larget: true } as never), 'largest'],
    ];
    for (const [operation, sync, async, suggestion] of cases) {
      for (const err of [throwsWith(sync, 'INVALID_ARGUMENT'), await rejectsWith(async(), 'INVALID_ARGUMENT')]) {
        expect(err.message).toMatch(new RegExp(`^${operation.replace('.', '\\.')}(Sync)? option ".+" is not a known option \\(did you mean "${suggestion}"\\?\\)$`));
        expect(err.details.suggestion).toBe(suggestion);
      }
    }
    expect((await rejectsWith(compute.sort(ok, { signl: AbortSignal.abort() } as never), 'INVALID_ARGUMENT')).message).toBe('compute.sort option "signl" is not a known option (did you mean "signal"?)');
    expect((await rejectsWith(compute.nthElement(ok, 1, { descending: true } as never), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.nthElement option "descending" is not a known option/);
    expect((await rejectsWith(compute.partition(ok, 1, { x: 1 } as never), 'INVALID_ARGUMENT')).message).toMatch(/^compute\.partition option "x" is not a known option/);
    for (const bad of [5, 'descending', true]) {
      await bothRefuse(() => compute.sortSync(ok, bad as never), () => compute.sort(ok, bad as never), 'compute.sort', 'options', /: options must be an object, got /);
      await bothRefuse(() => compute.topKSync(ok, 1, bad as never), () => compute.topK(ok, 1, bad as never), 'compute.topK', 'options', /: options must be an object, got /);
    }
    expect([...ok]).toEqual([3, 1, 2, 5, 4]);
  });

  it('k must be an integer index: below the length for nthElement and partition, up to it for topK', async () => {
    const NOT_INTEGERS = [1.5, -1, NaN, Infinity, -Infinity, '1', 1n, null, undefined, {}, [1]];
    for (const bad of [...NOT_INTEGERS, 5, 6, 2 ** 53]) {
      const k = bad as number;
      const message = /: k must be an integer from 0 to 4, got /;
      await bothRefuse(() => compute.nthElementSync(ok, k), () => compute.nthElement(ok, k), 'compute.nthElement', 'k', message);
      await bothRefuse(() => compute.partitionSync(ok, k), () => compute.partition(ok, k), 'compute.partition', 'k', message);
    }
    for (const bad of [...NOT_INTEGERS, 6, 2 ** 53]) {
      await bothRefuse(() => compute.topKSync(ok, bad as number), () => compute.topK(ok, bad as number), 'compute.topK', 'k', /: k must be an integer from 0 to 5, got /);
    }
    expect(throwsWith(() => compute.nthElementSync(ok, 1.5), 'INVALID_ARGUMENT').message).toBe('compute.nthElementSync: k must be an integer from 0 to 4, got 1.5');
    // An empty array has no k-th element.
    const empty = new Float64Array(0);
    await bothRefuse(() => compute.nthElementSync(empty, 0), () => compute.nthElement(empty, 0), 'compute.nthElement', 'k', /: k must be an index into a, which is empty; got 0$/);
    await bothRefuse(() => compute.partitionSync(empty, 0), () => compute.partition(empty, 0), 'compute.partition', 'k', /: k must be an index into a, which is empty; got 0$/);
    expect(compute.topKSync(empty, 0)).toEqual(new Float64Array(0));
    expect([...ok]).toEqual([3, 1, 2, 5, 4]);
  });
});
