/**
 * This thread's argument slot: a Float64Array over a few numbers of native memory (see
 * crates/weft-node/src/slot.rs). The hottest native calls take no arguments (each costs
 * ~80 ns to convert here): the caller writes the numbers into the slot, makes the call,
 * and reads results back from it. Write and call back to back: another call may reuse it.
 * @internal
 *
 * @example
 * const slot = argSlot()
 * if (slot) { slot[0] = id; slot[1] = n; native.rateAllowSlot() } else native.rateAllow(id, n)
 */
import { markAsUntransferable } from 'node:worker_threads';

import { fromNative } from '../errors.js';
import { loadNative } from './loader.js';

let slot: Float64Array | undefined | null = null;

/** The slot, or undefined where the runtime forbids ArrayBuffers over native memory. */
export function argSlot(): Float64Array | undefined {
  if (slot === null) {
    try {
      slot = (loadNative().argSlot() as Float64Array | undefined) ?? undefined;
      // Transferring the buffer away would detach it here: this thread's writes would
      // then vanish while the native calls read the numbers written before.
      if (slot !== undefined) markAsUntransferable(slot.buffer);
    } catch (err) {
      throw fromNative(err, 'argSlot');
    }
  }
  return slot;
}

/** The per-value calls that read the slot, as plain Node-API functions (see slotCalls). */
export interface SlotCalls {
  chanSendNumberSlot(): number;
  chanRecvSlot(): unknown;
  workerTakeSlot(): unknown;
  workerCompleteSlot(): void;
}

let calls: SlotCalls | undefined;

/**
 * The slot calls made once per channel value or pool task, as plain Node-API callbacks
 * (crates/weft-node/src/raw.rs): the same functions, without napi-rs's ~30 ns wrapper.
 *
 * @example
 * slot[0] = id; slot[1] = n; slot[2] = 0; const status = slotCalls().chanSendNumberSlot()
 */
export function slotCalls(): SlotCalls {
  if (calls === undefined) {
    try {
      calls = loadNative().slotCalls() as SlotCalls;
    } catch (err) {
      throw fromNative(err, 'slotCalls');
    }
  }
  return calls;
}
