/**
 * Hashes of byte buffers: XXH3-64, XXH3-128, SHA-256 and BLAKE3, one buffer at a time or
 * many in parallel.
 * @internal
 */
import { describeValue } from '../describe.js';
import { invalidArgument, isDetached } from './arrays.js';
import { asyncOptions, runAsync, runSync, type AsyncOptions } from './run.js';

/** The hash functions `hash` and `hashMany` take. */
export type HashAlgorithm = 'xxh3-64' | 'xxh3-128' | 'sha256' | 'blake3';

/** What a hash gives: a bigint for the XXH3 hashes, 32 bytes for SHA-256 and BLAKE3. */
export type Digest<A extends HashAlgorithm> = A extends 'xxh3-64' | 'xxh3-128' ? bigint : Uint8Array;

/** Bytes to hash: any TypedArray, DataView or Buffer (its bytes), an ArrayBuffer or a SharedArrayBuffer. */
export type Bytes = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

const ALGORITHMS: readonly HashAlgorithm[] = ['xxh3-64', 'xxh3-128', 'sha256', 'blake3'];

function algorithm(what: string, algo: unknown): HashAlgorithm {
  if (!ALGORITHMS.includes(algo as HashAlgorithm)) {
    invalidArgument(what, 'algo', `must be one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${describeValue(algo)}`);
  }
  return algo as HashAlgorithm;
}

function bytesOf(what: string, param: string, value: unknown): Uint8Array {
  let buffer: ArrayBufferLike;
  if (ArrayBuffer.isView(value)) buffer = value.buffer;
  else if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) buffer = value;
  else return invalidArgument(what, param, `must be a TypedArray, DataView, Buffer, ArrayBuffer or SharedArrayBuffer, got ${describeValue(value)}`);
  // A detached buffer has no bytes to hash (and a DataView over one cannot even say where it starts).
  if (isDetached(buffer)) invalidArgument(what, param, 'is detached (its ArrayBuffer was transferred)');
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(buffer);
}

function buffers(what: string, bufs: unknown): Uint8Array[] {
  if (!Array.isArray(bufs)) invalidArgument(what, 'bufs', `must be an array of buffers, got ${describeValue(bufs)}`);
  // Array.from visits holes too (as undefined), unlike map.
  return Array.from(bufs as unknown[], (b, i) => bytesOf(what, `bufs[${i}]`, b));
}

/**
 * The hash of `data`'s bytes: XXH3-64 and XXH3-128 as a bigint (XXH3-128's high 64 bits
 * are the bigint's high half, as in its canonical form), SHA-256 and BLAKE3 as 32 bytes.
 * BLAKE3 spreads a large input over the kernel pool's threads.
 *
 * @example
 * compute.hashSync(Buffer.from('abc'), 'sha256') // Uint8Array(32) [186, 120, 22, ...]
 * compute.hashSync(new Uint8Array(0), 'xxh3-64') // 3244421341483603138n
 */
export function hashSync<A extends HashAlgorithm>(data: Bytes, algo: A): Digest<A> {
  const what = 'compute.hashSync';
  const name = algorithm(what, algo);
  const bytes = bytesOf(what, 'data', data);
  return runSync(what, (k) => k.hash(bytes, name)) as Digest<A>;
}

/**
 * {@link hashSync} off the calling thread; cancellable between chunks, progress in bytes.
 *
 * @example
 * const digest = await compute.hash(await readFile('big.bin'), 'blake3')
 */
export function hash<A extends HashAlgorithm>(data: Bytes, algo: A, options?: AsyncOptions): Promise<Digest<A>> {
  const what = 'compute.hash';
  try {
    const name = algorithm(what, algo);
    const bytes = bytesOf(what, 'data', data);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, [bytes], (k, job) => k.hashAsync(bytes, name, job)) as Promise<Digest<A>>;
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The hash of each buffer of `bufs`, in order, computed in parallel over the buffers on
 * the kernel pool: what to use for many small buffers.
 *
 * @example
 * compute.hashManySync([Buffer.from('a'), Buffer.from('b')], 'xxh3-64') // [bigint, bigint]
 */
export function hashManySync<A extends HashAlgorithm>(bufs: readonly Bytes[], algo: A): Digest<A>[] {
  const what = 'compute.hashManySync';
  const name = algorithm(what, algo);
  const views = buffers(what, bufs);
  return runSync(what, (k) => k.hashMany(views, name)) as Digest<A>[];
}

/**
 * {@link hashManySync} off the calling thread; cancellable between buffers and chunks,
 * progress in bytes over all the buffers.
 *
 * @example
 * const digests = await compute.hashMany(chunks, 'sha256')
 */
export function hashMany<A extends HashAlgorithm>(bufs: readonly Bytes[], algo: A, options?: AsyncOptions): Promise<Digest<A>[]> {
  const what = 'compute.hashMany';
  try {
    const name = algorithm(what, algo);
    const views = buffers(what, bufs);
    const opts = asyncOptions(what, options);
    return runAsync(what, opts, views, (k, job) => k.hashManyAsync(views, name, job)) as Promise<Digest<A>[]>;
  } catch (err) {
    return Promise.reject(err);
  }
}
