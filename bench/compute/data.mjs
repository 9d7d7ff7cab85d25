/**
 * Inputs of the compute suite: seeded, so every impl of a case (numpy included, which reads
 * the same bytes from a file) gets exactly the same data, and what the checks need to know
 * about it, computed while it is made (so no check reuses the code it checks).
 */

/** mulberry32: a small seeded 32-bit generator; `next()` returns a uint32. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * `n` doubles uniform in [0, 1) (53 random bits each), with their min, max and an
 * accurate sum (Neumaier's compensated summation) and the sum of their magnitudes.
 */
export function uniformF64(n, seed) {
  const next = rng(seed);
  const a = new Float64Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
    a[i] = x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const sum = accurateSum(a);
  return { a, min, max, sum, absSum: sum }; // every element is >= 0
}

/** `n` float32 values uniform in [0, 1). */
export function uniformF32(n, seed) {
  const next = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (next() >>> 8) / 16777216;
  return a;
}

/** `n` uint32 values over the whole range. */
export function uniformU32(n, seed) {
  const next = rng(seed);
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = next();
  return a;
}

/** `bytes` random bytes (a multiple of 4). */
export function randomBytes(bytes, seed) {
  const next = rng(seed);
  const words = new Uint32Array(bytes / 4);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return new Uint8Array(words.buffer);
}

/** `count` separate buffers of `size` random bytes each (each over its own ArrayBuffer). */
export function randomBuffers(count, size, seed) {
  const all = randomBytes(count * size, seed);
  return Array.from({ length: count }, (_, i) => all.slice(i * size, (i + 1) * size));
}

/** Σ xᵢ by Neumaier's compensated summation: exact to about one rounding for these inputs. */
export function accurateSum(xs, ys) {
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = ys === undefined ? xs[i] : xs[i] * ys[i];
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

/**
 * An order-independent fingerprint of a typed array's elements (a sum of mixed 32-bit words,
 * mod 2³²), so a sort's output can be checked to hold the same elements as its input.
 */
export function fingerprint(a) {
  const bytesPer = a.BYTES_PER_ELEMENT;
  const words = new Uint32Array(a.buffer, a.byteOffset, (a.length * bytesPer) / 4);
  const per = bytesPer / 4;
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < words.length; i += per) {
    let x = words[i];
    if (per === 2) x = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) ^ words[i + 1];
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
    x ^= x >>> 16;
    h1 = (h1 + x) >>> 0;
    h2 = (h2 + Math.imul(x, x | 1)) >>> 0;
  }
  return `${h1.toString(16)}:${h2.toString(16)}`;
}
