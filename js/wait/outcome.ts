/**
 * The numbers native wait calls write (declared in js/native/wire.ts): a status, then an
 * outcome (case, delivery, value kind, number), with other values returned.
 * @internal
 */
import { decode, fromSlot } from '../native/codec.js';

import { Wire } from '../native/wire.js';

export const READY = Wire.STATUS_READY;
export const WOULD_BLOCK = Wire.STATUS_WOULD_BLOCK;
export const CLOSED = Wire.STATUS_CLOSED;
export const WAITING = Wire.STATUS_WAITING;
export const SLICE = Wire.STATUS_SLICE;
export const ONCE_RUN = Wire.STATUS_ONCE_RUN;
export const ONCE_RETRY = Wire.CASE_ONCE_RETRY;
export const TRIPPED = Wire.STATUS_TRIPPED;

export const SENT = Wire.DELIVERY_SENT;
export const RECEIVED = Wire.DELIVERY_RECEIVED;
export const CHANNEL_DRAINED = Wire.DELIVERY_CLOSED;
export const REFUSED = Wire.DELIVERY_REFUSED;
export const DONE = Wire.DELIVERY_DONE;

export const RESULT_FIELDS = Wire.RESULT_FIELDS;

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
