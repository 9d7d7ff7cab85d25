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
import { loadNative } from './native.js';

let slot: Float64Array | undefined | null = null;

/** The slot, or undefined where the runtime forbids ArrayBuffers over native memory. */
export function argSlot(): Float64Array | undefined {
  if (slot === null) slot = (loadNative().argSlot() as Float64Array | undefined) ?? undefined;
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
  return (calls ??= loadNative().slotCalls() as SlotCalls);
}
