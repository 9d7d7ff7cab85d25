/**
 * `run(..., { transfer })`: postMessage's transfer-list semantics for pool tasks. The
 * listed ArrayBuffers are detached on the sending side once the task is queued (their
 * `byteLength` becomes 0, as after `postMessage(value, [buffer])`), so the sender cannot
 * touch memory it handed over. The bytes cross through the native queue as one copy:
 * Node 20's napi cannot take over an ArrayBuffer's memory, so a move without copying
 * is not possible there.
 *
 * @example
 * const bytes = new Uint8Array(1 << 20)
 * await pool.run('hash', bytes, { transfer: [bytes.buffer] })
 * bytes.byteLength // 0: handed over
 * @internal
 */
import { isDetached } from '../native/codec.js';
import { WeftError } from '../errors.js';

/** Checks a transfer list before anything is queued: an array of distinct, attached ArrayBuffers. */
export function checkTransfer(transfer: unknown): void {
  if (!Array.isArray(transfer)) {
    throw invalid(`run option transfer must be an array of ArrayBuffers, got ${typeof transfer}`);
  }
  const seen = new Set<unknown>();
  for (const item of transfer as unknown[]) {
    if (!(item instanceof ArrayBuffer)) {
      const what = item instanceof SharedArrayBuffer ? 'a SharedArrayBuffer (shared, never transferred)'
        : ArrayBuffer.isView(item) ? `a ${item.constructor.name} (list its .buffer)`
          : item === null ? 'null' : typeof item === 'object' ? `a ${(item as object).constructor?.name ?? 'object'}` : `a ${typeof item}`;
      throw invalid(`run option transfer accepts ArrayBuffers only, got ${what}`);
    }
    if (seen.has(item)) throw invalid('run option transfer lists the same ArrayBuffer twice');
    seen.add(item);
    if (isDetached(item)) throw invalid('run option transfer lists an ArrayBuffer that is already detached');
  }
}

/** Detaches every buffer of a checked transfer list (after the task's bytes were copied). */
export function detach(transfer: readonly ArrayBuffer[]): void {
  if (transfer.length > 0) structuredClone(undefined, { transfer: transfer as ArrayBuffer[] });
}

function invalid(message: string): WeftError {
  return new WeftError('INVALID_ARGUMENT', message, { details: { option: 'transfer' } });
}
