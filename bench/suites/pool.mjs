/**
 * pool: weft's worker Pool beside the common Node.js worker-pool libraries (piscina,
 * tinypool, poolifier's FixedThreadPool, workerpool), each with 2 worker threads and
 * default options otherwise. Every library runs the same task functions
 * (bench/fixtures/functions.mjs, wrapped per library in bench/fixtures/<library>.mjs).
 * Every result is checked (sums of results against the expected value), so no impl can
 * skip work; a wrong answer fails the run.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { fib as fibOnMain } from '../fixtures/functions.mjs';
import { check } from '../lib/suites.mjs';

const POOLS = ['weft', 'piscina', 'tinypool', 'poolifier', 'workerpool'];
const THREADS = 2;
const WARMUP_TASKS = 300;

// Task counts per run (bench/README.md describes the cases). The slowest libraries need
// ~15 s for 100,000 trivial tasks on a busy 2-core machine, so by default throughput-100k
// and payload-64KiB run half their nominal count, which keeps a default 7-run suite under
// ~10 minutes; POOL_BENCH_FULL=1 runs the nominal counts (the names keep them).
const FULL = process.env.POOL_BENCH_FULL === '1';
const THROUGHPUT_TASKS = FULL ? 100_000 : 50_000;
const THROUGHPUT_WARMUP_BURSTS = 3;
const ROUND_TRIP_TASKS = 10_000;
const PAYLOAD_TASKS = FULL ? 20_000 : 10_000;
const PAYLOAD_BYTES = 64 * 1024;
const PAYLOAD_IN_FLIGHT = 64;
const PAYLOAD_SUM = (PAYLOAD_BYTES / 256) * ((255 * 256) / 2); // byteSum of bytes[i] = i & 0xff
const FIB_N = 25;
const FIB_VALUE = 75_025;
const FIB_TASKS = 2_000;
const QUEUED_TASKS = 1_000_000;

const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

/** One SharedArrayBuffer gate per process, handed to every pool as `workerData.gate`. */
const gateBuffer = new SharedArrayBuffer(8);
const gate = new Int32Array(gateBuffer);
const workerData = { gate: gateBuffer };

/**
 * Loads `impl`'s library (for weft also its native addon), and nothing else: only the
 * library being measured is ever loaded into the process.
 */
async function loadLibrary(impl) {
  switch (impl) {
    case 'weft':
    case 'weft-post': {
      const weft = await import('../../dist/esm/index.js');
      (await import('../../dist/esm/native/loader.js')).loadNative();
      return weft;
    }
    case 'piscina': return import('piscina');
    case 'tinypool': return import('tinypool');
    case 'poolifier': return import('poolifier');
    case 'workerpool': return (await import('workerpool')).default;
    case 'promise-floor': return null;
    default: throw new Error(`unknown pool impl "${impl}"`);
  }
}

/**
 * Starts `impl`'s pool with THREADS workers and default options otherwise, behind one face:
 * `run(name, arg)` -> Promise, `close()` -> Promise, `raw` (the library's own pool).
 */
function createPool(impl, lib) {
  switch (impl) {
    case 'promise-floor': return promiseFloor();
    case 'weft':
    case 'weft-post': {
      const pool = new lib.Pool({ filename: fixture('weft.mjs'), size: THREADS, workerData });
      return { raw: pool, run: (name, arg) => pool.run(name, arg), close: () => pool.close() };
    }
    case 'piscina': {
      const pool = new lib.Piscina({ filename: fixture('piscina.mjs'), minThreads: THREADS, maxThreads: THREADS, workerData });
      return { raw: pool, run: (name, arg) => pool.run(arg, { name }), close: () => pool.destroy() };
    }
    case 'tinypool': {
      const pool = new lib.Tinypool({ filename: fixture('tinypool.mjs'), minThreads: THREADS, maxThreads: THREADS, workerData });
      return { raw: pool, run: (name, arg) => pool.run(arg, { name }), close: () => pool.destroy() };
    }
    case 'poolifier': {
      const pool = new lib.FixedThreadPool(THREADS, fixture('poolifier.mjs'), { workerOptions: { workerData } });
      return { raw: pool, run: (name, arg) => pool.execute(arg, name), close: () => pool.destroy() };
    }
    case 'workerpool': {
      // maxWorkers defaults to CPUs - 1 and minWorkers to 0: pin both to THREADS.
      const pool = lib.pool(fixture('workerpool.mjs'), {
        minWorkers: THREADS, maxWorkers: THREADS, workerType: 'thread', workerThreadOpts: { workerData },
      });
      // workerpool's own Promise is a thenable: wrap it so every impl hands back a native one.
      return { raw: pool, run: (name, arg) => Promise.resolve(pool.exec(name, [arg])), close: () => pool.terminate() };
    }
    default:
      throw new Error(`unknown pool impl "${impl}"`);
  }
}

/**
 * No threads at all: run() makes a promise that the main thread resolves with `arg + 1` in
 * setImmediate batches of 1,024. What one promise per task costs by itself: the ceiling
 * for any pool whose run() returns a promise.
 */
function promiseFloor() {
  let resolvers = [];
  let args = [];
  let head = 0;
  let scheduled = false;
  const settleBatch = () => {
    const end = Math.min(head + 1024, resolvers.length);
    for (; head < end; head++) resolvers[head](args[head] + 1);
    if (head < resolvers.length) return void setImmediate(settleBatch);
    resolvers = [];
    args = [];
    head = 0;
    scheduled = false;
  };
  const run = (_name, arg) => new Promise((resolve) => {
    resolvers.push(resolve);
    args.push(arg);
    if (!scheduled) {
      scheduled = true;
      setImmediate(settleBatch);
    }
  });
  return { raw: null, run, close: async () => {} };
}

const openPool = async (impl) => createPool(impl, await loadLibrary(impl));

const expectEqual = check;

/** Submits `n` tasks at once (every promise created first), then awaits them all; returns the sum. */
async function allAtOnce(pool, name, n, argOf) {
  const promises = new Array(n);
  for (let i = 0; i < n; i++) promises[i] = pool.run(name, argOf(i));
  let sum = 0;
  for (const v of await Promise.all(promises)) sum += v;
  return sum;
}

/** weft's fire-and-forget path: post() n tasks, then read n outcomes from results(). */
async function postAll(pool, n) {
  for (let i = 0; i < n; i++) pool.raw.post('inc', i);
  const results = pool.raw.results()[Symbol.asyncIterator]();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const { value: r } = await results.next();
    if (!r.ok) throw r.error;
    sum += r.value;
  }
  return sum;
}

/** Keeps at most `window` tasks in flight until `n` have finished; returns the sum. */
function windowed(pool, name, n, window, argOf) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let done = 0;
    let sum = 0;
    const launch = () => {
      const i = next++;
      pool.run(name, argOf(i)).then((v) => {
        sum += v;
        if (++done === n) resolve(sum);
        else if (next < n) launch();
      }, reject);
    };
    for (let k = 0; k < Math.min(window, n); k++) launch();
  });
}

/** Nearest-rank percentile of an ascending list. */
const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

const sumInc = (n) => (n * (n - 1)) / 2 + n; // sum of (i + 1) for i < n

async function throughput(pool, impl) {
  const viaPost = impl === 'weft-post';
  const go = (n) => (viaPost ? postAll(pool, n) : allAtOnce(pool, 'inc', n, (i) => i));
  // Warm up with bursts of the measured size, so that JIT tiers and V8's heap sizes
  // reach their steady state, the same for every library. With 300 tasks, weft's run
  // measured mostly its own code being optimised (a fresh process ~350k tasks/s, a warm
  // one ~900k). With one burst, the measured burst still paid for V8 growing its young
  // generation. Burst by burst in one process, weft's run went 0.29-0.46M, 0.79-1.04M,
  // 0.96-1.11M, then 1.3M and up; poolifier went 47k, 55-63k, 60-64k, then 59-73k.
  for (let i = 0; i < THROUGHPUT_WARMUP_BURSTS; i++) {
    expectEqual('warm-up sum', await go(THROUGHPUT_TASKS), sumInc(THROUGHPUT_TASKS));
  }
  const t0 = now();
  const sum = await go(THROUGHPUT_TASKS);
  const ms = now() - t0;
  expectEqual('sum of results', sum, sumInc(THROUGHPUT_TASKS));
  return (THROUGHPUT_TASKS / ms) * 1000;
}

async function roundTrip(pool) {
  for (let i = 0; i < WARMUP_TASKS; i++) expectEqual('warm-up result', await pool.run('inc', i), i + 1);
  const lat = new Float64Array(ROUND_TRIP_TASKS);
  for (let i = 0; i < ROUND_TRIP_TASKS; i++) {
    const t0 = now();
    const r = await pool.run('inc', i);
    lat[i] = now() - t0;
    check(`round-trip result ${i}`, r, i + 1);
  }
  lat.sort();
  return [
    { metric: 'p50', unit: 'µs', value: percentile(lat, 50) * 1000, better: 'lower' },
    { metric: 'p99', unit: 'µs', value: percentile(lat, 99) * 1000, better: 'lower' },
  ];
}

async function payload(pool) {
  // One buffer reused by every task and every impl; never transferred, so each library
  // copies it (structured clone, or weft's copy into native memory) per task.
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
  const each = PAYLOAD_SUM;
  const arg = () => bytes;
  expectEqual('warm-up sum', await windowed(pool, 'byteSum', WARMUP_TASKS, PAYLOAD_IN_FLIGHT, arg), WARMUP_TASKS * each);
  const t0 = now();
  const sum = await windowed(pool, 'byteSum', PAYLOAD_TASKS, PAYLOAD_IN_FLIGHT, arg);
  const ms = now() - t0;
  expectEqual('sum of byte sums', sum, PAYLOAD_TASKS * each);
  return (PAYLOAD_TASKS / ms) * 1000;
}

// Every fib25 impl gets the same warm-up before it is timed: 30 fib(25) calls (15 per
// worker for the threaded ones), enough for V8 to optimize fib.
const FIB_WARMUP = 30;

async function fibPool(pool) {
  expectEqual('warm-up sum', await allAtOnce(pool, 'fib', FIB_WARMUP, () => FIB_N), FIB_WARMUP * FIB_VALUE);
  const t0 = now();
  const sum = await allAtOnce(pool, 'fib', FIB_TASKS, () => FIB_N);
  const ms = now() - t0;
  expectEqual('sum of fib results', sum, FIB_TASKS * FIB_VALUE);
  return (FIB_TASKS / ms) * 1000;
}

/**
 * THREADS raw workers with no pool (the plain-workers baseline): `warm` tasks split over
 * them to warm up, then (timed) `tasks` split over them, one message back per worker per
 * round. Tasks per worker must divide evenly. Returns tasks/s.
 */
async function plainWorkers(task, warm, tasks, each) {
  const workers = Array.from({ length: THREADS }, () => new Worker(fixture('plain-worker.mjs')));
  const answer = (w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const round = (count) => Promise.all(workers.map((w) => {
    const sum = answer(w);
    w.postMessage({ task, count: count / THREADS });
    return sum;
  })).then((sums) => sums.reduce((a, b) => a + b, 0));
  try {
    await Promise.all(workers.map(answer)); // 'ready'
    expectEqual('warm-up sum', await round(warm), warm * each);
    const t0 = now();
    const sum = await round(tasks);
    const ms = now() - t0;
    expectEqual('sum of results', sum, tasks * each);
    return (tasks / ms) * 1000;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const fibPlainWorkers = () => plainWorkers({ fn: 'fib', n: FIB_N }, FIB_WARMUP, FIB_TASKS, FIB_VALUE);
const payloadPlainWorkers = () => plainWorkers({ fn: 'byteSum', bytes: PAYLOAD_BYTES }, WARMUP_TASKS, PAYLOAD_TASKS, PAYLOAD_SUM);

/** The main thread alone, FIB_TASKS fib(25) calls back to back. */
function fibMainSequential() {
  let warm = 0;
  for (let i = 0; i < FIB_WARMUP; i++) warm += fibOnMain(FIB_N);
  expectEqual('warm-up sum', warm, FIB_WARMUP * FIB_VALUE);
  const t0 = now();
  let sum = 0;
  for (let i = 0; i < FIB_TASKS; i++) sum += fibOnMain(FIB_N);
  const ms = now() - t0;
  expectEqual('sum of fib results', sum, FIB_TASKS * FIB_VALUE);
  return (FIB_TASKS / ms) * 1000;
}

/** Collects garbage (the main isolate only; workers collect on their own) and lets things settle. */
async function settle(rounds = 3) {
  for (let i = 0; i < rounds; i++) {
    globalThis.gc?.();
    await sleep(50);
  }
}

/**
 * Idle footprint of a started, warmed-up pool: process RSS with the pool minus process RSS
 * just before creating it (the library already imported). For weft and piscina also the
 * cost of a queued task: both workers are blocked on the gate, QUEUED_TASKS tasks are
 * queued behind them, and the growth of RSS (everything: JS heap, native queues) and of
 * heapUsed + external (what V8 sees) is divided by the count.
 */
async function memory(impl) {
  if (typeof globalThis.gc !== 'function') throw new Error('memory case needs --expose-gc (suite nodeArgs)');
  const MB = 1024 * 1024;
  // The library (and weft's addon) is loaded before the baseline: it counts code, not the pool.
  const lib = await loadLibrary(impl);
  await settle();
  const before = process.memoryUsage().rss;
  const pool = createPool(impl, lib);
  expectEqual('warm-up sum', await allAtOnce(pool, 'inc', WARMUP_TASKS, (i) => i), sumInc(WARMUP_TASKS));
  await sleep(300);
  await settle();
  const idle = (process.memoryUsage().rss - before) / MB;
  const results = [{ metric: 'idle-rss', unit: 'MB', value: idle, better: 'lower' }];
  if (impl !== 'weft' && impl !== 'piscina') {
    await pool.close();
    return results;
  }

  // Block both workers, then queue QUEUED_TASKS small tasks behind them.
  const blockers = [pool.run('block', -1), pool.run('block', -2)];
  while (Atomics.load(gate, 1) < THREADS) await sleep(1);
  const promises = new Array(QUEUED_TASKS).fill(0); // the holder is allocated before the baseline
  await settle();
  const m0 = process.memoryUsage();
  const t0 = now();
  for (let i = 0; i < QUEUED_TASKS; i++) promises[i] = pool.run('inc', i);
  const queueMs = now() - t0;
  await settle(2); // two full GCs (the second frees what waited on weak callbacks); slow with 1M live tasks
  const m1 = process.memoryUsage();
  // Both workers still sit on the closed gate, so nothing queued can have run: check a
  // sample of the promises (attaching handlers to all of them costs over a second).
  let early = 0;
  for (let i = 0; i < QUEUED_TASKS; i += 1000) promises[i].then(() => early++, () => early++);
  await sleep(0);
  expectEqual('queued tasks settled while the workers were blocked', early, 0);
  expectEqual('workers blocked on the gate', Atomics.load(gate, 1), THREADS);
  console.error(`memory ${impl}: queued ${QUEUED_TASKS} tasks in ${queueMs.toFixed(0)} ms; ` +
    `rss +${((m1.rss - m0.rss) / MB).toFixed(1)} MB, heapUsed+external +${((m1.heapUsed + m1.external - m0.heapUsed - m0.external) / MB).toFixed(1)} MB`);
  results.push(
    { metric: 'queued-rss', unit: 'B/task', value: (m1.rss - m0.rss) / QUEUED_TASKS, better: 'lower' },
    { metric: 'queued-heap', unit: 'B/task', value: (m1.heapUsed + m1.external - m0.heapUsed - m0.external) / QUEUED_TASKS, better: 'lower' },
  );
  // Draining a million tasks would take longer than everything else in the run: open the
  // gate (so no worker sits in Atomics.wait) and exit the process once worker-run.mjs has
  // printed the result line (its stdout write is synchronous and runs before this callback).
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  void blockers;
  setImmediate(() => process.exit());
  return results;
}

const poolCase = (name, metric, unit, better, extra = []) => ({ name, metric, unit, better, impls: [...POOLS, ...extra] });

export default {
  name: 'pool',
  reference: 'piscina',
  baselines: ['promise-floor', 'plain-workers', 'main-sequential'],
  knownFailures: [{
    impl: 'poolifier',
    exitCode: 13,
    match: /^\s*$/,
    why: 'its memory run now and then exits with status 13 and no output: Node\'s status for a top-level await that can never settle (the event loop ran dry while the run awaited poolifier)',
  }],
  cases: [
    { ...poolCase('throughput-100k', 'tasks/s', 'tasks/s', 'higher'), impls: ['weft', 'weft-post', ...POOLS.slice(1), 'promise-floor'] },
    poolCase('round-trip', 'p50', 'µs', 'lower'),
    poolCase('payload-64KiB', 'tasks/s', 'tasks/s', 'higher', ['plain-workers']),
    poolCase('fib25', 'tasks/s', 'tasks/s', 'higher', ['plain-workers', 'main-sequential']),
    poolCase('memory', 'idle-rss', 'MB', 'lower'),
  ],
  nodeArgs: ['--expose-gc'],
  timeoutMs: 120_000,
  async measure(caseDef, impl) {
    if (caseDef.name === 'fib25' && impl === 'plain-workers') return fibPlainWorkers();
    if (caseDef.name === 'payload-64KiB' && impl === 'plain-workers') return payloadPlainWorkers();
    if (caseDef.name === 'fib25' && impl === 'main-sequential') return fibMainSequential();
    if (caseDef.name === 'memory') return memory(impl);
    const pool = await openPool(impl);
    try {
      switch (caseDef.name) {
        case 'throughput-100k': return await throughput(pool, impl);
        case 'round-trip': return await roundTrip(pool);
        case 'payload-64KiB': return await payload(pool);
        case 'fib25': return await fibPool(pool);
        default: throw new Error(`unknown case ${caseDef.name}`);
      }
    } finally {
      await pool.close();
    }
  },
};
