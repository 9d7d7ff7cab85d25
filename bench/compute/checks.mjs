/**
 * The compute suite's result checks, all through `check()` (a wrong result fails the run with
 * WrongResult and stops the bench). Floating-point results are held to the textbook error
 * bound of the computation, not to one impl's rounding.
 */
import { check } from '../lib/suites.mjs';
import { fingerprint } from './data.mjs';

/** Unit roundoff of float64 and float32. */
export const U64 = 2 ** -53;
export const U32 = 2 ** -24;

/**
 * Passes when |got - want| <= tol; otherwise fails showing both values.
 *
 *   checkClose('sum', 1.0000000001, 1, 1e-9);
 */
export function checkClose(what, got, want, tol) {
  if (typeof got === 'number' && Math.abs(got - want) <= tol) return;
  check(`${what} (allowed error ${tol.toPrecision(3)})`, got, want);
}

/**
 * The bound on a sum of n terms in any order: (n - 1)·u·Σ|termᵢ| (recursive summation's, which
 * also covers pairwise and blocked sums), so a plain loop and a tree sum both pass it.
 */
export const sumTolerance = (n, absSum, u = U64) => Math.max(n - 1, 1) * u * absSum;

/** `a` is in ascending order and holds the elements whose fingerprint is `want`. */
export function checkSorted(what, a, want) {
  let firstOutOfOrder = -1;
  for (let i = 1; i < a.length; i++) {
    if (!(a[i - 1] <= a[i])) {
      firstOutOfOrder = i;
      break;
    }
  }
  check(`${what}: first element out of ascending order (-1: none)`, firstOutOfOrder, -1);
  check(`${what}: fingerprint of the elements`, fingerprint(a), want);
}

/** The first index where two equal-length lists differ is reported, not the whole lists. */
export function checkSameList(what, got, want) {
  check(`${what}: length`, got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) check(`${what}[${i}]`, got[i], want[i]);
  }
}

/**
 * numpy.histogram's bin edges for `bins` equal bins over [lo, hi] (numpy.linspace: i·step +
 * lo, the last edge exactly hi; lo === hi widens the range by 0.5 each way).
 */
export function histogramEdges(lo, hi, bins) {
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  return edges;
}

/**
 * Reference counts by definition: bin i holds edges[i] <= x < edges[i + 1], the last bin
 * also x === edges[bins] (a binary search over the edges for every element).
 */
export function histogramByEdges(a, edges) {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (!(x >= edges[0] && x <= edges[bins])) continue;
    let lo = 0;
    let hi = bins; // edges[lo] <= x; find the last such lo below bins
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= x) lo = mid;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}

/**
 * Spot checks of an inclusive prefix sum: every `stride`-th element and the last, each against
 * an accurate running sum and held to the bound of an i-term sum.
 */
export function checkScan(what, out, a, stride = 1009) {
  check(`${what}: length`, out.length, a.length);
  let s = 0;
  let c = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
    abs += Math.abs(x);
    if (i % stride === 0 || i === a.length - 1) checkClose(`${what}[${i}]`, out[i], s + c, sumTolerance(i + 1, abs) + U64 * abs);
  }
}

/**
 * Spot checks of a row-major m×n product C = A·B (A m×k, B k×n): `samples` entries, each
 * against a float64 dot product, held to k·u·Σ|aᵢₗ·bₗⱼ| for the element type's unit roundoff.
 * `at(i, j)` reads C (gpu.js returns rows, the others a flat array).
 */
export function checkMatmul(what, at, a, b, m, k, n, u, samples = 64) {
  for (let s = 0; s < samples; s++) {
    const i = (s * 7919) % m;
    const j = (s * 104729 + 13) % n;
    let want = 0;
    let abs = 0;
    for (let l = 0; l < k; l++) {
      const p = a[i * k + l] * b[l * n + j];
      want += p;
      abs += Math.abs(p);
    }
    checkClose(`${what}: C[${i}][${j}]`, at(i, j), want, (k + 1) * u * abs + k * U64 * abs);
  }
}

/** Bytes as lowercase hex. */
export const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** A 64-bit hash (bigint) as 16 hex digits, the canonical (big-endian) form. */
export const hex64 = (x) => x.toString(16).padStart(16, '0');
