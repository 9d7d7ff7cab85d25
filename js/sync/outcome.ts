/**
 * The numbers native wait calls write (declared in js/wire.ts): a status, then an
 * outcome (case, delivery, value kind, number), with other values returned.
 * @internal
 */
import { decode, fromSlot } from '../codec.js';

export {
  CASE_ONCE_RETRY as ONCE_RETRY,
  DELIVERY_CLOSED as CHANNEL_DRAINED,
  DELIVERY_DONE as DONE,
  DELIVERY_RECEIVED as RECEIVED,
  DELIVERY_REFUSED as REFUSED,
  DELIVERY_SENT as SENT,
  RESULT_FIELDS,
  STATUS_CLOSED as CLOSED,
  STATUS_ONCE_RUN as ONCE_RUN,
  STATUS_READY as READY,
  STATUS_SLICE as SLICE,
  STATUS_TRIPPED as TRIPPED,
  STATUS_WAITING as WAITING,
  STATUS_WOULD_BLOCK as WOULD_BLOCK,
} from '../wire.js';
import { DELIVERY_RECEIVED as RECEIVED, DELIVERY_REFUSED as REFUSED } from '../wire.js';

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
