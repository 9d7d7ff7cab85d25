import { describe, expect, it } from 'vitest';

import { fromNative } from '../../dist/esm/errors.js';
import { probes as loadProbes } from '../../dist/esm/native/probes.js';
import { argSlot, slotCalls } from '../../dist/esm/native/slot.js';
import { isWeftError, nativeOrigin, nativeVersion, platformTriple, version } from '@weft/core';

function nativeError(call: () => unknown, operation: string) {
  try {
    call();
  } catch (err) {
    return fromNative(err, operation);
  }
  throw new Error('expected the native call to throw');
}

describe('native addon', () => {
  it('loads the local build in a clone and matches the package version', () => {
    expect(platformTriple()).toMatch(/^linux-(x64|arm64)-(gnu|musl)$/);
    const origin = nativeOrigin();
    expect(origin.kind).toBe('local');
    expect(origin.path.endsWith(`weft.${platformTriple()}.node`)).toBe(true);
    expect(nativeVersion()).toBe(version);
  });

  it('a wrong argument type rejects with INVALID_ARGUMENT naming the parameter', () => {
    const native = loadProbes();
    const err = nativeError(() => native.checkSize('ten' as unknown as number), 'checkSize');
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('size must be a number, got string');
  });

  it('an out-of-range argument rejects with INVALID_ARGUMENT naming the parameter', () => {
    const native = loadProbes();
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 32]) {
      const err = nativeError(() => native.checkSize(bad), 'checkSize');
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(/^size must be an integer in 0\.\.=4294967295, got /);
    }
    expect(native.checkSize(0)).toBe(0);
    expect(native.checkSize(2 ** 32 - 1)).toBe(2 ** 32 - 1);
  });

  it('a panic inside a native call becomes INTERNAL with a report id, and the process lives on', () => {
    const native = loadProbes();
    const err = nativeError(() => native.debugPanic('invariant xyz broken'), 'debugPanic');
    expect(isWeftError(err, 'INTERNAL')).toBe(true);
    expect(err.message).toContain('native panic: invariant xyz broken (at crates/weft-node/src/diagnostics.rs:');
    expect(err.message).toContain(err.id);
    // The addon still works after the panic was caught.
    expect(native.bufferLength(new Uint8Array(10))).toBe(10);
  });

  it('the plain Node-API slot calls throw WeftErrors like their napi-rs forms', () => {
    const calls = slotCalls();
    const slot = argSlot()!;
    slot[0] = 0; // not a channel id
    const bad = nativeError(() => calls.chanSendNumberSlot(), 'chanSendNumberSlot');
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.message).toMatch(/id must be a handle id, got 0/);
    slot[0] = 4_000_000_000; // an id no channel has
    expect(nativeError(() => calls.chanRecvSlot(), 'chanRecvSlot').code).toBe('CHANNEL_CLOSED');
    const noSeat = nativeError(() => calls.workerTakeSlot(), 'workerTakeSlot'); // not a pool worker
    expect(isWeftError(noSeat, 'INTERNAL')).toBe(true);
    expect(noSeat.message).toMatch(/before workerAttach/);
    // And they still work afterwards (nothing left pending in the env).
    expect(loadProbes().checkSize(3)).toBe(3);
  });

  it('reads buffers in place', () => {
    const native = loadProbes();
    expect(native.bufferLength(Buffer.alloc(64 * 1024))).toBe(65536);
    expect(native.bufferLength(new Uint8Array(new ArrayBuffer(100), 10, 20))).toBe(20);
  });
});
