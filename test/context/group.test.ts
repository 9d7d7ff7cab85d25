// Group (errgroup), Deferred and TaskGraph: first error wins and ends the group's
// context, limits hold, every error can be collected; deferreds settle once and follow
// their context; task graphs start each task as soon as its dependencies are done, stop on
// a failure naming the task, refuse cycles before running, and run nodes on a Pool.
import { describe, expect, it } from 'vitest';

import { Context, Deferred, Group, TaskGraph, WeftError } from '@weft/core';

import { deferred } from '../fixtures/async-helpers.js';
import { makePool, rejectsWith, throwsWith, turns } from '../fixtures/pool-helpers.js';

const CONTEXT_TASKS = new URL('../fixtures/context-tasks.mjs', import.meta.url);

describe('Group', () => {
  it('waits for every function and resolves when none failed; ctx ends after wait', async () => {
    const g = new Group();
    const done: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    gates.forEach((gt, i) => g.go(async () => {
      await gt.promise;
      done.push(i);
    }));
    const waited = g.wait();
    gates[2]!.resolve();
    gates[0]!.resolve();
    await turns();
    expect(g.active).toBe(1);
    gates[1]!.resolve();
    await waited;
    expect(done.sort()).toEqual([0, 1, 2]);
    expect(g.ctx.err?.code).toBe('CANCELED');
  });

  it('the first error ends the context (others see it) and wait rejects with that error', async () => {
    const [parent] = Context.background().withCancel();
    const g = new Group(parent);
    const sawCancel = deferred<string>();
    g.go(async (ctx) => {
      await ctx.done;
      sawCancel.resolve(ctx.err!.code);
    });
    const first = new Error('first');
    g.go(() => {
      throw first;
    });
    g.go(async () => {
      await turns(2);
      throw new Error('second');
    });
    await expect(g.wait()).rejects.toBe(first);
    expect(await sawCancel.promise).toBe('CANCELED');
    expect(g.ctx.err?.cause).toBe(first);
    expect(parent.err).toBeUndefined();
  });

  it('collectErrors gives an AggregateError of every failure in order', async () => {
    const g = new Group(Context.background(), { collectErrors: true });
    g.go(() => Promise.reject(new Error('a')));
    g.go(async () => {
      await turns(1);
      throw new Error('b');
    });
    g.go(() => 'fine');
    const err = (await g.wait().catch((e: unknown) => e)) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
  });

  it('limit: never more than N at once; tryGo refuses when full; setLimit starts queued ones', async () => {
    const g = new Group(Context.background(), { limit: 2 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, () => deferred());
    gates.forEach((gt) => g.go(async () => {
      peak = Math.max(peak, ++running);
      await gt.promise;
      running--;
    }));
    expect(g.active).toBe(2);
    expect(g.queued).toBe(4);
    expect(g.tryGo(() => {})).toBe(false);
    g.setLimit(3);
    expect(g.active).toBe(3);
    gates.forEach((gt) => gt.resolve());
    await g.wait();
    expect(peak).toBe(3);
    throwsWith(() => g.setLimit(0), 'INVALID_ARGUMENT');
    throwsWith(() => new Group(Context.background(), { limit: -1 }), 'INVALID_ARGUMENT');
    throwsWith(() => g.go('x' as unknown as () => void), 'INVALID_ARGUMENT');
  });

  it('runs pool tasks with the group context: a failure cancels a task spinning in a worker', async () => {
    const pool = makePool({ filename: CONTEXT_TASKS, size: 2 });
    const { Channel } = await import('@weft/core');
    const started = new Channel<string>(1);
    const g = new Group();
    let spun: unknown;
    g.go(async (ctx) => {
      spun = await pool.run('spinUntilEnded', { started }, { ctx });
    });
    g.go(async () => {
      await started.recv();
      throw new WeftError('INVALID_ARGUMENT', 'bad input found');
    });
    await rejectsWith(g.wait(), 'INVALID_ARGUMENT');
    expect(spun).toMatchObject({ code: 'CANCELED' });
  });
});

describe('Deferred', () => {
  it('settles once from outside and is awaitable', async () => {
    const d = new Deferred<number>();
    expect(d.state).toBe('pending');
    expect(d.resolve(1)).toBe(true);
    expect(d.resolve(2)).toBe(false);
    expect(d.reject(new Error('late'))).toBe(false);
    expect(await d).toBe(1);
    expect(d.state).toBe('fulfilled');
  });

  it('cancel rejects CANCELED with the reason as cause', async () => {
    const d = new Deferred();
    d.cancel('not needed');
    const err = await rejectsWith(d.promise, 'CANCELED');
    expect(err.cause).toBe('not needed');
    expect(d.state).toBe('rejected');
  });

  it('follows its context and signal: rejects with ctx.err, or at once when already ended', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    const d = new Deferred({ ctx });
    cancel();
    await rejectsWith(d.promise, 'CANCELED');
    const [late] = Context.background().withDeadline(Date.now() - 1);
    await rejectsWith(new Deferred({ ctx: late }).promise, 'DEADLINE_EXCEEDED');
    const ac = new AbortController();
    const e = new Deferred({ signal: ac.signal });
    ac.abort('stop');
    expect((await rejectsWith(e.promise, 'CANCELED')).cause).toBe('stop');
    throwsWith(() => new Deferred({ ctx: {} as Context }), 'INVALID_ARGUMENT');
  });

  it('a deferred resolved first ignores its context ending later', async () => {
    const [ctx, cancel] = Context.background().withCancel();
    const d = new Deferred<string>({ ctx });
    d.resolve('ok');
    cancel();
    expect(await d).toBe('ok');
  });
});

describe('TaskGraph', () => {
  it('starts each task once its dependencies are done, with their results', async () => {
    const started: string[] = [];
    const gates = { a: deferred<number>(), b: deferred<number>() };
    const graph = new TaskGraph()
      .add('sum', ['a', 'b'], ({ a, b }) => {
        started.push('sum');
        return (a as number) + (b as number);
      })
      .add('a', [], () => {
        started.push('a');
        return gates.a.promise;
      })
      .add('b', [], () => {
        started.push('b');
        return gates.b.promise;
      })
      .add('twice', ['a'], ({ a }) => {
        started.push('twice');
        return (a as number) * 2;
      });
    const running = graph.run();
    expect(started).toEqual(['a', 'b']);
    gates.a.resolve(20);
    await turns();
    expect(started).toEqual(['a', 'b', 'twice']); // did not wait for b
    gates.b.resolve(22);
    expect(await running).toEqual({ a: 20, b: 22, twice: 40, sum: 42 });
    expect(graph.order().indexOf('sum')).toBeGreaterThan(graph.order().indexOf('b'));
  });

  it('refuses cycles and unknown dependencies before running anything', async () => {
    let ran = 0;
    const cyclic = new TaskGraph()
      .add('x', [], () => ran++)
      .add('a', ['c'], () => ran++)
      .add('b', ['a'], () => ran++)
      .add('c', ['b'], () => ran++);
    const err = await rejectsWith(cyclic.run(), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/cycle: (a -> c -> b -> a|c -> b -> a -> c|b -> a -> c -> b)/);
    const unknown = new TaskGraph().add('a', ['nope'], () => ran++);
    expect((await rejectsWith(unknown.run(), 'INVALID_ARGUMENT')).details).toMatchObject({ dep: 'nope' });
    expect(ran).toBe(0);
    throwsWith(() => new TaskGraph().add('a', [], () => 1).add('a', [], () => 2), 'INVALID_ARGUMENT');
    throwsWith(() => new TaskGraph().add('a', ['b', 'b'], () => 1), 'INVALID_ARGUMENT');
    throwsWith(() => new TaskGraph().add('a', [], 5 as unknown as () => void), 'INVALID_ARGUMENT');
    await rejectsWith(new TaskGraph().add('p', [], { task: 'sumDeps' }).run(), 'INVALID_ARGUMENT');
    await rejectsWith(new TaskGraph().run(Context.background(), { concurrency: 0 }), 'INVALID_ARGUMENT');
  });

  it('a failure names the task, never starts its dependents, cancels running siblings', async () => {
    const sibling = deferred<string>();
    let dependentRan = false;
    const graph = new TaskGraph()
      .add('slow', [], async (_, ctx) => {
        await ctx.done;
        sibling.resolve(ctx.err!.code);
      })
      .add('broken', [], async () => {
        await turns(1);
        throw new Error('disk full');
      })
      .add('after', ['broken'], () => {
        dependentRan = true;
      });
    const err = await rejectsWith(graph.run(), 'TASK_FAILED');
    expect(err.message).toBe('task "broken" failed: disk full');
    expect(err.details).toMatchObject({ task: 'broken', notStarted: ['after'] });
    expect((err.cause as Error).message).toBe('disk full');
    expect(await sibling.promise).toBe('CANCELED');
    expect(dependentRan).toBe(false);
  });

  it('failFast false: only dependents are skipped; independent tasks finish', async () => {
    const graph = new TaskGraph()
      .add('bad', [], () => {
        throw new Error('x');
      })
      .add('skipped', ['bad'], () => 1)
      .add('alsoSkipped', ['skipped'], () => 2)
      .add('ok', [], async () => {
        await turns(2);
        return 'done';
      });
    const err = await rejectsWith(graph.run(Context.background(), { failFast: false }), 'TASK_FAILED');
    expect(err.details).toMatchObject({ task: 'bad', completed: ['ok'] });
    expect((err.details as { notStarted: string[] }).notStarted.sort()).toEqual(['alsoSkipped', 'skipped']);
  });

  it('concurrency limits running tasks; a context ending stops the run with its error', async () => {
    let running = 0;
    let peak = 0;
    const graph = new TaskGraph();
    for (let i = 0; i < 8; i++) {
      graph.add(`t${i}`, [], async () => {
        peak = Math.max(peak, ++running);
        await turns(1);
        running--;
      });
    }
    await graph.run(Context.background(), { concurrency: 3 });
    expect(peak).toBe(3);

    const [ctx, cancel] = Context.background().withCancel();
    const started: string[] = [];
    const stuck = new TaskGraph()
      .add('first', [], async (_, c) => {
        started.push('first');
        cancel();
        await c.done;
      })
      .add('second', ['first'], () => started.push('second'));
    await rejectsWith(stuck.run(ctx), 'CANCELED');
    expect(started).toEqual(['first']);
  });

  it('runs nodes on a Pool with their dependencies as the argument', async () => {
    const pool = makePool({ filename: CONTEXT_TASKS, size: 2 });
    const graph = new TaskGraph()
      .add('a', [], () => 1)
      .add('b', ['a'], { task: 'sumDeps' })
      .add('c', ['a'], { task: 'sumDeps', pool })
      .add('d', ['b', 'c'], { task: 'sumDeps' });
    expect(await graph.run(Context.background(), { pool })).toEqual({ a: 1, b: 2, c: 2, d: 5 });
    const failing = new TaskGraph().add('w', [], { task: 'failNode' });
    const err = await rejectsWith(failing.run(Context.background(), { pool }), 'TASK_FAILED');
    expect(err.message).toContain('node failed in the worker');
  });
});
