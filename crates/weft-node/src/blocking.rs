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

use crate::errors::{contain, failpoint, Failpoint};
use crate::outcome::{self, READY, SLICE, WOULD_BLOCK};
use crate::wait::{Withdraw, Withdrawal};

pub use crate::wire::RESULT_FIELDS;

struct Blocked {
    waiter: Arc<Waiter>,
    /// Taken when the wait ends; still here only if the thread ended mid-wait.
    cleanup: Option<Withdraw>,
}

impl Blocked {
    /// Ends the wait: takes the waiter off what it waits on.
    fn finish(mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup(Withdrawal::Live);
        }
    }
}

impl Drop for Blocked {
    /// The thread ended between two slices (a worker terminated in a blocking wait): the
    /// wait must not stay registered, or a counterpart would hand a value to a thread that
    /// is gone and the value would be lost.
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            contain("a blocking wait's cleanup", || {
                let granted = !self.waiter.try_cancel();
                cleanup(Withdrawal::ThreadEnded { granted });
            });
        }
    }
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
    cleanup: Withdraw,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let blocked = Blocked {
        waiter,
        cleanup: Some(cleanup),
    };
    wait_slice(env, meta, blocked, slice_ms)
}

/// Waits one slice on `blocked` (see [`block`]).
fn wait_slice<'env>(
    env: &'env Env,
    meta: &mut [f64],
    blocked: Blocked,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let deadline = Instant::now() + Duration::from_millis(slice_ms as u64);
    if let Some((case, d)) = blocked.waiter.wait(Some(deadline)) {
        blocked.finish();
        return outcome::ready(env, meta, READY, case, d);
    }
    let abandoned = CURRENT.with(|c| c.borrow_mut().replace(blocked));
    if let Some(earlier) = abandoned {
        // A wait JS left without resuming or cancelling it (an exception between slices):
        // take it off, leaving its values to JS (this thread still runs).
        earlier.finish();
    }
    outcome::status(meta, SLICE)
}

/// Continues this thread's blocking wait for one more slice of `sliceMs`; writes the
/// outcome (READY) or SLICE. WOULD_BLOCK if there is no wait to resume.
#[napi(
    ts_args_type = "meta: Float64Array, sliceMs: number",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn resume_blocking<'env>(
    env: &'env Env,
    mut meta: Float64ArraySlice<'_>,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Blocking);
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    let Some(current) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return outcome::status(meta, WOULD_BLOCK);
    };
    wait_slice(env, meta, current, slice_ms)
}

/// Gives up this thread's blocking wait (its deadline passed): WOULD_BLOCK if nothing
/// happened, or READY with the outcome if a counterpart committed it first.
#[napi(
    ts_args_type = "meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn cancel_blocking<'env>(
    env: &'env Env,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    let Some(current) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return outcome::status(meta, WOULD_BLOCK);
    };
    if current.waiter.try_cancel() {
        current.finish();
        return outcome::status(meta, WOULD_BLOCK);
    }
    // Committed a moment ago: the delivery is imminent.
    let got = current.waiter.wait(None);
    current.finish();
    let (case, d) = got.ok_or_else(|| {
        crate::errors::to_js(weft_core::Error::internal(
            "a committed blocking wait had no outcome",
        ))
    })?;
    outcome::ready(env, meta, READY, case, d)
}
