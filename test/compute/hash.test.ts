// compute.hash / hashSync and hashMany / hashManySync: digests against independent
// implementations (node:crypto for SHA-256; hash-wasm and @node-rs/xxhash for XXH3 and
// BLAKE3) and published test vectors, at sizes around the algorithms' block sizes and the
// kernel's 1 MiB chunk; every input form; hashMany against hash buffer by buffer; the
// return types; the bytes at the call for async calls whose input is written or transferred
// meanwhile; cancellation and progress; and INVALID_ARGUMENT for bad input.
import { createHash } from 'node:crypto';

import xxhash from '@node-rs/xxhash';
import { blake3, xxhash128, xxhash3 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';

import { compute, type WeftError } from '@weft/core';

import { rejectsWith, throwsWith, until } from '../fixtures/pool-helpers.js';
import { random, randomBytes, randomInt } from '../fixtures/seeded.js';

type Algo = 'xxh3-64' | 'xxh3-128' | 'sha256' | 'blake3';
type Input = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

const ALGOS: readonly Algo[] = ['xxh3-64', 'xxh3-128', 'sha256', 'blake3'];

/** Bytes the kernel hashes between two cancellation checks. */
const CHUNK = 1 << 20;
const MiB = 1 << 20;

// XXH3's short-input paths (≤16, ≤128, ≤240 bytes) and stripes, BLAKE3's 1 KiB chunks and
// the size from which it spreads over threads (128 KiB), SHA-256's 64-byte blocks, and the
// kernel's chunk of 1 MiB: each on both sides.
const SIZES = [
  0, 1, 3, 4, 8, 9, 16, 17, 55, 56, 63, 64, 65, 128, 129, 240, 241, 1023, 1024, 1025, 4096, (1 << 17) - 1, 1 << 17, (1 << 17) + 1, CHUNK - 1, CHUNK,
  CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12_345,
];

/** A digest as lowercase hex, as the reference tools print it (XXH3-64 in 16 digits, XXH3-128 in 32). */
function hex(digest: unknown, algo: Algo): string {
  if (typeof digest === 'bigint') return digest.toString(16).padStart(algo === 'xxh3-64' ? 16 : 32, '0');
  return Buffer.from(digest as Uint8Array).toString('hex');
}

/** The digest of `bytes` from an independent implementation, in hex. */
async function reference(bytes: Uint8Array, algo: Algo): Promise<string> {
  switch (algo) {
    case 'xxh3-64':
      return xxhash3(bytes);
    case 'xxh3-128':
      return xxhash128(bytes);
    case 'sha256':
      return createHash('sha256').update(bytes).digest('hex');
    case 'blake3':
      return blake3(bytes);
  }
}

/** The digest of `bytes` from @node-rs/xxhash (XXH3 only), in hex. */
function nodeRsXxh3(bytes: Uint8Array, algo: 'xxh3-64' | 'xxh3-128'): string {
  return hex(algo === 'xxh3-64' ? xxhash.xxh3.xxh64(bytes) : xxhash.xxh3.xxh128(bytes), algo);
}

/** `bytes` in every form the API takes, each named; all hash the same bytes. */
function forms(bytes: Uint8Array): Array<[string, Input]> {
  const n = bytes.length;
  const copy = (): ArrayBuffer => bytes.slice().buffer;
  // The same bytes 8 bytes into a larger buffer whose other bytes are not the input's.
  const padded = (Backing: ArrayBufferConstructor | SharedArrayBufferConstructor): ArrayBufferLike => {
    const buffer = new Backing(n + 16);
    new Uint8Array(buffer).fill(0xa5);
    new Uint8Array(buffer, 8, n).set(bytes);
    return buffer;
  };
  const odd = new Uint8Array(n + 4).fill(0x5a);
  odd.set(bytes, 3);
  const shared = new SharedArrayBuffer(n);
  new Uint8Array(shared).set(bytes);
  const out: Array<[string, Input]> = [
    ['Uint8Array', bytes.slice()],
    ['Uint8Array at byteOffset 3', odd.subarray(3, 3 + n)],
    ['Uint8ClampedArray', new Uint8ClampedArray(copy())],
    ['Int8Array', new Int8Array(copy())],
    ['DataView', new DataView(copy())],
    ['DataView at byteOffset 8', new DataView(padded(ArrayBuffer), 8, n)],
    ['DataView at byteOffset 3', new DataView(odd.buffer, 3, n)],
    ['Buffer', Buffer.from(bytes)],
    ['Buffer.alloc', Buffer.alloc(n, bytes)],
    ['ArrayBuffer', copy()],
    ['SharedArrayBuffer', shared],
    ['Uint8Array over a SharedArrayBuffer', new Uint8Array(shared)],
    ['Uint8Array at byteOffset 8 of a SharedArrayBuffer', new Uint8Array(padded(SharedArrayBuffer), 8, n)],
  ];
  // Wider element types, where the length fits them.
  const WIDE = [Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;
  for (const Ctor of WIDE) {
    if (n % Ctor.BYTES_PER_ELEMENT !== 0) continue;
    out.push([Ctor.name, new Ctor(copy())]);
    out.push([`${Ctor.name} at byteOffset 8`, new Ctor(padded(ArrayBuffer), 8, n / Ctor.BYTES_PER_ELEMENT)]);
    out.push([`${Ctor.name} over a SharedArrayBuffer`, new Ctor(padded(SharedArrayBuffer), 8, n / Ctor.BYTES_PER_ELEMENT)]);
  }
  return out;
}

/** A detached ArrayBuffer. */
function detachedBuffer(): ArrayBuffer {
  const buffer = new ArrayBuffer(16);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

/** Expects the sync form to throw and the async form to reject INVALID_ARGUMENT naming `param`. */
async function bothRefuse(sync: () => unknown, async: () => Promise<unknown>, message: RegExp, param: string): Promise<void> {
  const errors: WeftError[] = [throwsWith(sync, 'INVALID_ARGUMENT'), await rejectsWith(async(), 'INVALID_ARGUMENT')];
  for (const err of errors) {
    expect(err.message).toMatch(message);
    expect(err.details.param).toBe(param);
  }
}

describe('known answers', () => {
  it('published test vectors', async () => {
    const abc = Buffer.from('abc');
    const empty = new Uint8Array(0);
    expect(hex(compute.hashSync(abc, 'sha256'), 'sha256')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(compute.hashSync(empty, 'sha256'), 'sha256')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(compute.hashSync(empty, 'blake3'), 'blake3')).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
    expect(hex(compute.hashSync(abc, 'blake3'), 'blake3')).toBe('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
    expect(compute.hashSync(empty, 'xxh3-64')).toBe(0x2d06800538d394c2n);
    expect(compute.hashSync(abc, 'xxh3-64')).toBe(0x78af5f94892f3950n);
    expect(compute.hashSync(empty, 'xxh3-128')).toBe(0x99aa06d3014798d86001c324468d497fn);
    expect(await compute.hash(empty, 'xxh3-64')).toBe(0x2d06800538d394c2n);
  });

  it.each(ALGOS)('%s matches an independent implementation at every size, sync and async', async (algo) => {
    const next = random(31);
    for (const size of SIZES) {
      const bytes = randomBytes(size, next);
      const want = await reference(bytes, algo);
      if (algo === 'xxh3-64' || algo === 'xxh3-128') expect(nodeRsXxh3(bytes, algo)).toBe(want);
      expect(hex(compute.hashSync(bytes, algo), algo), `hashSync of ${size} bytes`).toBe(want);
      expect(hex(await compute.hash(bytes, algo), algo), `hash of ${size} bytes`).toBe(want);
    }
  });

  it('a byte changed anywhere in a multi-chunk input changes every digest', () => {
    const bytes = randomBytes(2 * CHUNK + 100, random(32));
    for (const algo of ALGOS) {
      const before = hex(compute.hashSync(bytes, algo), algo);
      for (const at of [0, CHUNK - 1, CHUNK, 2 * CHUNK + 99]) {
        bytes[at]! ^= 1;
        expect(hex(compute.hashSync(bytes, algo), algo)).not.toBe(before);
        bytes[at]! ^= 1;
      }
      expect(hex(compute.hashSync(bytes, algo), algo)).toBe(before);
    }
  });
});

describe('return types', () => {
  it('XXH3 digests are bigints (XXH3-128 up to 128 bits), SHA-256 and BLAKE3 32-byte Uint8Arrays', async () => {
    const bytes = randomBytes(100, random(33));
    for (const digest of [compute.hashSync(bytes, 'xxh3-64'), await compute.hash(bytes, 'xxh3-64'), ...compute.hashManySync([bytes], 'xxh3-64')]) {
      expect(typeof digest).toBe('bigint');
      expect(digest >= 0n && digest < 2n ** 64n).toBe(true);
    }
    const wide = [compute.hashSync(bytes, 'xxh3-128'), await compute.hash(bytes, 'xxh3-128'), ...(await compute.hashMany([bytes], 'xxh3-128'))];
    for (const digest of wide) {
      expect(typeof digest).toBe('bigint');
      expect(digest >= 0n && digest < 2n ** 128n).toBe(true);
    }
    // The high 64 bits come first in XXH3-128's canonical form, as hash-wasm prints it.
    expect(wide[0]! >> 64n).toBe(BigInt(`0x${(await xxhash128(bytes)).slice(0, 16)}`));
    for (const algo of ['sha256', 'blake3'] as const) {
      for (const digest of [compute.hashSync(bytes, algo), await compute.hash(bytes, algo), ...compute.hashManySync([bytes], algo)]) {
        expect(digest).toBeInstanceOf(Uint8Array);
        expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype);
        expect(digest.length).toBe(32);
        expect(digest.buffer.byteLength).toBe(32);
      }
    }
  });
});

describe('input forms', () => {
  it.each([48, 1000, CHUNK + 8])('every form of %i bytes hashes those bytes, in each function', async (size) => {
    const bytes = randomBytes(size, random(34 + size));
    const inputs = forms(bytes);
    for (const algo of ALGOS) {
      const want = await reference(bytes, algo);
      for (const [name, input] of inputs) {
        expect(hex(compute.hashSync(input, algo), algo), `hashSync(${name}, ${algo})`).toBe(want);
        expect(hex(await compute.hash(input, algo), algo), `hash(${name}, ${algo})`).toBe(want);
      }
      const all = inputs.map(([, input]) => input);
      expect(compute.hashManySync(all, algo).map((d) => hex(d, algo))).toEqual(all.map(() => want));
      expect((await compute.hashMany(all, algo)).map((d) => hex(d, algo))).toEqual(all.map(() => want));
    }
  });

  it('empty inputs of every form hash as empty', async () => {
    for (const algo of ALGOS) {
      const want = await reference(new Uint8Array(0), algo);
      const empties: Input[] = [new Uint8Array(0), new Float64Array(0), new DataView(new ArrayBuffer(0)), Buffer.alloc(0), new ArrayBuffer(0), new SharedArrayBuffer(0), new Uint8Array(8).subarray(4, 4)];
      for (const input of empties) {
        expect(hex(compute.hashSync(input, algo), algo)).toBe(want);
        expect(hex(await compute.hash(input, algo), algo)).toBe(want);
      }
      expect(compute.hashManySync(empties, algo).map((d) => hex(d, algo))).toEqual(empties.map(() => want));
    }
  });
});

describe('hashMany', () => {
  // Many small buffers (grouped on the kernel's threads), a few past the chunk size, and
  // the same buffer several times.
  const next = random(35);
  const small = Array.from({ length: 1500 }, () => randomBytes(randomInt(next, 0, 300), next));
  const large = [randomBytes(CHUNK + 1, next), randomBytes(3 * CHUNK - 7, next), randomBytes(CHUNK / 2, next)];
  const mixed: Input[] = [...small.slice(0, 200), large[0]!, ...small.slice(200, 900), large[1]!, small[5]!, small[5]!, ...small.slice(900), large[2]!, large[0]!];

  it.each(ALGOS)('%s: each digest is the hash of its buffer, in order, sync and async', async (algo) => {
    for (const bufs of [small, large, mixed]) {
      const one = bufs.map((b) => hex(compute.hashSync(b, algo), algo));
      expect(compute.hashManySync(bufs, algo).map((d) => hex(d, algo))).toEqual(one);
      expect((await compute.hashMany(bufs, algo)).map((d) => hex(d, algo))).toEqual(one);
    }
    const want = await Promise.all(large.map((b) => reference(b as Uint8Array, algo)));
    expect(compute.hashManySync(large, algo).map((d) => hex(d, algo))).toEqual(want);
  });

  it('buffers of mixed forms, and an empty list', async () => {
    const bytes = randomBytes(64, random(36));
    const inputs = forms(bytes).map(([, input]) => input);
    const want = hex(compute.hashSync(bytes, 'blake3'), 'blake3');
    expect(compute.hashManySync(inputs, 'blake3').map((d) => hex(d, 'blake3'))).toEqual(inputs.map(() => want));
    expect(compute.hashManySync([], 'sha256')).toEqual([]);
    expect(await compute.hashMany([], 'xxh3-64')).toEqual([]);
  });
});

describe('async calls and the bytes they read', () => {
  it('hash the bytes at the call, whatever JS writes meanwhile', async () => {
    const bytes = randomBytes(3 * CHUNK + 5, random(37));
    const want = await reference(bytes, 'sha256');
    const pending = compute.hash(bytes, 'sha256');
    bytes.fill(0);
    expect(hex(await pending, 'sha256')).toBe(want);
  });

  it('hash the bytes at the call when the buffer is transferred meanwhile', async () => {
    const next = random(38);
    for (const algo of ALGOS) {
      const bytes = randomBytes(2 * CHUNK + 3, next);
      const want = await reference(bytes, algo);
      const view = new DataView(bytes.buffer);
      const pending = compute.hash(view, algo);
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
      expect(bytes.length).toBe(0);
      expect(hex(await pending, algo)).toBe(want);
    }
    const bufs = [randomBytes(10, next), randomBytes(CHUNK + 10, next), randomBytes(1000, next)];
    const want = await Promise.all(bufs.map((b) => reference(b, 'blake3')));
    const pending = compute.hashMany(bufs, 'blake3');
    structuredClone(
      bufs.map((b) => b.buffer),
      { transfer: bufs.map((b) => b.buffer) },
    );
    expect((await pending).map((d) => hex(d, 'blake3'))).toEqual(want);
  });
});

describe('cancellation and progress', () => {
  // 64 views of one 4 MiB SharedArrayBuffer (hashed in place, no copies): 256 MiB of
  // SHA-256, 256 chunks with a cancellation check before each.
  const block = new Uint8Array(new SharedArrayBuffer(4 * MiB)).fill(7);
  const many = Array.from({ length: 64 }, () => block);

  it('hashMany aborted right after the call rejects CANCELED with the reason as cause', async () => {
    const controller = new AbortController();
    const why = new Error('stop hashing');
    const pending = compute.hashMany(many, 'sha256', { signal: controller.signal });
    controller.abort(why);
    const err = await rejectsWith(pending, 'CANCELED');
    expect(err.cause).toBe(why);
    expect(err.message).toMatch(/^compute\.hashMany was cancelled by its signal/);
    expect(err.details.operation).toBe('compute.hashMany');
  });

  it('hash of one large input aborted right after the call rejects CANCELED with the AbortError as cause', async () => {
    const controller = new AbortController();
    const big = new Uint8Array(new SharedArrayBuffer(256 * MiB));
    const pending = compute.hash(big, 'sha256', { signal: controller.signal });
    controller.abort();
    const err = await rejectsWith(pending, 'CANCELED');
    expect(err.cause).toBe(controller.signal.reason);
    expect((err.cause as Error).name).toBe('AbortError');
    expect(err.details.operation).toBe('compute.hash');
  });

  it('onProgress counts bytes: done never decreases, total stays the bytes of all buffers, and ends there', async () => {
    const total = 16 * 4 * MiB;
    for (const run of [
      (onProgress: (d: number, t: number) => void) => compute.hashMany(many.slice(0, 16), 'sha256', { onProgress }),
      (onProgress: (d: number, t: number) => void) => compute.hash(new Uint8Array(new SharedArrayBuffer(total)).fill(3), 'blake3', { onProgress }),
    ]) {
      const calls: Array<[number, number]> = [];
      await run((done, t) => calls.push([done, t]));
      expect(calls.length).toBeGreaterThan(0);
      for (let i = 0; i < calls.length; i++) {
        expect(calls[i]![1]).toBe(total);
        if (i > 0) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
      }
      expect(calls.at(-1)).toEqual([total, total]);
    }
  });

  it('a kernel queued behind a busy pool reports nothing until it has declared its total', async () => {
    // The first call keeps every kernel thread busy (until it is cancelled) while the second
    // waits for a thread, its progress timer already running.
    const controller = new AbortController();
    const ticks: number[] = [];
    const blocker = compute.hashMany([...many, ...many, ...many, ...many], 'sha256', { signal: controller.signal, onProgress: (done) => ticks.push(done) });
    const calls: Array<[number, number]> = [];
    const queued = compute.hash(block, 'xxh3-64', { onProgress: (done, total) => calls.push([done, total]) });
    // Abort the blocker once its own timer ticked three times (the queued call's ticked as often).
    await until(() => ticks.length >= 3 || calls.length > 0, 'three progress reports');
    controller.abort();
    await blocker.catch(() => undefined);
    expect(hex(await queued, 'xxh3-64')).toBe(await reference(block.slice(), 'xxh3-64'));
    expect(calls.length).toBeGreaterThan(0);
    for (const [, total] of calls) expect(total).toBe(4 * MiB);
    expect(calls.at(-1)).toEqual([4 * MiB, 4 * MiB]);
  });
});

describe('bad input', () => {
  const BAD_ALGOS: unknown[] = ['md5', 'SHA256', 'sha-256', 'xxh3', 'xxh64', 'BLAKE3', '', ' sha256', undefined, null, 1, {}];
  const NOT_BYTES: unknown[] = [undefined, null, 'abc', 42, 42n, [1, 2, 3], {}, { buffer: new ArrayBuffer(4) }, new Map(), () => 1];
  const ok = new Uint8Array(4);

  it('an unknown algorithm is INVALID_ARGUMENT naming algo, in every function', async () => {
    for (const algo of BAD_ALGOS) {
      const message = /algo must be one of 'xxh3-64', 'xxh3-128', 'sha256', 'blake3', got /;
      await bothRefuse(() => compute.hashSync(ok, algo as never), () => compute.hash(ok, algo as never), message, 'algo');
      await bothRefuse(() => compute.hashManySync([ok], algo as never), () => compute.hashMany([ok], algo as never), message, 'algo');
    }
    expect(throwsWith(() => compute.hashSync(ok, 'md5' as never), 'INVALID_ARGUMENT').message).toBe(
      "compute.hashSync: algo must be one of 'xxh3-64', 'xxh3-128', 'sha256', 'blake3', got \"md5\"",
    );
  });

  it('data that is not bytes is INVALID_ARGUMENT naming data', async () => {
    for (const bad of NOT_BYTES) {
      await bothRefuse(
        () => compute.hashSync(bad as never, 'sha256'),
        () => compute.hash(bad as never, 'sha256'),
        /^compute\.hash(Sync)?: data must be a TypedArray, DataView, Buffer, ArrayBuffer or SharedArrayBuffer, got /,
        'data',
      );
    }
  });

  it('bufs must be an array, and a bad buffer is named by its index', async () => {
    for (const bad of ['abc', undefined, null, new Uint8Array(3), new Set([ok]), { length: 1, 0: ok }]) {
      await bothRefuse(() => compute.hashManySync(bad as never, 'xxh3-64'), () => compute.hashMany(bad as never, 'xxh3-64'), /bufs must be an array of buffers, got /, 'bufs');
    }
    for (const bad of NOT_BYTES) {
      await bothRefuse(
        () => compute.hashManySync([ok, ok, bad as never], 'xxh3-64'),
        () => compute.hashMany([ok, ok, bad as never], 'xxh3-64'),
        /^compute\.hashMany(Sync)?: bufs\[2\] must be a TypedArray, DataView, Buffer, ArrayBuffer or SharedArrayBuffer, got /,
        'bufs[2]',
      );
    }
    // A hole in a sparse array is a missing buffer.
    const sparse = [ok, , ok] as Input[];
    await bothRefuse(() => compute.hashManySync(sparse, 'sha256'), () => compute.hashMany(sparse, 'sha256'), /bufs\[1\] must be a TypedArray, .*, got undefined/, 'bufs[1]');
  });

  it('a detached buffer is INVALID_ARGUMENT naming it, in every form', async () => {
    const detachedViews = (): Input[] => {
      const u8 = new Uint8Array(8);
      const f64 = new Float64Array(2);
      const dv = new DataView(new ArrayBuffer(8), 4);
      for (const v of [u8, f64, dv]) structuredClone(v.buffer, { transfer: [v.buffer] });
      return [detachedBuffer(), u8, f64, dv];
    };
    for (const input of detachedViews()) {
      await bothRefuse(() => compute.hashSync(input, 'blake3'), () => compute.hash(input, 'blake3'), /^compute\.hash(Sync)?: data is detached \(its ArrayBuffer was transferred\)/, 'data');
      await bothRefuse(
        () => compute.hashManySync([ok, input], 'blake3'),
        () => compute.hashMany([ok, input], 'blake3'),
        /^compute\.hashMany(Sync)?: bufs\[1\] is detached/,
        'bufs[1]',
      );
    }
  });

  it('bad options are INVALID_ARGUMENT naming the option', async () => {
    expect((await rejectsWith(compute.hash(ok, 'sha256', { signl: 1 } as never), 'INVALID_ARGUMENT')).message).toBe(
      'compute.hash option "signl" is not a known option (did you mean "signal"?)',
    );
    expect((await rejectsWith(compute.hashMany([ok], 'sha256', 5 as never), 'INVALID_ARGUMENT')).message).toMatch(/compute\.hashMany: options must be an object, got 5/);
    expect((await rejectsWith(compute.hashMany([ok], 'sha256', { onProgress: 'x' } as never), 'INVALID_ARGUMENT')).message).toMatch(/options\.onProgress must be a function/);
  });
});
