// Generated from crates/weft-node/src/wire.rs, the one declaration of the numbers that
// cross between JS and the native addon: do not edit. After changing wire.rs, run
// `WEFT_WRITE_WIRE=1 cargo test -p weft-node wire` (a test fails while this is stale).

/** The wire's numbers. Copy the ones a module uses into module-level consts. */
export const enum Wire {
  /** `undefined`. */
  KIND_UNDEFINED = 0,
  /** `null`. */
  KIND_NULL = 1,
  /** A boolean, carried as a number (1 or 0) beside its kind. */
  KIND_BOOL = 2,
  /** A number, carried beside its kind. */
  KIND_NUMBER = 3,
  /** A well-formed string, as UTF-8. */
  KIND_STRING = 4,
  /** Structured-clone bytes from `v8.serialize`. */
  KIND_SERIALIZED = 5,
  /** Not a value: one that could not be made on the receiving thread (its JS value, if any, is the reason). */
  KIND_FAILED = 6,
  /** Bytes: KIND_BYTES + the view's code (ArrayBuffer, Buffer, each typed array, DataView). */
  KIND_BYTES = 16,
  /** The call settled now; an outcome follows. */
  STATUS_READY = 0,
  /** A non-blocking call found nothing to do now (full, empty, not acquired). */
  STATUS_WOULD_BLOCK = 1,
  /** The channel is closed (try calls). */
  STATUS_CLOSED = 2,
  /** An async wait was registered: a notice with the caller's token will follow. */
  STATUS_WAITING = 3,
  /** A blocking wait's slice passed: resume or cancel it. */
  STATUS_SLICE = 4,
  /** Once: this caller runs the function. */
  STATUS_ONCE_RUN = 5,
  /** Barrier: this caller was the generation's last. */
  STATUS_TRIPPED = 6,
  /** A send was taken. */
  DELIVERY_SENT = 0,
  /** A receive got a value. */
  DELIVERY_RECEIVED = 1,
  /** A receive found the channel closed and drained. */
  DELIVERY_CLOSED = 2,
  /** A send was refused (the channel closed); its value comes back. */
  DELIVERY_REFUSED = 3,
  /** A wait on a sync primitive or a context was granted. */
  DELIVERY_DONE = 4,
  /** Once, as a waiter's case: the runner's thread ended mid-run; begin again. */
  CASE_ONCE_RETRY = 1,
  /** Numbers per outcome: case, delivery, value kind, number. */
  OUTCOME_FIELDS = 4,
  /** Numbers in a wait call's result: status, then an outcome. */
  RESULT_FIELDS = 5,
  /** Numbers per notice of a settled async wait: token, then an outcome. */
  NOTICE_FIELDS = 5,
  /** Numbers per case in a select spec: channel id, op (-1 receive, else a send's value kind), the number for numeric sends. */
  CASE_FIELDS = 3,
  /** Numbers per value in bulk channel calls: kind, number. */
  BULK_FIELDS = 2,
  /** Numbers in the per-thread argument slot. */
  SLOT_FIELDS = 8,
  /** Numbers per task in a pool's submitBatch. */
  SUBMIT_FIELDS = 5,
  /** Numbers per completion in a pool's drainInto. */
  DRAIN_FIELDS = 4,
  /** Numbers a worker's take writes. */
  TAKE_FIELDS = 5,
  /** Numbers a worker's complete reads: id, ok (1/0), kind, the value for numbers and booleans. */
  COMPLETE_FIELDS = 4,
  /** Numbers describing one rate reservation: tokens, limit, and its time to act as two halves. */
  RESERVATION_FIELDS = 4,
  /** Numbers in a rate reserve call's result: status, then a reservation. */
  RESERVE_FIELDS = 5,
  /** Numbers per member in an all-limiter's reservation: its reservation, then its act time (two halves). */
  PART_FIELDS = 6,
  /** The index part of a packed word: `word & PACKED_INDEX_MASK`. */
  PACKED_INDEX_MASK = 16777215,
  /** On a task's kind word (submitBatch): the task may be cancelled. */
  FLAG_CANCELLABLE = 16777216,
  /** On a completion's kind word (drainInto): the task succeeded. */
  FLAG_OK = 33554432,
  /** On a task's function word: its argument is a context envelope, `{ ctx, arg }`. */
  FLAG_WITH_CONTEXT = 67108864,
  /** An ArrayBuffer. */
  BYTES_ARRAY_BUFFER = 0,
  /** A Node Buffer. */
  BYTES_BUFFER = 1,
  /** A Uint8Array. */
  BYTES_UINT8 = 2,
  /** An Int8Array. */
  BYTES_INT8 = 3,
  /** A Uint8ClampedArray. */
  BYTES_UINT8_CLAMPED = 4,
  /** An Int16Array. */
  BYTES_INT16 = 5,
  /** A Uint16Array. */
  BYTES_UINT16 = 6,
  /** An Int32Array. */
  BYTES_INT32 = 7,
  /** A Uint32Array. */
  BYTES_UINT32 = 8,
  /** A Float32Array. */
  BYTES_FLOAT32 = 9,
  /** A Float64Array. */
  BYTES_FLOAT64 = 10,
  /** A BigInt64Array. */
  BYTES_BIGINT64 = 11,
  /** A BigUint64Array. */
  BYTES_BIGUINT64 = 12,
  /** A DataView. */
  BYTES_DATA_VIEW = 13,
  /** A task was taken. */
  TAKE_TASK = 0,
  /** The pool is closed and drained. */
  TAKE_CLOSED = 1,
  /** This worker was told to stop. */
  TAKE_STOPPED = 2,
  /** No task within the wait: idle. */
  TAKE_IDLE = 3,
  /** It lives. */
  CONTEXT_LIVE = 0,
  /** It was cancelled. */
  CONTEXT_CANCELED = 1,
  /** Its deadline passed. */
  CONTEXT_DEADLINE_EXCEEDED = 2,
  /** Granted. */
  RESERVE_RESERVED = 0,
  /** Refused: `n` exceeds the burst (it never can fit). */
  RESERVE_EXCEEDS_BURST = 1,
  /** Refused: the wait would be longer than the caller allows. */
  RESERVE_TOO_LONG = 2,
}

/** The kinds of shared object a handle text names (crates/weft-node/src/registry.rs). */
export type HandleKind =
  | 'channel'
  | 'context'
  | 'rate-limiter'
  | 'rate-all'
  | 'keyed-limiter'
  | 'semaphore'
  | 'mutex'
  | 'rwlock'
  | 'waitgroup'
  | 'cond'
  | 'once'
  | 'barrier';
