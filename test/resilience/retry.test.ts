// retry and backoff: attempts counted, delays exact (jitter 'none' and a fixed random),
// retryIf honours WeftError.transient, the context stops everything at once (also in the
// middle of a backoff sleep), the final failure is the last error itself. Time is a
// ManualClock: no sleep decides a result.
import { describe, expect, it } from 'vitest';

import { Context, ManualClock, WeftError, backoff, isRetryable, isWeftError, retry } from '@weft/core';

import { rejection, throwsNaming, turn } from '../fixtures/async-helpers.js';

/**
 * A function failing `failures` times with `error()` before returning 'ok', recording the
 * clock time of each attempt and the attempt number retry gave it. It asserts nothing
 * itself: a failed `expect` inside it would be one more retryable error, which retry
 * would swallow. The tests check `at` and `attempts` once retry has settled.
 */
function flaky(clock: ManualClock, failures: number, error: () => unknown = () => new WeftError('TIMEOUT', 'slow')) {
  const at: number[] = [];
  const attempts: number[] = [];
  const fn = async (attempt: number): Promise<string> => {
    at.push(clock.now());
    attempts.push(attempt);
    if (at.length <= failures) throw error();
    return 'ok';
  };
  return { fn, at, attempts };
}

/** 1, 2, …, n: the attempt numbers of n attempts. */
const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('backoff', () => {
  it("jitter 'none': base · factor^(n−1), capped at max", () => {
    const delayFor = backoff({ base: 100, factor: 2, max: 1_000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6, 50].map(delayFor)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it("full, equal and numeric jitter draw from [d·(1−r), d] with the given random", () => {
    const half = (): number => 0.5;
    expect([1, 2, 3].map(backoff({ base: 100, jitter: 'full', random: half }))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map(backoff({ base: 100, jitter: 'equal', random: half }))).toEqual([75, 150, 300]);
    expect([1, 2].map(backoff({ base: 100, jitter: 0.2, random: () => 0 }))).toEqual([80, 160]);
    expect(backoff({ base: 100, jitter: 'full', random: () => 0 })(1)).toBe(0);
    expect(backoff({ base: 100, jitter: 'full', random: () => 0.999 })(1)).toBeCloseTo(99.9);
  });

  it('defaults: base 100, factor 2, max 10 s, full jitter', () => {
    const delayFor = backoff({ random: () => 1 });
    expect([1, 2, 10].map(delayFor)).toEqual([100, 200, 10_000]);
  });

  it('bad options and retry numbers are INVALID_ARGUMENT naming them', () => {
    const named = (fn: () => unknown, option: string): void => {
      expect(throwsNaming(fn, option).message).toContain(option);
    };
    named(() => backoff({ base: -1 }), 'base');
    named(() => backoff({ factor: 0.5 }), 'factor');
    named(() => backoff({ max: Infinity }), 'max');
    named(() => backoff({ jitter: 'lots' as 'full' }), 'jitter');
    named(() => backoff({ jitter: 1.5 }), 'jitter');
    named(() => backoff({ random: 0.5 as unknown as () => number }), 'random');
    named(() => backoff()(0), 'retry');
  });
});

describe('retry', () => {
  it("counts attempts and sleeps exactly base · factor^(n−1) between them with jitter 'none'", async () => {
    const clock = new ManualClock();
    const { fn, at, attempts } = flaky(clock, 2);
    const delays: number[] = [];
    const result = retry(fn, { attempts: 5, base: 100, factor: 3, jitter: 'none', clock, onRetry: (_e, _n, ms) => delays.push(ms) });
    await clock.advance(99);
    expect(at).toEqual([0]);
    await clock.advance(1);
    expect(at).toEqual([0, 100]);
    await clock.advance(300);
    expect(await result).toBe('ok');
    expect(at).toEqual([0, 100, 400]);
    expect(attempts).toEqual(oneTo(3));
    expect(delays).toEqual([100, 300]);
    expect(clock.pending).toBe(0);
  });

  it('uses the random option for jitter, so delays are exact in tests', async () => {
    const clock = new ManualClock();
    const { fn, at, attempts } = flaky(clock, 3);
    const result = retry(fn, { attempts: 4, base: 100, jitter: 'full', random: () => 0.25, clock });
    await clock.advance(1_000);
    expect(await result).toBe('ok');
    expect(at).toEqual([0, 25, 75, 175]);
    expect(attempts).toEqual(oneTo(4));
  });

  it('a zero delay retries without waiting for the clock', async () => {
    const clock = new ManualClock();
    const { fn, at, attempts } = flaky(clock, 2);
    expect(await retry(fn, { random: () => 0, clock })).toBe('ok');
    expect(at).toEqual([0, 0, 0]);
    expect(attempts).toEqual(oneTo(3));
  });

  it('out of attempts: rejects with the last error itself, details.attempts set', async () => {
    const clock = new ManualClock();
    const errors: WeftError[] = [];
    const { fn, at, attempts } = flaky(clock, Infinity, () => {
      errors.push(new WeftError('QUEUE_FULL', `full ${errors.length + 1}`));
      return errors.at(-1);
    });
    const result = rejection(retry(fn, { attempts: 3, jitter: 'none', clock }));
    await clock.advance(10_000);
    const err = await result;
    expect(err).toBe(errors[2]);
    expect((err as WeftError).details.attempts).toBe(3);
    expect(at).toEqual([0, 100, 300]);
    expect(attempts).toEqual(oneTo(3));
  });

  it('a non-transient WeftError is not retried: rejects at once after one attempt', async () => {
    const clock = new ManualClock();
    const bad = new WeftError('INVALID_ARGUMENT', 'no such user');
    const { fn, at, attempts } = flaky(clock, Infinity, () => bad);
    const err = await rejection(retry(fn, { attempts: 5, clock }));
    expect(err).toBe(bad);
    expect(bad.details.attempts).toBe(1);
    expect(at).toEqual([0]);
    expect(attempts).toEqual(oneTo(1));
    expect(clock.pending).toBe(0);
  });

  it('transient false overrides a code that is transient by default, and transient true makes any error retryable', async () => {
    const clock = new ManualClock();
    const { fn, at, attempts } = flaky(clock, Infinity, () => new WeftError('TIMEOUT', 'gave up', { transient: false }));
    await rejection(retry(fn, { clock }));
    expect(at).toEqual([0]);
    expect(attempts).toEqual(oneTo(1));
    const other = flaky(clock, 1, () => Object.assign(new Error('busy'), { transient: true }));
    const result = retry(other.fn, { clock, jitter: 'none' });
    await clock.advance(100);
    expect(await result).toBe('ok');
    expect(other.attempts).toEqual(oneTo(2));
  });

  it('isRetryable: transient WeftErrors, inner deadlines, plain errors yes; CANCELED, bugs and aborts no', () => {
    expect(isRetryable(new WeftError('TIMEOUT', 'x'))).toBe(true);
    expect(isRetryable(new WeftError('WORKER_CRASHED', 'x'))).toBe(true);
    expect(isRetryable(new WeftError('DEADLINE_EXCEEDED', 'x'))).toBe(true);
    expect(isRetryable(new WeftError('CANCELED', 'x'))).toBe(false);
    expect(isRetryable(new WeftError('INVALID_ARGUMENT', 'x'))).toBe(false);
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetryable('a string')).toBe(true);
    expect(isRetryable(new TypeError('x is not a function'))).toBe(false);
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryable(new RangeError('bad'))).toBe(false);
    expect(isRetryable(new DOMException('stop', 'AbortError'))).toBe(false);
    expect(isRetryable({ transient: false })).toBe(false);
  });

  it('retryIf decides with the error and attempt number; onRetry sees each retry', async () => {
    const clock = new ManualClock();
    const { fn, at, attempts } = flaky(clock, Infinity, () => new Error('nope'));
    const asked: number[] = [];
    const retried: [string, number, number][] = [];
    const result = rejection(
      retry(fn, {
        attempts: 10,
        jitter: 'none',
        base: 10,
        clock,
        retryIf: (_err, attempt) => (asked.push(attempt), attempt < 3),
        onRetry: (err, attempt, ms) => retried.push([(err as Error).message, attempt, ms]),
      }),
    );
    await clock.advance(1_000);
    expect(((await result) as Error).message).toBe('nope');
    expect(asked).toEqual([1, 2, 3]);
    expect(retried).toEqual([
      ['nope', 1, 10],
      ['nope', 2, 20],
    ]);
    expect(at).toEqual([0, 10, 30]);
    expect(attempts).toEqual(oneTo(3));
  });

  it('ctx cancelled during the backoff sleep: rejects at once with CANCELED, the clock unmoved, its timer gone', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancel();
    const { fn, at, attempts } = flaky(clock, Infinity);
    const result = rejection(retry(fn, { attempts: 5, base: 1_000, jitter: 'none', ctx, clock }));
    await turn();
    expect(clock.pending).toBe(1); // sleeping before attempt 2
    cancel();
    const err = await result;
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect(err).toBe(ctx.err);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(at).toEqual([0]);
    expect(attempts).toEqual(oneTo(1));
  });

  it('ctx cancelled during an attempt: rejects at once; the attempt sees its signal abort', async () => {
    const clock = new ManualClock();
    const [ctx, cancel] = Context.background().withCancelCause();
    let seen: AbortSignal | undefined;
    const result = rejection(
      retry(
        (_n, { signal }) => {
          seen = signal;
          return new Promise(() => {}); // never settles by itself
        },
        { ctx, clock },
      ),
    );
    await turn();
    cancel(new Error('shutting down'));
    const err = (await result) as WeftError;
    expect(err.code).toBe('CANCELED');
    expect((err.cause as Error).message).toBe('shutting down');
    expect(seen?.aborted).toBe(true);
  });

  it('an AbortSignal stops it as a ctx does: CANCELED with the reason as cause', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const { fn, attempts } = flaky(clock, Infinity);
    const result = rejection(retry(fn, { signal: controller.signal, clock, jitter: 'none' }));
    await turn();
    controller.abort('user left');
    const err = (await result) as WeftError;
    expect(err.code).toBe('CANCELED');
    expect(err.cause).toBe('user left');
    expect(attempts).toEqual(oneTo(1)); // the first failed; the abort came in the backoff sleep
  });

  it('a ctx that has already ended rejects without running fn', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    cancel();
    let runs = 0;
    const err = await rejection(retry(() => runs++, { ctx }));
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect(runs).toBe(0);
  });

  it('each attempt gets the ctx (or one derived from the signal, ended when the retry settles)', async () => {
    const [ctx] = Context.background().withCancel();
    expect(await retry((_n, info) => info.ctx === ctx && info.signal === ctx.signal, { ctx })).toBe(true);

    const controller = new AbortController();
    let derived: Context | undefined;
    const errDuringAttempt: unknown[] = [];
    await retry(
      (_n, info) => {
        derived = info.ctx;
        errDuringAttempt.push(derived.err); // checked below: an expect here would be retried
      },
      { signal: controller.signal },
    );
    expect(errDuringAttempt).toEqual([undefined]); // one attempt, its ctx live while it ran
    expect(derived?.err?.code).toBe('CANCELED');

    const plain = await retry((_n, info) => info.ctx === Context.background() && !info.signal.aborted);
    expect(plain).toBe(true);
  });

  it('a synchronous throw counts as a failed attempt', async () => {
    let n = 0;
    const value = await retry(
      () => {
        if (++n < 3) throw new Error('sync');
        return n;
      },
      { random: () => 0 },
    );
    expect(value).toBe(3);
  });

  it('bad options throw INVALID_ARGUMENT naming the option, before any attempt', () => {
    const cases: [unknown, string][] = [
      [{ attempts: 0 }, 'attempts'],
      [{ attempts: 1.5 }, 'attempts'],
      [{ base: 'soon' }, 'base'],
      [{ jitter: 'some' }, 'jitter'],
      [{ retryIf: true }, 'retryIf'],
      [{ onRetry: 1 }, 'onRetry'],
      [{ ctx: {} }, 'ctx'],
      [{ signal: {} }, 'signal'],
      [{ clock: { now: () => 0 } }, 'clock'],
    ];
    for (const [options, option] of cases) {
      let runs = 0;
      expect(() => retry(() => runs++, options as never), option).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ option }) }));
      expect(runs).toBe(0);
    }
    expect(() => retry('fn' as never)).toThrow(/retry option fn must be a function/);
  });
});
