//! Blocking waits for worker threads, in slices: a call waits at most one slice, then
//! returns to JS, which resumes (or, past its own deadline, cancels) the same wait. A thread
//! parked in native code cannot be terminated, so `worker.terminate()` and process exit
//! take effect at the next slice instead of never. The wait keeps its place in line across
//! slices (it stays registered); only cancelling takes it off.
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::wake::Waiter;

use crate::outcome::{self, OUTCOME_FIELDS, READY, SLICE, WOULD_BLOCK};

/// Numbers in a result: the status, then an outcome.
pub const RESULT_FIELDS: usize = 1 + OUTCOME_FIELDS;

struct Blocked {
    waiter: Arc<Waiter>,
    cleanup: Box<dyn FnOnce()>,
}

thread_local! {
    /// This thread's wait between slices (a thread blocks on one thing at a time).
    static CURRENT: RefCell<Option<Blocked>> = const { RefCell::new(None) };
}

/// Waits one slice for a just-registered blocking `waiter`. On delivery runs `cleanup` and
/// writes the outcome; otherwise keeps the wait as this thread's current one and writes
/// SLICE.
pub fn block<'env>(
    env: &'env Env,
    meta: &mut [f64],
    waiter: Arc<Waiter>,
    cleanup: impl FnOnce() + 'static,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let deadline = Instant::now() + Duration::from_millis(slice_ms as u64);
    if let Some((case, d)) = waiter.wait(Some(deadline)) {
        cleanup();
        return outcome::ready(env, meta, READY, case, d);
    }
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Blocked {
            waiter,
            cleanup: Box::new(cleanup),
        })
    });
    outcome::status(meta, SLICE)
}

/// Continues this thread's blocking wait for one more slice of `sliceMs`; writes the
/// outcome (READY) or SLICE. WOULD_BLOCK if there is no wait to resume.
#[napi(
    ts_args_type = "meta: Float64Array, sliceMs: number",
    ts_return_type = "unknown"
)]
pub fn resume_blocking<'env>(
    env: &'env Env,
    mut meta: Float64ArraySlice<'_>,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    let Some(current) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return outcome::status(meta, WOULD_BLOCK);
    };
    block(env, meta, current.waiter, current.cleanup, slice_ms)
}

/// Gives up this thread's blocking wait (its deadline passed): WOULD_BLOCK if nothing
/// happened, or READY with the outcome if a counterpart committed it first.
#[napi(ts_args_type = "meta: Float64Array", ts_return_type = "unknown")]
pub fn cancel_blocking<'env>(
    env: &'env Env,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    let Some(current) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return outcome::status(meta, WOULD_BLOCK);
    };
    if current.waiter.try_cancel() {
        (current.cleanup)();
        return outcome::status(meta, WOULD_BLOCK);
    }
    // Committed a moment ago: the delivery is imminent.
    let (case, d) = current.waiter.wait(None).ok_or_else(|| {
        crate::errors::to_js(weft_core::Error::internal(
            "a committed blocking wait had no outcome",
        ))
    })?;
    (current.cleanup)();
    outcome::ready(env, meta, READY, case, d)
}
