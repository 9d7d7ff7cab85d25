// How an aborted wait reports its signal: AbortSignal.timeout() ends a channel or sync wait
// with TIMEOUT, any other abort with CANCELED, the signal's reason always as the very `cause`.
import { describe, expect, it } from 'vitest';

import { Channel, Semaphore, WaitGroup, isWeftError } from '@weft/core';

/** Waits that nothing completes, each started with `signal`. */
const waits: Record<string, (signal: AbortSignal) => Promise<unknown>> = {
  'Channel.recv': (signal) => new Channel(0).recv({ signal }),
  'Channel.send': (signal) => new Channel(0).send('x', { signal }),
  'Semaphore.acquire': (signal) => {
    const sem = new Semaphore(1);
    sem.tryAcquire();
    return sem.acquire(1, { signal });
  },
  'WaitGroup.wait': (signal) => {
    const wg = new WaitGroup();
    wg.add(1);
    return wg.wait({ signal });
  },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe.each(Object.keys(waits))('%s aborted by a signal', (name) => {
  const start = waits[name]!;

  it('AbortSignal.timeout() rejects with TIMEOUT, the signal reason as the cause', async () => {
    const signal = AbortSignal.timeout(5);
    const err = await rejection(start(signal));
    expect(isWeftError(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).cause).toBe(signal.reason);
  });

  it('a plain abort rejects with CANCELED, the reason as the cause', async () => {
    const controller = new AbortController();
    const waiting = rejection(start(controller.signal));
    const why = new Error('stop');
    controller.abort(why);
    const err = await waiting;
    expect(isWeftError(err, 'CANCELED')).toBe(true);
    expect((err as Error).cause).toBe(why);
  });
});
