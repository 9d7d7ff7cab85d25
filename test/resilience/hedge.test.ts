// hedge: the next replica starts after `delay` without an answer (or at once after a
// failure), the first success wins and the others see their contexts cancelled, all
// failing is an AggregateError in replica order, the caller's context stops everything.
// Replicas answer when the test says so; time is a ManualClock.
import { describe, expect, it } from 'vitest';

import { Context, ManualClock, WeftError, hedge, isWeftError, type HedgeResult } from '@weft/core';

import { deferred, rejection, turn, type ManualPromise } from '../fixtures/async-helpers.js';

/** A replica the test settles by hand; records when it started and the context it got. */
class Replica<T = string> {
  startedAt: number | undefined;
  ctx: Context | undefined;
  #answer!: ManualPromise<T>;

  constructor(readonly clock: ManualClock) {}

  readonly fn = (ctx: Context): Promise<T> => {
    this.startedAt = this.clock.now();
    this.ctx = ctx;
    this.#answer = deferred<T>();
    return this.#answer.promise;
  };

  succeed(value: T): void {
    this.#answer.resolve(value);
  }

  fail(err: unknown): void {
    this.#answer.reject(err);
  }
}

function replicas(clock: ManualClock, n: number): Replica[] {
  return Array.from({ length: n }, () => new Replica(clock));
}

describe('hedge', () => {
  it('a first replica answering within the delay wins alone: nothing else starts', async () => {
    const clock = new ManualClock();
    const [a, b] = replicas(clock, 2);
    const result = hedge([a!.fn, b!.fn], { delay: 50, clock });
    await clock.advance(49);
    a!.succeed('A');
    expect(await result).toEqual<HedgeResult<string>>({ value: 'A', winner: 0, started: 1 });
    await clock.advance(100);
    expect(b!.startedAt).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('starts the next replica every `delay` without an answer', async () => {
    const clock = new ManualClock();
    const rs = replicas(clock, 3);
    const result = hedge(
      rs.map((r) => r.fn),
      { delay: 50, clock },
    );
    expect(rs.map((r) => r.startedAt)).toEqual([0, undefined, undefined]);
    await clock.advance(49);
    expect(rs[1]!.startedAt).toBeUndefined();
    await clock.advance(1);
    expect(rs[1]!.startedAt).toBe(50);
    await clock.advance(50);
    expect(rs.map((r) => r.startedAt)).toEqual([0, 50, 100]);
    rs[2]!.succeed('C');
    expect(await result).toEqual({ value: 'C', winner: 2, started: 3 });
  });

  it('the first success wins; the losers see their contexts cancelled, naming the winner; the winner keeps its context', async () => {
    const clock = new ManualClock();
    const rs = replicas(clock, 3);
    const result = hedge(
      rs.map((r) => r.fn),
      { delay: 10, clock },
    );
    await clock.advance(20);
    const loserSaw = rs[0]!.ctx!.done.then(() => rs[0]!.ctx!.err);
    rs[1]!.succeed('B');
    expect(await result).toEqual({ value: 'B', winner: 1, started: 3 });
    const err = await loserSaw;
    expect(err?.code).toBe('CANCELED');
    expect((err?.cause as WeftError).message).toContain('replica 1 answered first');
    expect(rs[0]!.ctx!.signal.aborted).toBe(true);
    expect(rs[2]!.ctx!.err?.code).toBe('CANCELED');
    expect(rs[1]!.ctx!.err).toBeUndefined();
    rs[0]!.succeed('late'); // a loser's late answer changes nothing
    await turn();
  });

  it('a failure starts the next replica at once, and the delay counts again from there', async () => {
    const clock = new ManualClock();
    const rs = replicas(clock, 3);
    const result = hedge(
      rs.map((r) => r.fn),
      { delay: 50, clock },
    );
    await clock.advance(10);
    rs[0]!.fail(new Error('a down'));
    await turn();
    expect(rs[1]!.startedAt).toBe(10);
    expect(rs[0]!.ctx!.err?.code).toBe('CANCELED'); // a failed replica's context is released
    await clock.advance(49);
    expect(rs[2]!.startedAt).toBeUndefined();
    await clock.advance(1);
    expect(rs[2]!.startedAt).toBe(60);
    rs[1]!.succeed('B');
    expect(await result).toEqual({ value: 'B', winner: 1, started: 3 });
  });

  it('all failing: an AggregateError with every error in replica order', async () => {
    const clock = new ManualClock();
    const rs = replicas(clock, 3);
    const result = rejection(
      hedge(
        rs.map((r) => r.fn),
        { delay: 5, clock },
      ),
    );
    await clock.advance(10);
    const errors = [new Error('a'), new Error('b'), new Error('c')];
    rs[2]!.fail(errors[2]);
    rs[0]!.fail(errors[0]);
    await turn();
    rs[1]!.fail(errors[1]);
    const err = (await result) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.errors).toEqual(errors);
    expect(err.errors[0]).toBe(errors[0]);
    expect(err.message).toContain('all 3 replicas failed');
  });

  it('a synchronous throw is a failure like any other', async () => {
    const clock = new ManualClock();
    const result = hedge<string>(
      [
        () => {
          throw new Error('sync');
        },
        () => 'second',
      ],
      { delay: 1_000, clock },
    );
    expect(await result).toEqual({ value: 'second', winner: 1, started: 2 });
  });

  it('delay Infinity: the next replica starts only when one fails', async () => {
    const clock = new ManualClock();
    const [a, b] = replicas(clock, 2);
    const result = hedge([a!.fn, b!.fn], { delay: Infinity, clock });
    await clock.advance(1e9);
    expect(b!.startedAt).toBeUndefined();
    a!.fail(new Error('x'));
    await turn();
    b!.succeed('B');
    expect(await result).toMatchObject({ winner: 1, started: 2 });
  });

  it('the ctx ending rejects with ctx.err at once, ends every replica context and starts no more', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancel();
    const rs = replicas(clock, 3);
    const result = rejection(
      hedge(
        rs.map((r) => r.fn),
        { delay: 10, ctx, clock },
      ),
    );
    await clock.advance(10);
    cancel();
    const err = await result;
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect(err).toBe(ctx.err);
    expect(rs[0]!.ctx!.err?.code).toBe('CANCELED');
    expect(rs[1]!.ctx!.err?.code).toBe('CANCELED');
    await clock.advance(100);
    expect(rs[2]!.startedAt).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('a ctx that has already ended starts nothing', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    cancel();
    let runs = 0;
    const err = await rejection(hedge([() => runs++], { delay: 1, ctx }));
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect(runs).toBe(0);
  });

  it('each replica gets its own child of ctx', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancel();
    const seen: Context[] = [];
    const result = hedge<string>(
      [
        (c) => {
          seen.push(c);
          return new Promise(() => {});
        },
        (c) => {
          seen.push(c);
          return 'b';
        },
      ],
      { delay: 1, ctx, clock },
    );
    await clock.advance(1);
    await result;
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[0]).not.toBe(ctx);
    cancel();
    expect(seen[1]!.err?.code).toBe('CANCELED'); // the winner's context ends with ctx
  });

  it('bad arguments throw INVALID_ARGUMENT naming them', () => {
    const cases: [unknown, unknown, string][] = [
      [[], { delay: 1 }, 'fns'],
      ['f', { delay: 1 }, 'fns'],
      [[() => 1, 2], { delay: 1 }, 'fns[1]'],
      [[() => 1], {}, 'delay'],
      [[() => 1], undefined, 'delay'],
      [[() => 1], null, 'options'],
      [[() => 1], { delay: -1 }, 'delay'],
      [[() => 1], { delay: NaN }, 'delay'],
      [[() => 1], { delay: 1, ctx: 'bg' }, 'ctx'],
      [[() => 1], { delay: 1, clock: Date }, 'clock'],
    ];
    for (const [fns, options, option] of cases) {
      expect(() => hedge(fns as never, options as never), option).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ option }) }),
      );
    }
  });
});
