// Public surface the other suites leave out, checked for the behaviour a user relies on:
// Pool.ref() and ProcessPool.ref()/unref() (whether a pool keeps its process alive, seen
// from outside in a child process), Context.ended, Deferred.settled, TaskGraph.size, the
// pool option spinMicros, AllLimiter, Heartbeat, PipelineObservable,
// DEFAULT_PIPELINE_BUFFER and systemClock. Waits are on events (a child's messages and
// exit, a task's Atomics.notify, promises); the one timing check (systemClock's timers)
// only has lower bounds.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { firstValueFrom, from, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AllLimiter,
  Context,
  DEFAULT_PIPELINE_BUFFER,
  Deferred,
  Heartbeat,
  ManualClock,
  PipelineObservable,
  Pool,
  ProcessPool,
  RateLimiter,
  TaskGraph,
  heartbeat,
  isWeftError,
  pipeline,
  systemClock,
  type Pulse,
} from '@weft/core';

import { settlesWithin } from './fixtures/pool-helpers.js';
import { throwsWith, turn } from './fixtures/async-helpers.js';

const TASKS = new URL('./fixtures/surface-tasks.mjs', import.meta.url);

/** Atomics.waitAsync (ES2024; the compiler's lib here is older). */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string } }).waitAsync;

const live = new Set<Pool | ProcessPool>();

afterEach(async () => {
  const pools = [...live];
  live.clear();
  await settlesWithin(Promise.all(pools.map((p) => p.close({ timeout: 2_000 }))), 10_000, 'closing the pools');
});

function threadPool(options: Record<string, unknown> = {}): Pool {
  const pool = new Pool({ filename: TASKS, size: 1, ...options });
  live.add(pool);
  return pool;
}

interface ChildOutcome {
  messages: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs a fixture script in a child process with an IPC channel: collects what it says,
 * answers 'ready' with `onReady` (if given), and resolves when it exits. The watchdog only
 * turns a child that never exits into a failure; it decides nothing else.
 */
function runChild(script: string, args: string[], onReady?: (send: (msg: string) => void) => void): Promise<ChildOutcome> {
  const child = fork(fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url)), args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const messages: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => messages.push(...String(d).split('\n').filter(Boolean).map((line) => `stdout: ${line}`)));
  child.on('message', (msg: string) => {
    messages.push(msg);
    // A child that already exited cannot take the message: the send's error is dropped here,
    // and its exit (with what it said) is what the test judges.
    if (msg === 'ready' && onReady !== undefined) onReady((m) => child.send(m, () => {}));
  });
  const exited = new Promise<ChildOutcome>((resolve) => {
    child.on('exit', (code, signal) => resolve({ messages, code, signal, stderr }));
  });
  return settlesWithin(exited, 30_000, () => `${script} ${args.join(' ')} to exit (said: ${messages.join(', ')})`).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
}

describe('Pool.ref() and ProcessPool.ref()/unref(): whether a pool keeps its process alive', () => {
  const kinds = [
    ['Pool', 'thread'],
    ['ProcessPool', 'process'],
  ] as const;

  it.each(kinds)('%s: an idle pool that is unref()ed lets the process exit by itself', async (_name, kind) => {
    const out = await runChild('surface-ref.mjs', [kind, 'unref']);
    expect(out).toStrictEqual({ messages: ['ready', 'beforeExit'], code: 0, signal: null, stderr: '' });
  });

  it.each(kinds)('%s: ref() after unref() keeps the process alive until the pool is closed', async (_name, kind) => {
    // 'close' is sent only once the child said 'ready': it must still be there to get it,
    // and its event loop must not empty ('beforeExit') before the pool has closed.
    const out = await runChild('surface-ref.mjs', [kind, 'reref'], (send) => send('close'));
    expect(out).toStrictEqual({ messages: ['ready', 'closing', 'closed', 'beforeExit'], code: 0, signal: null, stderr: '' });
  });

  it.each(kinds)('%s: an idle pool never ref()ed lets the process exit by itself (the default)', async (_name, kind) => {
    const out = await runChild('surface-ref.mjs', [kind, 'default']);
    expect(out).toStrictEqual({ messages: ['ready', 'beforeExit'], code: 0, signal: null, stderr: '' });
  });

  it.each(kinds)('%s: a ref()ed pool keeps the process alive until closed', async (_name, kind) => {
    const out = await runChild('surface-ref.mjs', [kind, 'ref'], (send) => send('close'));
    expect(out).toStrictEqual({ messages: ['ready', 'closing', 'closed', 'beforeExit'], code: 0, signal: null, stderr: '' });
  });

  it('ProcessPool: an unref()ed pool still keeps the process alive for a task in flight', async () => {
    const out = await runChild('surface-ref.mjs', ['process', 'inflight']);
    expect(out).toStrictEqual({ messages: ['ready', 'task finished after 50 ms', 'beforeExit'], code: 0, signal: null, stderr: '' });
  });

  it('ref() and unref() return the pool, for chaining', async () => {
    const pool = threadPool();
    expect(pool.unref()).toBe(pool);
    expect(pool.ref()).toBe(pool);
    const processPool = new ProcessPool({ filename: TASKS, size: 1 });
    live.add(processPool);
    expect(processPool.unref()).toBe(processPool);
    expect(processPool.ref()).toBe(processPool);
    expect(await processPool.run('echo', 'still works')).toBe('still works');
  });
});

describe('Context.ended', () => {
  it('is false while the context lives and true, synchronously, once it is cancelled (down the tree, never up)', () => {
    const background = Context.background();
    expect(background.ended).toBe(false);
    const [parent, cancelParent] = background.withCancel();
    const [child, cancelChild] = parent.withCancel();
    const [grandchild] = child.withCancel();
    expect([parent.ended, child.ended, grandchild.ended]).toStrictEqual([false, false, false]);

    cancelChild();
    expect(child.ended).toBe(true);
    expect(grandchild.ended).toBe(true);
    expect(parent.ended).toBe(false); // never up
    expect(isWeftError(child.err, 'CANCELED')).toBe(true);

    cancelParent();
    expect(parent.ended).toBe(true);
    expect(background.ended).toBe(false);
  });

  it('turns true when a deadline passes (as `done` resolves), with DEADLINE_EXCEEDED', async () => {
    const [ctx, cancel] = Context.background().withTimeout(20);
    try {
      expect(ctx.ended).toBe(false);
      await ctx.done;
      expect(ctx.ended).toBe(true);
      expect(isWeftError(ctx.err, 'DEADLINE_EXCEEDED')).toBe(true);
    } finally {
      cancel();
    }
  });

  it('agrees with the signal: ended exactly when the signal has aborted with err', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    const signal = ctx.signal;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect([ctx.ended, signal.aborted]).toStrictEqual([false, false]);
    cancel();
    expect(ctx.ended).toBe(true);
    await aborted;
    expect(signal.reason).toBe(ctx.err);
  });

  it('a cancel made here is seen at once by a worker task spinning in synchronous code on ctx.ended', async () => {
    const pool = threadPool();
    const [ctx, cancel] = Context.background().withCancel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const result = pool.run('spinUntilEnded', { flag }, { ctx });
    // Cancel only once the task is spinning (it notifies), so it sees `ended` turn true mid-loop.
    while (Atomics.load(flag, 0) === 0) await waitAsync(flag, 0, 0).value;
    cancel();
    expect(await settlesWithin(result, 20_000, 'the spinning task to see ended')).toBe('CANCELED');
  });

  it('a context handed to a worker reads as ended there when it ended here', async () => {
    const pool = threadPool();
    const [ctx, cancel] = Context.background().withCancel();
    expect(await pool.run('endedHere', ctx)).toStrictEqual({ ended: false, code: undefined });
    cancel();
    expect(await pool.run('endedHere', ctx)).toStrictEqual({ ended: true, code: 'CANCELED' });
  });
});

describe('Deferred.settled', () => {
  it('is false until the first resolve, reject or cancel, then true for good (later calls change nothing)', async () => {
    const resolved = new Deferred<number>();
    expect(resolved.settled).toBe(false);
    expect(resolved.resolve(1)).toBe(true);
    expect(resolved.settled).toBe(true); // at once, before anyone awaits
    expect(resolved.reject(new Error('late'))).toBe(false);
    expect(resolved.cancel()).toBe(false);
    expect(resolved.settled).toBe(true);
    expect(await resolved).toBe(1);

    const rejected = new Deferred();
    rejected.reject(new Error('no'));
    expect(rejected.settled).toBe(true);
    expect(rejected.resolve(2)).toBe(false);
    await expect(rejected.promise).rejects.toThrow('no');

    const canceled = new Deferred();
    canceled.cancel('why');
    expect(canceled.settled).toBe(true);
    await expect(canceled.promise).rejects.toSatisfy((err: unknown) => isWeftError(err, 'CANCELED'));

    // Following a promise that is still pending counts as settled: the deferred is decided.
    const pending = new Deferred<number>();
    const inner = new Deferred<number>();
    expect(pending.resolve(inner.promise)).toBe(true);
    expect(pending.settled).toBe(true);
    expect(pending.resolve(3)).toBe(false);
    inner.resolve(4);
    expect(await pending).toBe(4);
  });

  it('a deferred resolved with a promise takes that promise\'s outcome as its state', async () => {
    const follower = new Deferred<number>();
    const inner = new Deferred<number>();
    follower.resolve(inner.promise);
    expect({ settled: follower.settled, state: follower.state }).toEqual({ settled: true, state: 'pending' });
    inner.reject(new Error('inner failed'));
    await expect(follower.promise).rejects.toThrow('inner failed');
    expect(follower.state).toBe('rejected'); // not 'fulfilled': it never fulfilled

    const fulfilled = new Deferred<number>();
    fulfilled.resolve(Promise.resolve(5));
    expect(fulfilled.state).toBe('pending');
    expect(await fulfilled).toBe(5);
    expect(fulfilled.state).toBe('fulfilled');
  });

  it('turns true when its context ends or its signal aborts first, and at construction when they already have', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    const byCtx = new Deferred({ ctx });
    expect(byCtx.settled).toBe(false);
    cancel();
    await expect(byCtx.promise).rejects.toSatisfy((err: unknown) => isWeftError(err, 'CANCELED'));
    expect(byCtx.settled).toBe(true);
    expect(byCtx.resolve('late')).toBe(false);

    const controller = new AbortController();
    const bySignal = new Deferred({ signal: controller.signal });
    controller.abort('stop');
    expect(bySignal.settled).toBe(true); // the abort event is synchronous
    await expect(bySignal.promise).rejects.toSatisfy((err: unknown) => isWeftError(err, 'CANCELED'));

    expect(new Deferred({ signal: AbortSignal.abort() }).settled).toBe(true);
    expect(new Deferred({ ctx }).settled).toBe(true);
  });
});

describe('TaskGraph.size', () => {
  it('counts the tasks added: each add() adds one (dependencies named before they are added do not count), a refused add() none', async () => {
    const graph = new TaskGraph();
    expect(graph.size).toBe(0);
    expect(graph.add('report', ['user', 'orders'], ({ deps }) => deps)).toBe(graph);
    expect(graph.size).toBe(1); // 'user' and 'orders' are only names so far
    graph.add('user', [], () => 'u').add('orders', ['user'], () => 'o');
    expect(graph.size).toBe(3);
    throwsWith(() => graph.add('user', [], () => 'again'), 'INVALID_ARGUMENT');
    throwsWith(() => graph.add('bad', ['x', 'x'], () => 0), 'INVALID_ARGUMENT');
    throwsWith(() => graph.add('', [], () => 0), 'INVALID_ARGUMENT');
    expect(graph.size).toBe(3);
    expect(graph.order()).toHaveLength(graph.size);
    const results = await graph.run();
    expect(Object.keys(results).sort()).toStrictEqual(['orders', 'report', 'user']);
    expect(graph.size).toBe(3); // running does not consume the graph
  });
});

describe('Pool option spinMicros', () => {
  it('accepts integers from 0 to 1,000,000, and tasks run', async () => {
    for (const spinMicros of [0, 1, 50, 10_000, 1_000_000]) {
      const pool = threadPool({ spinMicros });
      expect(await pool.run('echo', spinMicros)).toBe(spinMicros);
      expect(await Promise.all([1, 2, 3].map((x) => pool.run('echo', x)))).toStrictEqual([1, 2, 3]);
    }
  });

  it('refuses anything else with INVALID_ARGUMENT naming the option (thread and process pools)', () => {
    // Above 1,000,000 (a second of idle spinning) is refused too, rather than wrapping
    // around the native side's 32-bit microseconds.
    for (const bad of [-1, 1.5, NaN, Infinity, 1_000_001, 2 ** 32, 2 ** 53 - 1, '50', null, {}, true]) {
      for (const make of [
        () => new Pool({ filename: TASKS, size: 1, spinMicros: bad as number }),
        () => new ProcessPool({ filename: TASKS, size: 1, spinMicros: bad as number }),
      ]) {
        const err = throwsWith(make, 'INVALID_ARGUMENT');
        expect(err.details.option, String(bad)).toBe('spinMicros');
        expect(err.message).toMatch(/spinMicros/);
      }
    }
  });

  it('is accepted and ignored by a process pool', async () => {
    const pool = new ProcessPool({ filename: TASKS, size: 1, spinMicros: 5 });
    live.add(pool);
    expect(await pool.run('echo', 'ok')).toBe('ok');
  });
});

describe('AllLimiter', () => {
  it('is what RateLimiter.all() makes, and can be made directly', () => {
    const a = new RateLimiter(0, 2);
    const b = new RateLimiter(0, 1);
    expect(RateLimiter.all([a, b])).toBeInstanceOf(AllLimiter);
    const all = new AllLimiter([a, b]);
    expect(all.size).toBe(2);
    expect(all.tokens()).toBe(1); // the fewest any member holds
  });

  it('takes from every member or from none', () => {
    const a = new RateLimiter(0, 2);
    const b = new RateLimiter(0, 1);
    const all = new AllLimiter([a, b]);
    expect(all.allow()).toBe(true);
    expect([a.tokens(), b.tokens()]).toStrictEqual([1, 0]);
    expect(all.allow()).toBe(false); // b is empty: a keeps its token
    expect([a.tokens(), b.tokens()]).toStrictEqual([1, 0]);
    expect(a.allow()).toBe(true);
  });

  it('counts a member listed twice once, and takes in the members of a nested all()', () => {
    const a = new RateLimiter(0, 3);
    const b = new RateLimiter(0, 3);
    const c = new RateLimiter(0, 3);
    expect(new AllLimiter([a, a, b]).size).toBe(2);
    const nested = new AllLimiter([new AllLimiter([a, b]), c]);
    expect(nested.size).toBe(3);
    expect(new AllLimiter([nested, a]).size).toBe(3);
    expect(new AllLimiter([a, a]).allow()).toBe(true);
    expect(a.tokens()).toBe(2); // one token, not two
    expect(nested.allow(2)).toBe(true);
    expect([a.tokens(), b.tokens(), c.tokens()]).toStrictEqual([0, 1, 1]);
  });

  it('reserve(): waits for the slowest member, refuses past a burst, and cancel() gives every member its share back', () => {
    const clock = new ManualClock();
    const fast = new RateLimiter(10, 1, { clock }); // a token per 100 ms
    const slow = new RateLimiter(1, 1, { clock }); // a token per second
    const all = new AllLimiter([fast, slow]);
    expect(all.reserve(2).ok).toBe(false); // over both bursts: nothing taken
    expect([fast.tokens(), slow.tokens()]).toStrictEqual([1, 1]);
    expect(all.reserve().delayMs).toBe(0);
    const next = all.reserve();
    expect(next.ok).toBe(true);
    expect(next.delayMs).toBe(1_000); // the slow member decides
    next.cancel();
    expect(fast.reserve().delayMs).toBe(100); // its share came back: the next token is the one refilling
  });

  it('wait() sleeps on the members\' clock', async () => {
    const clock = new ManualClock();
    const a = new RateLimiter(10, 1, { clock });
    const b = new RateLimiter(5, 1, { clock });
    const all = new AllLimiter([a, b]);
    expect(all.allow()).toBe(true);
    let done = false;
    const waited = all.wait().then(() => (done = true));
    await clock.advance(199);
    expect(done).toBe(false);
    // advance() lets the event loop run after the timers it fires: a wait on this clock
    // has resolved by then (one on the system clock would still be sleeping).
    await clock.advance(1);
    expect(done).toBe(true);
    await waited;
  });

  it('refuses what is not a limiter, and no members, with INVALID_ARGUMENT', () => {
    for (const bad of [[], [{}], [1], null, 'ab', [new RateLimiter(1, 1), { allow: () => true }]]) {
      throwsWith(() => new AllLimiter(bad as never), 'INVALID_ARGUMENT');
    }
  });

  it('enforces one budget across threads: takes in a worker show here', async () => {
    const pool = threadPool();
    const a = new RateLimiter(0, 3);
    const b = new RateLimiter(0, 2);
    const all = new AllLimiter([a, b]);
    expect(await pool.run('allowHere', { limiter: all, times: 3 })).toStrictEqual([true, true, false]);
    expect([a.tokens(), b.tokens(), all.tokens()]).toStrictEqual([1, 0, 0]);
    expect(all.allow()).toBe(false);
  });
});

describe('Heartbeat', () => {
  it('is what heartbeat() returns, holding its context and interval; beats, lastBeatAt and silentFor follow the clock', async () => {
    const clock = new ManualClock(1_000);
    const [ctx, cancel] = Context.background().withCancel();
    const hb = heartbeat(ctx, 100, { clock });
    expect(hb).toBeInstanceOf(Heartbeat);
    expect(hb.ctx).toBe(ctx);
    expect(hb.interval).toBe(100);
    expect([hb.beats, hb.lastBeatAt, hb.silentFor, hb.ended]).toStrictEqual([0, 1_000, 0, false]);
    await clock.advance(30);
    hb.beat();
    hb.beat();
    await clock.advance(12);
    expect([hb.beats, hb.lastBeatAt, hb.silentFor]).toStrictEqual([2, 1_030, 12]);
    cancel();
    await turn();
    expect(hb.ended).toBe(true);
    hb.beat(); // nothing, once ended
    expect(hb.beats).toBe(2);
  });

  it('its iteration ends, after the pulse it holds, when it is closed; a watch stops', async () => {
    const clock = new ManualClock();
    const hb = heartbeat(Context.background(), 50, { clock });
    const pulses: Pulse[] = [];
    const iterated = (async () => {
      for await (const pulse of hb) pulses.push(pulse);
    })();
    let stalls = 0;
    hb.watch(200, () => stalls++);
    await turn();
    hb.beat();
    await clock.advance(10);
    hb.beat(); // within the interval: merged into the next pulse
    hb.close();
    await iterated;
    expect(pulses).toStrictEqual([
      { at: 0, beats: 1 },
      { at: 10, beats: 1 },
    ]);
    await clock.advance(1_000);
    expect(stalls).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('PipelineObservable', () => {
  it('is what toObservable() returns: each subscribe is a run, pushing every item, then complete', async () => {
    let runs = 0;
    const observable = pipeline(() => {
      runs++;
      return [1, 2, 3];
    })
      .map((x) => x * 10)
      .toObservable();
    expect(observable).toBeInstanceOf(PipelineObservable);
    const collect = () =>
      new Promise<{ items: number[]; completed: boolean }>((resolve, reject) => {
        const items: number[] = [];
        observable.subscribe({ next: (x) => items.push(x), error: reject, complete: () => resolve({ items, completed: true }) });
      });
    expect(await settlesWithin(collect(), 10_000, 'the first run to complete')).toStrictEqual({ items: [10, 20, 30], completed: true });
    expect(await settlesWithin(collect(), 10_000, 'the second run to complete')).toStrictEqual({ items: [10, 20, 30], completed: true });
    expect(runs).toBe(2);
  });

  it('a run that fails calls error (not complete) with the first failure, and the subscription is closed', async () => {
    const observable = pipeline([1, 2, 3])
      .map((x) => {
        if (x === 2) throw new RangeError('two');
        return x;
      })
      .toObservable();
    const items: number[] = [];
    let completed = false;
    let closedWhenFailed: boolean | undefined;
    const failure = await settlesWithin(
      new Promise<unknown>((resolve) => {
        const sub = observable.subscribe({
          next: (x) => items.push(x),
          error: (err) => {
            closedWhenFailed = sub.closed;
            resolve(err);
          },
          complete: () => (completed = true),
        });
      }),
      10_000,
      'error() to be called',
    );
    expect(failure).toBeInstanceOf(RangeError);
    expect(closedWhenFailed).toBe(true);
    expect(completed).toBe(false);
    expect(items.length).toBeLessThanOrEqual(1);
  });

  it('unsubscribe() stops the run: the source is closed, no complete, closed turns true', async () => {
    let sourceClosed!: () => void;
    const closed = new Promise<void>((resolve) => (sourceClosed = resolve));
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        sourceClosed();
      }
    }
    let completed = false;
    const seen: number[] = [];
    let unsubscribe!: () => void;
    const gotTwo = new Promise<void>((resolve) => {
      const sub = pipeline(endless()).toObservable().subscribe({
        next: (x) => {
          seen.push(x);
          if (seen.length === 2) resolve();
        },
        complete: () => (completed = true),
      });
      unsubscribe = () => {
        expect(sub.closed).toBe(false);
        sub.unsubscribe();
        expect(sub.closed).toBe(true);
        sub.unsubscribe(); // idempotent
      };
    });
    await settlesWithin(gotTwo, 10_000, 'two items');
    unsubscribe();
    await settlesWithin(closed, 10_000, 'the source to be closed');
    expect(completed).toBe(false);
  });

  it("a plain function is a next callback, and RxJS's from() accepts the observable", async () => {
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      pipeline(['a', 'b'])
        .toObservable()
        .subscribe((x) => {
          seen.push(x);
          if (seen.length === 2) resolve();
        });
    });
    expect(seen).toStrictEqual(['a', 'b']);
    const observable = pipeline([1, 2, 3]).toObservable();
    expect((observable as unknown as Record<string, () => unknown>)['@@observable']!()).toBe(observable);
    expect(await firstValueFrom(from(observable).pipe(toArray()))).toStrictEqual([1, 2, 3]);
  });
});

describe('DEFAULT_PIPELINE_BUFFER', () => {
  /** How many items the source gave once the consumer took one and then stopped reading. */
  async function pulledAhead(make: (source: Iterable<number>) => AsyncIterable<number>): Promise<number> {
    let pulled = 0;
    function* source() {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const it = make(source())[Symbol.asyncIterator]();
    await it.next();
    // The pipeline fills its buffers in promise callbacks (a sync source, no timers): a
    // few event-loop turns let it run until every buffer is full and it stops pulling.
    for (let i = 0; i < 20; i++) await turn();
    const count = pulled;
    await it.return?.();
    return count;
  }

  it('is 16, and it is the buffer a pipeline and its stages get when no buffer option is given', async () => {
    expect(DEFAULT_PIPELINE_BUFFER).toBe(16);
    const byDefault = await pulledAhead((s) => pipeline(s));
    expect(byDefault).toBe(await pulledAhead((s) => pipeline(s, { buffer: DEFAULT_PIPELINE_BUFFER })));
    // Ahead of the consumer by the buffer, plus the one item a stage is working on.
    expect(byDefault - 1).toBeGreaterThanOrEqual(DEFAULT_PIPELINE_BUFFER);
    expect(byDefault - 1).toBeLessThanOrEqual(DEFAULT_PIPELINE_BUFFER + 1);
    expect(await pulledAhead((s) => pipeline(s, { buffer: DEFAULT_PIPELINE_BUFFER + 8 }))).toBe(byDefault + 8);

    const stageDefault = await pulledAhead((s) => pipeline(s).map((x) => x));
    expect(stageDefault).toBe(await pulledAhead((s) => pipeline(s, { buffer: DEFAULT_PIPELINE_BUFFER }).map((x) => x, { buffer: DEFAULT_PIPELINE_BUFFER })));
    expect(stageDefault).toBeGreaterThanOrEqual(2 * DEFAULT_PIPELINE_BUFFER);
  });
});

describe('systemClock', () => {
  it('now() is performance.now()', () => {
    const before = performance.now();
    const now = systemClock.now();
    const after = performance.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });

  it('setTimer fires once, no sooner than asked (0 or less: on a later turn, never synchronously)', async () => {
    const start = performance.now();
    const fired = await new Promise<number>((resolve) => systemClock.setTimer(() => resolve(performance.now()), 30));
    // Node's timers run off a millisecond loop clock: 1 ms of rounding allowed.
    expect(fired - start).toBeGreaterThanOrEqual(29);

    for (const ms of [0, -5]) {
      let ran = 0;
      const done = new Promise<void>((resolve) =>
        systemClock.setTimer(() => {
          ran++;
          resolve();
        }, ms),
      );
      expect(ran).toBe(0);
      await done;
      expect(ran).toBe(1);
    }
  });

  it('cancel() stops a timer (idempotently): a later timer fires and the cancelled one never did', async () => {
    let cancelledRan = false;
    const timer = systemClock.setTimer(() => (cancelledRan = true), 5);
    timer.cancel();
    timer.cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 25));
    expect(cancelledRan).toBe(false);
  });

  it('unref() lets the process exit while the timer is pending; a ref\'d timer keeps it until it fires', async () => {
    const unrefd = await runChild('surface-clock.mjs', ['unref']);
    expect(unrefd).toStrictEqual({ messages: ['stdout: set'], code: 0, signal: null, stderr: '' });
    const refd = await runChild('surface-clock.mjs', ['ref']);
    expect(refd).toStrictEqual({ messages: ['stdout: set', 'stdout: fired'], code: 0, signal: null, stderr: '' });
  });
});
