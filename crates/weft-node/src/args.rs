//! Argument conversion that names the parameter: napi-rs's own conversion errors say
//! "Failed to convert napi value String into rust type `f64`", which does not tell the
//! user which argument was wrong. Functions taking user input accept `Unknown` and
//! convert through here, so a bad value becomes `INVALID_ARGUMENT: <param> must be ...`.
use napi::bindgen_prelude::{FromNapiValue, Unknown};
use napi::Result;

use crate::errors::invalid_argument;

/// Converts `value` to `T`, or fails with `INVALID_ARGUMENT` naming `param` and saying
/// what was `expected` ("a number").
pub fn arg<T: FromNapiValue>(value: &Unknown<'_>, param: &str, expected: &str) -> Result<T> {
    // SAFETY: `value` is a live handle of the current call's scope, and every
    // `FromNapiValue` impl checks the JS type itself (via napi_get_value_* / napi_typeof),
    // returning an error rather than misreading a value of another type.
    unsafe { value.cast::<T>() }.map_err(|_| {
        let got = value
            .get_type()
            .map(|t| format!("{t:?}").to_lowercase())
            .unwrap_or_else(|_| "an unreadable value".into());
        invalid_argument(param, format!("must be {expected}, got {got}"))
    })
}

/// A size or count: an integer in `0..=u32::MAX`.
pub fn size(value: &Unknown<'_>, param: &str) -> Result<u32> {
    let n: f64 = arg(value, param, "a number")?;
    if !n.is_finite() || n.fract() != 0.0 || !(0.0..=u32::MAX as f64).contains(&n) {
        return Err(invalid_argument(
            param,
            format!("must be an integer in 0..=4294967295, got {n}"),
        ));
    }
    Ok(n as u32)
}

/// The caller's Float64Array as a mutable slice, checked to hold `need` numbers.
pub fn f64_slice<'a>(
    array: &'a mut napi::bindgen_prelude::Float64ArraySlice<'_>,
    param: &str,
    need: usize,
) -> Result<&'a mut [f64]> {
    // SAFETY: the array belongs to this thread's isolate and no JS runs during the call
    // that borrowed it, so nothing on this thread touches its memory while the slice
    // lives; the slice does not outlive that call. No other thread can either: every
    // caller passes a result buffer the facade allocated over a plain ArrayBuffer of its
    // own (never a SharedArrayBuffer, never handed out), and the one user array read in
    // place, `sendMany`'s Float64Array, is copied first when it is shared (js/chan).
    let slice = unsafe { array.as_mut() };
    if slice.len() < need {
        return Err(invalid_argument(
            param,
            format!("must hold {need} numbers, got {}", slice.len()),
        ));
    }
    Ok(slice)
}
