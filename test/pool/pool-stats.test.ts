// Pool stats checked against known durations, for the thread pool and the process pool:
// tasks busy-wait exactly D ms (test/fixtures/stats-tasks.mjs), so each run lasts at least
// D and a task queued behind k others on a one-worker pool waits at least k·D. Those lower
// bounds are deterministic and kept tight. Upper bounds come in two kinds:
//  - deterministic ones from wall time this test measured around the pool (a worker's runs
//    cannot add up to more than the wall time it had; the pool's lifetime lies between
//    the clock readings taken around its constructor and around stats()), also tight;
//  - timing ones, which are generous: this suite may share a loaded 2-core machine with
//    other test files, so a spinning worker can be preempted right at its deadline and
//    overrun by a scheduler slice or more; such a bound only catches unit slips and
//    swapped fields, never a slow machine.
// No sleep decides a result: the one timer (the idle stretch) only lets time pass, and
// what is asserted is computed from the clock readings taken around it.
import { afterEach, describe, expect, it } from 'vitest';

import { Pool, ProcessPool, type PoolStats } from '@weft/core';

import { settlesWithin } from '../fixtures/pool-helpers.js';

const TASKS = new URL('../fixtures/stats-tasks.mjs', import.meta.url);

/**
 * The histogram reports a percentile as the midpoint of its bucket (32 per power of two),
 * at most 1/64 below the sample: percentile lower bounds allow that (1/32, to spare).
 */
const BUCKET = 1 - 1 / 32;
/**
 * Run times are measured natively or in the child, wall time here: different readings of
 * one monotonic clock, which may round differently by microseconds.
 */
const CLOCK_SLACK_US = 1_000;

type AnyPool = Pool | ProcessPool;

const live = new Set<AnyPool>();

afterEach(async () => {
  const pools = [...live];
  live.clear();
  await settlesWithin(Promise.all(pools.map((p) => p.close({ timeout: 2_000 }))), 10_000, 'closing the pools');
});

const kinds: [string, (size: number) => AnyPool][] = [
  ['Pool', (size) => new Pool({ filename: TASKS, size })],
  ['ProcessPool', (size) => new ProcessPool({ filename: TASKS, size })],
];

/** A pool, with the clock read just before and just after its constructor. */
function timedPool(make: (size: number) => AnyPool, size: number): { pool: AnyPool; before: number; after: number } {
  const before = performance.now();
  const pool = make(size);
  const after = performance.now();
  live.add(pool);
  return { pool, before, after };
}

/** stats(), with the clock read just before and just after. */
function timedStats(pool: AnyPool): { stats: PoolStats; before: number; after: number } {
  const before = performance.now();
  const stats = pool.stats();
  const after = performance.now();
  return { stats, before, after };
}

/** The percentile's rank among n samples, as the histogram computes it (1-based). */
function rank(p: number, n: number): number {
  return Math.max(1, Math.ceil((p / 100) * n));
}

/** A timer: lets time pass while the pool idles (its length decides nothing). */
const idle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(kinds)('%s stats', (_name, make) => {
  it('runTime: tasks that busy-wait D ms each run at least D, and together no longer than the wall time their worker had', async () => {
    const N = 8;
    const D = 25;
    const { pool, before: created } = timedPool(make, 1);
    const waited = (await Promise.all(Array.from({ length: N }, () => pool.run('spin', D)))) as number[];
    const done = performance.now();
    const { stats } = timedStats(pool);

    expect(waited.every((ms) => ms >= D)).toBe(true); // the fixture does what it says
    expect(stats.completed).toBe(N);
    expect(stats.failed).toBe(0);
    const { p50, p99, max, mean } = stats.runTime;
    // Every sample is at least D: exact for mean and max, a bucket's width for percentiles.
    expect(mean).toBeGreaterThanOrEqual(D * 1000);
    expect(max).toBeGreaterThanOrEqual(D * 1000);
    expect(p50).toBeGreaterThanOrEqual(D * 1000 * BUCKET);
    expect(p99).toBeGreaterThanOrEqual(p50);
    expect(max).toBeGreaterThanOrEqual(p99);
    // One worker ran them one after another, all between the constructor and `done`.
    expect(mean * N).toBeLessThanOrEqual((done - created) * 1000 + CLOCK_SLACK_US);
    // Generous (see the header): a spin of D ms measured as a second or more is a unit slip.
    expect(p50).toBeLessThan((D + 1_000) * 1000);
  });

  it('queueWait: a task queued behind k others of D ms waits at least k·D', async () => {
    const N = 8;
    const D = 25;
    const { pool, before: created } = timedPool(make, 1);
    // Submitted in one go: task k can start only once tasks 0..k-1 have run (>= k·D).
    await Promise.all(Array.from({ length: N }, () => pool.run('spin', D)));
    const done = performance.now();
    const { stats } = timedStats(pool);

    const { p50, p99, max, mean } = stats.queueWait;
    expect(max).toBeGreaterThanOrEqual((N - 1) * D * 1000);
    expect(mean).toBeGreaterThanOrEqual((((N - 1) / 2) * D * 1000)); // (0 + 1 + ... + N-1)·D / N
    // The r-th smallest of the waits is at least (r-1)·D (at most r-1 tasks wait less).
    expect(p50).toBeGreaterThanOrEqual((rank(50, N) - 1) * D * 1000 * BUCKET);
    expect(p99).toBeGreaterThanOrEqual((rank(99, N) - 1) * D * 1000 * BUCKET);
    // No task waited longer than the test ran.
    expect(max).toBeLessThanOrEqual((done - created) * 1000 + CLOCK_SLACK_US);
  });

  it("queueWait leaves the task's own run out: one long task on an idle worker waits far less than it runs", async () => {
    const LONG = 300;
    const { pool } = timedPool(make, 1);
    await pool.run('spin', 0); // the worker is up and idle
    const s1 = pool.stats();
    const start = performance.now();
    await pool.run('spin', LONG);
    const end = performance.now();
    const s2 = pool.stats();

    // The long task's own samples, from the sums (mean × count) before and after it.
    const n1 = s1.completed + s1.failed;
    const n2 = s2.completed + s2.failed;
    expect(n2).toBe(n1 + 1);
    const run = s2.runTime.mean * n2 - s1.runTime.mean * n1;
    const wait = s2.queueWait.mean * n2 - s1.queueWait.mean * n1;
    expect(run).toBeGreaterThanOrEqual(LONG * 1000 - 1); // (sums of floats: 1 us of rounding)
    expect(run).toBeLessThanOrEqual((end - start) * 1000 + CLOCK_SLACK_US);
    expect(wait).toBeGreaterThanOrEqual(0);
    // An idle worker takes a task within microseconds to milliseconds; LONG ms is generous
    // (see the header), and a wait that counted the run would be at least LONG.
    expect(wait).toBeLessThan(LONG * 1000);
  });

  it('throughput: settled tasks (completed and failed, not canceled) per second of the pool lifetime', async () => {
    const { pool, before: created, after: constructed } = timedPool(make, 1);
    const runs = [pool.run('spin', 10), pool.run('spin', 10), pool.run('spin', 10), pool.run('spin', 10), pool.run('spinThenFail', 10)];
    const canceled = pool.run('spin', 10, { signal: AbortSignal.abort() });
    const outcomes = await Promise.allSettled([...runs, canceled]);
    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);

    const first = timedStats(pool);
    expect(first.stats).toMatchObject({ completed: 4, failed: 1, canceled: 1 });
    const settled = 5;
    // The pool started between `created` and `constructed`, and took its snapshot between
    // the readings around stats(): its lifetime lies between these two spans.
    expect(first.stats.throughput).toBeGreaterThanOrEqual(settled / ((first.after - created) / 1000));
    expect(first.stats.throughput).toBeLessThanOrEqual(settled / ((first.before - constructed) / 1000));

    // With nothing settling, it falls as the lifetime grows.
    await idle(50);
    const later = timedStats(pool);
    expect(later.stats.throughput).toBeLessThan(first.stats.throughput);
    expect(later.stats.throughput).toBeGreaterThanOrEqual(settled / ((later.after - created) / 1000));
    expect(later.stats.throughput).toBeLessThanOrEqual(settled / ((later.before - constructed) / 1000));
  });

  it('utilization: the busy share of worker time, near 1 while the only worker is kept busy and falling while it idles', async () => {
    const N = 12;
    const D = 50;
    const { pool, before: created, after: constructed } = timedPool(make, 1);
    await Promise.all(Array.from({ length: N }, () => pool.run('spin', D)));
    const done = performance.now();
    const busy = timedStats(pool);
    expect(busy.stats.peakWorkers).toBe(1);

    // It is the run time summed over the pool's lifetime (between the two spans).
    const runSeconds = (busy.stats.runTime.mean * N) / 1e6;
    expect(busy.stats.utilization).toBeGreaterThanOrEqual(runSeconds / ((busy.after - created) / 1000) - 1e-9);
    expect(busy.stats.utilization).toBeLessThanOrEqual(Math.min(1, runSeconds / ((busy.before - constructed) / 1000)) + 1e-9);
    // The worker was busy at least N·D of that lifetime: all of it but its start-up.
    expect(busy.stats.utilization).toBeGreaterThanOrEqual((N * D) / (busy.after - created));
    expect(busy.stats.utilization).toBeLessThanOrEqual(1);

    await idle(N * D);
    const rested = timedStats(pool);
    expect(rested.stats.utilization).toBeLessThan(busy.stats.utilization);
    // Busy at most from the constructor to `done`, out of a lifetime that now includes the idle stretch.
    expect(rested.stats.utilization).toBeLessThanOrEqual((done - created) / (rested.before - constructed));
    expect(rested.stats.utilization).toBeGreaterThanOrEqual((N * D) / (rested.after - created));
  });

  it('utilization counts every worker: one task at a time on a pool of two is at most half', async () => {
    const M = 8;
    const D = 40;
    const { pool, before: created, after: constructed } = timedPool(make, 2);
    for (let i = 0; i < M; i++) await pool.run('spin', D); // never two at once
    const done = performance.now();
    const { stats, before, after } = timedStats(pool);
    expect(stats.peakWorkers).toBe(2);
    // The runs, one after another, fit between the constructor and `done`.
    expect(stats.utilization).toBeLessThanOrEqual((done - created) / (2 * (before - constructed)));
    expect(stats.utilization).toBeGreaterThanOrEqual((M * D) / (2 * (after - created)));
  });
});
