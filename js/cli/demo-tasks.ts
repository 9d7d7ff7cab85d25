/**
 * The demo's task module: CPU work of varying size, run on the pool's worker threads.
 * @internal
 */

/** Counts primes below `limit` by trial division (deliberately CPU-bound). */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** What a producer reports: values sent, and how often a full buffer made it wait. */
export interface ProduceReport {
  sent: number;
  waited: number;
}

/**
 * Sends `count` numbers from `start` into `jobs` (a weft Channel passed from the main
 * thread), blocking this worker whenever the bounded buffer is full: backpressure.
 */
export function produce({ jobs, start, count }: { jobs: { trySend(v: number): boolean; sendSync(v: number): void }; start: number; count: number }): ProduceReport {
  let waited = 0;
  for (let v = start; v < start + count; v++) {
    if (!jobs.trySend(v)) {
      waited++;
      jobs.sendSync(v);
    }
  }
  return { sent: count, waited };
}
