//! Introspection and calibration calls: version, error codes, and the calls the
//! `native-call` benchmark times.
use napi_derive::napi;

use napi::bindgen_prelude::Unknown;
use napi::Result;

use crate::args;
use crate::errors::{all_codes, arm, disarm_all, guard, invalid_argument, Failpoint};

/// The native engine's version; the facade checks it matches the package.
#[napi(catch_unwind)]
pub fn native_version() -> &'static str {
    weft_core::VERSION
}

/// The error codes the native side can throw.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    all_codes()
}

/// Does nothing: measures the cost of crossing into native code.
#[napi(namespace = "probes", catch_unwind)]
pub fn noop() {}

/// Adds three numbers: measures what each converted argument adds to a call.
#[napi(namespace = "probes", catch_unwind)]
pub fn add_three(a: f64, b: f64, c: f64) -> f64 {
    a + b + c
}

/// A class whose method and getter the `native-call` benchmark times: a napi-rs class
/// call unwraps `this` on every call, which free functions avoid.
///
/// ```js
/// const probe = new native.probes.CallProbe(); probe.noop(); probe.one
/// ```
#[napi(namespace = "probes")]
#[derive(Default)]
pub struct CallProbe {}

#[napi(namespace = "probes")]
impl CallProbe {
    /// Makes a probe.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self {}
    }

    /// Does nothing: a class method's crossing cost.
    #[napi(catch_unwind)]
    pub fn noop(&self) {}

    /// Always 1: a class getter's crossing cost.
    #[napi(getter, catch_unwind)]
    pub fn one(&self) -> u32 {
        1
    }
}

/// Returns the length of a buffer passed by reference (no copy): measures passing bytes.
#[napi(namespace = "probes", catch_unwind)]
pub fn buffer_length(bytes: &[u8]) -> u32 {
    bytes.len() as u32
}

/// Checks a size argument the way every sized constructor does; used to test the
/// `INVALID_ARGUMENT` path end to end.
#[napi(namespace = "probes", ts_args_type = "size: number", catch_unwind)]
pub fn check_size(size: Unknown<'_>) -> Result<u32> {
    guard(|| args::size(&size, "size"))
}

/// Panics inside a native call; proves panics become `INTERNAL` errors, never aborts.
#[napi(namespace = "probes", catch_unwind)]
pub fn debug_panic(message: String) -> Result<()> {
    guard(|| panic!("{message}"))
}

/// Makes the next call through failpoint `name` (channel, sync, handle, lookup, pool, kernel,
/// notifier, blocking, slot, worker) panic; `none` disarms them all, on any thread: tests use it to check that a panic in
/// each export family becomes an `INTERNAL` error and the process lives on.
///
/// ```js
/// native.probes.debugPanicNext('channel');
/// ch.trySend(1); // throws WeftError INTERNAL; the next call works again
/// ```
#[napi(namespace = "probes", catch_unwind)]
pub fn debug_panic_next(name: String) -> Result<()> {
    if name == "none" {
        disarm_all();
        return Ok(());
    }
    let at = Failpoint::named(&name)
        .ok_or_else(|| invalid_argument("name", format!("is not a failpoint: {name:?}")))?;
    arm(at);
    Ok(())
}
