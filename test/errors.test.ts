import { describe, expect, it } from 'vitest';

import { ErrorCodes, WeftError, deserializeError, isWeftError, serializeError, wrap } from '@weft/core';

describe('WeftError', () => {
  it('carries code, a unique id, a UTC ISO time, transient, details and cause', () => {
    const cause = new TypeError('bad');
    const a = new WeftError('QUEUE_FULL', 'queue is full', { details: { maxQueue: 4 }, cause });
    const b = new WeftError('QUEUE_FULL', 'queue is full');
    expect(a).toBeInstanceOf(Error);
    expect(a.name).toBe('WeftError');
    expect(a.code).toBe('QUEUE_FULL');
    expect(a.id).not.toBe(b.id);
    expect(a.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(a.transient).toBe(true);
    expect(a.details).toEqual({ maxQueue: 4 });
    expect(a.cause).toBe(cause);
    expect(new WeftError('INVALID_ARGUMENT', 'x').transient).toBe(false);
  });

  it('INTERNAL messages tell the user to report the bug with the id', () => {
    const e = new WeftError('INTERNAL', 'invariant broken');
    expect(e.message).toContain('invariant broken');
    expect(e.message).toContain('report');
    expect(e.message).toContain(e.id);
  });

  it('isWeftError recognises weft errors by brand, optionally by code', () => {
    const e = new WeftError('TIMEOUT', 't');
    expect(isWeftError(e)).toBe(true);
    expect(isWeftError(e, 'TIMEOUT')).toBe(true);
    expect(isWeftError(e, 'CANCELED')).toBe(false);
    expect(isWeftError(new Error('TIMEOUT'))).toBe(false);
    expect(isWeftError(null)).toBe(false);
    expect(isWeftError({ code: 'TIMEOUT' })).toBe(false);
  });

  it('wrap adds context to a WeftError and wraps anything else as the cause', () => {
    const inner = new WeftError('TIMEOUT', 'slow', { details: { ms: 5 } });
    const same = wrap(inner, 'INTERNAL', 'ignored', { task: 'resize' });
    expect(same).toBe(inner);
    expect(same.details).toEqual({ ms: 5, task: 'resize' });
    const io = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const wrapped = wrap(io, 'INVALID_ARGUMENT', 'cannot load task module', { file: 'x.js' });
    expect(wrapped.code).toBe('INVALID_ARGUMENT');
    expect(wrapped.cause).toBe(io);
    expect(wrapped.details).toEqual({ file: 'x.js' });
  });
});

describe('error codes: the native engine and the facade agree', () => {
  /** The codes the facade decides on its side: no native call throws them. */
  const DECIDED_IN_JS = [
    'DEADLINE_EXCEEDED',
    'NATIVE_UNAVAILABLE',
    'TASK_FAILED',
    'TIMEOUT',
    'UNSERIALIZABLE',
    'WORKER_CRASHED',
    'WOULD_BLOCK',
  ];

  async function nativeSide() {
    const { loadNative } = await import('../dist/esm/native/loader.js');
    const { probes } = await import('../dist/esm/native/probes.js');
    const { fromNative } = await import('../dist/esm/errors.js');
    return { native: probes(), fromNative, nativeCodes: loadNative().errorCodes() };
  }

  it('every code the native addon can throw becomes a WeftError with that same code', async () => {
    const { fromNative, nativeCodes } = await nativeSide();
    expect(nativeCodes).toEqual(expect.arrayContaining(['INVALID_ARGUMENT', 'INTERNAL']));
    for (const code of nativeCodes) {
      expect(ErrorCodes).toContain(code);
      // The form weft-node throws every core error in: "CODE: message".
      const err = fromNative(new Error(`${code}: from the engine`), 'probe');
      expect({ native: code, code: err.code, weft: isWeftError(err, code as never), operation: err.details.operation }).toEqual({
        native: code,
        code,
        weft: true,
        operation: 'probe',
      });
      expect(err.message).toContain('from the engine');
    }
  });

  it('errors the addon really throws arrive with their native code', async () => {
    const { native, fromNative, nativeCodes } = await nativeSide();
    const thrown = (call: () => unknown): unknown => {
      try {
        call();
      } catch (err) {
        return err;
      }
      throw new Error('the native call did not throw');
    };
    const invalid = fromNative(thrown(() => native.checkSize(-1)), 'checkSize');
    expect(invalid.code).toBe('INVALID_ARGUMENT');
    expect(invalid.message).toMatch(/^size /);
    const internal = fromNative(thrown(() => native.debugPanic('on purpose')), 'debugPanic');
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).toContain('on purpose');
    expect(nativeCodes).toEqual(expect.arrayContaining([invalid.code, internal.code]));
  });

  it('the facade lists exactly the native codes plus the ones it decides itself', async () => {
    const { nativeCodes } = await nativeSide();
    expect(nativeCodes.filter((code) => DECIDED_IN_JS.includes(code))).toEqual([]);
    expect([...ErrorCodes].sort()).toEqual([...nativeCodes, ...DECIDED_IN_JS].sort());
  });
});

describe('serializeError / deserializeError', () => {
  function roundTrip(err: unknown): Error {
    // What a pool does to a task's error: plain data through structured clone and JSON.
    return deserializeError(JSON.parse(JSON.stringify(structuredClone(serializeError(err)))));
  }

  it('keeps name, message, stack, code and the whole cause chain', () => {
    const root = Object.assign(new RangeError('too big'), { code: 'ERR_OUT_OF_RANGE' });
    const mid = new WeftError('TIMEOUT', 'task timed out', { cause: root, details: { ms: 50 } });
    class ResizeError extends Error {
      override name = 'ResizeError';
      code = 'E_RESIZE';
    }
    const top = new ResizeError('resize failed', { cause: mid });
    const back = roundTrip(top) as Error & { code: string };
    expect(back.name).toBe('ResizeError');
    expect(back.message).toBe('resize failed');
    expect(back.stack).toBe(top.stack);
    expect(back.code).toBe('E_RESIZE');
    const backMid = back.cause as WeftError;
    expect(isWeftError(backMid, 'TIMEOUT')).toBe(true);
    expect(backMid.id).toBe(mid.id);
    expect(backMid.at).toBe(mid.at);
    expect(backMid.details).toEqual({ ms: 50 });
    expect(backMid.stack).toBe(mid.stack);
    const backRoot = backMid.cause as RangeError & { code: string };
    expect(backRoot).toBeInstanceOf(RangeError);
    expect(backRoot.code).toBe('ERR_OUT_OF_RANGE');
    expect(backRoot.message).toBe('too big');
  });

  it('keeps AggregateError members and extra properties', () => {
    const agg = new AggregateError([new Error('a'), new TypeError('b')], 'both failed');
    const back = roundTrip(agg) as AggregateError;
    expect(back).toBeInstanceOf(AggregateError);
    expect(back.errors.map((e: Error) => `${e.name}:${e.message}`)).toEqual(['Error:a', 'TypeError:b']);
    const sys = Object.assign(new Error('open failed'), { errno: -2, path: '/x' });
    expect(roundTrip(sys)).toMatchObject({ errno: -2, path: '/x', message: 'open failed' });
  });

  it('turns thrown non-errors and unclonable properties into data without throwing', () => {
    expect(roundTrip('plain string').message).toBe('plain string');
    expect(roundTrip({ reason: 42 }).message).toContain('42');
    const withFn = Object.assign(new Error('f'), { callback: () => 1 });
    expect((roundTrip(withFn) as Error & { callback: unknown }).callback).toBe('[function callback]');
    expect(roundTrip(new Error('x', { cause: 'why' })).cause).toBe('why');
  });
});
