// supervise: a run that throws or stops beating is cancelled and restarted after the
// backoff delay; a completed run resolves `done`; non-restartable errors, maxRestarts,
// restart: false, the context's end and stop() end the supervision. Runs are driven by
// the test (promises it settles) and time is a ManualClock.
import { describe, expect, it } from 'vitest';

import { Context, ManualClock, WeftError, isWeftError, supervise } from '@weft/core';

import { deferred, rejection, turn } from '../fixtures/async-helpers.js';

/** One run of the supervised work: its start time, context, beat, and how the test ends it. */
interface Run {
  at: number;
  ctx: Context;
  beat: () => void;
  succeed(value: string): void;
  fail(err: unknown): void;
}

/** Supervised work whose runs the test controls. */
function controlled(clock: ManualClock) {
  const runs: Run[] = [];
  const fn = (ctx: Context, beat: () => void): Promise<string> => {
    const answer = deferred<string>();
    runs.push({ at: clock.now(), ctx, beat, succeed: answer.resolve, fail: answer.reject });
    return answer.promise;
  };
  return { fn, runs };
}

const none = { base: 100, jitter: 'none' } as const;

describe('supervise', () => {
  it('resolves with the value of a run that completes; no restarts', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock });
    expect(runs).toHaveLength(1);
    runs[0]!.succeed('done');
    expect(await sup.done).toBe('done');
    expect(sup.restarts).toBe(0);
    expect(runs[0]!.ctx.err?.code).toBe('CANCELED'); // a finished supervision releases its contexts
  });

  it('restarts a run that throws after the backoff delay, counting restarts', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const restarts: [string, number, number][] = [];
    const sup = supervise(fn, { clock, restart: none, onRestart: (err, n, ms) => restarts.push([(err as Error).message, n, ms]) });
    runs[0]!.fail(new Error('boom 1'));
    await turn();
    expect(runs[0]!.ctx.err?.code).toBe('CANCELED'); // its context is released
    await clock.advance(99);
    expect(runs).toHaveLength(1);
    await clock.advance(1);
    expect(runs.map((r) => r.at)).toEqual([0, 100]);
    runs[1]!.fail(new Error('boom 2'));
    await clock.advance(200);
    expect(runs.map((r) => r.at)).toEqual([0, 100, 300]);
    expect(sup.restarts).toBe(2);
    expect(restarts).toEqual([
      ['boom 1', 1, 100],
      ['boom 2', 2, 200],
    ]);
    runs[2]!.succeed('third time');
    expect(await sup.done).toBe('third time');
  });

  it('a run silent for stallTimeout is stalled: its context is cancelled (cause TIMEOUT stalled) and it is restarted', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const reasons: unknown[] = [];
    const sup = supervise(fn, { clock, stallTimeout: 50, restart: none, onRestart: (err) => reasons.push(err) });
    await clock.advance(49);
    expect(runs[0]!.ctx.err).toBeUndefined();
    await clock.advance(1);
    const err = runs[0]!.ctx.err;
    expect(err?.code).toBe('CANCELED');
    expect(err?.cause).toMatchObject({ code: 'TIMEOUT', details: { reason: 'stalled', stallTimeout: 50, silentMs: 50 } });
    expect(reasons[0]).toBe(err?.cause);
    await clock.advance(100);
    expect(runs.map((r) => r.at)).toEqual([0, 150]);
    expect(sup.restarts).toBe(1);
    runs[0]!.succeed('stale'); // an abandoned run's late outcome is ignored
    await turn();
    runs[1]!.succeed('fresh');
    expect(await sup.done).toBe('fresh');
  });

  it('a run that keeps beating is never stalled, however long it runs', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, stallTimeout: 50 });
    for (let i = 0; i < 100; i++) {
      await clock.advance(30);
      runs[0]!.beat();
    }
    expect(runs).toHaveLength(1);
    expect(runs[0]!.ctx.err).toBeUndefined();
    runs[0]!.succeed('ok');
    expect(await sup.done).toBe('ok');
  });

  it('a non-restartable error ends the supervision at once with that error', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock });
    const bug = new TypeError('x is not a function');
    runs[0]!.fail(bug);
    expect(await rejection(sup.done)).toBe(bug);
    await clock.advance(100_000);
    expect(runs).toHaveLength(1);

    const clock2 = new ManualClock();
    const second = controlled(clock2);
    const sup2 = supervise(second.fn, { clock: clock2 });
    const fatal = new WeftError('INVALID_ARGUMENT', 'bad config');
    second.runs[0]!.fail(fatal);
    expect(await rejection(sup2.done)).toBe(fatal);
    expect(fatal.details.restarts).toBe(0);
  });

  it('restartIf decides which thrown errors are restarted', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, restart: none, restartIf: (err) => (err as Error).message === 'retry me' });
    runs[0]!.fail(new Error('retry me'));
    await clock.advance(100);
    expect(runs).toHaveLength(2);
    runs[1]!.fail(new Error('fatal'));
    expect(((await rejection(sup.done)) as Error).message).toBe('fatal');
  });

  it('maxRestarts: the failure after the last allowed restart rejects with that failure', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, restart: none, maxRestarts: 2, stallTimeout: 10 });
    const result = rejection(sup.done);
    await clock.advance(10_000); // stalls at 10, 120, 330
    const err = (await result) as WeftError;
    expect(runs.map((r) => r.at)).toEqual([0, 110, 320]);
    expect(err.code).toBe('TIMEOUT');
    expect(err.details).toMatchObject({ reason: 'stalled', restarts: 2 });
    expect(sup.restarts).toBe(2);
  });

  it('restart: false makes it a watchdog: the first stall rejects', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, restart: false, stallTimeout: 25 });
    const result = rejection(sup.done);
    await clock.advance(25);
    expect(await result).toMatchObject({ code: 'TIMEOUT', details: { reason: 'stalled' } });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.ctx.err?.code).toBe('CANCELED');
  });

  it('the ctx ending stops it at once, also while waiting to restart, and starts nothing after', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancel();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, restart: none, ctx });
    runs[0]!.fail(new Error('x'));
    await turn();
    expect(clock.pending).toBe(1); // the restart's delay
    cancel();
    const err = await rejection(sup.done);
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect(err).toBe(ctx.err);
    await clock.advance(1_000);
    expect(runs).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('the ctx ending while a run runs cancels that run and rejects with ctx.err', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancelCause();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock, ctx, stallTimeout: 100 });
    cancel(new Error('shutdown'));
    const err = (await rejection(sup.done)) as WeftError;
    expect(err.code).toBe('CANCELED');
    expect((err.cause as Error).message).toBe('shutdown');
    expect(runs[0]!.ctx.err?.code).toBe('CANCELED');
    await clock.advance(1_000);
    expect(runs).toHaveLength(1);
  });

  it('stop() cancels the current run with the cause and rejects with CANCELED', async () => {
    const clock = new ManualClock();
    const { fn, runs } = controlled(clock);
    const sup = supervise(fn, { clock });
    const why = new Error('deploying');
    sup.stop(why);
    sup.stop(); // idempotent
    const err = (await rejection(sup.done)) as WeftError;
    expect(err.code).toBe('CANCELED');
    expect(err.cause).toBe(why);
    expect(runs[0]!.ctx.err?.code).toBe('CANCELED');
  });

  it('a ctx already ended starts nothing', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    cancel();
    let runs = 0;
    const sup = supervise(() => runs++, { ctx });
    expect(isWeftError(await rejection(sup.done), 'CANCELED')).toBe(true);
    expect(runs).toBe(0);
  });

  it('bad options throw INVALID_ARGUMENT naming the option', () => {
    const cases: [unknown, string][] = [
      [{ stallTimeout: 0 }, 'stallTimeout'],
      [{ stallTimeout: 'long' }, 'stallTimeout'],
      [{ restart: 'yes' }, 'restart'],
      [{ restart: { base: -1 } }, 'restart.base'],
      [{ restart: { jitter: 'random' } }, 'restart.jitter'],
      [{ maxRestarts: -1 }, 'maxRestarts'],
      [{ maxRestarts: 0.5 }, 'maxRestarts'],
      [{ restartIf: 'always' }, 'restartIf'],
      [{ onRestart: {} }, 'onRestart'],
      [{ ctx: {} }, 'ctx'],
      [{ clock: {} }, 'clock'],
    ];
    for (const [options, option] of cases) {
      let runs = 0;
      expect(() => supervise(() => runs++, options as never), option).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ option }) }),
      );
      expect(runs).toBe(0);
    }
    expect(() => supervise(undefined as never)).toThrow(/supervise option fn must be a function/);
  });
});
