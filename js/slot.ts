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
