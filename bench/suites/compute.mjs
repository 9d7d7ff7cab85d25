/**
 * compute: weft's native kernels (`compute.*Sync`, and the async forms where they matter)
 * beside what a Node.js user would otherwise reach for: V8's built-ins and plain JS loops,
 * numpy (a Python subprocess over the same bytes), hash-wasm, @node-rs/xxhash, xxhash-addon,
 * node:crypto and gpu.js's `webasm` backend. bench/README.md describes every case.
 *
 * Each run makes its inputs (seeded, so every impl gets the same bytes), warms up, then times
 * `reps` calls and reports their median (numpy's runner does the same inside one Python
 * process); every result is checked. weft's kernels run with 1 and 2 pool threads
 * (`weft-1t`, `weft-2t`; `weft`, the default pool, too when that is another size).
 *
 * Cases whose weft kernel this build lacks are not run (prepare() says so, one line each);
 * COMPUTE_BENCH_PEERS=1 runs their other impls anyway. prepare() also installs the peers
 * that are not root devDependencies (bench/compute/peers.mjs) and numpy (bench/.venv), on
 * first use, and only for the cases selected.
 */
import { availableParallelism, cpus } from 'node:os';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { median } from '../lib/report.mjs';
import { check } from '../lib/suites.mjs';
import { checkSorted } from '../compute/checks.mjs';
import { fingerprint, uniformF64 } from '../compute/data.mjs';
import { KINDS } from '../compute/kinds.mjs';
import { describeNumpy, ensureNumpy, numpyInfo, runNumpy } from '../compute/numpy.mjs';
import { LOCAL_PEERS, ensurePeers, peerVersion, requirePeer } from '../compute/peers.mjs';
import { percentile, timeReps } from '../compute/timing.mjs';

const N = 10_000_000;
const MiB = 1024 * 1024;
const require = createRequire(import.meta.url);
const weft = async () => (await import('../../dist/esm/index.js')).compute;

/** The pool size weft starts with here (WEFT_THREADS, else one per core). */
const envThreads = Number(process.env.WEFT_THREADS);
const DEFAULT_THREADS = Number.isInteger(envThreads) && envThreads > 0 ? envThreads : availableParallelism();
/** weft's sync form at 1 and 2 pool threads, and at the default size when that differs. */
const WEFT_SYNC = ['weft-1t', 'weft-2t', ...(DEFAULT_THREADS > 2 ? ['weft'] : [])];
const threadsOf = (impl) => ({ 'weft-1t': 1, 'weft-2t': 2 })[impl];

const HASH_PEERS = { 'xxh3-64': ['@node-rs/xxhash', 'xxhash-addon', 'hash-wasm'], sha256: ['node:crypto', 'hash-wasm'], blake3: ['hash-wasm'] };
const HASH_REFERENCE = { 'xxh3-64': '@node-rs/xxhash', sha256: 'node:crypto', blake3: 'hash-wasm' };

const hashCase = (algo, many) => ({
  name: many ? `${algo.replace('-64', '')}-4096x16KiB` : `${algo.replace('-64', '')}-64MiB`,
  kind: many ? 'hashMany' : 'hash',
  algo,
  ...(many ? { count: 4096, size: 16 * 1024 } : { size: 64 * MiB }),
  reps: 5,
  impls: [...WEFT_SYNC, 'weft-async', ...HASH_PEERS[algo]],
  reference: HASH_REFERENCE[algo],
});

const timeCase = (def) => ({ metric: 'time', unit: 'ms', better: 'lower', warmup: 1, ...def });

const CASES = [
  timeCase({ name: 'copy-80MB', kind: 'copy', n: N, reps: 11, impls: ['typedarray-set', ...WEFT_SYNC, 'numpy'], reference: 'typedarray-set', standalone: true }),
  timeCase({ name: 'sort-f64', kind: 'sort', dtype: 'f64', n: N, reps: 3, impls: [...WEFT_SYNC, 'weft-async', 'typedarray-sort', 'numpy'], reference: 'typedarray-sort' }),
  timeCase({ name: 'sort-u32', kind: 'sort', dtype: 'u32', n: N, reps: 3, impls: [...WEFT_SYNC, 'weft-async', 'typedarray-sort', 'numpy'], reference: 'typedarray-sort' }),
  timeCase({ name: 'sum-f64', kind: 'sum', n: N, reps: 11, impls: [...WEFT_SYNC, 'js-loop', 'numpy'] }),
  timeCase({ name: 'min-f64', kind: 'min', n: N, reps: 11, impls: [...WEFT_SYNC, 'js-loop', 'numpy'] }),
  timeCase({ name: 'max-f64', kind: 'max', n: N, reps: 11, impls: [...WEFT_SYNC, 'js-loop', 'numpy'] }),
  timeCase({ name: 'dot-f64', kind: 'dot', n: N, reps: 11, impls: [...WEFT_SYNC, 'js-loop', 'numpy'] }),
  timeCase({ name: 'histogram-f64', kind: 'histogram', n: N, bins: 100, reps: 5, impls: [...WEFT_SYNC, 'js-loop', 'numpy'] }),
  timeCase({ name: 'scan-f64', kind: 'scan', n: N, reps: 5, impls: [...WEFT_SYNC, 'weft-async', 'js-loop', 'numpy'] }),
  timeCase({ name: 'matmul-512-f32', kind: 'matmul', dtype: 'f32', size: 512, reps: 3, impls: [...WEFT_SYNC, 'weft-async', 'js-loop', 'gpujs-webasm', 'gpujs-webasm-async', 'numpy'] }),
  timeCase({ name: 'matmul-1024-f32', kind: 'matmul', dtype: 'f32', size: 1024, jsSize: 512, reps: 3, impls: [...WEFT_SYNC, 'weft-async', 'js-loop@512', 'gpujs-webasm', 'gpujs-webasm-async', 'numpy'], reference: 'js-loop@512' }),
  timeCase({ name: 'matmul-1024-f64', kind: 'matmul', dtype: 'f64', size: 1024, jsSize: 512, reps: 3, impls: [...WEFT_SYNC, 'weft-async', 'js-loop@512', 'numpy'], reference: 'js-loop@512' }),
  timeCase(hashCase('xxh3-64', false)),
  timeCase(hashCase('xxh3-64', true)),
  timeCase(hashCase('sha256', false)),
  timeCase(hashCase('sha256', true)),
  timeCase(hashCase('blake3', false)),
  { name: 'sort-async-1k', kind: 'latency', n: 1_000, metric: 'p50', unit: 'µs', better: 'lower', impls: ['weft-sync', 'weft-async', 'typedarray-sort'], reference: 'weft-sync', requires: ['weft-async'] },
  timeCase({ name: 'sum-async-copy', kind: 'sum', n: N, reps: 11, shared: true, impls: ['weft-sync', 'weft-async', 'weft-async-shared'], reference: 'weft-sync', requires: ['weft-async'] }),
];

/** The compute functions an impl of a case calls (all must exist for it to run). */
function kernelsOf(c, impl) {
  const sync = impl === 'weft' || impl === 'weft-1t' || impl === 'weft-2t' || impl === 'weft-sync';
  if (!impl.startsWith('weft')) return [];
  const base = {
    copy: 'copy', sort: 'sort', sum: 'sum', min: 'min', max: 'max', dot: 'dot', histogram: 'histogram',
    scan: 'scan', matmul: 'matmul', hash: 'hash', hashMany: 'hashMany', latency: 'sort',
  }[c.kind];
  if (c.kind === 'latency') return impl === 'weft-sync' ? ['sortSync'] : ['sort'];
  return [sync ? `${base}Sync` : base];
}

/** Whether weft's hash kernels know `algo` (a probe on one byte; the API may land before every algorithm does). */
function hashes(compute, algo) {
  try {
    compute.hashSync(new Uint8Array(1), algo);
    return true;
  } catch {
    return false;
  }
}

/** What each impl needs installed: 'numpy', a bench-local peer, or nothing. */
function installOf(impl) {
  if (impl === 'numpy') return 'numpy';
  if (impl.startsWith('gpujs')) return 'gpu.js';
  return LOCAL_PEERS.includes(impl) ? impl : undefined;
}

/**
 * Run once by the driver: which (case, impl) pairs this build and machine can run, and the
 * first-use installs of the peers those need. Returns { skipped, setup }.
 */
async function prepare({ cases }) {
  const compute = await weft();
  const log = (line) => process.stderr.write(`${line}\n`);
  const peersOnly = process.env.COMPUTE_BENCH_PEERS === '1';
  const skipped = [];
  const runnable = [];
  for (const c of cases) {
    const missingOf = (impl) => kernelsOf(c, impl).filter((k) => typeof compute[k] !== 'function');
    const weftImpls = c.impls.filter((impl) => impl.startsWith('weft'));
    const unavailable = weftImpls.filter((impl) => missingOf(impl).length > 0
      || ((c.kind === 'hash' || c.kind === 'hashMany') && !hashes(compute, c.algo)));
    /** Why these impls cannot run: the compute functions (or hash algorithm) this build lacks. */
    const why = (impls) => {
      const missing = [...new Set(impls.flatMap(missingOf))].map((k) => `compute.${k}`);
      const what = missing.length > 0 ? missing : [`compute.hashSync(…, '${c.algo}')`];
      return `not available in this build (${what.join(', ')} ${what.length > 1 ? 'are' : 'is'} missing)`;
    };
    // A case is about weft: without any of its weft impls (or one it `requires`, such as
    // the async form it compares with the sync one) it is not run, unless COMPUTE_BENCH_PEERS=1.
    const lacking = unavailable.length === weftImpls.length ? unavailable : unavailable.filter((impl) => c.requires?.includes(impl));
    if (weftImpls.length > 0 && lacking.length > 0 && !c.standalone && !peersOnly) {
      skipped.push({ case: c.name, why: why(lacking) });
      continue;
    }
    if (unavailable.length > 0) skipped.push({ case: c.name, impl: unavailable, why: why(unavailable) });
    runnable.push({ ...c, impls: c.impls.filter((impl) => !unavailable.includes(impl)) });
  }

  const needed = new Set(runnable.flatMap((c) => c.impls.map(installOf)).filter(Boolean));
  const setup = [`weft's kernel pool: ${DEFAULT_THREADS} thread(s) by default; CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} core(s)`];
  const failedInstalls = new Map();
  if (needed.has('numpy')) {
    const why = await ensureNumpy(log);
    if (why) failedInstalls.set('numpy', why);
    else setup.push(describeNumpy(await numpyInfo()));
  }
  if (LOCAL_PEERS.some((p) => needed.has(p))) {
    const why = await ensurePeers(log);
    for (const p of LOCAL_PEERS) if (why) failedInstalls.set(p, why);
    if (!why) setup.push(`bench-local peers: ${LOCAL_PEERS.map((p) => `${p} ${peerVersion(p)}`).join(', ')} (gpu.js without its optional gl)`);
  }
  const rootPeers = ['hash-wasm', '@node-rs/xxhash'].filter((p) => runnable.some((c) => c.impls.includes(p)));
  if (rootPeers.length > 0) setup.push(`root devDependencies: ${rootPeers.map((p) => `${p} ${require(`${p}/package.json`).version}`).join(', ')}`);
  if (peersOnly) setup.push('COMPUTE_BENCH_PEERS=1: cases without their weft kernels ran their other impls');
  for (const c of runnable) {
    for (const impl of c.impls) {
      const why = failedInstalls.get(installOf(impl));
      if (why) skipped.push({ case: c.name, impl, why });
    }
  }
  return { skipped, setup };
}

/** Loads what `impl` runs with: weft's compute (pool resized), a peer library, or nothing. */
async function load(impl) {
  if (impl.startsWith('weft')) {
    const compute = await weft();
    const threads = threadsOf(impl);
    if (threads !== undefined) compute.setThreads(threads);
    return { compute };
  }
  if (impl.startsWith('gpujs')) return requirePeer('gpu.js');
  if (impl === 'xxhash-addon') return requirePeer('xxhash-addon');
  if (impl === '@node-rs/xxhash') return require('@node-rs/xxhash');
  if (impl === 'hash-wasm') return import('hash-wasm');
  return {};
}

/** The key of `impl` in its kind's table: weft-1t/-2t run the `weft` sync entry. */
const entryOf = (impl) => (threadsOf(impl) !== undefined ? 'weft' : impl.startsWith('js-loop') ? 'js-loop' : impl);

/** BLAKE3 of the empty input (the BLAKE3 specification's first test vector). */
const BLAKE3_EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

/**
 * The expected digests for a hash case, computed by another implementation than `impl`.
 * hash-wasm's BLAKE3 has no second peer: it is checked against weft's, or (COMPUTE_BENCH_PEERS
 * on a build without weft's blake3) against the specification's empty-input vector, and then
 * each of its timed digests against its first.
 */
async function expectedDigests(kind, ctx, impl) {
  const checker = kind.checkerOf(ctx.algo, impl.startsWith('weft') ? 'weft' : impl);
  const lib = await load(checker);
  if (checker === 'weft' && (typeof lib.compute.hashSync !== 'function' || !hashes(lib.compute, ctx.algo))) {
    const self = await kind.peer({ ...ctx, bufs: [new Uint8Array(0)] }, impl, await load(impl));
    check(`${impl}: ${ctx.algo} of the empty input`, self.norm(self.run())[0], BLAKE3_EMPTY);
    const entry = await kind.peer(ctx, impl, await load(impl));
    return entry.norm(entry.run());
  }
  const entry = checker === 'weft' ? kind.impls.weft(ctx, lib) : await kind.peer(ctx, checker, lib);
  return entry.norm(entry.run());
}

/** numpy through its runner: the same reps and warm-up, the same checks. */
async function measureNumpy(c, kind, ctx) {
  const out = kind.numpy.out?.(ctx);
  const { times, results } = await runNumpy(
    { kind: c.kind, reps: c.reps, warmup: c.warmup, bins: c.bins },
    kind.numpy.inputs(ctx),
    out,
  );
  if (out !== undefined) kind.verify(ctx, out, 'numpy');
  else for (const r of results) kind.verify(ctx, kind.numpy.result ? kind.numpy.result(ctx, r) : r, 'numpy');
  return median(times);
}

/** A time case: make the inputs, time the impl, check every result; [time, rates...]. */
async function measureTime(c, impl) {
  const kind = KINDS[c.kind];
  const ctx = kind.make(c, impl);
  let ms;
  if (impl === 'numpy') {
    ms = await measureNumpy(c, kind, ctx);
  } else {
    const hashing = c.kind === 'hash' || c.kind === 'hashMany';
    if (hashing) ctx.want = await expectedDigests(kind, ctx, impl);
    const lib = await load(impl);
    const make = kind.impls[entryOf(impl)];
    const entry = make ? await make(ctx, lib) : hashing ? await kind.peer(ctx, impl, lib) : undefined;
    if (!entry) throw new Error(`case ${c.name} has no impl ${impl}`);
    const norm = entry.norm ?? ((r) => r);
    try {
      ms = await timeReps({
        reps: c.reps,
        warmup: c.warmup,
        before: kind.before?.(ctx) ?? (() => {}),
        run: entry.run,
        async: entry.async,
        verify: (r) => kind.verify(ctx, norm(r), impl),
      });
    } finally {
      entry.close?.();
    }
  }
  const rates = kind.rates(ctx, ms);
  const scaled = ms * (ctx.scale ?? 1); // the JS matmul loop at a smaller size: its time × (n / size)³
  if (ctx.scale !== undefined && ctx.scale !== 1) process.stderr.write(`${c.name} ${impl}: ran at n=${ctx.n}, ${ms.toFixed(1)} ms; time reported ×${ctx.scale}\n`);
  return [{ metric: 'time', unit: 'ms', value: scaled, better: 'lower' }, ...rates];
}

const LATENCY_WARMUP = 500;
const LATENCY_CALLS = 5_000;

/**
 * sort-async-1k: one 1,000-element Float64Array sorted LATENCY_CALLS times, each from the same
 * unsorted copy (restored untimed), each call timed alone: the async form's round trip
 * (copy in, pool, copy out, promise) against the sync form's call.
 */
async function measureLatency(c, impl) {
  const src = uniformF64(c.n, 81).a;
  const want = fingerprint(src);
  const a = new Float64Array(c.n);
  const { compute } = impl.startsWith('weft') ? await load(impl) : {};
  const call = { 'weft-sync': () => compute.sortSync(a), 'weft-async': () => compute.sort(a), 'typedarray-sort': () => a.sort() }[impl];
  const isAsync = impl === 'weft-async';
  const lat = new Float64Array(LATENCY_CALLS);
  for (let i = 0; i < LATENCY_WARMUP + LATENCY_CALLS; i++) {
    a.set(src);
    const t0 = performance.now();
    if (isAsync) await call();
    else call();
    const us = (performance.now() - t0) * 1000;
    if (i >= LATENCY_WARMUP) lat[i - LATENCY_WARMUP] = us;
    let outOfOrder = -1;
    for (let j = 1; j < a.length && outOfOrder < 0; j++) if (!(a[j - 1] <= a[j])) outOfOrder = j;
    check(`${impl}: call ${i}: first element out of ascending order (-1: none)`, outOfOrder, -1);
  }
  checkSorted(`${impl}: sorted array`, a, want);
  lat.sort();
  return [
    { metric: 'p50', unit: 'µs', value: percentile(lat, 50), better: 'lower' },
    { metric: 'p99', unit: 'µs', value: percentile(lat, 99), better: 'lower' },
  ];
}

export default {
  name: 'compute',
  reference: 'js-loop',
  baselines: ['typedarray-set'],
  cases: CASES,
  timeoutMs: 600_000,
  prepare,
  async measure(caseDef, impl) {
    return caseDef.kind === 'latency' ? measureLatency(caseDef, impl) : measureTime(caseDef, impl);
  },
};
