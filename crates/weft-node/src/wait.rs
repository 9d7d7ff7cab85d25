//! Waits as JS sees them: a primitive's register call (weft-core's `wake` protocol) run in
//! the async form (the outcome comes later as a notice on this thread's notifier), the
//! blocking form (a worker thread blocks in slices, resumed or cancelled from JS) or the
//! brief form, with the outcome written into the caller's Float64Array.
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::wake::{self, blocking, Slice, Start, Started, Waitable, Waiter};

use crate::errors::{failpoint, to_js, Failpoint};
use crate::notifier;
use crate::outcome::{self, READY, SLICE, WAITING, WOULD_BLOCK};
use crate::wire::RESULT_FIELDS;

/// Writes a wait that happened at once, or hands the queued one to `queued`.
fn settle_now<'env>(
    env: &'env Env,
    meta: &mut [f64],
    started: Started,
    queued: impl FnOnce(&mut [f64], wake::Withdraw) -> Result<Option<Unknown<'env>>>,
) -> Result<Option<Unknown<'env>>> {
    match started {
        Started::Now {
            status,
            case,
            delivery,
        } => outcome::ready(env, meta, status, case, delivery),
        Started::Queued(withdraw) => queued(meta, withdraw),
    }
}

/// Async form: writes [status, outcome] now, or [WAITING] and the outcome arrives as a
/// notice with `token`.
pub fn run_async<'env>(
    env: &'env Env,
    token: f64,
    meta: &mut [f64],
    register: impl FnOnce(&Arc<Waiter>) -> Result<Started>,
) -> Result<Option<Unknown<'env>>> {
    let waits = notifier::current()?;
    let token = token as u64;
    let waiter = waits.waiter(token);
    let started = register(&waiter)?;
    settle_now(env, meta, started, |meta, withdraw| {
        waits.track(token, waiter, withdraw);
        outcome::status(meta, WAITING)
    })
}

/// Blocking form: waits up to one slice of `slice_ms` (weft-core's `wake::blocking`).
pub fn run_blocking<'env>(
    env: &'env Env,
    meta: &mut [f64],
    slice_ms: u32,
    register: impl FnOnce(&Arc<Waiter>) -> Result<Started>,
) -> Result<Option<Unknown<'env>>> {
    let waiter = Waiter::blocking();
    let started = register(&waiter)?;
    settle_now(env, meta, started, |meta, withdraw| {
        let slice = blocking::block(waiter, withdraw, Duration::from_millis(slice_ms as u64));
        write_slice(env, meta, slice)
    })
}

/// Brief form, for any thread: waits up to `spin_us` microseconds in this call, else
/// withdraws the wait and writes WOULD_BLOCK so the caller can wait asynchronously instead.
pub fn run_brief<'env>(
    env: &'env Env,
    meta: &mut [f64],
    spin_us: u32,
    register: impl FnOnce(&Arc<Waiter>) -> Result<Started>,
) -> Result<Option<Unknown<'env>>> {
    let waiter = Waiter::blocking();
    let started = register(&waiter)?;
    settle_now(env, meta, started, |meta, withdraw| {
        let spin = Duration::from_micros(spin_us as u64);
        match wake::brief(&waiter, withdraw, spin) {
            Some((case, delivery)) => outcome::ready(env, meta, READY, case, delivery),
            None => outcome::status(meta, WOULD_BLOCK),
        }
    })
}

/// `Start::Now(READY)` if `done`, else queued (a wait that reports nothing of its own).
pub fn ready_if(done: bool) -> Start {
    Start::ready_if(done, READY)
}

/// Async form of a wait on primitive `on`: `register` queues the waiter (or says it is
/// done now).
pub fn wait_async<'env, T: Waitable>(
    env: &'env Env,
    token: f64,
    meta: &mut Float64ArraySlice<'_>,
    on: &Arc<T>,
    register: impl FnOnce(&T, &Arc<Waiter>) -> Result<Start>,
) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Sync);
    let meta = outcome::meta_slice(meta, RESULT_FIELDS)?;
    run_async(env, token, meta, |w| {
        Ok(Started::on(w, register(on, w)?, on))
    })
}

/// Blocking form of a wait on primitive `on` (worker threads).
pub fn wait_blocking<'env, T: Waitable>(
    env: &'env Env,
    meta: &mut Float64ArraySlice<'_>,
    slice_ms: u32,
    on: &Arc<T>,
    register: impl FnOnce(&T, &Arc<Waiter>) -> Result<Start>,
) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Sync);
    let meta = outcome::meta_slice(meta, RESULT_FIELDS)?;
    run_blocking(env, meta, slice_ms, |w| {
        Ok(Started::on(w, register(on, w)?, on))
    })
}

/// Writes how a slice ended: READY with the outcome, or SLICE.
fn write_slice<'env>(
    env: &'env Env,
    meta: &mut [f64],
    slice: Slice,
) -> Result<Option<Unknown<'env>>> {
    match slice {
        Slice::Ready(case, delivery) => outcome::ready(env, meta, READY, case, delivery),
        Slice::Pending => outcome::status(meta, SLICE),
    }
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
    match blocking::resume(Duration::from_millis(slice_ms as u64)) {
        Some(slice) => write_slice(env, meta, slice),
        None => outcome::status(meta, WOULD_BLOCK),
    }
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
    match blocking::cancel().map_err(to_js)? {
        Some((case, delivery)) => outcome::ready(env, meta, READY, case, delivery),
        None => outcome::status(meta, WOULD_BLOCK),
    }
}
