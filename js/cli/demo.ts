/**
 * `weft demo`: a tour of what weft has today. Each section measures what it prints.
 *
 * @example
 * import { runDemo } from './demo.js'
 * process.exitCode = await runDemo([])
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { isWeftError } from '../errors.js';
import { nativeOrigin } from '../native/loader.js';
import { probes } from '../native/probes.js';
import { packageInfo } from '../native/package-info.js';
import { Channel } from '../chan/channel.js';
import { Pool } from '../pool/pool.js';
import type { ProduceReport } from './demo-tasks.js';
import { patternsSection } from './demo-patterns.js';
import { version } from '../native/version.js';
import { Histogram } from '../pool/histogram.js';
import { RateLimiter } from '../rate/index.js';

const DEMO_TASKS = 1_000;

/** Runs the demo; resolves to the process exit code. */
export async function runDemo(_args: string[]): Promise<number> {
  const origin = nativeOrigin();
  console.log(`weft ${version}: native addon ${origin.kind === 'local' ? 'built locally' : 'from the prebuilt package'} (${origin.triple})`);
  await poolSection();
  await channelSection();
  await patternsSection();
  nativeCallSection();
  errorSection();
  return 0;
}

async function poolSection(): Promise<void> {
  const size = availableParallelism();
  console.log(`\nWorker pool: ${DEMO_TASKS.toLocaleString('en-US')} CPU tasks (counting primes) on ${size} worker thread(s)`);
  const pool = new Pool({ filename: join(packageInfo().root, 'dist', 'esm', 'cli', 'demo-tasks.js'), size });
  const progress = new ProgressBar(DEMO_TASKS);
  const latency = new Histogram();
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: DEMO_TASKS }, (_, i) => {
      const submitted = performance.now();
      // Task sizes vary 10x, like real work does.
      return pool.run('countPrimes', 2_000 + ((i * 7919) % 18_000)).then(
        () => {
          latency.record((performance.now() - submitted) * 1000);
          ok++;
          progress.tick();
        },
        () => progress.tick(),
      );
    }),
  );
  const wallMs = performance.now() - started;
  progress.done();
  const stats = pool.stats();
  const closeStarted = performance.now();
  await pool.close();
  const closeMs = performance.now() - closeStarted;
  const rows: [string, string][] = [
    ['tasks processed', `${(stats.completed + stats.failed).toLocaleString('en-US')}`],
    ['wall time', `${wallMs.toFixed(1)} ms`],
    ['throughput', `${Math.round((DEMO_TASKS / wallMs) * 1000).toLocaleString('en-US')} tasks/s`],
    ['queue wait + run, mean', `${(latency.mean() / 1000).toFixed(2)} ms (submit to result; all ${DEMO_TASKS.toLocaleString('en-US')} were submitted at once, so most of it is queue wait)`],
    ['queue wait + run, p99', `${(latency.percentile(99) / 1000).toFixed(2)} ms`],
    // pool.stats() reports microseconds.
    ['run time, mean', `${(stats.runTime.mean / 1000).toFixed(2)} ms (the task function alone: pool.stats().runTime)`],
    ['success rate', `${((ok / DEMO_TASKS) * 100).toFixed(1)}%`],
    ['peak workers', `${stats.peakWorkers}`],
    ['shutdown time', `${closeMs.toFixed(1)} ms`],
  ];
  printRows(rows);
}

/** Prints label/value rows with the values aligned. */
function printRows(rows: [string, string][]): void {
  const width = Math.max(16, ...rows.map(([k]) => k.length + 2));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}${v}`);
}

const PRODUCERS = 3;
const PER_PRODUCER = 20_000;
const CONSUMERS = 2;
const BUFFER = 64;

/**
 * Producers on worker threads feed a bounded channel that consumers on the main thread
 * drain; the buffer's bound makes the producers wait (backpressure), and the totals prove
 * every value arrived exactly once.
 */
async function channelSection(): Promise<void> {
  console.log(`\nChannels: ${PRODUCERS} producers on worker threads -> a Channel(${BUFFER}) -> ${CONSUMERS} consumers on the main thread`);
  const jobs = new Channel<number>(BUFFER);
  const pool = new Pool({ filename: join(packageInfo().root, 'dist', 'esm', 'cli', 'demo-tasks.js'), size: PRODUCERS });
  const started = performance.now();
  let peak = 0;
  const consumer = async (): Promise<{ count: number; sum: number }> => {
    let count = 0;
    let sum = 0;
    for await (const v of jobs) {
      peak = Math.max(peak, jobs.len);
      count++;
      sum += v;
      if (count % 1000 === 0) await new Promise((resolve) => setImmediate(resolve)); // consumers are the slower side
    }
    return { count, sum };
  };
  const consumers = Array.from({ length: CONSUMERS }, consumer);
  const reports = (await Promise.all(
    Array.from({ length: PRODUCERS }, (_, p) => pool.run('produce', { jobs, start: p * PER_PRODUCER, count: PER_PRODUCER })),
  )) as ProduceReport[];
  jobs.close(); // every producer is done: consumers drain the rest, then stop
  const totals = await Promise.all(consumers);
  const wallMs = performance.now() - started;
  await pool.close();
  const total = PRODUCERS * PER_PRODUCER;
  const received = totals.reduce((n, t) => n + t.count, 0);
  const sum = totals.reduce((n, t) => n + t.sum, 0);
  const expectedSum = (total * (total - 1)) / 2;
  const rows: [string, string][] = [
    ['sent', reports.reduce((n, r) => n + r.sent, 0).toLocaleString('en-US')],
    ['received', `${received.toLocaleString('en-US')} (${totals.map((t) => t.count.toLocaleString('en-US')).join(' + ')})`],
    ['checksum', sum === expectedSum ? `ok (sum ${sum.toLocaleString('en-US')}): nothing lost, nothing twice` : `MISMATCH: ${sum} != ${expectedSum}`],
    ['backpressure', `producers found the buffer full ${reports.reduce((n, r) => n + r.waited, 0).toLocaleString('en-US')} times and waited; peak fill ${peak}/${BUFFER}`],
    ['throughput', `${Math.round((total / wallMs) * 1000).toLocaleString('en-US')} values/s (see the note below)`],
  ];
  printRows(rows);
  console.log(
    '  note: here every value is one `await` on the main thread, which also runs the consumers, while ' +
      `${PRODUCERS} producers share the CPUs; \`npm run bench -- channel\` times sendSync/recvSync between two ` +
      'worker threads with nothing else running, so its msgs/s figure is higher.',
  );
  if (received !== total || sum !== expectedSum) throw new Error('channel demo lost or duplicated values');
}

/** A live bar on a terminal; a line per 25% otherwise (logs, CI). */
class ProgressBar {
  #done = 0;
  #lastQuarter = 0;
  readonly #tty = process.stdout.isTTY === true;
  constructor(readonly total: number) {}
  tick(): void {
    this.#done++;
    if (this.#tty) {
      if (this.#done % 10 === 0 || this.#done === this.total) this.#draw();
    } else {
      const quarter = Math.floor((this.#done / this.total) * 4);
      if (quarter > this.#lastQuarter) {
        this.#lastQuarter = quarter;
        console.log(`  progress ${this.#done}/${this.total}`);
      }
    }
  }
  #draw(): void {
    const width = 30;
    const filled = Math.round((this.#done / this.total) * width);
    process.stdout.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.total}`);
  }
  done(): void {
    if (this.#tty) process.stdout.write('\n');
  }
}

function nativeCallSection(): void {
  const native = probes();
  const calls = 2_000_000;
  const bytes = new Uint8Array(64 * 1024);
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) native.noop();
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += native.bufferLength(bytes);
  const t2 = process.hrtime.bigint();
  if (sink !== calls * bytes.length) throw new Error('bufferLength returned a wrong length');
  console.log(`\nCrossing into Rust (${calls.toLocaleString('en-US')} calls each, measured now):`);
  console.log(`  empty native call          ${(Number(t1 - t0) / calls).toFixed(1)} ns/call`);
  console.log(`  passing a 64 KiB buffer    ${(Number(t2 - t1) / calls).toFixed(1)} ns/call (zero-copy)`);
}

function errorSection(): void {
  console.log('\nErrors are typed: bad arguments throw a WeftError with a code that names the argument');
  const tasks = join(packageInfo().root, 'dist', 'esm', 'cli', 'demo-tasks.js');
  for (const [what, call] of [
    ['new Channel(-1)', () => new Channel(-1)],
    ['new Pool({ filename, size: -1 })', () => new Pool({ filename: tasks, size: -1 })],
    ['new RateLimiter(-1, 1)', () => new RateLimiter(-1, 1)],
  ] as const) {
    try {
      call();
      throw new Error(`${what} did not throw`);
    } catch (err) {
      if (!isWeftError(err)) throw err;
      console.log(`  ${what.padEnd(34)} -> ${err.code}: ${err.message}`);
    }
  }
}
