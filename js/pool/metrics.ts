/**
 * The counters and latency histograms behind `stats()`, shared by thread and process pools.
 *
 * @example
 * const m = new PoolMetrics(); m.recordRun(12); m.recordOutcome(true, 42)
 * m.snapshot({ queued: 0, running: 0, workers: 2 }).completed // 1
 * @internal
 */
import { performance } from 'node:perf_hooks';

import { isWeftError } from '../errors.js';
import { Histogram } from './histogram.js';

/** Latency summary in microseconds. */
export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** What `pool.stats()` reports. */
export interface PoolStats {
  completed: number;
  failed: number;
  canceled: number;
  queued: number;
  running: number;
  workers: number;
  peakWorkers: number;
  /** Time from submission until a worker started the task. */
  queueWait: LatencyStats;
  /** Time the task function ran. */
  runTime: LatencyStats;
  /** Settled tasks per second since the pool started. */
  throughput: number;
  /** Share of worker time spent running tasks since the pool started (0..1). */
  utilization: number;
}

export class PoolMetrics {
  readonly queueWait = new Histogram();
  readonly runTime = new Histogram();
  completed = 0;
  failed = 0;
  canceled = 0;
  peakWorkers = 0;
  #runMicros = 0;
  readonly #startedAt = performance.now();

  /** A task function ran for `runUs` microseconds. */
  recordRun(runUs: number): void {
    this.runTime.record(runUs);
    this.#runMicros += runUs;
  }

  /** A task settled: counts it as completed, canceled (a CANCELED error) or failed. */
  recordOutcome(ok: boolean, value: unknown): void {
    if (ok) this.completed++;
    else if (isWeftError(value, 'CANCELED')) this.canceled++;
    else this.failed++;
  }

  /** The pool now has `workers` workers. */
  noteWorkers(workers: number): void {
    if (workers > this.peakWorkers) this.peakWorkers = workers;
  }

  /** `stats()` given the executor's live counts. */
  snapshot(live: { queued: number; running: number; workers: number }): PoolStats {
    const elapsedS = (performance.now() - this.#startedAt) / 1000;
    const summary = (h: Histogram): LatencyStats => ({ p50: h.percentile(50), p99: h.percentile(99), max: h.max, mean: h.mean() });
    return {
      completed: this.completed,
      failed: this.failed,
      canceled: this.canceled,
      ...live,
      peakWorkers: this.peakWorkers,
      queueWait: summary(this.queueWait),
      runTime: summary(this.runTime),
      throughput: elapsedS > 0 ? (this.completed + this.failed) / elapsedS : 0,
      utilization: elapsedS > 0 && this.peakWorkers > 0 ? Math.min(1, this.#runMicros / 1e6 / (elapsedS * this.peakWorkers)) : 0,
    };
  }
}
