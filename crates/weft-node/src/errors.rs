//! Error mapping at the FFI boundary: core errors become JS errors whose `code` is the
//! weft code, and panics are caught here so none ever unwinds into Node.
use std::panic::{catch_unwind, AssertUnwindSafe};

use weft_core::{Error, ErrorCode};

/// The error thrown into JS. napi-rs v3 exported functions can only return
/// `napi::Result<T>` (with `Status`), so the weft code travels as the message's prefix,
/// `"QUEUE_FULL: ..."`, and `js/errors.ts` (`fromNative`) turns it into `WeftError.code`.
pub type JsError = napi::Error;
/// Result of every exported function.
pub type JsResult<T> = napi::Result<T>;

/// Converts a core error into the error thrown into JS.
pub fn to_js(err: Error) -> JsError {
    napi::Error::new(napi::Status::GenericFailure, err.to_string())
}

/// `INVALID_ARGUMENT` naming the parameter, for checks done in the binding.
pub fn invalid_argument(param: &str, problem: impl std::fmt::Display) -> JsError {
    to_js(Error::invalid_argument(param, problem))
}

/// Runs `f`, turning a panic into an `INTERNAL` error instead of unwinding across the FFI
/// boundary (which would abort the process).
pub fn guard<T>(f: impl FnOnce() -> JsResult<T>) -> JsResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_string());
            Err(to_js(Error::internal(format!("native panic: {what}"))))
        }
    }
}

/// Every code string, so the facade can check it knows each one (tested).
pub fn all_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}
