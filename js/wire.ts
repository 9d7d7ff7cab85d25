// Generated from crates/weft-node/src/wire.rs, the one declaration of the numbers that
// cross between JS and the native addon: do not edit. After changing wire.rs, run
// `WEFT_WRITE_WIRE=1 cargo test -p weft-node wire` (a test fails while this is stale).

/** `undefined`. */
export const KIND_UNDEFINED = 0;

/** `null`. */
export const KIND_NULL = 1;

/** A boolean, carried as a number (1 or 0) beside its kind. */
export const KIND_BOOL = 2;

/** A number, carried beside its kind. */
export const KIND_NUMBER = 3;

/** A well-formed string, as UTF-8. */
export const KIND_STRING = 4;

/** Structured-clone bytes from `v8.serialize`. */
export const KIND_SERIALIZED = 5;

/** Not a value: one that could not be made on the receiving thread (its JS value, if any, is the reason). */
export const KIND_FAILED = 6;

/** Bytes: KIND_BYTES + the view's code (ArrayBuffer, Buffer, each typed array, DataView). */
export const KIND_BYTES = 16;

/** The call settled now; an outcome follows. */
export const STATUS_READY = 0;

/** A non-blocking call found nothing to do now (full, empty, not acquired). */
export const STATUS_WOULD_BLOCK = 1;

/** The channel is closed (try calls). */
export const STATUS_CLOSED = 2;

/** An async wait was registered: a notice with the caller's token will follow. */
export const STATUS_WAITING = 3;

/** A blocking wait's slice passed: resume or cancel it. */
export const STATUS_SLICE = 4;

/** Once: this caller runs the function. */
export const STATUS_ONCE_RUN = 5;

/** Barrier: this caller was the generation's last. */
export const STATUS_TRIPPED = 6;

/** A send was taken. */
export const DELIVERY_SENT = 0;

/** A receive got a value. */
export const DELIVERY_RECEIVED = 1;

/** A receive found the channel closed and drained. */
export const DELIVERY_CLOSED = 2;

/** A send was refused (the channel closed); its value comes back. */
export const DELIVERY_REFUSED = 3;

/** A wait on a sync primitive or a context was granted. */
export const DELIVERY_DONE = 4;

/** Once, as a waiter's case: the runner's thread ended mid-run; begin again. */
export const CASE_ONCE_RETRY = 1;

/** Numbers per outcome: case, delivery, value kind, number. */
export const OUTCOME_FIELDS = 4;

/** Numbers in a wait call's result: status, then an outcome. */
export const RESULT_FIELDS = 5;

/** Numbers per notice of a settled async wait: token, then an outcome. */
export const NOTICE_FIELDS = 5;

/** Numbers per case in a select spec: channel id, op (-1 receive, else a send's value kind), the number for numeric sends. */
export const CASE_FIELDS = 3;

/** Numbers per value in bulk channel calls: kind, number. */
export const BULK_FIELDS = 2;

/** Numbers in the per-thread argument slot. */
export const SLOT_FIELDS = 8;

/** Numbers per task in a pool's submitBatch. */
export const SUBMIT_FIELDS = 5;

/** Numbers per completion in a pool's drainInto. */
export const DRAIN_FIELDS = 4;

/** Numbers a worker's take writes. */
export const TAKE_FIELDS = 5;

/** Numbers a worker's complete reads: id, ok (1/0), kind, the value for numbers and booleans. */
export const COMPLETE_FIELDS = 4;

/** Numbers describing one rate reservation: tokens, limit, and its time to act as two halves. */
export const RESERVATION_FIELDS = 4;

/** Numbers in a rate reserve call's result: status, then a reservation. */
export const RESERVE_FIELDS = 5;

/** Numbers per member in an all-limiter's reservation: its reservation, then its act time (two halves). */
export const PART_FIELDS = 6;

/** Submit: added to a task's value kind when the task may be cancelled. */
export const SUBMIT_CANCELLABLE = 256;

/** A task was taken. */
export const TAKE_TASK = 0;

/** The pool is closed and drained. */
export const TAKE_CLOSED = 1;

/** This worker was told to stop. */
export const TAKE_STOPPED = 2;

/** No task within the wait: idle. */
export const TAKE_IDLE = 3;

/** It lives. */
export const CONTEXT_LIVE = 0;

/** It was cancelled. */
export const CONTEXT_CANCELED = 1;

/** Its deadline passed. */
export const CONTEXT_DEADLINE_EXCEEDED = 2;

/** Granted. */
export const RESERVE_RESERVED = 0;

/** Refused: `n` exceeds the burst (it never can fit). */
export const RESERVE_EXCEEDS_BURST = 1;

/** Refused: the wait would be longer than the caller allows. */
export const RESERVE_TOO_LONG = 2;
