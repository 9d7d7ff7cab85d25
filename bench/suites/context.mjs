/**
 * context: what weft's cross-thread Context costs next to the in-thread AbortController
 * that Node code uses for the same job. weft pays for a native tree that every thread
 * sees (and a handle per JS object); the controller is plain JS on one thread.
 *
 * Cases (bench/README.md has the details):
 *   child-and-cancel         derive a cancellable child of a long-lived parent, cancel it,
 *                            check that it ended. Nothing else is asked of the child, so
 *                            weft never makes its AbortSignal.
 *   child-signal-and-cancel  the same, but every child's AbortSignal is materialised
 *                            before the cancel (as when it is handed to fetch) and the
 *                            check reads that signal.
 *   check                    ask whether a live context has ended.
 *
 * The JS impls (the same work in both child cases, as their child always is a signal):
 *   abort-controller  a child AbortController linked to the parent by an 'abort'
 *                     listener that the child removes when it is cancelled (no
 *                     AbortSignal.any, so the parent keeps nothing per child)
 *   abort-signal-any  AbortSignal.any([parent.signal, own.signal]), the usual one-liner;
 *                     on a long-lived parent it is the pattern of Node's known growth of
 *                     retained dependent signals (nodejs/node#55351)
 * Children are made in batches of 1,000 with a macrotask turn between batches, the same
 * for every impl, so work any impl defers to the event loop is paid inside the timing.
 */
import { performance } from 'node:perf_hooks';
import { check as expectEqual } from '../lib/suites.mjs';

const CHILDREN = 200_000;
const BATCH = 1_000;
const CHECKS = 5_000_000;

const weft = () => import('../../dist/esm/index.js');
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A function making and cancelling one child; it returns 1 when the child reads as ended. */
async function childMaker(impl) {
  if (impl === 'weft' || impl === 'weft-signal') {
    const { Context } = await weft();
    const [parent] = Context.background().withCancel();
    if (impl === 'weft') {
      return () => {
        const [child, cancel] = parent.withCancel();
        cancel();
        return child.err !== undefined ? 1 : 0;
      };
    }
    return () => {
      const [child, cancel] = parent.withCancel();
      const { signal } = child;
      cancel();
      return signal.aborted ? 1 : 0;
    };
  }
  const parent = new AbortController();
  if (impl === 'abort-signal-any') {
    return () => {
      const own = new AbortController();
      const child = AbortSignal.any([parent.signal, own.signal]);
      own.abort();
      return child.aborted ? 1 : 0;
    };
  }
  return () => {
    const own = new AbortController();
    const follow = () => own.abort(parent.signal.reason);
    parent.signal.addEventListener('abort', follow, { once: true });
    own.signal.addEventListener('abort', () => parent.signal.removeEventListener('abort', follow), { once: true });
    own.abort();
    return own.signal.aborted ? 1 : 0;
  };
}

/** ns per child made, cancelled and checked. */
async function childAndCancel(impl) {
  const make = await childMaker(impl);
  const run = async (n) => {
    let ended = 0;
    for (let done = 0; done < n; done += BATCH) {
      for (let i = 0; i < BATCH; i++) ended += make();
      await turn();
    }
    return ended;
  };
  await run(CHILDREN / 10);
  const t0 = performance.now();
  const ended = await run(CHILDREN);
  const elapsed = performance.now() - t0;
  expectEqual('children that ended', ended, CHILDREN);
  return (elapsed * 1e6) / CHILDREN;
}

/** ns per check of a live context. */
async function checkLive(impl) {
  let live;
  if (impl === 'weft' || impl === 'weft-signal') {
    const { Context } = await weft();
    const [ctx] = Context.background().withTimeout(3_600_000);
    if (impl === 'weft') live = () => ctx.err === undefined;
    else {
      const { signal } = ctx;
      live = () => !signal.aborted;
    }
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
  expectEqual('live contexts that read as live', alive, CHECKS);
  return (elapsed * 1e6) / CHECKS;
}

export default {
  name: 'context',
  reference: 'abort-controller',
  cases: [
    { name: 'child-and-cancel', metric: 'ns/child', unit: 'ns', better: 'lower', impls: ['abort-controller', 'abort-signal-any', 'weft'] },
    { name: 'child-signal-and-cancel', metric: 'ns/child', unit: 'ns', better: 'lower', impls: ['abort-controller', 'abort-signal-any', 'weft-signal'] },
    { name: 'check', metric: 'ns/check', unit: 'ns', better: 'lower', impls: ['abort-controller', 'weft', 'weft-signal'] },
  ],
  async measure(caseDef, impl) {
    return caseDef.name === 'check' ? checkLive(impl) : childAndCancel(impl);
  },
};
