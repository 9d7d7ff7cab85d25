// Pipelines: sources of every kind, stages (map ordered/unordered with concurrency, filter,
// tap, flatMap, batch by size and by time on a ManualClock, take), bounded buffers that
// stop a source while the sink stalls, teardown that leaves nothing running, Node stream
// and RxJS interop both ways, a map stage on a real Pool, and build-time option checks.
// Results never depend on timing: controllable promises, counters and a ManualClock.
import { Readable, Writable } from 'node:stream';

import { Subject, from, lastValueFrom, of, take as rxTake, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Channel, Context, ManualClock, pipeline, type Pipeline } from '@weft/core';

import { deferred } from '../fixtures/async-helpers.js';
import { makePool, rejectsWith, settlesWithin, throwsWith, turns, until } from '../fixtures/pool-helpers.js';

const PIPELINE_TASKS = new URL('../fixtures/pipeline-tasks.mjs', import.meta.url);

/** An endless sync generator that counts what it produced and whether its finally ran. */
function naturals(): { gen: Generator<number>; produced: () => number; closed: () => boolean } {
  let produced = 0;
  let closed = false;
  const gen = (function* () {
    try {
      for (let i = 0; ; i++) {
        produced++;
        yield i;
      }
    } finally {
      closed = true;
    }
  })();
  return { gen, produced: () => produced, closed: () => closed };
}

/** Waits until `signal` aborts, records it, then rejects with its reason: a call that honours its ctx. */
function untilAborted(signal: AbortSignal, seen: { aborted: number }): Promise<never> {
  return new Promise((_, reject) => {
    const onAbort = (): void => {
      seen.aborted++;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An async source the test feeds by hand; it ends on end() or when its ctx ends. */
function fed<T>(): {
  push(value: T): void;
  end(): void;
  source: (info: { ctx: Context }) => AsyncGenerator<T>;
  finallyRan: () => boolean;
} {
  const queue: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let finallyRan = false;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(value) {
      queue.push(value);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    source: async function* ({ ctx }) {
      const onAbort = (): void => poke();
      ctx.signal.addEventListener('abort', onAbort);
      try {
        for (;;) {
          while (queue.length === 0 && !ended && !ctx.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
          if (queue.length === 0 || ctx.signal.aborted) return;
          yield queue.shift()!;
        }
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        finallyRan = true;
      }
    },
    finallyRan: () => finallyRan,
  };
}

describe('pipeline sources', () => {
  it('reads arrays, Sets and strings, and an array-based pipeline runs again', async () => {
    const p = pipeline([1, 2, 3]).map((x) => x * 10);
    expect(await p.collect()).toEqual([10, 20, 30]);
    expect(await p.collect()).toEqual([10, 20, 30]);
    expect(await pipeline(new Set(['a', 'b'])).collect()).toEqual(['a', 'b']);
    expect(await pipeline('hi').collect()).toEqual(['h', 'i']);
  });

  it('reads a generator once; a second run rejects INVALID_ARGUMENT naming the source', async () => {
    const p = pipeline((function* () {
      yield 1;
      yield 2;
    })());
    expect(await p.collect()).toEqual([1, 2]);
    const err = await rejectsWith(p.map((x) => x).collect(), 'INVALID_ARGUMENT');
    expect(err.details.option).toBe('source');
  });

  it('reads an async generator, and a factory runs anew each time with a context that ends on teardown', async () => {
    expect(await pipeline((async function* () {
      yield 'a';
      yield 'b';
    })()).collect()).toEqual(['a', 'b']);
    const contexts: Context[] = [];
    const p = pipeline(({ ctx }) => {
      contexts.push(ctx);
      return [1, 2, 3];
    });
    expect(await p.run()).toBe(3);
    expect(await p.take(1).collect()).toEqual([1]);
    expect(contexts).toHaveLength(2);
    expect(contexts[1]!.err?.code).toBe('CANCELED');
  });

  it('reads a weft Channel until it is closed', async () => {
    const ch = new Channel<{ n: number }>(8);
    const run = pipeline(ch).map((v) => v.n).collect();
    for (let n = 0; n < 5; n++) await ch.send({ n });
    ch.close();
    expect(await run).toEqual([0, 1, 2, 3, 4]);
  });

  it('a Channel source stops receiving on teardown and leaves the channel open; later values stay in it', async () => {
    const ch = new Channel<number>(4);
    const [ctx, cancel] = Context.background().withCancel();
    const run = pipeline(ch).run(ctx);
    await turns();
    cancel();
    await rejectsWith(run, 'CANCELED');
    expect(ch.closed).toBe(false);
    await ch.send(7);
    expect(ch.tryRecv()).toEqual({ value: 7, ok: true });
  });

  it('reads an object-mode Readable and a byte Readable', async () => {
    expect(await pipeline(Readable.from([{ a: 1 }, { a: 2 }])).map((o) => (o as { a: number }).a).collect()).toEqual([1, 2]);
    const bytes = new Readable({
      read() {
        this.push(Buffer.from('abc'));
        this.push(null);
      },
    });
    const chunks = await pipeline<Buffer>(bytes).collect();
    expect(Buffer.concat(chunks).toString()).toBe('abc');
  });

  it('destroys a Readable source when the pipeline stops early', async () => {
    let reads = 0;
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        this.push(reads++);
      },
    });
    expect(await pipeline(readable).take(3).collect()).toEqual([0, 1, 2]);
    expect(readable.destroyed).toBe(true);
    const after = reads;
    await turns();
    expect(reads).toBe(after);
  });

  it('reads an RxJS Observable, and its error fails the run', async () => {
    expect(await pipeline(of(1, 2, 3)).map((x) => x + 1).collect()).toEqual([2, 3, 4]);
    const seen: number[] = [];
    const boom = new Error('observable failed');
    const failing = new Subject<number>();
    const run = pipeline(failing).forEach((x) => void seen.push(x));
    failing.next(1);
    failing.next(2);
    await until(() => seen.length === 2, 'both items through');
    failing.error(boom);
    await expect(run).rejects.toBe(boom);
    expect(seen).toEqual([1, 2]);
    await expect(pipeline(throwError(() => boom)).run()).rejects.toBe(boom);
  });

  it('unsubscribes from an Observable source on teardown', async () => {
    const subject = new Subject<number>();
    const run = pipeline(subject).take(2).collect();
    expect(subject.observed).toBe(true);
    subject.next(1);
    subject.next(2);
    subject.next(3);
    expect(await run).toEqual([1, 2]);
    expect(subject.observed).toBe(false);
  });

  it('fails with QUEUE_FULL when an Observable gets more than maxQueued items ahead', async () => {
    const subject = new Subject<number>();
    const gate = deferred();
    const run = pipeline(subject, { buffer: 0, maxQueued: 3 }).map(() => gate.promise).run();
    for (let i = 0; i < 10; i++) subject.next(i);
    const err = await rejectsWith(run, 'QUEUE_FULL');
    expect(err.details.option).toBe('maxQueued');
    gate.resolve();
    expect(subject.observed).toBe(false);
  });

  it('refuses what it cannot read with INVALID_ARGUMENT naming the source', () => {
    for (const bad of [42, null, undefined, { a: 1 }]) {
      const err = throwsWith(() => pipeline(bad as never), 'INVALID_ARGUMENT');
      expect(err.details.option).toBe('source');
    }
  });
});

describe('pipeline stages', () => {
  it('map passes (item, { ctx, index }) and awaits what fn returns', async () => {
    const seen: [string, number, boolean][] = [];
    const out = await pipeline(['a', 'b']).map(async (s, { ctx, index }) => {
      seen.push([s, index, ctx instanceof Context && ctx.err === undefined]);
      return s.toUpperCase();
    }).collect();
    expect(out).toEqual(['A', 'B']);
    expect(seen).toEqual([['a', 0, true], ['b', 1, true]]);
  });

  it('ordered map with concurrency runs calls at once but passes results on in input order', async () => {
    const gates = Array.from({ length: 6 }, () => deferred<string>());
    let active = 0;
    let maxActive = 0;
    const out: string[] = [];
    const run = pipeline([0, 1, 2, 3, 4, 5])
      .map(async (i) => {
        maxActive = Math.max(maxActive, ++active);
        try {
          return await gates[i]!.promise;
        } finally {
          active--;
        }
      }, { concurrency: 3 })
      .forEach((s) => void out.push(s));
    await until(() => active === 3, 'three calls running');
    gates[2]!.resolve('c');
    gates[1]!.resolve('b');
    await turns();
    expect(out).toEqual([]); // item 0 still running: nothing may pass it
    gates[0]!.resolve('a');
    await until(() => out.length === 3, 'first three out');
    expect(out).toEqual(['a', 'b', 'c']);
    gates[5]!.resolve('f');
    gates[4]!.resolve('e');
    gates[3]!.resolve('d');
    expect(await run).toBe(6);
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(maxActive).toBe(3);
  });

  it('unordered map passes results on as calls finish', async () => {
    const gates = Array.from({ length: 4 }, () => deferred<number>());
    const out: number[] = [];
    const run = pipeline([0, 1, 2, 3])
      .map((i) => gates[i]!.promise, { concurrency: 4, ordered: false })
      .forEach((n) => void out.push(n));
    await turns();
    for (const i of [2, 0, 3, 1]) {
      gates[i]!.resolve(i);
      await until(() => out.length > 0 && out[out.length - 1] === i, `item ${i} out`);
    }
    await run;
    expect(out).toEqual([2, 0, 3, 1]);
  });

  it('filter keeps truthy results (sync or async), tap sees every item and passes it on', async () => {
    const tapped: number[] = [];
    const out = await pipeline([1, 2, 3, 4, 5, 6])
      .filter((n) => n % 2 === 0)
      .filter(async (n) => n !== 4)
      .tap((n) => void tapped.push(n))
      .collect();
    expect(out).toEqual([2, 6]);
    expect(tapped).toEqual([2, 6]);
  });

  it('flatMap passes on every item of each returned iterable, keeping each call together', async () => {
    const out = await pipeline([1, 2, 3])
      .flatMap(async function* (n) {
        for (let i = 0; i < n; i++) yield `${n}.${i}`;
      }, { concurrency: 3 })
      .collect();
    expect(out).toEqual(['1.0', '2.0', '2.1', '3.0', '3.1', '3.2']);
    expect(await pipeline(['a b', 'c']).flatMap((s) => s.split(' ')).collect()).toEqual(['a', 'b', 'c']);
    await expect(pipeline([1]).flatMap(() => 5 as never).run()).rejects.toThrow(TypeError);
  });

  it('batch groups by size and emits the last partial batch at the end, never an empty one', async () => {
    expect(await pipeline([1, 2, 3, 4, 5, 6, 7]).batch(3).collect()).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(await pipeline([1, 2]).batch(2).collect()).toEqual([[1, 2]]);
    expect(await pipeline([]).batch(2).collect()).toEqual([]);
  });

  it('batch with maxWait emits a partial batch maxWait ms after its first item, on the given clock', async () => {
    const clock = new ManualClock();
    const src = fed<number>();
    const out: number[][] = [];
    const run = pipeline(src.source).batch(5, { maxWait: 100, clock }).forEach((b) => void out.push(b));
    src.push(1);
    await turns();
    await clock.advance(50);
    src.push(2);
    await turns();
    await clock.advance(49);
    expect(out).toEqual([]);
    await clock.advance(1); // 100 ms after item 1, not after item 2
    expect(out).toEqual([[1, 2]]);
    expect(clock.pending).toBe(0);
    for (let i = 3; i <= 7; i++) src.push(i);
    await until(() => out.length === 2, 'a full batch');
    expect(out[1]).toEqual([3, 4, 5, 6, 7]); // full: left at once, its timer cancelled
    expect(clock.pending).toBe(0);
    src.push(8);
    await until(() => clock.pending === 1, 'a timer for the next batch');
    src.end();
    expect(await run).toBe(3);
    expect(out[2]).toEqual([8]);
    expect(clock.pending).toBe(0);
  });

  it('take stops an endless source cleanly: its finally runs and it is pulled no more', async () => {
    const src = naturals();
    const seen = { aborted: 0 };
    const mapped: number[] = [];
    const out = await pipeline(src.gen)
      .map((n, { ctx }) => {
        if (ctx.signal.aborted) seen.aborted++; // a call made after take cut the stage off
        mapped.push(n);
        return n * 2;
      }, { concurrency: 2 })
      .take(4)
      .collect();
    expect(out).toEqual([0, 2, 4, 6]);
    expect(src.closed()).toBe(true);
    const produced = src.produced();
    await turns();
    expect(src.produced()).toBe(produced);
    expect(seen.aborted).toBe(0);
    expect(await pipeline(naturals().gen).take(0).collect()).toEqual([]);
  });

  it('take ends the contexts of the stages before it, not those after it', async () => {
    const seen = { aborted: 0 };
    const gate = deferred();
    let started = 0;
    const after: string[] = [];
    const run = pipeline([1, 2, 3, 4])
      .map(async (n, { ctx, index }) => {
        started++;
        if (index >= 2) return untilAborted(ctx.signal, seen);
        await gate.promise;
        return n;
      }, { concurrency: 4, ordered: false })
      .take(2)
      .tap((_n, { ctx }) => void after.push(ctx.err?.code ?? 'live'))
      .collect();
    await until(() => started === 4, 'four calls running');
    gate.resolve();
    expect(await run).toEqual([1, 2]);
    expect(seen.aborted).toBe(2); // the two calls still running were told to stop
    expect(after).toEqual(['live', 'live']); // the tap after take still ran under a live ctx
  });
});

describe('pipeline backpressure', () => {
  it('a stalled sink stops the source: it produces at most buffers + concurrency ahead', async () => {
    const src = naturals();
    // Between source and sink: buffer 2, map (3 at once) + buffer 2, filter (1) + buffer 2.
    const it = pipeline(src.gen, { buffer: 2 })
      .map(async (n) => n, { concurrency: 3, buffer: 2 })
      .filter(() => true, { buffer: 2 })
      [Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0); // the sink now stalls
    await turns(20);
    const produced = src.produced();
    // the item the sink holds + source's pending push (1) + 2 + map 3 + 2 + filter 1 + 2
    const bound = 1 + 1 + 2 + 3 + 2 + 1 + 2;
    expect(produced).toBeLessThanOrEqual(bound);
    expect(produced).toBeGreaterThan(bound - 3); // it did fill up, then stopped
    await turns(20);
    expect(src.produced()).toBe(produced);
    for (let i = 1; i < 50; i++) expect((await it.next()).value).toBe(i);
    await it.return();
    expect(src.closed()).toBe(true);
  });

  it('buffer 0 hands items over one at a time', async () => {
    const src = naturals();
    const it = pipeline(src.gen, { buffer: 0 })[Symbol.asyncIterator]();
    await it.next();
    await turns(10);
    expect(src.produced()).toBeLessThanOrEqual(2);
    await it.return();
  });
});

describe('pipeline teardown', () => {
  it('an error in a stage rejects run() with it; the source closes and running calls see their ctx abort', async () => {
    const src = naturals();
    const seen = { aborted: 0 };
    const boom = new Error('stage failed');
    const run = pipeline(src.gen)
      .map((n, { ctx }) => (n === 3 ? Promise.reject(boom) : untilAborted(ctx.signal, seen)), { concurrency: 4, ordered: false })
      .map((n) => n)
      .run();
    await expect(run).rejects.toBe(boom);
    expect(seen.aborted).toBe(3); // the calls for 0, 1 and 2 were running
    expect(src.closed()).toBe(true);
    const produced = src.produced();
    await turns(10);
    expect(src.produced()).toBe(produced);
  });

  it('the first error tears everything down: run() rejects with it only once every call has settled', async () => {
    const src = naturals();
    const seen = { aborted: 0 };
    const boom = new Error('filter failed');
    const log: string[] = [];
    const run = pipeline(src.gen)
      .map(async (n, { ctx }) => {
        if (n < 2) {
          try {
            await untilAborted(ctx.signal, seen);
          } finally {
            await turns(2);
            log.push(`call ${n} settled`);
          }
        }
        return n;
      }, { concurrency: 4, ordered: false })
      .filter((n) => {
        if (n === 3) throw boom;
        return true;
      })
      .run();
    await expect(run).rejects.toBe(boom);
    log.push('run rejected');
    expect(log).toEqual(['call 0 settled', 'call 1 settled', 'run rejected']);
    expect(seen.aborted).toBe(2);
    expect(src.closed()).toBe(true);
    const produced = src.produced();
    await turns(10);
    expect(src.produced()).toBe(produced);
  });

  it('an error thrown by the source rejects run() and aborts running calls', async () => {
    const seen = { aborted: 0 };
    const boom = new Error('source failed');
    const gate = deferred();
    const source = async function* (): AsyncGenerator<number> {
      yield 1;
      await gate.promise;
      throw boom;
    };
    const run = pipeline(source()).map((_n, { ctx }) => untilAborted(ctx.signal, seen)).run();
    await turns();
    gate.resolve();
    await expect(run).rejects.toBe(boom);
    expect(seen.aborted).toBe(1);
  });

  it('a cancelled ctx rejects run() with CANCELED (cause kept) and ends every stage ctx', async () => {
    const src = naturals();
    const seen = { aborted: 0 };
    const [ctx, cancel] = Context.background().withCancelCause();
    let stageCtx: Context | undefined;
    const run = pipeline(src.gen)
      .map((_n, info) => {
        stageCtx = info.ctx;
        return untilAborted(info.ctx.signal, seen);
      }, { concurrency: 2 })
      .run(ctx);
    await until(() => stageCtx !== undefined, 'a call started');
    cancel('shutting down');
    const err = await rejectsWith(run, 'CANCELED');
    expect(err.cause).toBe('shutting down');
    expect(seen.aborted).toBe(2);
    expect(stageCtx!.err?.code).toBe('CANCELED');
    expect(src.closed()).toBe(true);
  });

  it('a ctx deadline rejects run() with DEADLINE_EXCEEDED', async () => {
    const seen = { aborted: 0 };
    let started = 0;
    const [ctx, cancel] = Context.background().withTimeout(5);
    try {
      const run = pipeline(naturals().gen)
        .map((_n, { ctx: c }) => {
          started++;
          return untilAborted(c.signal, seen);
        })
        .run(ctx);
      await rejectsWith(run, 'DEADLINE_EXCEEDED');
      // The deadline may pass before the first item starts (a loaded machine): every item
      // that did start saw its signal abort.
      expect(started).toBeLessThanOrEqual(1);
      expect(seen.aborted).toBe(started);
    } finally {
      cancel();
    }
  });

  it('an aborted signal rejects with CANCELED, the reason as cause; an already-ended ctx rejects at once', async () => {
    const controller = new AbortController();
    const run = pipeline(naturals().gen).map((_n, { ctx }) => untilAborted(ctx.signal, { aborted: 0 })).run({ signal: controller.signal });
    await turns();
    controller.abort('user left');
    const err = await rejectsWith(run, 'CANCELED');
    expect(err.cause).toBe('user left');
    const [ctx, cancel] = Context.background().withCancel();
    cancel();
    const src = naturals();
    await rejectsWith(pipeline(src.gen).run(ctx), 'CANCELED');
    expect(src.produced()).toBe(0); // an ended context never pulls an item
  });

  it('breaking out of for await stops everything before the loop exits', async () => {
    const src = fed<number>();
    for (let i = 0; i < 100; i++) src.push(i);
    const seen = { aborted: 0 };
    const got: number[] = [];
    let started = 0;
    const stages = pipeline(src.source).map((n, { ctx }) => {
      started++;
      return n < 3 ? n : untilAborted(ctx.signal, seen);
    }, { concurrency: 2 });
    for await (const n of stages) {
      got.push(n);
      if (n === 2) {
        await until(() => started === 5, 'calls for 3 and 4 running');
        break;
      }
    }
    expect(got).toEqual([0, 1, 2]);
    expect(src.finallyRan()).toBe(true); // the source factory's generator ran its finally
    expect(seen.aborted).toBe(2); // calls for 3 and 4 were running; both saw their ctx end
  });

  it('a stage awaiting a promise that never resolves on its own sees its ctx signal abort', async () => {
    let signal: AbortSignal | undefined;
    const [ctx, cancel] = Context.background().withCancel();
    const run = pipeline([1]).map((_n, info) => {
      signal = info.ctx.signal;
      return new Promise((_, reject) => info.ctx.signal.addEventListener('abort', () => reject(info.ctx.err)));
    }).run(ctx);
    await until(() => signal !== undefined, 'the call started');
    expect(signal!.aborted).toBe(false);
    cancel();
    await rejectsWith(run, 'CANCELED');
    expect(signal!.aborted).toBe(true);
  });

  it('an async generator source stopped while it waits runs its finally once its await completes, before run() settles', async () => {
    const gate = deferred();
    let finallyRan = false;
    const source = async function* (): AsyncGenerator<number> {
      try {
        yield 1;
        await gate.promise;
        yield 2;
      } finally {
        finallyRan = true;
      }
    };
    const [ctx, cancel] = Context.background().withCancel();
    let settled = false;
    const run = pipeline(source()).run(ctx).finally(() => (settled = true));
    await turns();
    cancel();
    await turns(5);
    expect(settled).toBe(false); // the generator is inside its await: run() waits for it
    gate.resolve();
    await rejectsWith(run, 'CANCELED');
    expect(finallyRan).toBe(true);
  });
  it('releases every context it made, whether it completes, fails, is cut short or stopped', async () => {
    const [root, cancel] = Context.background().withCancel();
    const before = root.childCount;
    const it = pipeline(naturals().gen).map((n) => n).iterate(root);
    await it.next();
    expect(root.childCount).toBeGreaterThan(before); // the run's context, while it runs
    await it.return();
    await pipeline([1, 2]).map((n) => n).run(root);
    await pipeline(naturals().gen).take(3).run(root);
    await expect(pipeline([1]).map(() => Promise.reject(new Error('x'))).run(root)).rejects.toThrow('x');
    await pipeline([1]).toObservable(root).subscribe(() => {}).unsubscribe();
    await until(() => root.childCount === before, 'contexts released');
    cancel();
  });
});

describe('pipeline interop: Node streams', () => {
  it('toReadable yields every item, in object mode', async () => {
    const readable = pipeline([1, 2, 3]).map((n) => ({ n })).toReadable();
    expect(readable.readableObjectMode).toBe(true);
    const got: unknown[] = [];
    for await (const item of readable) got.push(item);
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('toReadable pulls only while the stream wants more; destroying it stops the run', async () => {
    const src = naturals();
    const readable = pipeline(src.gen, { buffer: 1 }).toReadable({ highWaterMark: 2 });
    readable.once('readable', () => {});
    await until(() => src.produced() > 0, 'the first read');
    await turns(10);
    expect(src.produced()).toBeLessThanOrEqual(2 + 1 + 1 + 1);
    readable.destroy();
    await until(() => src.closed(), 'source closed');
  });

  it('a failed run destroys the readable with the same error', async () => {
    const boom = new Error('bad row');
    const readable = pipeline([1, 2]).map(() => {
      throw boom;
    }).toReadable();
    const err = await new Promise((resolve) => readable.on('error', resolve).resume());
    expect(err).toBe(boom);
  });

  it('pipeTo honours a slow writable: the source waits while writes are pending, then everything is written and the writable ended', async () => {
    const src = naturals();
    const written: number[] = [];
    const callbacks: (() => void)[] = [];
    const writable = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(chunk: number, _enc, cb) {
        written.push(chunk);
        callbacks.push(cb);
      },
    });
    let finished = false;
    writable.on('finish', () => (finished = true));
    const run = pipeline(src.gen, { buffer: 2 }).take(30).pipeTo(writable);
    await until(() => callbacks.length === 1, 'the first write');
    await turns(10);
    expect(written).toEqual([0]);
    // take (1) + buffer 2, source push 1, take's buffer 2, the stream's readable 1 + writable 1
    expect(src.produced()).toBeLessThanOrEqual(12);
    const produced = src.produced();
    await turns(10);
    expect(src.produced()).toBe(produced);
    while (written.length < 30 || callbacks.length > 0) {
      if (callbacks.length > 0) callbacks.shift()!();
      else await turns(1);
    }
    expect(await run).toBe(30);
    expect(written).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(finished).toBe(true);
    expect(src.closed()).toBe(true);
  });

  it('pipeTo with end: false leaves the writable open', async () => {
    const got: number[] = [];
    const writable = new Writable({
      objectMode: true,
      write(c: number, _e, cb) {
        got.push(c);
        cb();
      },
    });
    expect(await pipeline([1, 2]).pipeTo(writable, { end: false })).toBe(2);
    expect(got).toEqual([1, 2]);
    expect(writable.writableEnded).toBe(false);
    writable.end();
  });

  it('a failed run destroys the writable and pipeTo rejects with the failure', async () => {
    const boom = new Error('transform failed');
    const writable = new Writable({ objectMode: true, write: (_c, _e, cb) => cb() });
    await expect(pipeline([1, 2, 3]).map((n) => {
      if (n === 2) throw boom;
      return n;
    }).pipeTo(writable)).rejects.toBe(boom);
    expect(writable.destroyed).toBe(true);
  });

  it('a writable that fails stops the run: the source closes and pipeTo rejects with its error', async () => {
    const src = naturals();
    const diskFull = new Error('ENOSPC');
    const writable = new Writable({
      objectMode: true,
      write(chunk: number, _e, cb) {
        cb(chunk === 5 ? diskFull : null);
      },
    });
    await expect(pipeline(src.gen).pipeTo(writable)).rejects.toBe(diskFull);
    expect(src.closed()).toBe(true);
  });
});

describe('pipeline interop: Observables', () => {
  it('toObservable works with RxJS from(): items, then complete', async () => {
    const obs = pipeline([1, 2, 3]).map((n) => n * 2).toObservable();
    expect(await lastValueFrom(from(obs).pipe(toArray()))).toEqual([2, 4, 6]);
    // each subscription is a run of its own
    expect(await lastValueFrom(from(obs).pipe(toArray()))).toEqual([2, 4, 6]);
  });

  it('unsubscribing (RxJS take) stops the run and closes the source', async () => {
    const src = naturals();
    const got = await lastValueFrom(from(pipeline(src.gen).toObservable()).pipe(rxTake(3), toArray()));
    expect(got).toEqual([0, 1, 2]);
    await until(() => src.closed(), 'source closed');
    const produced = src.produced();
    await turns(10);
    expect(src.produced()).toBe(produced);
  });

  it('a failed run reaches the observer as error', async () => {
    const boom = new Error('nope');
    const obs = pipeline([1]).map(() => {
      throw boom;
    }).toObservable();
    const err = await new Promise((resolve) => obs.subscribe({ error: resolve }));
    expect(err).toBe(boom);
    const sub = pipeline(naturals().gen).toObservable().subscribe(() => {});
    expect(sub.closed).toBe(false);
    sub.unsubscribe();
    expect(sub.closed).toBe(true);
  });
});

describe('pipeline on a Pool', () => {
  it('map(taskName, { pool }) runs each item as a pool task, in order', async () => {
    const pool = makePool({ filename: PIPELINE_TASKS, size: 2 });
    const out = await pipeline(Array.from({ length: 20 }, (_, i) => i)).map<number>('square', { pool, concurrency: 4 }).collect();
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
  });

  it('a teardown reaches a running pool task through its context, and run() waits for it', async () => {
    const sab = new SharedArrayBuffer(8);
    const view = new Int32Array(sab);
    const pool = makePool({ filename: PIPELINE_TASKS, size: 1, workerData: { sab } });
    const [ctx, cancel] = Context.background().withCancel();
    const run = pipeline([1, 2]).map('waitForCancel', { pool }).run(ctx);
    while (Atomics.load(view, 0) < 1) await Atomics.waitAsync(view, 0, 0, 1_000).value;
    cancel();
    await settlesWithin(rejectsWith(run, 'CANCELED'), 10_000, 'run after cancel');
    expect(Atomics.load(view, 1)).toBe(1); // the task saw CANCELED before run() settled
    expect(Atomics.load(view, 0)).toBe(1); // and the second item never started
  });
});

describe('pipeline options', () => {
  const p = (): Pipeline<number> => pipeline([1]);
  const fn = (x: number): number => x;
  const cases: [string, () => unknown, string][] = [
    ['map fn not a function', () => p().map(42 as never), 'fn'],
    ['filter fn not a function', () => p().filter(null as never), 'fn'],
    ['tap fn not a function', () => p().tap('x' as never), 'fn'],
    ['flatMap fn not a function', () => p().flatMap(undefined as never), 'fn'],
    ['concurrency 0', () => p().map(fn, { concurrency: 0 }), 'concurrency'],
    ['concurrency 1.5', () => p().map(fn, { concurrency: 1.5 }), 'concurrency'],
    ['concurrency Infinity', () => p().filter(fn, { concurrency: Infinity }), 'concurrency'],
    ['ordered not boolean', () => p().map(fn, { ordered: 'yes' as never }), 'ordered'],
    ['buffer -1', () => p().tap(fn, { buffer: -1 }), 'buffer'],
    ['pipeline buffer string', () => pipeline([1], { buffer: '4' as never }), 'buffer'],
    ['maxQueued 0', () => pipeline([1], { maxQueued: 0 }), 'maxQueued'],
    ['batch size 0', () => p().batch(0), 'size'],
    ['batch size 2.5', () => p().batch(2.5), 'size'],
    ['batch maxWait -1', () => p().batch(2, { maxWait: -1 }), 'maxWait'],
    ['batch maxWait NaN', () => p().batch(2, { maxWait: NaN }), 'maxWait'],
    ['batch clock without setTimer', () => p().batch(2, { clock: {} as never }), 'clock'],
    ['take -1', () => p().take(-1), 'count'],
    ['task name without pool', () => p().map('square' as never), 'pool'],
    ['pool not a Pool', () => p().map('square', { pool: {} as never }), 'pool'],
    ['pool task timeout -1', () => p().map('square', { pool: makePool({ filename: PIPELINE_TASKS, size: 1 }), timeout: -1 }), 'timeout'],
    ['function with pool', () => p().map(fn as never, { pool: makePool({ filename: PIPELINE_TASKS, size: 1 }) } as never), 'fn'],
    ['toReadable highWaterMark -1', () => p().toReadable({ highWaterMark: -1 }), 'highWaterMark'],
    ['run ctx not a Context', () => p().iterate({ ctx: {} as never }), 'ctx'],
  ];
  for (const [what, build, option] of cases) {
    it(`${what}: INVALID_ARGUMENT naming ${option}, at build time`, () => {
      const err = throwsWith(build, 'INVALID_ARGUMENT');
      expect(err.details.option).toBe(option);
      expect(err.message).toContain(option);
    });
  }
});
