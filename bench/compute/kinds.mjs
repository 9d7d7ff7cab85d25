/**
 * What each kind of compute case does, impl by impl. A kind has:
 *
 *   make(spec, impl)      the inputs and what the checks expect (untimed, once per run)
 *   impls[name](ctx, env) -> { run, async?, before?, norm?, close? }: the timed call for that impl
 *                         (env: { compute } for weft's, the loaded peer library otherwise)
 *   verify(ctx, result, impl)  checks one result (untimed, after every timed call)
 *   numpy                 how numpy runs it: { inputs(ctx), out?(ctx), result?(ctx, r) }
 *   rates(ctx, ms)        extra metrics beside the time (GB/s, GFLOP/s)
 *
 * weft's impls are keyed `weft` (sync form) and `weft-async`; the suite maps `weft-1t` and
 * `weft-2t` onto `weft` after setting the pool's size.
 */
import { hash as cryptoHash } from 'node:crypto';
import { check } from '../lib/suites.mjs';
import {
  U32, U64, checkClose, checkMatmul, checkSameList, checkScan, checkSorted, hex, hex64,
  histogramByEdges, histogramEdges, sumTolerance,
} from './checks.mjs';
import { accurateSum, fingerprint, randomBuffers, randomBytes, uniformF32, uniformF64, uniformU32 } from './data.mjs';

const gbPerS = (bytes, ms) => ({ metric: 'GB/s', unit: 'GB/s', value: bytes / ms / 1e6, better: 'higher' });

// ---------------------------------------------------------------------------------------
// copy: the memory bandwidth baseline

const copy = {
  make: (spec) => ({ src: uniformF64(spec.n, 11).a, dst: new Float64Array(spec.n) }),
  before: (ctx) => () => ctx.dst.fill(0),
  impls: {
    'typedarray-set': (ctx) => ({ run: () => (ctx.dst.set(ctx.src), ctx.dst) }),
    weft: (ctx, { compute }) => ({ run: () => compute.copySync(ctx.src, ctx.dst) }),
  },
  verify: (ctx, r, impl) => {
    const same = Buffer.compare(Buffer.from(ctx.dst.buffer), Buffer.from(ctx.src.buffer)) === 0;
    check(`${impl}: the copy equals its source`, same, true);
    if (r !== undefined) check(`${impl}: returns the destination`, r === ctx.dst, true);
  },
  numpy: { inputs: (ctx) => [[ctx.src, [ctx.src.length]]], out: (ctx) => ctx.dst },
  rates: (ctx, ms) => [gbPerS(ctx.src.byteLength, ms)],
};

// ---------------------------------------------------------------------------------------
// sort

const sort = {
  make: (spec) => {
    const src = spec.dtype === 'u32' ? uniformU32(spec.n, 21) : uniformF64(spec.n, 22).a;
    return { src, work: new src.constructor(spec.n), want: fingerprint(src) };
  },
  before: (ctx) => () => ctx.work.set(ctx.src),
  impls: {
    'typedarray-sort': (ctx) => ({ run: () => ctx.work.sort() }),
    weft: (ctx, { compute }) => ({ run: () => compute.sortSync(ctx.work) }),
    'weft-async': (ctx, { compute }) => ({ run: () => compute.sort(ctx.work), async: true }),
  },
  verify: (ctx, r, impl) => {
    checkSorted(`${impl}: sorted array`, ctx.work, ctx.want);
    if (r !== undefined) check(`${impl}: resolves the array it sorted`, r === ctx.work, true);
  },
  numpy: { inputs: (ctx) => [[ctx.src, [ctx.src.length]]], out: (ctx) => ctx.work },
  rates: (ctx, ms) => [{ metric: 'Melem/s', unit: 'M/s', value: ctx.src.length / ms / 1e3, better: 'higher' }],
};

// ---------------------------------------------------------------------------------------
// reductions: sum, min, max, dot

function jsSum(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function jsMin(a) {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < m) m = a[i];
  return m;
}

function jsMax(a) {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

function jsDot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const reduction = (name, jsLoop, expected) => ({
  make: (spec) => {
    const x = uniformF64(spec.n, 31);
    const ctx = { x, a: x.a, n: spec.n };
    if (name === 'dot') {
      ctx.b = uniformF64(spec.n, 32).a;
      ctx.want = accurateSum(ctx.a, ctx.b);
      ctx.tol = sumTolerance(spec.n, ctx.want) + spec.n * U64 * ctx.want; // every product ≥ 0
    } else {
      ctx.want = expected(x);
      ctx.tol = name === 'sum' ? sumTolerance(spec.n, x.absSum) : 0;
    }
    if (spec.shared) {
      // The same values over a SharedArrayBuffer (the async form uses those in place).
      ctx.shared = new Float64Array(new SharedArrayBuffer(ctx.a.byteLength));
      ctx.shared.set(ctx.a);
    }
    return ctx;
  },
  impls: {
    'js-loop': (ctx) => ({ run: name === 'dot' ? () => jsLoop(ctx.a, ctx.b) : () => jsLoop(ctx.a) }),
    weft: (ctx, { compute }) => ({ run: name === 'dot' ? () => compute.dotSync(ctx.a, ctx.b) : () => compute[`${name}Sync`](ctx.a) }),
    'weft-sync': (ctx, { compute }) => ({ run: () => compute[`${name}Sync`](ctx.a) }),
    'weft-async': (ctx, { compute }) => ({ run: () => compute[name](ctx.a), async: true }),
    'weft-async-shared': (ctx, { compute }) => ({ run: () => compute[name](ctx.shared), async: true }),
  },
  verify: (ctx, r, impl) => checkClose(`${impl}: ${name}`, r, ctx.want, ctx.tol),
  numpy: { inputs: (ctx) => (name === 'dot' ? [[ctx.a, [ctx.n]], [ctx.b, [ctx.n]]] : [[ctx.a, [ctx.n]]]) },
  rates: (ctx, ms) => [gbPerS(ctx.a.byteLength * (name === 'dot' ? 2 : 1), ms)],
});

// ---------------------------------------------------------------------------------------
// histogram (numpy.histogram semantics: `bins` equal bins over [min, max])

/** numpy's algorithm in a plain loop: a pass for min and max, then one to bin (with its edge fix-ups). */
function jsHistogram(a, bins) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const edges = histogramEdges(lo, hi, bins);
  lo = edges[0];
  const norm = bins / (edges[bins] - lo);
  const counts = new Float64Array(bins);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    let k = Math.floor((x - lo) * norm);
    if (k === bins) k--;
    if (x < edges[k]) k--;
    else if (k !== bins - 1 && x >= edges[k + 1]) k++;
    counts[k]++;
  }
  return { counts, edges };
}

const histogram = {
  make: (spec) => {
    const x = uniformF64(spec.n, 41);
    const edges = histogramEdges(x.min, x.max, spec.bins);
    return { a: x.a, bins: spec.bins, edges, want: Array.from(histogramByEdges(x.a, edges)) };
  },
  impls: {
    'js-loop': (ctx) => ({ run: () => jsHistogram(ctx.a, ctx.bins) }),
    weft: (ctx, { compute }) => ({ run: () => compute.histogramSync(ctx.a, { bins: ctx.bins }) }),
  },
  verify: (ctx, r, impl) => checkSameList(`${impl}: histogram counts`, Array.from(r.counts), ctx.want),
  numpy: { inputs: (ctx) => [[ctx.a, [ctx.a.length]]], result: (ctx, counts) => ({ counts }) },
  rates: (ctx, ms) => [gbPerS(ctx.a.byteLength, ms)],
};

// ---------------------------------------------------------------------------------------
// scan (inclusive prefix sum, into a preallocated output)

const scan = {
  make: (spec) => {
    const a = uniformF64(spec.n, 51).a;
    return { a, out: new Float64Array(spec.n) };
  },
  before: (ctx) => () => ctx.out.fill(0),
  impls: {
    'js-loop': (ctx) => ({
      run: () => {
        const { a, out } = ctx;
        let s = 0;
        for (let i = 0; i < a.length; i++) out[i] = s += a[i];
        return out;
      },
    }),
    weft: (ctx, { compute }) => ({ run: () => compute.scanSync(ctx.a, { out: ctx.out }) }),
    'weft-async': (ctx, { compute }) => ({ run: () => compute.scan(ctx.a, { out: ctx.out }), async: true }),
  },
  verify: (ctx, r, impl) => checkScan(`${impl}: prefix sums`, r ?? ctx.out, ctx.a),
  numpy: { inputs: (ctx) => [[ctx.a, [ctx.a.length]]], out: (ctx) => ctx.out },
  rates: (ctx, ms) => [gbPerS(ctx.a.byteLength, ms)],
};

// ---------------------------------------------------------------------------------------
// matmul (row-major, square)

/** The i-k-j triple loop (unit stride in the inner loop), into `out`. */
function jsMatmul(a, b, out, n) {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let l = 0; l < n; l++) {
      const x = a[row + l];
      const brow = l * n;
      for (let j = 0; j < n; j++) out[row + j] += x * b[brow + j];
    }
  }
  return out;
}

const matmul = {
  /** The JS loop runs at spec.jsSize when the case names one (its time is scaled by n³). */
  make: (spec, impl) => {
    const n = impl.startsWith('js-loop') && spec.jsSize ? spec.jsSize : spec.size;
    const make = spec.dtype === 'f32' ? uniformF32 : (len, seed) => uniformF64(len, seed).a;
    const a = make(n * n, 61);
    const b = make(n * n, 62);
    return { a, b, n, out: new a.constructor(n * n), u: spec.dtype === 'f32' ? U32 : U64, scale: (spec.size / n) ** 3 };
  },
  impls: {
    'js-loop': (ctx) => ({ run: () => jsMatmul(ctx.a, ctx.b, ctx.out, ctx.n) }),
    weft: (ctx, { compute }) => ({ run: () => compute.matmulSync(ctx.a, ctx.b, { m: ctx.n, k: ctx.n, n: ctx.n, out: ctx.out }) }),
    'weft-async': (ctx, { compute }) => ({
      run: () => compute.matmul(ctx.a, ctx.b, { m: ctx.n, k: ctx.n, n: ctx.n, out: ctx.out }),
      async: true,
    }),
    'gpujs-webasm': (ctx, gpujs) => gpuMatmul(ctx, gpujs, false),
    'gpujs-webasm-async': (ctx, gpujs) => gpuMatmul(ctx, gpujs, true),
  },
  verify: (ctx, r, impl) => {
    const at = Array.isArray(r) ? (i, j) => r[i][j] : (i, j) => r[i * ctx.n + j];
    checkMatmul(`${impl}: matmul`, at, ctx.a, ctx.b, ctx.n, ctx.n, ctx.n, ctx.u);
  },
  numpy: { inputs: (ctx) => [[ctx.a, [ctx.n, ctx.n]], [ctx.b, [ctx.n, ctx.n]]], out: (ctx) => ctx.out },
  rates: (ctx, ms) => [{ metric: 'GFLOP/s', unit: 'GFLOP/s', value: (2 * ctx.n ** 3) / ms / 1e6, better: 'higher' }],
};

/**
 * gpu.js's `webasm` backend (WebAssembly, f32x4 SIMD): one kernel thread per output cell.
 * Its async form splits the cells over gpu.js's worker pool; the sync form is one thread.
 */
function gpuMatmul(ctx, { GPU, input }, asyncMode) {
  const gpu = new GPU({ mode: 'webasm' });
  const n = ctx.n;
  const kernel = gpu.createKernel(function (a, b) {
    let s = 0;
    for (let l = 0; l < this.constants.n; l++) s += a[this.thread.y][l] * b[l][this.thread.x];
    return s;
  }, { output: [n, n], constants: { n }, asyncMode });
  return {
    run: () => kernel(input(ctx.a, [n, n]), input(ctx.b, [n, n])),
    async: asyncMode,
    close: () => gpu.destroy(),
  };
}

// ---------------------------------------------------------------------------------------
// hashes: one large buffer, or many small ones

/** Each peer's one-buffer hash and how its result becomes hex, per algorithm. */
const HASHERS = {
  '@node-rs/xxhash': { 'xxh3-64': (lib) => ({ one: (b) => lib.xxh3.xxh64(b), norm: hex64 }) },
  'xxhash-addon': {
    // It takes Node Buffers only: the views are made before timing (no copy).
    'xxh3-64': (lib) => ({ one: (b) => lib.XXHash3.hash(b), norm: (d) => d.toString('hex'), buffers: true }),
  },
  'hash-wasm': {
    'xxh3-64': async (lib) => hashWasm(await lib.createXXHash3()),
    sha256: async (lib) => hashWasm(await lib.createSHA256()),
    blake3: async (lib) => hashWasm(await lib.createBLAKE3()),
  },
  'node:crypto': { sha256: () => ({ one: (b) => cryptoHash('sha256', b, 'buffer'), norm: hex }) },
};

/** hash-wasm's streaming hasher, reused (init, update, digest) so its module loads once. */
const hashWasm = (hasher) => ({ one: (b) => hasher.init().update(b).digest('hex'), norm: (d) => d });

/** weft's digests: a bigint for xxh3-64, bytes otherwise. */
const weftNorm = (algo) => (algo === 'xxh3-64' ? hex64 : hex);

/** Which peer computes the expected digests for `impl` (never `impl` itself). */
function checkerOf(algo, impl) {
  const order = { 'xxh3-64': ['@node-rs/xxhash', 'hash-wasm'], sha256: ['node:crypto', 'hash-wasm'], blake3: ['hash-wasm', 'weft'] }[algo];
  return order.find((name) => name !== impl);
}

const toNodeBuffer = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const hashing = (many) => ({
  make: (spec) => ({
    algo: spec.algo,
    bufs: many ? randomBuffers(spec.count, spec.size, 71) : [randomBytes(spec.size, 72)],
  }),
  /** A peer's timed call; `lib` is the loaded library (weft's compute for weft). */
  peer: async (ctx, impl, lib) => {
    const make = HASHERS[impl]?.[ctx.algo];
    if (!make) throw new Error(`${impl} has no ${ctx.algo}`);
    const { one, norm, buffers } = await make(lib);
    const bufs = buffers ? ctx.bufs.map(toNodeBuffer) : ctx.bufs;
    if (!many) return { run: () => one(bufs[0]), norm: (d) => [norm(d)] };
    return {
      run: () => {
        const out = new Array(bufs.length);
        for (let i = 0; i < bufs.length; i++) out[i] = one(bufs[i]);
        return out;
      },
      norm: (ds) => ds.map(norm),
    };
  },
  impls: {
    weft: (ctx, { compute }) => {
      const norm = weftNorm(ctx.algo);
      return many
        ? { run: () => compute.hashManySync(ctx.bufs, ctx.algo), norm: (ds) => ds.map(norm) }
        : { run: () => compute.hashSync(ctx.bufs[0], ctx.algo), norm: (d) => [norm(d)] };
    },
    'weft-async': (ctx, { compute }) => {
      const norm = weftNorm(ctx.algo);
      return many
        ? { run: () => compute.hashMany(ctx.bufs, ctx.algo), norm: (ds) => ds.map(norm), async: true }
        : { run: () => compute.hash(ctx.bufs[0], ctx.algo), norm: (d) => [norm(d)], async: true };
    },
  },
  verify: (ctx, digests, impl) => checkSameList(`${impl}: ${ctx.algo} digests`, digests, ctx.want),
  rates: (ctx, ms) => [gbPerS(ctx.bufs.reduce((s, b) => s + b.byteLength, 0), ms)],
  checkerOf,
});

export const KINDS = {
  copy,
  sort,
  sum: reduction('sum', jsSum, (x) => x.sum),
  min: reduction('min', jsMin, (x) => x.min),
  max: reduction('max', jsMax, (x) => x.max),
  dot: reduction('dot', jsDot),
  histogram,
  scan,
  matmul,
  hash: hashing(false),
  hashMany: hashing(true),
};
