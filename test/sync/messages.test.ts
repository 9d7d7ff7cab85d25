// INVALID_ARGUMENT messages and details from channels, sync primitives, contexts and the
// shared option checks: the message describes the bad value unambiguously (strings
// quoted, plain objects as short JSON, instances by class) and details name the parameter
// or option with the value itself.
import { describe, expect, it } from 'vitest';

import { Channel, Context, Group, Mutex, Once, RateLimiter, Semaphore, pipeline, retry } from '@weft/core';

import { throwsWith } from '../fixtures/async-helpers.js';

describe('error wording', () => {
  it('Mutex.unlock on an unlocked mutex says so, not the semaphore underneath', () => {
    const err = throwsWith(() => new Mutex().unlock(), 'INVALID_ARGUMENT');
    expect(err.message).toBe('Mutex.unlock: the mutex is not locked');
  });

  it('values in messages are unambiguous: strings quoted, objects as short JSON, instances by class', () => {
    const quoted = throwsWith(() => new Channel('8' as never), 'INVALID_ARGUMENT');
    expect(quoted.message).toContain('got "8"');
    expect(quoted.details).toEqual({ option: 'capacity', value: '8' });
    const obj = { size: 1 };
    const json = throwsWith(() => new Channel(obj as never), 'INVALID_ARGUMENT');
    expect(json.message).toContain('got {"size":1}');
    expect(json.details.value).toBe(obj);
    expect(throwsWith(() => new Channel(new Map() as never), 'INVALID_ARGUMENT').message).toContain('got a Map');
    expect(throwsWith(() => new Channel([1, 2] as never), 'INVALID_ARGUMENT').message).toContain('got [1,2]');
    expect(throwsWith(() => new Channel(2n as never), 'INVALID_ARGUMENT').message).toContain('got 2n');
    const long = throwsWith(() => new Channel({ text: 'x'.repeat(200) } as never), 'INVALID_ARGUMENT').message;
    expect(long).toMatch(/got \{"text":"x+\.\.\.$/);
    expect(long.length).toBeLessThan(200);
    expect(throwsWith(() => new Channel(Symbol('s') as never), 'INVALID_ARGUMENT').message).toContain('got Symbol(s)');
  });

  it('new Semaphore(-1) names the parameter and value', () => {
    const err = throwsWith(() => new Semaphore(-1), 'INVALID_ARGUMENT');
    expect(err.details).toEqual({ param: 'size', value: -1 });
    expect(throwsWith(() => new Semaphore('2' as never), 'INVALID_ARGUMENT').message).toContain('got "2"');
  });

  it('the shared option checks keep the real value in details and describe it in the message', async () => {
    const attempts = { n: 3 };
    const err = throwsWith(() => retry(() => 1, { attempts: attempts as never }), 'INVALID_ARGUMENT');
    expect(err.details).toEqual({ option: 'attempts', value: attempts });
    expect(err.message).toContain('got {"n":3}');
  });

  it('rate limiter and pipeline arguments use the same descriptions', () => {
    expect(throwsWith(() => new RateLimiter({ a: 1 } as never, 1), 'INVALID_ARGUMENT').message).toContain('{"a":1}');
    expect(throwsWith(() => pipeline([1]).map({ f: 1 } as never), 'INVALID_ARGUMENT').message).toContain('{"f":1}');
  });

  it('other INVALID_ARGUMENT throws carry the parameter or option and the value', async () => {
    const cases: [() => unknown, Record<string, unknown>][] = [
      [() => Context.fromSignal('s' as never), { param: 'signal', value: 's' }],
      [() => Context.background().withValue(1 as never, 1), { param: 'key', value: 1 }],
      [() => Context.background().withTimeout('5' as never), { option: 'ms', value: '5' }],
      [() => new Group(Context.background(), 5 as never), { param: 'options', value: 5 }],
    ];
    for (const [call, details] of cases) expect(throwsWith(call, 'INVALID_ARGUMENT').details).toEqual(details);
    await expect(new Once().do('f' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { param: 'fn', value: 'f' } });
    const ch = new Channel(1);
    await expect(ch.recv({ timeout: 'soon' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { option: 'timeout', value: 'soon' } });
    await expect(ch.recv(7 as never)).rejects.toMatchObject({ details: { param: 'options', value: 7 } });
    await expect(ch.recvMany(0)).rejects.toMatchObject({ details: { option: 'max', value: 0 } });
  });
});
