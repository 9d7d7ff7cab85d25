import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons under vitest's worker-threads pool have crashed and hung
    // (vitest-dev/vitest#5047): run every suite in forked processes.
    pool: 'forks',
    // Most suites spend their time waiting on workers, child processes and timers, not
    // on CPU: vitest's default of one fork per core less one (a single fork on 2 cores)
    // leaves the machine idle. At least two forks halved the suite's wall time on 2 cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
