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
