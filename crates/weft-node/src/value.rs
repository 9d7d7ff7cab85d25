//! JS values <-> [`Value`], following the wire kinds chosen by `js/native/codec.ts`:
//! 0 undefined, 1 null, 2 boolean, 3 number, 4 string, 5 structured-clone bytes
//! (a Uint8Array from `v8.serialize`), 16 + [`BytesKind`] for bytes (a Uint8Array view
//! over the source's bytes; the receiver rebuilds the original view kind).
use napi::bindgen_prelude::{ArrayBuffer, Null, ToNapiValue, Unknown};
use napi::{sys, Env, Result};
use weft_core::{byte_buffers, BytesKind, Value};

use crate::args::arg;
use crate::errors::invalid_argument;

pub use crate::wire::{
    KIND_BOOL as BOOL, KIND_BYTES as BYTES, KIND_FAILED as FAILED, KIND_NULL as NULL,
    KIND_NUMBER as NUMBER, KIND_SERIALIZED as SERIALIZED, KIND_STRING as STRING,
    KIND_UNDEFINED as UNDEFINED,
};

/// Copies a JS value of wire `kind` into Rust-owned memory (nothing JS-owned survives
/// the call, so the value may be read on any thread afterwards).
pub fn from_js(kind: u32, value: &Unknown<'_>) -> Result<Value> {
    Ok(match kind {
        UNDEFINED => Value::Undefined,
        NULL => Value::Null,
        BOOL => Value::Bool(arg(value, "value", "a boolean")?),
        NUMBER => Value::Number(arg(value, "value", "a number")?),
        STRING => Value::String(arg(value, "value", "a string")?),
        SERIALIZED => {
            crate::registry::install();
            Value::Serialized(bytes(value)?)
        }
        k if k >= BYTES => {
            let bytes_kind = u8::try_from(k - BYTES)
                .ok()
                .and_then(BytesKind::from_code)
                .ok_or_else(|| invalid_argument("kind", format!("is not a value kind: {k}")))?;
            Value::Bytes(bytes_kind, bytes(value)?)
        }
        k => {
            return Err(invalid_argument(
                "kind",
                format!("is not a value kind: {k}"),
            ))
        }
    })
}

fn bytes(value: &Unknown<'_>) -> Result<Vec<u8>> {
    let view: &[u8] = arg(value, "value", "a Uint8Array")?;
    Ok(byte_buffers::copy_of(view))
}

/// The wire kind of a value (what the receiver's decoder switches on).
pub fn kind_of(value: &Value) -> u32 {
    match value {
        Value::Undefined => UNDEFINED,
        Value::Null => NULL,
        Value::Bool(_) => BOOL,
        Value::Number(_) => NUMBER,
        Value::String(_) => STRING,
        Value::Serialized(_) => SERIALIZED,
        Value::Bytes(k, _) => BYTES + *k as u32,
    }
}

/// A JS value for `value`. Bytes are copied into a V8-owned ArrayBuffer and the Rust
/// buffer goes back to [`byte_buffers`] at once, on purpose: handing it over as an
/// external ArrayBuffer would defer its release to this isolate's GC (and its finalizer to
/// this thread's event loop, which a worker running sync tasks back to back never
/// reaches), so the sending thread would keep allocating fresh, page-faulting buffers.
///
/// If V8 refuses (a string over its length limit, bytes it cannot allocate), the value
/// is discarded, releasing the weft handles it pinned, and the error says why.
pub fn to_js(env: &Env, value: Value) -> Result<sys::napi_value> {
    let made = make(env, &value);
    match (made.is_ok(), value) {
        (true, Value::Serialized(b) | Value::Bytes(_, b)) => byte_buffers::recycle(b),
        (true, _) => {}
        (false, lost) => {
            clear_pending_exception(env);
            lost.discard();
        }
    }
    made
}

/// The JS value for `value` (see [`to_js`]), which stays the caller's.
fn make(env: &Env, value: &Value) -> Result<sys::napi_value> {
    let raw = env.raw();
    if FAIL_NEXT_CONVERSION.with(|f| f.replace(false)) {
        return Err(napi::Error::from_reason(
            "conversion failure injected by a test",
        ));
    }
    // SAFETY: `raw` is the env of the current call, on its own thread; each
    // `to_napi_value` creates a new handle in that env's current scope.
    unsafe {
        match value {
            Value::Undefined => <()>::to_napi_value(raw, ()),
            Value::Null => Null::to_napi_value(raw, Null),
            Value::Bool(b) => bool::to_napi_value(raw, *b),
            Value::Number(n) => f64::to_napi_value(raw, *n),
            Value::String(s) => <&str>::to_napi_value(raw, s.as_str()),
            Value::Serialized(b) | Value::Bytes(_, b) => {
                if b.len() >= UNFILLED_FROM {
                    unfilled_copy(raw, b)
                } else {
                    ArrayBuffer::copy_from(env, b).and_then(|c| ArrayBuffer::to_napi_value(raw, c))
                }
            }
        }
    }
}

/// Takes away an exception a failed Node-API call left pending, so the next call (and
/// the value reported in its place) can still be made.
fn clear_pending_exception(env: &Env) {
    let mut exception = std::ptr::null_mut();
    // SAFETY: `env` is the running call's env; the out-pointer is a local. With no
    // exception pending this just writes `undefined`.
    unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
}

thread_local! {
    /// Set by `debugFailNextConversion`: the next value made on this thread fails.
    static FAIL_NEXT_CONVERSION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes the next received value converted on this thread fail as if V8 had refused its
/// allocation, so tests can check that a drain loses nothing and wakes up again.
///
/// ```js
/// native.probes.debugFailNextConversion();
/// await ch.recv(); // rejects with INTERNAL; the next recv gets the next value
/// ```
#[napi_derive::napi(namespace = "probes", catch_unwind)]
pub fn debug_fail_next_conversion() {
    FAIL_NEXT_CONVERSION.with(|f| f.set(true));
}

/// From this many bytes, [`unfilled_copy`] makes the ArrayBuffer.
const UNFILLED_FROM: usize = 2048;

/// An ArrayBuffer holding a copy of `bytes`, allocated without zero-filling it first.
/// `napi_create_arraybuffer` zero-fills its memory and the copy then overwrites it: on a
/// 64 KiB task argument that memset was ~4% of a worker's time (`perf`, pool bench's 64 KiB
/// case). Node's `napi_create_buffer_copy` allocates uninitialised memory and copies into
/// it; the Buffer it returns is a view at offset 0 over exactly `bytes.len()` bytes, so its
/// ArrayBuffer is the copy. For small sizes the Buffer's extra object costs more than the
/// memset saves, hence [`UNFILLED_FROM`].
///
/// # Safety
/// `env` must be the env of the running call, on its own thread.
unsafe fn unfilled_copy(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value> {
    let mut buffer = std::ptr::null_mut();
    let mut array_buffer = std::ptr::null_mut();
    let mut offset = 0usize;
    // SAFETY: `env` is the running call's env (this function's contract). `bytes` is
    // valid for `bytes.len()` bytes for the whole call, and Node copies them before it
    // returns; the out-pointers are locals that outlive both calls.
    let status = unsafe {
        match sys::napi_create_buffer_copy(
            env,
            bytes.len(),
            bytes.as_ptr().cast(),
            std::ptr::null_mut(),
            &mut buffer,
        ) {
            sys::Status::napi_ok => sys::napi_get_typedarray_info(
                env,
                buffer,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut array_buffer,
                &mut offset,
            ),
            failed => failed,
        }
    };
    if status != sys::Status::napi_ok || offset != 0 {
        return Err(napi::Error::from_reason(format!(
            "could not copy {} bytes into an ArrayBuffer (status {status}, offset {offset})",
            bytes.len()
        )));
    }
    Ok(array_buffer)
}

/// A value sent as a (kind, number) pair: numbers and booleans travel in the number slot,
/// null and undefined need nothing, and only other kinds take `other()` (the JS value
/// beside the pair). The one place the slot convention is read.
pub fn from_slot(kind: u32, slot: f64, other: impl FnOnce() -> Result<Value>) -> Result<Value> {
    Ok(match kind {
        NUMBER => Value::Number(slot),
        BOOL => Value::Bool(slot != 0.0),
        UNDEFINED => Value::Undefined,
        NULL => Value::Null,
        _ => other()?,
    })
}

/// The other direction: writes `value`'s wire kind into `kind`; numbers and booleans go
/// into `slot`, null and undefined need nothing, other kinds come back as a JS value for
/// the caller to hand over. Never fails: a value that cannot be made on this thread
/// (see [`to_js`]) comes out as kind [`FAILED`] with the reason as its JS value, so a
/// drain reports it to its own receiver and goes on with the rest.
pub fn deliver<'env>(
    env: &'env Env,
    kind: &mut f64,
    slot: &mut f64,
    value: Value,
) -> Option<Unknown<'env>> {
    *kind = kind_of(&value) as f64;
    match value {
        Value::Number(n) => *slot = n,
        Value::Bool(b) => *slot = b as u8 as f64,
        Value::Undefined | Value::Null => {}
        other => {
            let made = to_js(env, other).or_else(|err| {
                *kind = FAILED as f64;
                // SAFETY: `env` is the running call's env; the string is created in it.
                unsafe { String::to_napi_value(env.raw(), err.reason.clone()) }
            });
            // SAFETY: `raw` was just created in this env and scope.
            return made
                .ok()
                .map(|raw| unsafe { Unknown::from_raw_unchecked(env.raw(), raw) });
        }
    }
    None
}

/// [`deliver`] into `pair`: [kind, number].
pub fn deliver_pair<'env>(env: &'env Env, pair: &mut [f64], value: Value) -> Option<Unknown<'env>> {
    let [kind, slot, ..] = pair else {
        unreachable!("a value pair needs two numbers");
    };
    deliver(env, kind, slot, value)
}

/// Puts a delivered JS value at `values[i]`; should even that fail, the value's kind
/// becomes [`FAILED`] (with no reason) rather than the whole drain failing.
pub fn put(
    env: &Env,
    values: &mut napi::bindgen_prelude::Array<'_>,
    i: usize,
    kind: &mut f64,
    js: Unknown<'_>,
) {
    if values.set(i as u32, js).is_err() {
        clear_pending_exception(env);
        *kind = FAILED as f64;
    }
}
