import { describe, expect, it } from 'vitest';

import { isWeftError, type TaskResult } from '@weft/core';

import { Shared, makePool, rejectsWith, settlesWithin, turns, until } from '../fixtures/pool-helpers.js';

/** A small seeded PRNG (mulberry32), so a failing interleaving can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('Pool', () => {
  describe('map', () => {
    it('yields results in input order over an async generator (ordered, the default)', async () => {
      const pool = makePool({ size: 2 });
      const delays = [40, 0, 25, 5, 15, 0, 30, 1];
      async function* source() {
        for (const ms of delays) {
          await Promise.resolve();
          yield ms;
        }
      }
      expect(await collect(pool.map('sleepAsync', source(), { concurrency: 4 }))).toEqual(delays);
    });

    it('yields every result once with ordered: false', async () => {
      const pool = makePool({ size: 2 });
      async function* source() {
        for (let i = 0; i < 100; i++) yield i;
      }
      const out = (await collect(pool.map('echo', source(), { ordered: false, concurrency: 7 }))) as number[];
      expect(out).toHaveLength(100);
      expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('maps a sync iterable and the default export', async () => {
      const pool = makePool({ size: 2 });
      expect(await collect(pool.map('default', [1, 2, 3]))).toEqual([2, 3, 4]);
      expect(await collect(pool.map('echo', new Set(['a', 'b'])))).toEqual(['a', 'b']);
      expect(await collect(pool.map('echo', []))).toEqual([]);
    });

    it('keeps at most `concurrency` tasks in flight', async () => {
      const shared = new Shared();
      const pool = makePool({ size: 4 }, shared);
      const iterator = pool.map('hold', [30_000, 30_000, 30_000, 30_000, 30_000], { concurrency: 2 })[Symbol.asyncIterator]();
      const first = iterator.next();
      await shared.untilStarted(2);
      await turns(10);
      expect(pool.pending).toBe(2);
      expect(shared.started).toBe(2);
      shared.open();
      expect((await first).done).toBe(false);
      let count = 1;
      while (!(await iterator.next()).done) count++;
      expect(count).toBe(5);
    });

    it('does not materialise a 10-million-item generator when the loop breaks early', async () => {
      const pool = makePool({ size: 2 });
      let pulled = 0;
      let finalised = false;
      function* huge() {
        try {
          for (let i = 0; i < 10_000_000; i++) {
            pulled++;
            yield i;
          }
        } finally {
          finalised = true;
        }
      }
      const seen: unknown[] = [];
      for await (const value of pool.map('echo', huge(), { concurrency: 4 })) {
        seen.push(value);
        if (seen.length === 5) break;
      }
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      expect(pulled).toBeLessThanOrEqual(5 + 4);
      expect(finalised).toBe(true);
      // No bound on the elapsed time: `pulled` is the evidence that the generator was not
      // materialised (it would read 10,000,000), whatever the speed of a loaded machine.
      await until(() => pool.pending === 0, 'the tasks left in flight to settle');
    });

    it('rejects the iteration with the error of a failing task', async () => {
      const pool = makePool({ size: 2 });
      const out: unknown[] = [];
      const err = await (async () => {
        for await (const v of pool.map('fail', ['first'])) out.push(v);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toBe('first');
      expect(out).toEqual([]);
    });

    it('rejects a bad concurrency with INVALID_ARGUMENT', async () => {
      const pool = makePool({ size: 1 });
      await rejectsWith(collect(pool.map('echo', [1], { concurrency: 0 })), 'INVALID_ARGUMENT');
    });

    it('stops with CANCELED when its signal aborts', async () => {
      const pool = makePool({ size: 1 });
      const controller = new AbortController();
      let pulled = 0;
      async function* endless() {
        for (;;) {
          pulled++;
          yield pulled;
        }
      }
      const out: unknown[] = [];
      const done = (async () => {
        for await (const v of pool.map('echo', endless(), { signal: controller.signal, concurrency: 2 })) {
          out.push(v);
          if (out.length === 3) controller.abort(new Error('enough'));
        }
      })();
      const err = await done.then(
        () => undefined,
        (e: unknown) => e,
      );
      // Either a task cancelled by the abort (CANCELED) or the abort reason itself.
      expect(isWeftError(err, 'CANCELED') || (err as Error).message === 'enough').toBe(true);
      expect(out.slice(0, 3)).toEqual([1, 2, 3]);
      expect(pulled).toBeLessThan(20);
      await until(() => pool.pending === 0, 'in-flight tasks to settle');
    });
  });

  describe('post and results()', () => {
    it('delivers each posted task outcome once on results(), which ends after close', async () => {
      const pool = makePool({ size: 2 });
      const consumer = collect(pool.results());
      const expected = new Map<number, unknown>();
      for (let i = 0; i < 200; i++) expected.set(pool.post('echo', i), i);
      const failedId = pool.post('fail', 'posted failure');
      await pool.close();
      const results = (await consumer) as TaskResult[];
      expect(results).toHaveLength(201);
      const ids = results.map((r) => r.id);
      expect(new Set(ids).size).toBe(201);
      for (const r of results) {
        if (r.id === failedId) {
          expect(r.ok).toBe(false);
          expect((r as { error: Error }).error).toBeInstanceOf(RangeError);
          expect((r as { error: Error }).error.message).toBe('posted failure');
        } else {
          expect(r).toEqual({ id: r.id, ok: true, value: expected.get(r.id) });
        }
      }
    });

    it('post returns distinct ids and posted tasks keep the pool busy until delivered', async () => {
      const pool = makePool({ size: 1 });
      const ids = [pool.post('default', 1), pool.post('default', 2), pool.post('echo', 'x')];
      expect(new Set(ids).size).toBe(3);
      const iterator = pool.results()[Symbol.asyncIterator]();
      const got = [await iterator.next(), await iterator.next(), await iterator.next()].map((r) => r.value as TaskResult);
      expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(got.every((r) => r.ok)).toBe(true);
      await pool.close();
      expect((await iterator.next()).done).toBe(true);
    });
  });

  describe('volume and races', () => {
    it('resolves 20,000 tasks with the right values', async () => {
      const pool = makePool({ size: 2 });
      const n = 20_000;
      const promises: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) promises.push(i % 2 === 0 ? pool.run('default', i) : pool.run('echo', `v${i}`));
      const values = await Promise.all(promises);
      for (let i = 0; i < n; i++) {
        if (values[i] !== (i % 2 === 0 ? i + 1 : `v${i}`)) expect.fail(`task ${i} resolved with ${String(values[i])}`);
      }
      const s = pool.stats();
      expect(s.completed).toBe(n);
      expect(pool.pending).toBe(0);
    });

    it.each([
      ['only queued tasks are aborted', false, 0x5eed],
      ['running tasks are aborted too (ctx.signal)', true, 0xab07],
    ])('settles every task exactly once with 8 concurrent submitters, random cancels and a close racing completions: %s', async (_label, abortRunning, seed) => {
      const pool = makePool({ size: 2 });
      const random = prng(seed);
      const loops = 8;
      const perLoop = 300;
      const closeAfterSettled = Math.floor((loops * perLoop) / 2);
      const settledTimes = new Map<string, number>();
      const outcomes = { ok: 0, CANCELED: 0, POOL_CLOSED: 0 };
      const problems: string[] = [];
      const postedKeys = new Map<number, { key: string; expect: unknown }>();
      const plan = new Map<string, string>();
      let submitted = 0;
      let closing: Promise<void> | undefined;
      const settle = (key: string, outcome: 'ok' | 'CANCELED' | 'POOL_CLOSED') => {
        settledTimes.set(key, (settledTimes.get(key) ?? 0) + 1);
        outcomes[outcome]++;
        if (closing === undefined && settledTimes.size >= closeAfterSettled) closing = pool.close();
      };
      const classify = (key: string, err: unknown) => {
        if (isWeftError(err, 'CANCELED') || isWeftError(err, 'POOL_CLOSED')) settle(key, err.code as 'CANCELED' | 'POOL_CLOSED');
        else problems.push(`${key}: unexpected ${(err as Error)?.name} ${(err as Error)?.message}`);
      };
      const consumer = (async () => {
        for await (const r of pool.results()) {
          const entry = postedKeys.get(r.id);
          if (entry === undefined) {
            problems.push(`results() delivered unknown id ${r.id}`);
            continue;
          }
          if (r.ok) {
            if (r.value !== entry.expect) problems.push(`${entry.key}: got ${String(r.value)}`);
            settle(entry.key, 'ok');
          } else classify(entry.key, r.error);
        }
      })();
      const pending: Promise<void>[] = [];
      const submitter = async (loop: number) => {
        for (let i = 0; i < perLoop; i++) {
          // The close also lands mid-submission at the latest, so later submissions meet it
          // whatever the speed of the workers (else a fast pool may finish first).
          if (loop === 0 && i === perLoop / 2) closing ??= pool.close();
          const key = `${loop}:${i}`;
          submitted++;
          const controller = new AbortController();
          const roll = random();
          const abortMode = random();
          const aborts = abortMode < 0.35;
          // waitForAbort (settles only through its signal) only for tasks that will be aborted.
          const [name, arg, expected] =
            abortRunning && aborts && roll < 0.2 ? ['waitForAbort', null, undefined] : roll < 0.6 ? ['echo', key, key] : ['default', i, i + 1];
          const posted = random() < 0.25;
          plan.set(key, `${String(name)}${posted ? ' posted' : ''}${aborts ? ` aborted(${abortMode.toFixed(2)})` : ''}`);
          try {
            if (posted) {
              const id = pool.post(name, arg, { signal: controller.signal });
              postedKeys.set(id, { key, expect: expected });
            } else {
              const options = random() < 0.5 || aborts ? { signal: controller.signal } : undefined;
              pending.push(
                pool.run(name, arg, options).then(
                  (value) => {
                    if (value !== expected) problems.push(`${key}: got ${String(value)}`);
                    settle(key, 'ok');
                  },
                  (err: unknown) => classify(key, err),
                ),
              );
            }
          } catch (err) {
            classify(key, err);
          }
          if (aborts) {
            if (abortMode < 0.1) controller.abort();
            else if (abortMode < 0.2) queueMicrotask(() => controller.abort());
            else if (abortMode < 0.3) setImmediate(() => controller.abort());
            else setTimeout(() => controller.abort(), 1);
          }
          if (random() < 0.1) await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const unsettled = () => {
        const left = [...plan.keys()].filter((k) => !settledTimes.has(k));
        return `${left.length} of ${plan.size} tasks (${left
          .slice(0, 5)
          .map((k) => `${k} ${plan.get(k)}`)
          .join('; ')}) with pool.pending ${pool.pending}, running ${pool.stats().running}`;
      };
      const everything = (async () => {
        await Promise.all(Array.from({ length: loops }, (_, loop) => submitter(loop)));
        await Promise.all(pending);
        closing ??= pool.close();
        await closing;
        await consumer;
      })();
      // A watchdog only (it turns a lost task into a failure naming it; it never decides a
      // pass): 2,400 tasks and a close take well under a second alone, but the suite runs
      // files in parallel with spinning workers on a loaded 2-core machine, so the bound is
      // generous and stays below the 60 s test timeout.
      await settlesWithin(everything, 45_000, unsettled);

      expect(problems).toEqual([]);
      expect(submitted).toBe(loops * perLoop);
      expect(settledTimes.size).toBe(submitted);
      expect([...settledTimes.values()].every((n) => n === 1)).toBe(true);
      expect(outcomes.ok + outcomes.CANCELED + outcomes.POOL_CLOSED).toBe(submitted);
      expect(outcomes.ok).toBeGreaterThan(0);
      expect(outcomes.CANCELED).toBeGreaterThan(0);
      expect(outcomes.POOL_CLOSED).toBeGreaterThan(0);
      expect(pool.pending).toBe(0);
      expect(pool.stats().completed).toBe(outcomes.ok);
    });

    it('settles every task exactly once with backpressured submitters, random cancels and a close({ timeout }) racing completions (bounded queue)', async () => {
      const pool = makePool({ size: 2, maxQueue: 16 });
      const random = prng(0xc105e);
      const loops = 8;
      const perLoop = 200;
      const settledTimes = new Map<string, number>();
      const outcomes = { ok: 0, CANCELED: 0, POOL_CLOSED: 0 };
      const problems: string[] = [];
      let submitted = 0;
      let closing: Promise<void> | undefined;
      const settle = (key: string, outcome: 'ok' | 'CANCELED' | 'POOL_CLOSED') => {
        settledTimes.set(key, (settledTimes.get(key) ?? 0) + 1);
        outcomes[outcome]++;
        if (closing === undefined && settledTimes.size >= (loops * perLoop) / 2) closing = pool.close({ timeout: 5 });
      };
      const pending: Promise<void>[] = [];
      const submitter = async (loop: number) => {
        for (let i = 0; i < perLoop; i++) {
          if (loop === 0 && i === perLoop / 2) closing ??= pool.close({ timeout: 5 });
          const key = `${loop}:${i}`;
          submitted++;
          const controller = new AbortController();
          const aborts = random() < 0.3;
          const p = pool.submit('echo', key, { signal: controller.signal });
          const done = p.then(
            (value) => {
              if (value !== key) problems.push(`${key}: got ${String(value)}`);
              settle(key, 'ok');
            },
            (err: unknown) => {
              if (isWeftError(err, 'CANCELED') || isWeftError(err, 'POOL_CLOSED')) settle(key, err.code as 'CANCELED' | 'POOL_CLOSED');
              else problems.push(`${key}: unexpected ${(err as Error)?.name} ${(err as Error)?.message}`);
            },
          );
          pending.push(done);
          if (aborts) {
            if (random() < 0.5) queueMicrotask(() => controller.abort());
            else setImmediate(() => controller.abort());
          }
          // Backpressure: sometimes wait for this task before submitting the next.
          if (random() < 0.2) await done;
        }
      };
      const everything = (async () => {
        await Promise.all(Array.from({ length: loops }, (_, loop) => submitter(loop)));
        await Promise.all(pending);
        await (closing ?? pool.close());
      })();
      // A watchdog only, as in the test above: generous for a loaded machine, below the test timeout.
      await settlesWithin(everything, 45_000, () => `${loops * perLoop - settledTimes.size} tasks unsettled, pool.pending ${pool.pending}`);

      expect(problems).toEqual([]);
      expect(settledTimes.size).toBe(submitted);
      expect([...settledTimes.values()].every((n) => n === 1)).toBe(true);
      expect(outcomes.ok + outcomes.CANCELED + outcomes.POOL_CLOSED).toBe(loops * perLoop);
      expect(outcomes.ok).toBeGreaterThan(0);
      expect(pool.pending).toBe(0);
      expect(pool.size).toBe(0);
    });
  });
});
