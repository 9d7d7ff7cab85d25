/**
 * Calls into the native binding for the rate limiters: a native error becomes the
 * WeftError it encodes, named after the operation.
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
