// The pool's latency histogram: buckets of ~3% relative width from 1 us to 2^32 us.
import { describe, expect, it } from 'vitest';

import { Histogram, bucketOf } from '../../dist/esm/pool/histogram.js';

describe('Histogram', () => {
  it('buckets grow with the sample and stay within 1/32 of it', () => {
    let last = 0;
    for (let v = 1; v < 2 ** 32; v *= 1.01) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
      // The bucket's lower edge is within 1/32 of its power of two below v.
      const exponent = Math.floor(b / 32);
      const lower = 2 ** exponent * (1 + (b % 32) / 32);
      expect(lower).toBeLessThanOrEqual(v * (1 + 1e-12));
      expect(v - lower).toBeLessThan(2 ** exponent / 32 + 1e-9 * v);
    }
    expect([bucketOf(0), bucketOf(0.5), bucketOf(NaN), bucketOf(1)]).toEqual([0, 0, 0, 0]);
    expect(bucketOf(2 ** 31)).toBe(31 * 32);
    expect(bucketOf(2 ** 40)).toBe(32 * 32 - 1);
  });

  it('percentiles, mean and max of known samples', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.count).toBe(1000);
    expect(h.max).toBe(1000);
    expect(h.mean()).toBeCloseTo(500.5, 6);
    for (const [p, exact] of [[50, 500], [99, 990], [100, 1000]] as const) {
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(1 / 32);
    }
    expect(new Histogram().percentile(50)).toBe(0);
  });
});
