// A native panic reaches users of every public API family as a WeftError (code INTERNAL,
// naming the operation), never as a plain Error, and leaves the object it happened on
// working. Each case arms one native failpoint (`debugPanicNext`), makes the call once,
// checks the error, then checks the same object's next call works. A case whose path
// passes no failpoint disarms it and is reported (listed at the end); a case expected to
// reach one fails if it did not.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  AllLimiter,
  Barrier,
  Channel,
  Cond,
  Context,
  KeyedLimiter,
  ManualClock,
  Mutex,
  Once,
  Pool,
  RateLimiter,
  RwLock,
  Semaphore,
  WaitGroup,
  isWeftError,
  select,
  type WeftError,
} from '@weft/core';
import { loadNative } from '../../dist/esm/native/loader.js';
import { probes } from '../../dist/esm/native/probes.js';

import { makePool, settlesWithin } from '../fixtures/pool-helpers.js';

type Failpoint = 'channel' | 'slot' | 'handle' | 'lookup' | 'sync' | 'pool';

const native = probes() as unknown as {
  debugPanicNext(name: string): void;
};
const binding = loadNative() as unknown as {
  liveObjects(kind: string): number;
};
const PANIC_TASKS = new URL('../fixtures/panic-tasks.mjs', import.meta.url);

/** Disarms every failpoint; false where this build cannot (then nothing is disarmed). */
function disarm(): boolean {
  try {
    native.debugPanicNext('none');
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  disarm();
});

/** Cases that reached no failpoint, reported once the file is done. */
const missed: string[] = [];
afterAll(() => {
  if (missed.length > 0) {
    console.info(`native-panics-facade: no failpoint on these paths (the call went through):\n  ${missed.join('\n  ')}`);
  }
});

interface PanicCase<S> {
  /** The API as users call it. */
  api: string;
  failpoint: Failpoint;
  /** What the error's `details.operation` names (default: `api`). */
  operation?: string;
  /** Makes the object the call uses (before the failpoint is armed). */
  setup: () => S | Promise<S>;
  /** The call that should fail: it throws, or returns a promise that rejects. */
  call: (subject: S) => unknown;
  /** Checks the same object still works (after the failure, or after a miss). */
  again: (subject: S) => unknown;
  /** This path passes no failpoint (yet): a miss is reported, not failed. */
  mayMiss?: boolean;
}

// Each case keeps its own subject type; the table holds them side by side.
const panicCase = <S>(c: PanicCase<S>): PanicCase<unknown> => c as PanicCase<unknown>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Runs `call`: what it threw (synchronously or by rejecting), or `{ threw: false }`. */
async function outcomeOf(call: () => unknown, what: string): Promise<{ threw: boolean; error?: unknown; how?: 'throw' | 'reject' }> {
  let value: unknown;
  try {
    value = call();
  } catch (error) {
    return { threw: true, error, how: 'throw' };
  }
  if (!isThenable(value)) return { threw: false };
  try {
    await settlesWithin(Promise.resolve(value), 5_000, what);
    return { threw: false };
  } catch (error) {
    return { threw: true, error, how: 'reject' };
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${(err as { code?: unknown }).code === undefined ? '' : ` (code ${String((err as { code?: unknown }).code)})`}`;
  return String(err);
}

/** Expects `err` to be the INTERNAL WeftError for failpoint `failpoint` in `operation`. */
function expectPanic(err: unknown, failpoint: Failpoint, operation: string): WeftError {
  expect(isWeftError(err, 'INTERNAL'), `expected WeftError INTERNAL, got ${describeError(err)}`).toBe(true);
  const e = err as WeftError;
  // A panic caught by napi-rs arrives unprefixed (kept as `cause`); one caught by the
  // binding's own guard arrives as "INTERNAL: native panic: ...".
  expect(`${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`).toContain(`failpoint ${failpoint}`);
  expect(e.details.operation).toBe(operation);
  return e;
}

/** One `it` per case: arm, call, check the error (or report the miss), check `again`. */
function runCases(cases: PanicCase<unknown>[]): void {
  for (const c of cases) {
    it(`${c.api} (failpoint ${c.failpoint})`, async () => {
      const subject = await c.setup();
      native.debugPanicNext(c.failpoint);
      const outcome = await outcomeOf(() => c.call(subject), c.api);
      if (!outcome.threw) {
        const disarmed = disarm();
        const note = `${c.api}: failpoint '${c.failpoint}' not reached${disarmed ? ' (disarmed)' : ' (this build cannot disarm it)'}`;
        if (!c.mayMiss) expect.fail(note);
        missed.push(note);
      } else {
        expectPanic(outcome.error, c.failpoint, c.operation ?? c.api);
      }
      disarm();
      await settlesWithin(Promise.resolve(c.again(subject)), 5_000, `${c.api} after the panic`);
    });
  }
}

/** A channel holding `values`. */
function channelWith<T>(capacity: number, ...values: T[]): Channel<T> {
  const ch = new Channel<T>(capacity);
  for (const v of values) expect(ch.trySend(v)).toBe(true);
  return ch;
}

describe('a native panic in a Channel call is INTERNAL, and the channel keeps working', () => {
  runCases([
    panicCase({
      api: 'new Channel',
      failpoint: 'handle',
      setup: () => undefined,
      call: () => new Channel(4),
      again: () => expect(new Channel(4).trySend(1)).toBe(true),
    }),
    panicCase({
      api: 'Channel.trySend',
      failpoint: 'channel',
      setup: () => new Channel<string>(4),
      call: (ch) => ch.trySend('lost'),
      again: (ch) => {
        expect(ch.len).toBe(0);
        expect(ch.trySend('kept')).toBe(true);
        expect(ch.tryRecv()).toEqual({ ok: true, value: 'kept' });
      },
    }),
    ...(['channel', 'slot'] as const).map((failpoint) =>
      panicCase({
        api: 'Channel.trySend (number)',
        operation: 'Channel.trySend',
        failpoint,
        setup: () => new Channel<number>(4),
        call: (ch) => ch.trySend(1),
        again: (ch) => {
          expect(ch.trySend(2)).toBe(true);
          expect(ch.tryRecv()).toEqual({ ok: true, value: 2 });
        },
      }),
    ),
    ...(['channel', 'slot'] as const).map((failpoint) =>
      panicCase({
        api: 'Channel.tryRecv',
        failpoint,
        setup: () => channelWith(4, 'waiting'),
        call: (ch) => ch.tryRecv(),
        again: (ch) => expect(ch.tryRecv()).toEqual({ ok: true, value: 'waiting' }),
      }),
    ),
    panicCase({
      api: 'Channel.send',
      failpoint: 'channel',
      setup: () => new Channel<string>(4),
      call: (ch) => ch.send('lost'),
      again: async (ch) => {
        await ch.send('kept');
        expect(ch.len).toBe(1);
      },
    }),
    panicCase({
      api: 'Channel.send (number)',
      operation: 'Channel.send',
      failpoint: 'slot',
      setup: () => new Channel<number>(4),
      call: (ch) => ch.send(1),
      again: async (ch) => {
        await ch.send(2);
        expect(await ch.recv()).toEqual({ ok: true, value: 2 });
      },
    }),
    panicCase({
      api: 'Channel.recv',
      failpoint: 'channel',
      setup: () => channelWith(4, 'waiting'),
      call: (ch) => ch.recv(),
      again: async (ch) => expect(await ch.recv()).toEqual({ ok: true, value: 'waiting' }),
    }),
    panicCase({
      api: 'Channel.recv (slot)',
      operation: 'Channel.recv',
      failpoint: 'slot',
      setup: () => channelWith(4, 'waiting'),
      call: (ch) => ch.recv(),
      again: async (ch) => expect(await ch.recv()).toEqual({ ok: true, value: 'waiting' }),
    }),
    panicCase({
      api: 'Channel.sendMany',
      failpoint: 'channel',
      setup: () => new Channel<string>(8),
      call: (ch) => ch.sendMany(['a', 'b']),
      again: async (ch) => {
        expect(ch.len).toBe(0);
        await ch.sendMany(['c', 'd']);
        expect(await ch.recvMany(8)).toEqual(['c', 'd']);
      },
    }),
    panicCase({
      api: 'Channel.sendMany (Float64Array)',
      operation: 'Channel.sendMany',
      failpoint: 'channel',
      setup: () => new Channel<number>(8),
      call: (ch) => ch.sendMany(Float64Array.of(1, 2)),
      again: async (ch) => {
        await ch.sendMany(Float64Array.of(3, 4));
        expect(await ch.recvMany(8)).toEqual([3, 4]);
      },
    }),
    panicCase({
      api: 'Channel.recvMany',
      failpoint: 'channel',
      setup: () => channelWith(8, 'a', 'b'),
      call: (ch) => ch.recvMany(8),
      again: async (ch) => expect(await ch.recvMany(8)).toEqual(['a', 'b']),
    }),
    panicCase({
      api: 'Channel.close',
      failpoint: 'channel',
      mayMiss: true,
      setup: () => new Channel<string>(4),
      call: (ch) => ch.close(),
      again: (ch) => {
        if (!ch.closed) ch.close();
        expect(ch.closed).toBe(true);
      },
    }),
    panicCase({
      api: 'Channel.len',
      failpoint: 'channel',
      mayMiss: true,
      setup: () => channelWith(4, 'a'),
      call: (ch) => ch.len,
      again: (ch) => expect(ch.len).toBe(1),
    }),
  ]);
});

describe('a native panic in select is INTERNAL, and its channels keep working', () => {
  runCases([
    panicCase({
      api: 'select',
      failpoint: 'channel',
      setup: () => channelWith(4, 'waiting'),
      call: (ch) => select([ch.recvCase()]),
      again: async (ch) => expect(await select([ch.recvCase()])).toEqual({ index: 0, value: 'waiting', ok: true }),
    }),
    panicCase({
      api: 'select (default)',
      operation: 'select',
      failpoint: 'channel',
      setup: () => channelWith(4, 'waiting'),
      call: (ch) => select([ch.recvCase()], { default: true }),
      again: async (ch) => expect(await select([ch.recvCase()], { default: true })).toEqual({ index: 0, value: 'waiting', ok: true }),
    }),
    panicCase({
      api: 'select (send case)',
      operation: 'select',
      failpoint: 'channel',
      setup: () => new Channel<string>(4),
      call: (ch) => select([ch.sendCase('lost')]),
      again: async (ch) => {
        expect(ch.len).toBe(0);
        expect(await select([ch.sendCase('kept')])).toEqual({ index: 0, value: undefined, ok: true });
        expect(ch.tryRecv()).toEqual({ ok: true, value: 'kept' });
      },
    }),
  ]);
});

const lockedMutex = async (): Promise<{ mu: Mutex; unlock: () => void }> => {
  const mu = new Mutex();
  return { mu, unlock: await mu.lock() };
};

describe('a native panic in a sync primitive is INTERNAL, and the primitive keeps working', () => {
  runCases([
    ...(
      [
        ['new Semaphore', () => new Semaphore(2)],
        ['new Mutex', () => new Mutex()],
        ['new RwLock', () => new RwLock()],
        ['new WaitGroup', () => new WaitGroup()],
        ['new Once', () => new Once()],
        ['new Barrier', () => new Barrier(2)],
      ] as const
    ).map(([api, make]) =>
      panicCase({
        api,
        failpoint: 'handle',
        setup: () => undefined,
        call: () => make(),
        again: () => expect(make()).toBeDefined(),
      }),
    ),
    panicCase({
      api: 'new Cond',
      failpoint: 'handle',
      setup: () => new Mutex(),
      call: (mu) => new Cond(mu),
      again: (mu) => expect(new Cond(mu).signal()).toBe(0),
    }),
    panicCase({
      api: 'Semaphore.acquire',
      failpoint: 'sync',
      setup: () => new Semaphore(2),
      call: (sem) => sem.acquire(2),
      again: async (sem) => {
        expect(sem.held).toBe(0);
        await sem.acquire(2);
        sem.release(2);
      },
    }),
    panicCase({
      api: 'Semaphore.tryAcquire',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => new Semaphore(2),
      call: (sem) => sem.tryAcquire(1),
      again: (sem) => {
        if (sem.held > 0) sem.release(sem.held);
        expect(sem.tryAcquire(2)).toBe(true);
      },
    }),
    panicCase({
      api: 'Semaphore.release',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => {
        const sem = new Semaphore(2);
        sem.tryAcquire(2);
        return sem;
      },
      call: (sem) => sem.release(1),
      again: (sem) => {
        sem.release(sem.held);
        expect(sem.held).toBe(0);
      },
    }),
    panicCase({
      api: 'Mutex.lock',
      failpoint: 'sync',
      setup: () => new Mutex(),
      call: (mu) => mu.lock(),
      again: async (mu) => {
        expect(mu.locked).toBe(false);
        (await mu.lock())();
      },
    }),
    panicCase({
      api: 'Mutex.withLock',
      operation: 'Mutex.lock',
      failpoint: 'sync',
      setup: () => new Mutex(),
      call: (mu) => mu.withLock(() => 1),
      again: async (mu) => expect(await mu.withLock(() => 2)).toBe(2),
    }),
    panicCase({
      api: 'Mutex.tryLock',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => new Mutex(),
      call: (mu) => mu.tryLock()?.(),
      again: (mu) => {
        const unlock = mu.tryLock();
        expect(unlock).toBeDefined();
        unlock!();
      },
    }),
    panicCase({
      api: 'Mutex.unlock',
      failpoint: 'sync',
      mayMiss: true,
      setup: lockedMutex,
      call: ({ mu }) => mu.unlock(),
      again: ({ mu }) => {
        if (mu.locked) mu.unlock();
        expect(mu.locked).toBe(false);
      },
    }),
    panicCase({
      api: 'RwLock.rlock',
      failpoint: 'sync',
      setup: () => new RwLock(),
      call: (rw) => rw.rlock(),
      again: async (rw) => (await rw.rlock())(),
    }),
    panicCase({
      api: 'RwLock.lock',
      failpoint: 'sync',
      setup: () => new RwLock(),
      call: (rw) => rw.lock(),
      again: async (rw) => (await rw.lock())(),
    }),
    panicCase({
      api: 'RwLock.tryLock',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => new RwLock(),
      call: (rw) => rw.tryLock()?.(),
      again: (rw) => rw.tryRLock()!(),
    }),
    panicCase({
      api: 'WaitGroup.wait',
      failpoint: 'sync',
      setup: () => new WaitGroup(),
      call: (wg) => wg.wait(),
      again: async (wg) => {
        wg.add(1);
        const waiting = wg.wait();
        wg.done();
        await waiting;
      },
    }),
    panicCase({
      api: 'WaitGroup.add',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => new WaitGroup(),
      call: (wg) => wg.add(1),
      again: (wg) => {
        wg.add(-wg.count);
        expect(wg.count).toBe(0);
      },
    }),
    panicCase({
      // The mutex was never given up: the failed wait must not try to take it back.
      api: 'Cond.wait',
      failpoint: 'sync',
      setup: async () => {
        const { mu, unlock } = await lockedMutex();
        return { mu, unlock, cond: new Cond(mu) };
      },
      call: ({ cond }) => cond.wait(),
      again: async ({ mu, unlock, cond }) => {
        expect(mu.locked).toBe(true);
        await expect(cond.wait({ timeout: 5 })).rejects.toMatchObject({ code: 'TIMEOUT' });
        expect(mu.locked).toBe(true);
        unlock();
      },
    }),
    panicCase({
      api: 'Cond.signal',
      failpoint: 'sync',
      mayMiss: true,
      setup: () => new Cond(new Mutex()),
      call: (cond) => cond.signal(),
      again: (cond) => expect(cond.broadcast()).toBe(0),
    }),
    panicCase({
      api: 'Once.do',
      failpoint: 'sync',
      setup: () => ({ once: new Once(), runs: { n: 0 } }),
      call: ({ once, runs }) => once.do(() => runs.n++),
      again: async ({ once, runs }) => {
        expect(once.done).toBe(false);
        await once.do(() => runs.n++);
        await once.do(() => runs.n++);
        expect(runs.n).toBe(1);
      },
    }),
    panicCase({
      api: 'Barrier.wait',
      failpoint: 'sync',
      setup: () => new Barrier(1),
      call: (barrier) => barrier.wait(),
      again: async (barrier) => {
        expect(await barrier.wait()).toBe(true);
        expect(barrier.generation).toBe(1);
      },
    }),
  ]);
});

describe('a native panic in a Context call is INTERNAL, and the context keeps working', () => {
  const child = (): [Context, () => void] => Context.background().withCancel();
  runCases([
    // Made once per thread: reached only if nothing in this file made it before.
    panicCase({
      api: 'Context.background',
      failpoint: 'handle',
      mayMiss: true,
      setup: () => undefined,
      call: () => Context.background(),
      again: () => {
        const root = Context.background();
        expect(Context.background()).toBe(root);
        expect(root.err).toBeUndefined();
      },
    }),
    ...(
      [
        ['Context.withCancel', (p: Context) => p.withCancel()],
        ['Context.withCancelCause', (p: Context) => p.withCancelCause()],
        ['Context.withTimeout', (p: Context) => p.withTimeout(60_000)],
        ['Context.withDeadline', (p: Context) => p.withDeadline(Date.now() + 60_000)],
        ['Context.withValue', (p: Context) => [p.withValue('k', { v: 1 })]],
        ['Context.fromSignal', (p: Context) => [Context.fromSignal(new AbortController().signal, p)]],
      ] as const
    ).map(([api, derive]) =>
      panicCase({
        api,
        failpoint: 'handle',
        setup: child,
        call: ([parent]) => derive(parent),
        again: ([parent, cancel]) => {
          const [derived] = derive(parent);
          expect(derived.err).toBeUndefined();
          cancel();
          expect(derived.err?.code).toBe('CANCELED');
        },
      }),
    ),
    panicCase({
      api: 'Context.err',
      failpoint: 'lookup',
      setup: child,
      call: ([ctx]) => ctx.err,
      again: ([ctx, cancel]) => {
        expect(ctx.err).toBeUndefined();
        cancel();
        expect(ctx.err?.code).toBe('CANCELED');
      },
    }),
    panicCase({
      api: 'Context.ended',
      operation: 'Context.err',
      failpoint: 'lookup',
      setup: child,
      call: ([ctx]) => ctx.ended,
      again: ([ctx, cancel]) => {
        expect(ctx.ended).toBe(false);
        cancel();
        expect(ctx.ended).toBe(true);
      },
    }),
    panicCase({
      api: 'Context.throwIfEnded',
      operation: 'Context.err',
      failpoint: 'lookup',
      setup: child,
      call: ([ctx]) => ctx.throwIfEnded(),
      again: ([ctx]) => ctx.throwIfEnded(),
    }),
    ...(['lookup', 'sync'] as const).map((failpoint) =>
      panicCase({
        api: 'Context.signal',
        operation: failpoint === 'lookup' ? 'Context.err' : 'Context.signal',
        failpoint,
        setup: child,
        call: ([ctx]) => ctx.signal,
        again: async ([ctx, cancel]) => {
          const signal = ctx.signal;
          expect(signal.aborted).toBe(false);
          const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          cancel();
          await aborted;
          expect(isWeftError(signal.reason, 'CANCELED')).toBe(true);
        },
      }),
    ),
    panicCase({
      api: 'Context.done',
      failpoint: 'sync',
      setup: child,
      call: ([ctx]) => ctx.done,
      again: async ([ctx, cancel]) => {
        const done = ctx.done;
        cancel();
        await done;
      },
    }),
    panicCase({
      api: 'Context cancel',
      failpoint: 'lookup',
      mayMiss: true,
      setup: child,
      call: ([, cancel]) => cancel(),
      again: ([ctx, cancel]) => {
        cancel();
        expect(ctx.err?.code).toBe('CANCELED');
      },
    }),
  ]);
});

describe('a native panic in a rate limiter call is INTERNAL, and the limiter keeps working', () => {
  runCases([
    ...(
      [
        ['new RateLimiter', () => new RateLimiter(10, 5)],
        ['RateLimiter.perSecond', () => RateLimiter.perSecond(10, { burst: 5 })],
        ['RateLimiter.every', () => RateLimiter.every(100, 5)],
        ['RateLimiter.unlimited', () => RateLimiter.unlimited()],
        ['new RateLimiter (ManualClock)', () => new RateLimiter(10, 5, { clock: new ManualClock() })],
        ['new KeyedLimiter', () => new KeyedLimiter(10, 5)],
      ] as const
    ).map(([api, make]) =>
      panicCase({
        api,
        operation: api.startsWith('new KeyedLimiter') ? 'new KeyedLimiter' : 'new RateLimiter',
        failpoint: 'handle',
        setup: () => undefined,
        call: () => make(),
        again: () => {
          const limiter = make();
          expect(limiter instanceof KeyedLimiter ? limiter.allow('k') : limiter.allow()).toBe(true);
        },
      }),
    ),
    panicCase({
      api: 'RateLimiter.all',
      failpoint: 'handle',
      setup: () => [new RateLimiter(10, 5), new RateLimiter(100, 50)],
      call: (members) => RateLimiter.all(members),
      again: (members) => expect(RateLimiter.all(members).allow()).toBe(true),
    }),
    ...(['slot', 'lookup'] as const).map((failpoint) =>
      panicCase({
        api: 'RateLimiter.allow',
        failpoint,
        setup: () => new RateLimiter(0, 2),
        call: (limiter) => limiter.allow(),
        again: (limiter) => {
          expect(limiter.allow(2)).toBe(true); // the failed call took nothing
          expect(limiter.allow()).toBe(false);
        },
      }),
    ),
    ...(
      [
        ['RateLimiter.reserve', (l: RateLimiter) => l.reserve()],
        ['RateLimiter.wait', (l: RateLimiter) => l.wait()],
        ['RateLimiter.tokens', (l: RateLimiter) => l.tokens()],
        ['RateLimiter.limit', (l: RateLimiter) => l.limit],
        ['RateLimiter.burst', (l: RateLimiter) => l.burst],
        ['RateLimiter.setLimit', (l: RateLimiter) => l.setLimit(0)],
        ['RateLimiter.setBurst', (l: RateLimiter) => l.setBurst(2)],
      ] as const
    ).map(([api, use]) =>
      panicCase({
        api,
        failpoint: 'lookup',
        setup: () => new RateLimiter(0, 2),
        call: (limiter) => use(limiter),
        again: async (limiter) => {
          await use(limiter);
          expect(limiter.tokens()).toBeLessThanOrEqual(2);
        },
      }),
    ),
    panicCase({
      api: 'Reservation.cancel',
      failpoint: 'lookup',
      setup: () => {
        const limiter = new RateLimiter(0, 2);
        return { limiter, reservation: limiter.reserve(2) };
      },
      call: ({ reservation }) => reservation.cancel(),
      again: ({ limiter }) => {
        limiter.reserve(1).cancel();
        expect(limiter.tokens()).toBeLessThanOrEqual(2);
      },
    }),
    ...(
      [
        ['KeyedLimiter.allow', (l: KeyedLimiter) => l.allow('k')],
        ['KeyedLimiter.reserve', (l: KeyedLimiter) => l.reserve('k')],
        ['KeyedLimiter.wait', (l: KeyedLimiter) => l.wait('k')],
        ['KeyedLimiter.tokens', (l: KeyedLimiter) => l.tokens('k')],
        ['KeyedLimiter.size', (l: KeyedLimiter) => l.size],
        ['KeyedLimiter.burst', (l: KeyedLimiter) => l.burst],
      ] as const
    ).map(([api, use]) =>
      panicCase({
        api,
        failpoint: 'lookup',
        setup: () => new KeyedLimiter(0, 2),
        call: (limiter) => use(limiter),
        again: async (limiter) => {
          await use(limiter);
          expect(limiter.burst).toBe(2);
        },
      }),
    ),
    ...(
      [
        ['RateLimiter.all().allow', (l: AllLimiter) => l.allow()],
        ['RateLimiter.all().reserve', (l: AllLimiter) => l.reserve()],
        ['RateLimiter.all().wait', (l: AllLimiter) => l.wait()],
        ['RateLimiter.all().tokens', (l: AllLimiter) => l.tokens()],
      ] as const
    ).map(([api, use]) =>
      panicCase({
        api,
        failpoint: 'lookup',
        setup: () => RateLimiter.all([new RateLimiter(0, 2), new RateLimiter(0, 3)]),
        call: (limiter) => use(limiter),
        again: async (limiter) => {
          await use(limiter);
          expect(limiter.size).toBe(2);
        },
      }),
    ),
  ]);
});

describe('a native panic in a pool submit is INTERNAL for that task, and the pool keeps working', () => {
  // A bounded queue makes every submission a direct native submit (the failpoint's path).
  const pool = async (): Promise<Pool> => {
    const p = makePool({ filename: PANIC_TASKS, size: 1, maxQueue: 64 });
    expect(await p.run('echo', 'warm')).toBe('warm');
    return p;
  };
  runCases([
    panicCase({
      api: 'Pool.run',
      failpoint: 'pool',
      setup: pool,
      call: (p) => p.run('echo', 1),
      again: async (p) => expect(await p.run('echo', 2)).toBe(2),
    }),
    panicCase({
      api: 'Pool.run (cancellable)',
      operation: 'Pool.run',
      failpoint: 'pool',
      setup: async () => makePool({ filename: PANIC_TASKS, size: 1 }), // unbounded: batched unless cancellable
      call: (p) => p.run('echo', 1, { timeout: 10_000 }),
      again: async (p) => expect(await p.run('echo', 2, { timeout: 10_000 })).toBe(2),
    }),
    panicCase({
      api: 'Pool.trySubmit',
      failpoint: 'pool',
      setup: pool,
      call: (p) => p.trySubmit('echo', 1),
      again: async (p) => expect(await p.trySubmit('echo', 2)).toBe(2),
    }),
    panicCase({
      api: 'Pool.submit',
      failpoint: 'pool',
      setup: pool,
      call: (p) => p.submit('echo', 1),
      again: async (p) => expect(await p.submit('echo', 2)).toBe(2),
    }),
    panicCase({
      api: 'Pool.post',
      failpoint: 'pool',
      setup: pool,
      call: (p) => p.post('echo', 1),
      again: async (p) => {
        expect(typeof p.post('echo', 2)).toBe('number');
        expect(await p.run('echo', 3)).toBe(3);
      },
    }),
    panicCase({
      api: 'Pool.stats',
      failpoint: 'pool',
      mayMiss: true,
      setup: pool,
      call: (p) => p.stats(),
      again: async (p) => expect(p.stats().workers).toBe(1),
    }),
  ]);
});

describe('a native panic in a blocking call in a worker is INTERNAL, and the object keeps working there', () => {
  let workers: Pool;
  beforeAll(() => {
    workers = new Pool({ filename: PANIC_TASKS, size: 1 });
  });
  afterAll(async () => {
    await workers.close({ timeout: 1_000 });
  });
  const cases: [api: string, failpoint: Failpoint][] = [
    ['Mutex.lockSync', 'sync'],
    ['Semaphore.acquireSync', 'sync'],
    ['RwLock.rlockSync', 'sync'],
    ['RwLock.lockSync', 'sync'],
    ['WaitGroup.waitSync', 'sync'],
    ['Barrier.waitSync', 'sync'],
    ['Once.doSync', 'sync'],
    ['Cond.waitSync', 'sync'],
    ['Context.waitSync', 'sync'],
    ['Channel.sendSync', 'channel'],
    ['Channel.sendSync (number)', 'slot'],
    ['Channel.recvSync', 'channel'],
    ['Channel.recvSync', 'slot'],
    ['selectSync', 'channel'],
  ];
  for (const [api, failpoint] of cases) {
    it(`${api} (failpoint ${failpoint})`, async () => {
      const r = (await settlesWithin(workers.run('panicCase', { api, failpoint }), 10_000, api)) as {
        hit: boolean;
        weft?: boolean;
        code?: string;
        operation?: string;
        text?: string;
        again: unknown;
      };
      expect(r.hit, `${api}: failpoint '${failpoint}' not reached`).toBe(true);
      expect(r.weft, `${api}: not a WeftError (code ${r.code}): ${r.text}`).toBe(true);
      expect(r.code).toBe('INTERNAL');
      expect(r.text).toContain(`failpoint ${failpoint}`);
      expect(r.operation).toBe(api.replace(' (number)', ''));
      expect(r.again, `${api} after the panic`).toBe(true);
    });
  }
});

// What a value sent or stored pins (a weft object inside it) is given back exactly once
// when the native call fails: not kept (the inner channel is freed once nothing else holds
// it) and not released twice (it stays registered while its JS handle lives).
describe('a native panic while sending a value gives back what the value pinned, once', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const live = (): number => binding.liveObjects('channel');
  const settlesTo = async (count: number): Promise<number> => {
    for (let turn = 0; turn < 200 && live() !== count; turn++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return live();
  };
  const settledBase = async (): Promise<number> => {
    for (let turn = 0; turn < 10; turn++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return live();
  };

  beforeAll(() => Context.background()); // made before any failpoint is armed

  // [api, failpoint, what receives the value (made before arming), the sending call]
  const cases: [api: string, failpoint: Failpoint, target: () => unknown, send: (target: never, inner: Channel<number>) => unknown][] = [
    ['Channel.trySend', 'channel', () => new Channel(4), (ch: Channel, inner) => ch.trySend({ inner })],
    ['Channel.send', 'channel', () => new Channel(4), (ch: Channel, inner) => ch.send({ inner })],
    ['Channel.sendMany', 'channel', () => new Channel(4), (ch: Channel, inner) => ch.sendMany([{ inner }, { inner }])],
    ['select', 'channel', () => new Channel(4), (ch: Channel, inner) => select([ch.sendCase({ inner })])],
    ['Context.withValue', 'handle', () => Context.background(), (ctx: Context, inner) => ctx.withValue('k', { inner })],
    [
      'Pool.run',
      'pool',
      () => makePool({ filename: PANIC_TASKS, size: 1, maxQueue: 64 }),
      (p: Pool, inner) => p.run('echo', { inner }),
    ],
  ];
  for (const [api, failpoint, makeTarget, send] of cases) {
    it(`${api} (failpoint ${failpoint})`, async () => {
      const target = makeTarget();
      if (target instanceof Pool) expect(await target.run('echo', 'warm')).toBe('warm');
      const base = await settledBase();
      await (async () => {
        const inner = new Channel<number>(1);
        const registered = live();
        native.debugPanicNext(failpoint);
        const outcome = await outcomeOf(() => send(target as never, inner), api);
        disarm();
        if (outcome.threw) {
          expectPanic(outcome.error, failpoint, api);
        } else {
          missed.push(`${api}: failpoint '${failpoint}' not reached while sending (disarmed)`);
        }
        // Released once at most: the inner channel is still there, and works.
        expect(live()).toBe(registered);
        expect(inner.trySend(1)).toBe(true);
      })();
      // The pool keeps the last submission's settle functions (and so its rejection, whose
      // stack holds the call's closure) until the next one: make one.
      if (target instanceof Pool) expect(await target.run('echo', 'next')).toBe('next');
      expect(await settlesTo(base)).toBe(base);
    });
  }
});
