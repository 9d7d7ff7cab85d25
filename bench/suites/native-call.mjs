/**
 * native-call: what one crossing from JS into weft's native addon costs, next to a plain
 * JS call. It is the floor every native-backed weft API pays per call.
 */
import { setFlagsFromString } from 'node:v8';
import { probes } from '../../dist/esm/native/probes.js';
import { check } from '../lib/suites.mjs';

const WARMUP_CALLS = 200_000;
const CALLS = {
  'js-function': 5_000_000,
  'native-noop': 2_000_000,
  'native-3-numbers': 2_000_000,
  'native-class-method': 1_000_000,
  'native-class-getter': 1_000_000,
  'native-buffer-64KiB': 2_000_000,
};

let jsCalls = 0;
/** The reference: a real call whose side effect (on `jsCalls`) the optimizer must keep. */
function plainJs() {
  jsCalls++;
}

/** Calls fn(arg) n times, folding every result into a sink that the caller checks. */
function loop(fn, arg, n) {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const r = fn(arg);
    sink += r === undefined ? 1 : r;
  }
  return sink;
}

/** The function to call, its argument and the value each call must add to the sink. */
function target(impl) {
  if (impl === 'js-function') {
    // Inlined, plainJs would vanish into the loop. Turning inlining off (in this fresh
    // process only, before anything is optimized) times a real monomorphic call; a
    // megamorphic call site would also stop inlining but adds generic-dispatch cost.
    setFlagsFromString('--no-turbo-inlining --no-maglev-inlining');
    return { fn: plainJs, arg: undefined, each: 1 };
  }
  // Native calls are never inlined; a monomorphic site gets V8's direct API-call path,
  // as in the facade (a megamorphic one costs ~20 ns more per call).
  const native = probes();
  if (impl === 'native-noop') return { fn: native.noop, arg: undefined, each: 1 };
  if (impl === 'native-3-numbers') return { fn: (x) => native.addThree(x, 1, 2), arg: 1, each: 4 };
  const probe = new native.CallProbe();
  if (impl === 'native-class-method') return { fn: () => probe.noop(), arg: undefined, each: 1 };
  if (impl === 'native-class-getter') return { fn: () => probe.one, arg: undefined, each: 1 };
  const buf = Buffer.alloc(64 * 1024);
  return { fn: native.bufferLength, arg: buf, each: buf.length };
}

export default {
  name: 'native-call',
  reference: 'js-function',
  cases: [
    { name: 'call', metric: 'ns/call', unit: 'ns', better: 'lower', impls: Object.keys(CALLS) },
  ],
  /** Warms the loop up in-process (so it is optimized), then times CALLS[impl] calls. */
  async measure(_case, impl) {
    const { fn, arg, each } = target(impl);
    const n = CALLS[impl];
    for (let i = 0; i < 4; i++) loop(fn, arg, WARMUP_CALLS / 4);
    const jsBefore = jsCalls;
    const t0 = process.hrtime.bigint();
    const sink = loop(fn, arg, n);
    const elapsed = Number(process.hrtime.bigint() - t0);
    check('sink', sink, n * each);
    if (impl === 'js-function') check('plainJs calls', jsCalls - jsBefore, n);
    return elapsed / n;
  },
};
