//! Starting a wait, in either form: every primitive only says how to register a waiter
//! (and how to take it off again); this module turns that into the async form (the
//! outcome comes later as a notice on this thread's notifier) or the blocking one (this
//! worker thread blocks in slices; see `blocking.rs`).
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use weft_core::wake::{Delivery, Waiter};

use crate::outcome::{self, READY, WAITING, WOULD_BLOCK};
use crate::{blocking, notifier};

/// How registering a waiter went.
pub enum Started {
    /// It happened at once: report `status` (READY, or a primitive's own) and the outcome.
    Now {
        status: u32,
        case: u32,
        delivery: Delivery,
    },
    /// The waiter is registered; the closure takes it off what it waits on, and runs once
    /// the wait is settled or cancelled, or its thread ends.
    Queued(Withdraw),
}

/// Takes a registered waiter off what it waits on (see [`Withdrawal`]).
pub type Withdraw = Box<dyn FnOnce(Withdrawal)>;

/// Why a registered wait is taken off what it waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// It settled or was cancelled while its thread runs: the values its send cases carried
    /// go back to that thread's JS side, which releases what they pinned.
    Live,
    /// Its thread is ending: nobody will take those values back, so they are discarded.
    /// `granted`: a counterpart had already committed the wait (handed it a lock's units,
    /// say) but the thread never took the outcome, so what it was given must go back.
    ThreadEnded { granted: bool },
}

impl Started {
    /// Happened at once with nothing to hand over (a lock taken, a count at zero).
    pub fn done(status: u32) -> Started {
        Started::Now {
            status,
            case: 0,
            delivery: Delivery::Done,
        }
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
    let notifier = notifier::current()?;
    let waiter = notifier.waiter(token);
    match register(&waiter)? {
        Started::Now {
            status,
            case,
            delivery,
        } => outcome::ready(env, meta, status, case, delivery),
        Started::Queued(withdraw) => {
            notifier.track(token, waiter, withdraw);
            outcome::status(meta, WAITING)
        }
    }
}

/// Blocking form: waits up to one slice of `slice_ms` (see `blocking.rs`).
pub fn run_blocking<'env>(
    env: &'env Env,
    meta: &mut [f64],
    slice_ms: u32,
    register: impl FnOnce(&Arc<Waiter>) -> Result<Started>,
) -> Result<Option<Unknown<'env>>> {
    let waiter = Waiter::blocking();
    match register(&waiter)? {
        Started::Now {
            status,
            case,
            delivery,
        } => outcome::ready(env, meta, status, case, delivery),
        Started::Queued(withdraw) => blocking::block(env, meta, waiter, withdraw, slice_ms),
    }
}

/// Brief form, for any thread: waits up to `spin_us` microseconds in this call (the
/// counterpart is active on another thread and answers within that), else withdraws the
/// wait and writes WOULD_BLOCK so the caller can wait asynchronously instead. An
/// unbuffered receive needs this: a sender hands over only to a registered receiver, so
/// polling without registering never sees a value.
pub fn run_brief<'env>(
    env: &'env Env,
    meta: &mut [f64],
    spin_us: u32,
    register: impl FnOnce(&Arc<Waiter>) -> Result<Started>,
) -> Result<Option<Unknown<'env>>> {
    let waiter = Waiter::blocking();
    let withdraw = match register(&waiter)? {
        Started::Now {
            status,
            case,
            delivery,
        } => return outcome::ready(env, meta, status, case, delivery),
        Started::Queued(withdraw) => withdraw,
    };
    let deadline = Instant::now() + Duration::from_micros(spin_us as u64);
    let got = waiter.wait(Some(deadline)).or_else(|| {
        if waiter.try_cancel() {
            None
        } else {
            waiter.wait(None) // committed just now: the delivery is imminent
        }
    });
    withdraw(Withdrawal::Live);
    match got {
        Some((case, delivery)) => outcome::ready(env, meta, READY, case, delivery),
        None => outcome::status(meta, WOULD_BLOCK),
    }
}
