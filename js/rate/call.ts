/**
 * Calls into the native binding from the facade's colder paths (constructors, getters,
 * the rate limiters' calls): a native error becomes the WeftError it encodes, named after
 * the operation. Hot paths use a try/catch of their own around the call instead.
 * @internal
 */
import { fromNative } from '../errors.js';

/** Runs `fn`, turning a native error into a WeftError for `what`. */
export function nativeCall<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err, what);
  }
}
