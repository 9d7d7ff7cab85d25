//! The one wire layout: every number that crosses between JS and this crate with a
//! meaning agreed on both sides (value kinds, statuses, field counts, flag bits) is
//! declared here once, and so are the names of the handle kinds (from `registry.rs`).
//! `js/native/wire.ts` is generated from this table (the `typescript_is_current` test fails
//! when it drifts; `WEFT_WRITE_WIRE=1 cargo test -p weft-node wire` rewrites it), so the
//! facade imports these numbers and names instead of repeating them.
//!
//! ```ignore
//! meta[0] = wire::STATUS_READY as f64;
//! ```

/// Declares each constant, and `ALL`: every one by name, value and doc, for the generator.
use weft_core::value::BytesKind;

macro_rules! wire {
    ($( #[doc = $doc:literal] $name:ident : $ty:ty = $value:expr; )*) => {
        // Some are read by the facade only (through js/native/wire.ts), never in Rust.
        $( #[doc = $doc] #[allow(dead_code)] pub const $name: $ty = $value; )*
        /// Every wire constant: (name, value, doc), in declaration order.
        #[cfg(test)]
        pub const ALL: &[(&str, f64, &str)] = &[ $( (stringify!($name), $value as f64, $doc) ),* ];
    };
}

wire! {
    // Value kinds: how a value travels (codec.ts chooses, value.rs converts).
    /// `undefined`.
    KIND_UNDEFINED: u32 = 0;
    /// `null`.
    KIND_NULL: u32 = 1;
    /// A boolean, carried as a number (1 or 0) beside its kind.
    KIND_BOOL: u32 = 2;
    /// A number, carried beside its kind.
    KIND_NUMBER: u32 = 3;
    /// A well-formed string, as UTF-8.
    KIND_STRING: u32 = 4;
    /// Structured-clone bytes from `v8.serialize`.
    KIND_SERIALIZED: u32 = 5;
    /// Not a value: one that could not be made on the receiving thread (its JS value, if any, is the reason).
    KIND_FAILED: u32 = 6;
    /// Bytes: KIND_BYTES + the view's code (ArrayBuffer, Buffer, each typed array, DataView).
    KIND_BYTES: u32 = 16;

    // Statuses of calls that may wait (the first number of their result).
    /// The call settled now; an outcome follows.
    STATUS_READY: u32 = 0;
    /// A non-blocking call found nothing to do now (full, empty, not acquired).
    STATUS_WOULD_BLOCK: u32 = 1;
    /// The channel is closed (try calls).
    STATUS_CLOSED: u32 = 2;
    /// An async wait was registered: a notice with the caller's token will follow.
    STATUS_WAITING: u32 = 3;
    /// A blocking wait's slice passed: resume or cancel it.
    STATUS_SLICE: u32 = 4;
    /// Once: this caller runs the function.
    STATUS_ONCE_RUN: u32 = 5;
    /// Barrier: this caller was the generation's last.
    STATUS_TRIPPED: u32 = 6;

    // How a case was delivered (the outcome's second number).
    /// A send was taken.
    DELIVERY_SENT: u32 = 0;
    /// A receive got a value.
    DELIVERY_RECEIVED: u32 = 1;
    /// A receive found the channel closed and drained.
    DELIVERY_CLOSED: u32 = 2;
    /// A send was refused (the channel closed); its value comes back.
    DELIVERY_REFUSED: u32 = 3;
    /// A wait on a sync primitive or a context was granted.
    DELIVERY_DONE: u32 = 4;
    /// Once, as a waiter's case: the runner's thread ended mid-run; begin again.
    CASE_ONCE_RETRY: u32 = weft_core::sync::ONCE_RETRY;

    // Field counts of the Float64Arrays calls read and write.
    /// Numbers per outcome: case, delivery, value kind, number.
    OUTCOME_FIELDS: usize = 4;
    /// Numbers in a wait call's result: status, then an outcome.
    RESULT_FIELDS: usize = 1 + OUTCOME_FIELDS;
    /// Numbers per notice of a settled async wait: token, then an outcome.
    NOTICE_FIELDS: usize = 1 + OUTCOME_FIELDS;
    /// Numbers per case in a select spec: channel id, op (-1 receive, else a send's value kind), the number for numeric sends.
    CASE_FIELDS: usize = 3;
    /// Numbers per value in bulk channel calls: kind, number.
    BULK_FIELDS: usize = 2;
    /// Numbers in the per-thread argument slot.
    SLOT_FIELDS: usize = 8;
    /// Numbers per task in a pool's submitBatch.
    SUBMIT_FIELDS: usize = 5;
    /// Numbers per completion in a pool's drainInto.
    DRAIN_FIELDS: usize = 4;
    /// Numbers a worker's take writes.
    TAKE_FIELDS: usize = 5;
    /// Numbers a worker's complete reads: id, ok (1/0), kind, the value for numbers and booleans.
    COMPLETE_FIELDS: usize = 4;
    /// Numbers describing one rate reservation: tokens, limit, and its time to act as two halves.
    RESERVATION_FIELDS: usize = 4;
    /// Numbers in a rate reserve call's result: status, then a reservation.
    RESERVE_FIELDS: usize = 1 + RESERVATION_FIELDS;
    /// Numbers per member in an all-limiter's reservation: its reservation, then its act time (two halves).
    PART_FIELDS: usize = RESERVATION_FIELDS + 2;

    // Packed words, the one flag scheme of every crossing: a value kind or a function
    // index in the low 24 bits, flag bits above (word = index | flags).
    /// The index part of a packed word: `word & PACKED_INDEX_MASK`.
    PACKED_INDEX_MASK: u32 = weft_core::pool::INDEX_MASK;
    /// On a task's kind word (submitBatch): the task may be cancelled.
    FLAG_CANCELLABLE: u32 = weft_core::pool::FLAG_CANCELLABLE;
    /// On a completion's kind word (drainInto): the task succeeded.
    FLAG_OK: u32 = 1 << 25;
    /// On a task's function word: its argument is a context envelope, `{ ctx, arg }`.
    FLAG_WITH_CONTEXT: u32 = 1 << 26;

    // Byte views: a bytes value's kind is KIND_BYTES + one of these.
    /// An ArrayBuffer.
    BYTES_ARRAY_BUFFER: u32 = BytesKind::ArrayBuffer as u32;
    /// A Node Buffer.
    BYTES_BUFFER: u32 = BytesKind::Buffer as u32;
    /// A Uint8Array.
    BYTES_UINT8: u32 = BytesKind::Uint8Array as u32;
    /// An Int8Array.
    BYTES_INT8: u32 = BytesKind::Int8Array as u32;
    /// A Uint8ClampedArray.
    BYTES_UINT8_CLAMPED: u32 = BytesKind::Uint8ClampedArray as u32;
    /// An Int16Array.
    BYTES_INT16: u32 = BytesKind::Int16Array as u32;
    /// A Uint16Array.
    BYTES_UINT16: u32 = BytesKind::Uint16Array as u32;
    /// An Int32Array.
    BYTES_INT32: u32 = BytesKind::Int32Array as u32;
    /// A Uint32Array.
    BYTES_UINT32: u32 = BytesKind::Uint32Array as u32;
    /// A Float32Array.
    BYTES_FLOAT32: u32 = BytesKind::Float32Array as u32;
    /// A Float64Array.
    BYTES_FLOAT64: u32 = BytesKind::Float64Array as u32;
    /// A BigInt64Array.
    BYTES_BIGINT64: u32 = BytesKind::BigInt64Array as u32;
    /// A BigUint64Array.
    BYTES_BIGUINT64: u32 = BytesKind::BigUint64Array as u32;
    /// A DataView.
    BYTES_DATA_VIEW: u32 = BytesKind::DataView as u32;

    // Statuses of a worker's take when there is no task.
    /// A task was taken.
    TAKE_TASK: u32 = 0;
    /// The pool is closed and drained.
    TAKE_CLOSED: u32 = 1;
    /// This worker was told to stop.
    TAKE_STOPPED: u32 = 2;
    /// No task within the wait: idle.
    TAKE_IDLE: u32 = 3;

    // A context's state.
    /// It lives.
    CONTEXT_LIVE: u32 = 0;
    /// It was cancelled.
    CONTEXT_CANCELED: u32 = 1;
    /// Its deadline passed.
    CONTEXT_DEADLINE_EXCEEDED: u32 = 2;

    // Rate reserve statuses.
    /// Granted.
    RESERVE_RESERVED: u32 = 0;
    /// Refused: `n` exceeds the burst (it never can fit).
    RESERVE_EXCEEDS_BURST: u32 = 1;
    /// Refused: the wait would be longer than the caller allows.
    RESERVE_TOO_LONG: u32 = 2;
}

/// `js/native/wire.ts`, as generated from [`ALL`]: one enum, `Wire`. Each module copies the
/// numbers it uses into module-level consts once (`const DRAIN_FIELDS = Wire.DRAIN_FIELDS`),
/// so its hot paths read a local constant, never an imported binding (a live, checked load
/// on every use, which measurably slowed the pool's submit and a channel's send).
#[cfg(test)]
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from crates/weft-node/src/wire.rs, the one declaration of the numbers that\n\
         // cross between JS and the native addon: do not edit. After changing wire.rs, run\n\
         // `WEFT_WRITE_WIRE=1 cargo test -p weft-node wire` (a test fails while this is stale).\n\
         \n\
         /** The wire's numbers. Copy the ones a module uses into module-level consts. */\n\
         export const enum Wire {\n",
    );
    for (name, value, doc) in ALL {
        out.push_str(&format!("  /**{doc} */\n  {name} = {value},\n"));
    }
    out.push_str("}\n\n");
    out.push_str(
        "/** The kinds of shared object a handle text names (crates/weft-node/src/registry.rs). */\n\
         export type HandleKind =\n",
    );
    let names: Vec<String> = crate::registry::kind_names()
        .map(|n| format!("  | '{n}'"))
        .collect();
    out.push_str(&names.join("\n"));
    out.push_str(";\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../js/native/wire.ts");

    #[test]
    fn typescript_is_current() {
        let want = typescript();
        if std::env::var_os("WEFT_WRITE_WIRE").is_some() {
            std::fs::write(GENERATED, &want).unwrap();
        }
        let have = std::fs::read_to_string(GENERATED).unwrap_or_default();
        assert!(
            have == want,
            "js/native/wire.ts is stale: run `WEFT_WRITE_WIRE=1 cargo test -p weft-node wire`"
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ALL.iter().map(|(n, _, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
