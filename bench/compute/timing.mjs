/**
 * How every impl of the compute suite is timed inside one run (numpy's runner does the same in
 * Python): the inputs are made before, `warmup` untimed calls, then `reps` timed calls, each
 * preceded by an untimed `before()` (e.g. restoring the unsorted input) and followed by an
 * untimed check of its result; the run's value is the median of the timed calls.
 */
import { performance } from 'node:perf_hooks';
import { median } from '../lib/report.mjs';

/**
 * Times `run` and returns the median in ms. `run` returns the result (or, with `async: true`,
 * a promise of it, awaited inside the timed region); `verify(result)` checks each result.
 *
 *   const ms = await timeReps({ reps: 5, warmup: 1, run: () => compute.sumSync(a), verify: (s) => check('sum', s, want) });
 */
export async function timeReps({ reps, warmup, before = () => {}, run, verify, async = false }) {
  const times = [];
  for (let i = 0; i < warmup + reps; i++) {
    before();
    const t0 = performance.now();
    const result = async ? await run() : run();
    const ms = performance.now() - t0;
    verify(result);
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

/** Nearest-rank percentile of an ascending list. */
export const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
