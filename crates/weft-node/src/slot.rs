//! This thread's argument slot: a few numbers of native memory that JS sees as a
//! Float64Array (`argSlot()`, js/native/slot.ts), writes, and then calls a function that takes
//! no arguments and reads them (and may write its results back). A napi-rs function with
//! arguments pays ~80 ns per argument here (measured: a bool-returning call went from 40 ns
//! with none to 144 ns with one u32), so the hottest calls pass their numbers this way: a
//! rate limiter's `allow()`, a channel's number send and its receive.
//!
//! The memory is allocated once per thread and never freed, so whatever JS does with the
//! Float64Array (keep it, drop it, transfer its buffer away) it never dangles. Every
//! module copy or realm on the thread gets its own Float64Array over the same memory,
//! which is sound because a thread runs one JS call at a time: the write and the call
//! that reads it are back to back.
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Result};
use napi_derive::napi;

use crate::errors::{failpoint, guard, invalid_argument, Failpoint};

pub use crate::wire::SLOT_FIELDS;

type Block = [AtomicU64; SLOT_FIELDS];

thread_local! {
    /// Leaked on purpose (64 bytes per thread): JS may hold views on it for as long as it
    /// likes, even past this thread (a transferred buffer).
    static SLOT: &'static Block = Box::leak(Box::new([const { AtomicU64::new(0) }; SLOT_FIELDS]));
}

/// Number `i` of this thread's slot.
pub(crate) fn read(i: usize) -> f64 {
    // Atomic loads: the memory is shared with JS, which writes it outside Rust's view.
    f64::from_bits(SLOT.with(|s| s[i].load(Ordering::Relaxed)))
}

/// Sets the first numbers of this thread's slot (results the caller reads after the call).
pub(crate) fn write_all(numbers: &[f64]) {
    SLOT.with(|s| {
        for (cell, n) in s.iter().zip(numbers) {
            cell.store(n.to_bits(), Ordering::Relaxed);
        }
    });
}

/// Number `i` of the slot as an object id.
pub(crate) fn id(i: usize) -> Result<u32> {
    failpoint(Failpoint::Slot);
    let n = read(i);
    if n.fract() != 0.0 || !(1.0..=u32::MAX as f64).contains(&n) {
        return Err(invalid_argument(
            "id",
            format!("must be a handle id, got {n}"),
        ));
    }
    Ok(n as u32)
}

/// A Float64Array over this thread's slot, or undefined where the runtime forbids
/// ArrayBuffers over native memory (then callers pass arguments instead).
#[napi(ts_return_type = "Float64Array | undefined", catch_unwind)]
pub fn arg_slot(env: &Env) -> Result<Option<Unknown<'_>>> {
    guard(|| slot_view(env))
}

fn slot_view(env: &Env) -> Result<Option<Unknown<'_>>> {
    let block: &'static Block = SLOT.with(|s| *s);
    let mut buffer = ptr::null_mut();
    // SAFETY: `env` is the current call's env on its own thread. The memory is 'static
    // (leaked above) and SLOT_FIELDS * 8 bytes long, so the ArrayBuffer never outlives or
    // overruns it, and no finalizer is needed (there is nothing to free). Rust only reads it
    // through atomics, which tolerate JS writing it.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            block.as_ptr() as *mut std::ffi::c_void,
            std::mem::size_of::<Block>(),
            None,
            ptr::null_mut(),
            &mut buffer,
        )
    };
    if status != sys::Status::napi_ok {
        return Ok(None);
    }
    let mut array = ptr::null_mut();
    // SAFETY: `buffer` is the ArrayBuffer just created in this env and scope; the view
    // covers exactly its SLOT_FIELDS f64s from offset 0 (8-byte aligned: a Box of u64s).
    let status = unsafe {
        sys::napi_create_typedarray(
            env.raw(),
            sys::TypedarrayType::float64_array,
            SLOT_FIELDS,
            buffer,
            0,
            &mut array,
        )
    };
    if status != sys::Status::napi_ok {
        return Ok(None);
    }
    // SAFETY: `array` was just created in this env and scope.
    Ok(Some(unsafe {
        Unknown::from_raw_unchecked(env.raw(), array)
    }))
}
