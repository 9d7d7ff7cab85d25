//! Starting a wait: every primitive only says how to register a waiter ([`Start`]) and how
//! to take it off again ([`Waitable`]); a binding turns the [`Started`] wait into its
//! async form (the outcome comes later as a [`Notice`](super::Notice) on the thread's
//! [`ThreadWaits`](super::ThreadWaits)), its blocking form (a worker thread blocks in
//! slices: [`blocking`](super::blocking)) or its brief form ([`brief`]).
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::sync::{Acquire, Semaphore};
//! use weft_core::wake::{brief, Start, Started, Waiter};
//! let lock = Arc::new(Semaphore::new(1));
//! assert!(lock.try_acquire(1)); // someone holds it
//! let waiter = Waiter::blocking();
//! assert!(matches!(lock.acquire(1, &waiter), Ok(Acquire::Waiting)));
//! let Started::Queued(withdraw) = Started::on(&waiter, Start::QueuedFor(1), &lock) else {
//!     unreachable!()
//! };
//! // Nobody releases it within 10 us: the wait is withdrawn, and the lock is free of it.
//! assert!(brief(&waiter, withdraw, std::time::Duration::from_micros(10)).is_none());
//! lock.release(1).unwrap();
//! assert_eq!(lock.held(), 0);
//! ```
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Delivery, Waiter};

/// What every object a thread can wait on (each sync primitive, a context) provides to the
/// shared wait machinery: how to take a waiter off it again, and what to give back when a
/// waiter was granted something its thread never took.
pub trait Waitable: Send + Sync + 'static {
    /// Takes `waiter` off this object's wait list (a no-op if it is not on it).
    fn forget(&self, waiter: &Arc<Waiter>);

    /// Takes back `units` granted to a waiter whose thread ended before it took them (a
    /// semaphore's permits; nothing for objects that grant nothing).
    fn give_back(&self, units: u64) {
        let _ = units;
    }
}

/// How a primitive's own register call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Happened now; the status to report (READY, or a primitive's own such as ONCE_RUN).
    Now(u32),
    /// The waiter is queued.
    Queued,
    /// Queued for `n` units of a semaphore: if they are granted but the thread ends before
    /// taking them, they go back (or the lock would stay held by nobody).
    QueuedFor(u64),
}

impl Start {
    /// `Now(ready)` if `done`, else `Queued` (a wait that reports nothing of its own).
    pub fn ready_if(done: bool, ready: u32) -> Start {
        if done {
            Start::Now(ready)
        } else {
            Start::Queued
        }
    }
}

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
    /// go back to that thread's side, which releases what they pinned.
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

    /// The wait on `on` that its register call began as `start`.
    pub fn on<T: Waitable>(waiter: &Arc<Waiter>, start: Start, on: &Arc<T>) -> Started {
        let units = match start {
            Start::Now(status) => return Started::done(status),
            Start::Queued => 0,
            Start::QueuedFor(units) => units,
        };
        let (waiter, on) = (waiter.clone(), on.clone());
        Started::Queued(Box::new(move |why| {
            on.forget(&waiter);
            if why == (Withdrawal::ThreadEnded { granted: true }) && units > 0 {
                on.give_back(units);
            }
        }))
    }
}

/// Brief form of a registered wait, for any thread: waits up to `spin` in this call (the
/// counterpart is active on another thread and answers within that), else cancels it.
/// Withdraws the wait either way and returns the outcome, or None if nothing happened.
/// An unbuffered receive needs this: a sender hands over only to a registered receiver,
/// so polling without registering never sees a value.
pub fn brief(waiter: &Arc<Waiter>, withdraw: Withdraw, spin: Duration) -> Option<(u32, Delivery)> {
    let got = waiter.wait(Some(Instant::now() + spin)).or_else(|| {
        if waiter.try_cancel() {
            None
        } else {
            waiter.wait(None) // committed just now: the delivery is imminent
        }
    });
    withdraw(Withdrawal::Live);
    got
}
