/**
 * rate: weft's RateLimiter beside bottleneck (2.x) and rate-limiter-flexible's
 * RateLimiterMemory (reference), the two rate limiters most used on npm. Cases
 * (bench/README.md has the details):
 *
 *   allow-throughput  admission decisions per second on one thread. weft: `allow()`, a
 *                     synchronous call. rate-limiter-flexible: `consume(key)`, which returns
 *                     a promise; bottleneck has no admission call, so `schedule(job)` (its
 *                     admission is running the job), both issued in batches of 1,000 and
 *                     awaited together (the fastest way to drive a promise API). Every
 *                     limiter is configured so every call is admitted, and each run checks
 *                     that count.
 *   accuracy          a limiter of RATE per second (burst 1) and CONSUMERS loops that each
 *                     wait for a token, then count it: the admitted rate measured over
 *                     RATE_BENCH_SECONDS (default 10) after a 0.5 s settling time, as a
 *                     percentage of RATE, and its distance from 100%. weft: `wait()`;
 *                     weft-workers: the same limiter shared by 2 worker threads, 4 loops
 *                     each; bottleneck: `minTime: 1000 / RATE` and `schedule()`;
 *                     rate-limiter-flexible: RateLimiterQueue over RateLimiterMemory
 *                     ({ points: RATE, duration: 1 }, a fixed window) and `removeTokens(1)`.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

// bottleneck's local datastore yields to a setTimeout(0) in each step (LocalDatastore.js
// yieldLoop), which caps it near 400 jobs/s here: it gets fewer calls.
const ALLOW_CALLS = { weft: 5_000_000, bottleneck: 2_000, 'rate-limiter-flexible': 1_000_000 };
const WARMUP_CALLS = { weft: 100_000, bottleneck: 200, 'rate-limiter-flexible': 100_000 };
const BATCH = 1_000;
const RATE = 1_000;
const CONSUMERS = 8;
const SETTLE_MS = 500;
const SECONDS = Number(process.env.RATE_BENCH_SECONDS ?? 10);
if (!(SECONDS > 0)) throw new Error(`RATE_BENCH_SECONDS must be a positive number, got ${process.env.RATE_BENCH_SECONDS}`);

const workerFixture = fileURLToPath(new URL('../fixtures/rate-worker.mjs', import.meta.url));
const weft = () => import('../../dist/esm/index.js');
const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A function admitting one call per invocation (sync for weft, a promise per batch for the peers). */
async function admitter(impl) {
  if (impl === 'weft') {
    const { RateLimiter } = await weft();
    const lim = new RateLimiter(1e15, 1e15);
    return { sync: () => lim.allow() };
  }
  if (impl === 'bottleneck') {
    const { default: Bottleneck } = await import('bottleneck');
    const limiter = new Bottleneck({ maxConcurrent: null, minTime: 0 });
    const job = () => Promise.resolve(true);
    return { batch: (n) => Promise.all(Array.from({ length: n }, () => limiter.schedule(job))).then((r) => r.length) };
  }
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  const limiter = new RateLimiterMemory({ points: 1e15, duration: 1 });
  return { batch: (n) => Promise.all(Array.from({ length: n }, () => limiter.consume('k'))).then((r) => r.length) };
}

async function drive(adm, n) {
  let admitted = 0;
  if (adm.sync) {
    for (let i = 0; i < n; i++) if (adm.sync()) admitted++;
  } else {
    for (let done = 0; done < n; done += BATCH) admitted += await adm.batch(Math.min(BATCH, n - done));
  }
  return admitted;
}

/** Decisions per second; every call must have been admitted. */
async function allowThroughput(impl) {
  const adm = await admitter(impl);
  await drive(adm, WARMUP_CALLS[impl]);
  const n = ALLOW_CALLS[impl];
  const t0 = performance.now();
  const admitted = await drive(adm, n);
  const seconds = (performance.now() - t0) / 1000;
  if (admitted !== n) throw new Error(`${impl}: admitted ${admitted} of ${n}`);
  return n / seconds;
}

/** Starts `loops` consumers of `waitOne` counting into counts[0]; they stop when counts[1] is set. */
function startConsumers(loops, waitOne, view) {
  const consume = async () => {
    while (Atomics.load(view, 1) === 0) {
      await waitOne();
      Atomics.add(view, 0, 1);
    }
  };
  return Promise.all(Array.from({ length: loops }, consume));
}

/** Admitted rate over the window, as [% of RATE, |error| %]. */
async function accuracy(impl) {
  const counts = new SharedArrayBuffer(8);
  const view = new Int32Array(counts);
  let stopped = Promise.resolve();
  let cleanup = async () => {};
  if (impl === 'weft' || impl === 'weft-workers') {
    const { RateLimiter } = await weft();
    const limiter = new RateLimiter(RATE, 1);
    if (impl === 'weft') {
      stopped = startConsumers(CONSUMERS, () => limiter.wait(), view);
    } else {
      const workers = [0, 1].map(() => new Worker(workerFixture, { workerData: { limiter, consumers: CONSUMERS / 2, counts } }));
      await Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
      stopped = Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
      cleanup = () => Promise.all(workers.map((w) => w.terminate()));
    }
  } else if (impl === 'bottleneck') {
    const { default: Bottleneck } = await import('bottleneck');
    const limiter = new Bottleneck({ minTime: 1000 / RATE });
    const job = () => Promise.resolve();
    stopped = startConsumers(CONSUMERS, () => limiter.schedule(job), view);
    cleanup = () => limiter.stop({ dropWaitingJobs: true }).catch(() => {});
  } else {
    const { RateLimiterMemory, RateLimiterQueue } = await import('rate-limiter-flexible');
    const queue = new RateLimiterQueue(new RateLimiterMemory({ points: RATE, duration: 1 }));
    stopped = startConsumers(CONSUMERS, () => queue.removeTokens(1), view);
  }
  await sleepMs(SETTLE_MS);
  const c0 = Atomics.load(view, 0);
  const t0 = performance.now();
  await sleepMs(SECONDS * 1000);
  const c1 = Atomics.load(view, 0);
  const t1 = performance.now();
  Atomics.store(view, 1, 1);
  await Promise.race([stopped, sleepMs(2_000)]);
  await cleanup();
  const rate = (c1 - c0) / ((t1 - t0) / 1000);
  const percent = (100 * rate) / RATE;
  process.stderr.write(`${impl}: ${c1 - c0} admitted in ${((t1 - t0) / 1000).toFixed(3)} s = ${rate.toFixed(1)}/s\n`);
  return [
    { metric: 'admitted', unit: '% of rate', value: percent, better: 'higher' },
    { metric: 'error', unit: '%', value: Math.abs(percent - 100), better: 'lower' },
  ];
}

export default {
  name: 'rate',
  reference: 'rate-limiter-flexible',
  cases: [
    { name: 'allow-throughput', metric: 'decisions/s', unit: 'ops/s', better: 'higher', impls: ['weft', 'bottleneck', 'rate-limiter-flexible'] },
    {
      name: 'accuracy',
      metric: 'admitted',
      unit: '% of rate',
      better: 'higher',
      impls: ['weft', 'weft-workers', 'bottleneck', 'rate-limiter-flexible'],
    },
  ],
  timeoutMs: 120_000 + SECONDS * 1000,
  async measure(caseDef, impl) {
    return caseDef.name === 'allow-throughput' ? allowThroughput(impl) : accuracy(impl);
  },
};
