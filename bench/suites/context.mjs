/**
 * context: what weft's cross-thread Context costs next to the in-thread AbortController
 * that Node code uses for the same job. weft pays for a native tree that every thread
 * sees (and a handle per JS object); the controller is plain JS on one thread.
 *
 * Cases:
 *   child-and-cancel  make a cancellable child of a long-lived parent, then cancel it
 *                     (weft: withCancel + cancel; abort-controller: AbortSignal.any([parent])
 *                     + abort of its own controller, the usual way to derive a signal)
 *   check             ask whether a live context has ended (weft: ctx.err; abort-controller:
 *                     signal.aborted)
 */
import { performance } from 'node:perf_hooks';

const CHILDREN = 200_000;
const CHECKS = 5_000_000;

async function weft() {
  return import('../../dist/esm/index.js');
}

/** ns per child made and cancelled. */
async function childAndCancel(impl) {
  let run;
  if (impl === 'weft') {
    const { Context } = await weft();
    const [parent] = Context.background().withCancel();
    run = (n) => {
      let ended = 0;
      for (let i = 0; i < n; i++) {
        const [child, cancel] = parent.withCancel();
        cancel();
        if (child.err !== undefined) ended++;
      }
      return ended;
    };
  } else {
    const parent = new AbortController();
    run = (n) => {
      let ended = 0;
      for (let i = 0; i < n; i++) {
        const own = new AbortController();
        const child = AbortSignal.any([parent.signal, own.signal]);
        own.abort();
        if (child.aborted) ended++;
      }
      return ended;
    };
  }
  run(CHILDREN / 10);
  const t0 = performance.now();
  const ended = run(CHILDREN);
  const elapsed = performance.now() - t0;
  if (ended !== CHILDREN) throw new Error(`only ${ended} of ${CHILDREN} children ended`);
  return (elapsed * 1e6) / CHILDREN;
}

/** ns per check of a live context. */
async function check(impl) {
  let live;
  if (impl === 'weft') {
    const { Context } = await weft();
    const [ctx] = Context.background().withTimeout(3_600_000);
    live = () => ctx.err === undefined;
  } else {
    const signal = AbortSignal.timeout(3_600_000);
    live = () => !signal.aborted;
  }
  const loop = (n) => {
    let alive = 0;
    for (let i = 0; i < n; i++) if (live()) alive++;
    return alive;
  };
  loop(CHECKS / 10);
  const t0 = performance.now();
  const alive = loop(CHECKS);
  const elapsed = performance.now() - t0;
  if (alive !== CHECKS) throw new Error('a live context reported ended');
  return (elapsed * 1e6) / CHECKS;
}

export default {
  name: 'context',
  reference: 'abort-controller',
  cases: [
    { name: 'child-and-cancel', metric: 'ns/child', unit: 'ns', better: 'lower', impls: ['abort-controller', 'weft'] },
    { name: 'check', metric: 'ns/check', unit: 'ns', better: 'lower', impls: ['abort-controller', 'weft'] },
  ],
  async measure(caseDef, impl) {
    return caseDef.name === 'child-and-cancel' ? childAndCancel(impl) : check(impl);
  },
};
