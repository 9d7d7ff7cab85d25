/**
 * What worker threads and child processes share about running a task and sending its
 * outcome back.
 * @internal
 */
import { encode, encodedKind } from '../native/codec.js';
import { serializeError } from '../errors.js';
import type { SharedSender } from './shared-memory.js';

/** Whether a task function's return value must be awaited. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Whether the outcome last encoded by {@link encodeOutcome} is a success. */
export let outcomeOk = true;

/**
 * Encodes a task's outcome for the trip back (sets `encodedKind` and {@link outcomeOk}):
 * its result, or the serialised error when it threw or its result cannot cross
 * (UNSERIALIZABLE, over maxPayload), so the task fails saying why. `shared` sends back, by
 * id, shared buffers the task received.
 */
export function encodeOutcome(ok: boolean, result: unknown, maxPayload: number, shared?: SharedSender): unknown {
  if (ok) {
    try {
      const payload = encode(result, maxPayload, shared);
      outcomeOk = true;
      return payload;
    } catch (err) {
      result = err;
    }
  }
  outcomeOk = false;
  return encode(serializeError(result));
}

export { encodedKind };
