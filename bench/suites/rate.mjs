/**
 * rate: weft's RateLimiter and KeyedLimiter beside the rate limiters most used on npm:
 * rate-limiter-flexible's RateLimiterMemory (the suite's reference), bottleneck 2.x and
 * limiter 4.x (the one with a synchronous token bucket). Cases (bench/README.md has the
 * details); the throughput cases pair like with like: synchronous with synchronous,
 * promise per decision with promise per decision, keyed with keyed.
 *
 *   allow-sync          unkeyed synchronous admissions: weft `allow()` against limiter's
 *                       `TokenBucket.tryRemoveTokens(1)` (reference: limiter)
 *   allow-promise       unkeyed, one promise per admission, issued in batches of 1,000
 *                       awaited together: weft-wait `wait()`, rate-limiter-flexible
 *                       `consume('k')`, bottleneck `schedule(job)` (it has no admission
 *                       call: its admission is running the job)
 *   keyed-sync          synchronous admissions over 1,000 keys in turn: weft-keyed
 *                       `KeyedLimiter.allow(key)` against limiter-map, a Map of limiter
 *                       TokenBuckets made on first use (no npm limiter offers a keyed
 *                       synchronous call; this is what users write) (reference: limiter-map)
 *   keyed-promise       the same keys, one promise per admission in batches of 1,000:
 *                       weft-keyed-wait `KeyedLimiter.wait(key)` against
 *                       rate-limiter-flexible `consume(key)`
 *   Every limiter is configured far above the call rate, so every call is admitted, and
 *   each run checks that count.
 *   accuracy            a limiter of RATE per second (burst 1) and CONSUMERS loops that each
 *                       wait for a token, then count it: the admitted rate measured over
 *                       RATE_BENCH_SECONDS (default 10) after a 0.5 s settling time, as a
 *                       percentage of RATE, and its distance from 100%. weft: `wait()`;
 *                       weft-workers: the same limiter shared by 2 worker threads, 4 loops
 *                       each; bottleneck: `minTime: 1000 / RATE` and `schedule()`;
 *                       rate-limiter-flexible: RateLimiterQueue over RateLimiterMemory
 *                       ({ points: RATE, duration: 1 }, a fixed window) and `removeTokens(1)`.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { check } from '../lib/suites.mjs';

// bottleneck's local datastore yields to a setTimeout(0) in each step (LocalDatastore.js
// yieldLoop), which caps it near 400 jobs/s here: it gets fewer calls.
const CALLS = { sync: 5_000_000, promise: 1_000_000, bottleneck: 2_000 };
const WARMUP = { sync: 100_000, promise: 100_000, bottleneck: 200 };
const BATCH = 1_000;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);
const HUGE = 1e15; // tokens per second and burst: far above any call rate, so all are admitted
const RATE = 1_000;
const CONSUMERS = 8;
const SETTLE_MS = 500;
const SECONDS = Number(process.env.RATE_BENCH_SECONDS ?? 10);
if (!(SECONDS > 0)) throw new Error(`RATE_BENCH_SECONDS must be a positive number, got ${process.env.RATE_BENCH_SECONDS}`);

const workerFixture = fileURLToPath(new URL('../fixtures/rate-worker.mjs', import.meta.url));
const weft = () => import('../../dist/esm/index.js');
const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** limiter's token bucket with room for every call. */
async function limiterBucket() {
  const { TokenBucket } = await import('limiter');
  return new TokenBucket({ bucketSize: HUGE, tokensPerInterval: HUGE, interval: 'second' });
}

/**
 * How `impl` admits the i-th call: `{ sync(i) -> boolean }` or `{ promise(i) -> Promise }`,
 * and the call counts it gets.
 */
async function admitter(caseName, impl) {
  const keyOf = (i) => KEYS[i % KEYS.length];
  switch (`${caseName}/${impl}`) {
    case 'allow-sync/weft': {
      const { RateLimiter } = await weft();
      const lim = new RateLimiter(HUGE, HUGE);
      return { sync: () => lim.allow() };
    }
    case 'allow-sync/limiter': {
      const bucket = await limiterBucket();
      return { sync: () => bucket.tryRemoveTokens(1) };
    }
    case 'allow-promise/weft-wait': {
      const { RateLimiter } = await weft();
      const lim = new RateLimiter(HUGE, HUGE);
      return { promise: () => lim.wait() };
    }
    case 'allow-promise/rate-limiter-flexible': {
      const { RateLimiterMemory } = await import('rate-limiter-flexible');
      const lim = new RateLimiterMemory({ points: HUGE, duration: 1 });
      return { promise: () => lim.consume('k') };
    }
    case 'allow-promise/bottleneck': {
      const { default: Bottleneck } = await import('bottleneck');
      const lim = new Bottleneck({ maxConcurrent: null, minTime: 0 });
      const job = () => Promise.resolve(true);
      return { promise: () => lim.schedule(job), counts: 'bottleneck' };
    }
    case 'keyed-sync/weft-keyed': {
      const { KeyedLimiter } = await weft();
      const lim = new KeyedLimiter(HUGE, HUGE);
      return { sync: (i) => lim.allow(keyOf(i)) };
    }
    case 'keyed-sync/limiter-map': {
      const { TokenBucket } = await import('limiter');
      const buckets = new Map();
      const bucketOf = (key) => {
        let b = buckets.get(key);
        if (b === undefined) {
          b = new TokenBucket({ bucketSize: HUGE, tokensPerInterval: HUGE, interval: 'second' });
          buckets.set(key, b);
        }
        return b;
      };
      return { sync: (i) => bucketOf(keyOf(i)).tryRemoveTokens(1) };
    }
    case 'keyed-promise/weft-keyed-wait': {
      const { KeyedLimiter } = await weft();
      const lim = new KeyedLimiter(HUGE, HUGE);
      return { promise: (i) => lim.wait(keyOf(i)) };
    }
    case 'keyed-promise/rate-limiter-flexible': {
      const { RateLimiterMemory } = await import('rate-limiter-flexible');
      const lim = new RateLimiterMemory({ points: HUGE, duration: 1 });
      return { promise: (i) => lim.consume(keyOf(i)) };
    }
    default:
      throw new Error(`no admitter for ${caseName}/${impl}`);
  }
}

/** Admits calls from..from+n; returns how many were admitted (a promise settling counts). */
async function drive(adm, from, n) {
  let admitted = 0;
  if (adm.sync) {
    for (let i = from; i < from + n; i++) if (adm.sync(i)) admitted++;
    return admitted;
  }
  for (let done = 0; done < n; done += BATCH) {
    const size = Math.min(BATCH, n - done);
    const batch = new Array(size);
    for (let k = 0; k < size; k++) batch[k] = adm.promise(from + done + k);
    admitted += (await Promise.all(batch)).length;
  }
  return admitted;
}

/** Decisions per second; every call must have been admitted. */
async function throughput(caseName, impl) {
  const adm = await admitter(caseName, impl);
  const kind = adm.counts ?? (adm.sync ? 'sync' : 'promise');
  check(`${impl}: warm-up calls admitted`, await drive(adm, 0, WARMUP[kind]), WARMUP[kind]);
  const n = CALLS[kind];
  const t0 = performance.now();
  const admitted = await drive(adm, WARMUP[kind], n);
  const seconds = (performance.now() - t0) / 1000;
  check(`${impl}: calls admitted`, admitted, n);
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

const throughputCase = (name, impls, reference) => ({ name, metric: 'decisions/s', unit: 'ops/s', better: 'higher', impls, reference });

export default {
  name: 'rate',
  reference: 'rate-limiter-flexible',
  ours: ['weft', 'weft-wait', 'weft-keyed', 'weft-keyed-wait', 'weft-workers'],
  cases: [
    throughputCase('allow-sync', ['weft', 'limiter'], 'limiter'),
    throughputCase('allow-promise', ['weft-wait', 'bottleneck', 'rate-limiter-flexible']),
    throughputCase('keyed-sync', ['weft-keyed', 'limiter-map'], 'limiter-map'),
    throughputCase('keyed-promise', ['weft-keyed-wait', 'rate-limiter-flexible']),
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
    return caseDef.name === 'accuracy' ? accuracy(impl) : throughput(caseDef.name, impl);
  },
};
