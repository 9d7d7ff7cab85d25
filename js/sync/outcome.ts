/**
 * The numbers native wait calls write (crates/weft-node/src/outcome.rs): a status, then
 * an outcome (case, delivery, value kind, number), with other values returned.
 * @internal
 */
import { decode, fromSlot } from '../codec.js';

export const READY = 0;
export const WOULD_BLOCK = 1;
export const CLOSED = 2;
export const WAITING = 3;
export const SLICE = 4;
/** Once: this caller runs the function. */
export const ONCE_RUN = 5;
/** Once, as a waiter's case: the runner's thread ended mid-run; begin again. */
export const ONCE_RETRY = 1;
/** Barrier: this caller was the generation's last. */
export const TRIPPED = 6;

export const SENT = 0;
export const RECEIVED = 1;
export const CHANNEL_DRAINED = 2;
export const REFUSED = 3;
export const DONE = 4;

/** Numbers in a call's result: status, case, delivery, value kind, number. */
export const RESULT_FIELDS = 5;

/** A settled wait: which case happened and how, with the received value. */
export interface Outcome {
  status: number;
  case: number;
  delivery: number;
  value: unknown;
}

/** The JS value for a (kind, number-slot, returned-value) triple. */
export function valueFrom(kind: number, slot: number, returned: unknown): unknown {
  return decode(kind, fromSlot(kind, slot, returned));
}

/** The outcome in `meta` at `at` (case, delivery, kind, number) with `returned`. */
export function outcomeAt(meta: Float64Array, at: number, status: number, returned: unknown): Outcome {
  const delivery = meta[at + 1]!;
  const carries = delivery === RECEIVED || delivery === REFUSED;
  return {
    status,
    case: meta[at]!,
    delivery,
    value: carries ? valueFrom(meta[at + 2]!, meta[at + 3]!, returned) : undefined,
  };
}
