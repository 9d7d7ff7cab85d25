//! Blocking waits for worker threads, in slices: a call waits at most one slice, then
//! returns to its caller (JS), which resumes (or, past its own deadline, cancels) the same
//! wait. A thread parked in native code cannot be terminated, so `worker.terminate()` and
//! process exit take effect at the next slice instead of never. The wait keeps its place
//! in line across slices (it stays registered); only cancelling takes it off. A thread
//! blocks on one thing at a time: its wait between slices is kept in a thread-local, and
//! if the thread ends there, the wait is withdrawn (and what it was granted goes back).
//!
//! ```
//! use std::time::Duration;
//! use weft_core::wake::{blocking, Delivery, Slice, Waiter};
//! let waiter = Waiter::blocking();
//! // Registered somewhere; nobody answers within the first slice.
//! let slice = blocking::block(waiter.clone(), Box::new(|_| {}), Duration::from_millis(1));
//! assert!(matches!(slice, Slice::Pending));
//! // A counterpart commits it; the next slice takes the outcome.
//! assert!(waiter.try_commit(0));
//! waiter.deliver(0, Delivery::Done);
//! let next = blocking::resume(Duration::from_millis(1));
//! assert!(matches!(next, Some(Slice::Ready(0, Delivery::Done))));
//! assert!(blocking::resume(Duration::ZERO).is_none()); // nothing left to resume
//! ```
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Delivery, Waiter, Withdraw, Withdrawal};
use crate::error::contain;
use crate::{Error, Result};

/// How one slice of a blocking wait ended.
#[derive(Debug)]
pub enum Slice {
    /// Case `.0` happened, with this delivery; the wait is over.
    Ready(u32, Delivery),
    /// Nothing yet: the wait stays registered as this thread's current one.
    Pending,
}

/// A registered blocking wait and how to take it off what it waits on.
struct Blocked {
    waiter: Arc<Waiter>,
    /// Taken when the wait ends; still here only if the thread ended mid-wait.
    withdraw: Option<Withdraw>,
}

impl Blocked {
    /// Ends the wait while its thread runs: takes the waiter off what it waits on.
    fn finish(mut self) {
        if let Some(withdraw) = self.withdraw.take() {
            withdraw(Withdrawal::Live);
        }
    }
}

impl Drop for Blocked {
    /// The thread ended between two slices (a worker terminated in a blocking wait): the
    /// wait must not stay registered, or a counterpart would hand a value to a thread that
    /// is gone and the value would be lost; and if one committed it already, what it
    /// granted goes back.
    fn drop(&mut self) {
        if let Some(withdraw) = self.withdraw.take() {
            contain("a blocking wait's cleanup", || {
                let granted = !self.waiter.try_cancel();
                withdraw(Withdrawal::ThreadEnded { granted });
            });
        }
    }
}

thread_local! {
    /// This thread's wait between slices.
    static CURRENT: RefCell<Option<Blocked>> = const { RefCell::new(None) };
}

/// Waits one slice for a just-registered blocking `waiter`; `withdraw` takes it off what it
/// waits on once the wait ends (or the thread does).
pub fn block(waiter: Arc<Waiter>, withdraw: Withdraw, slice: Duration) -> Slice {
    wait_slice(
        Blocked {
            waiter,
            withdraw: Some(withdraw),
        },
        slice,
    )
}

/// Continues this thread's blocking wait for one more slice; None if there is none.
pub fn resume(slice: Duration) -> Option<Slice> {
    let current = CURRENT.with(|c| c.borrow_mut().take())?;
    Some(wait_slice(current, slice))
}

/// Gives up this thread's blocking wait (its caller's deadline passed): None if nothing
/// happened (or there was no wait), or the outcome if a counterpart committed it first.
pub fn cancel() -> Result<Option<(u32, Delivery)>> {
    let Some(current) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return Ok(None);
    };
    if current.waiter.try_cancel() {
        current.finish();
        return Ok(None);
    }
    // Committed a moment ago: the delivery is imminent.
    let got = current.waiter.wait(None);
    current.finish();
    got.map(Some)
        .ok_or_else(|| Error::internal("a committed blocking wait had no outcome"))
}

/// Waits one slice on `blocked`: the outcome, or Pending with it kept as the current wait.
fn wait_slice(blocked: Blocked, slice: Duration) -> Slice {
    if let Some((case, delivery)) = blocked.waiter.wait(Some(Instant::now() + slice)) {
        blocked.finish();
        return Slice::Ready(case, delivery);
    }
    let abandoned = CURRENT.with(|c| c.borrow_mut().replace(blocked));
    if let Some(earlier) = abandoned {
        // A wait the caller left without resuming or cancelling it (an exception between
        // slices): take it off, leaving its values to the caller (this thread still runs).
        earlier.finish();
    }
    Slice::Pending
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{Acquire, Semaphore};
    use crate::wake::{Start, Started};

    /// A wait on a held one-unit lock, registered as the bindings do.
    fn lock_wait(lock: &Arc<Semaphore>) -> (Arc<Waiter>, Withdraw) {
        let waiter = Waiter::blocking();
        assert!(matches!(lock.acquire(1, &waiter), Ok(Acquire::Waiting)));
        match Started::on(&waiter, Start::QueuedFor(1), lock) {
            Started::Queued(withdraw) => (waiter, withdraw),
            Started::Now { .. } => unreachable!(),
        }
    }

    #[test]
    fn a_thread_ending_mid_wait_gives_back_what_it_was_granted() {
        let lock = Arc::new(Semaphore::new(1));
        assert!(lock.try_acquire(1));
        let worker = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                let (waiter, withdraw) = lock_wait(&lock);
                let first = block(waiter, withdraw, Duration::ZERO);
                assert!(matches!(first, Slice::Pending));
                // The holder releases: the unit is granted to this wait...
                lock.release(1).unwrap();
                assert_eq!(lock.held(), 1);
                // ...and the thread ends before a slice takes it (a terminated worker).
            })
        };
        worker.join().unwrap();
        assert_eq!(lock.held(), 0, "the granted unit went back");
        assert!(lock.try_acquire(1));
    }

    #[test]
    fn a_thread_ending_mid_wait_leaves_nothing_registered() {
        let lock = Arc::new(Semaphore::new(1));
        assert!(lock.try_acquire(1));
        let worker = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                let (waiter, withdraw) = lock_wait(&lock);
                assert!(matches!(
                    block(waiter, withdraw, Duration::ZERO),
                    Slice::Pending
                ));
            })
        };
        worker.join().unwrap();
        // The wait was withdrawn: releasing now grants nobody.
        lock.release(1).unwrap();
        assert_eq!(lock.held(), 0);
    }

    #[test]
    fn cancel_withdraws_or_returns_what_happened_first() {
        let lock = Arc::new(Semaphore::new(1));
        assert!(lock.try_acquire(1));
        let (waiter, withdraw) = lock_wait(&lock);
        assert!(matches!(
            block(waiter, withdraw, Duration::ZERO),
            Slice::Pending
        ));
        assert!(cancel().unwrap().is_none());
        assert!(cancel().unwrap().is_none(), "no wait left to cancel");
        lock.release(1).unwrap();
        assert_eq!(lock.held(), 0, "the cancelled wait was not granted");

        assert!(lock.try_acquire(1));
        let (waiter, withdraw) = lock_wait(&lock);
        assert!(matches!(
            block(waiter, withdraw, Duration::ZERO),
            Slice::Pending
        ));
        lock.release(1).unwrap(); // granted before the cancel
        assert!(matches!(cancel().unwrap(), Some((_, Delivery::Done))));
        assert_eq!(lock.held(), 1, "the caller holds what it was granted");
    }

    #[test]
    fn a_new_wait_withdraws_one_its_caller_abandoned() {
        let lock = Arc::new(Semaphore::new(1));
        assert!(lock.try_acquire(1));
        let (waiter, withdraw) = lock_wait(&lock);
        assert!(matches!(
            block(waiter, withdraw, Duration::ZERO),
            Slice::Pending
        ));
        let other = Waiter::blocking();
        assert!(matches!(
            block(other, Box::new(|_| {}), Duration::ZERO),
            Slice::Pending
        ));
        // The first wait is off the lock: a release grants nobody.
        lock.release(1).unwrap();
        assert_eq!(lock.held(), 0);
        assert!(cancel().unwrap().is_none());
    }
}

/// loom model of a blocked wait's thread ending while a counterpart commits it. Run with
/// `npm run test:loom`.
#[cfg(all(test, loom))]
mod loom_model {
    use super::*;
    use crate::loom_shim::{model, AtomicU32, Mutex};
    use crate::wake::{Start, Started, Waitable};
    use std::sync::atomic::Ordering;

    /// A one-permit lock reduced to the protocol: its queue of waiters and its free units.
    #[derive(Default)]
    struct Lock {
        queue: Mutex<Vec<Arc<Waiter>>>,
        free: AtomicU32,
    }

    impl Waitable for Lock {
        fn forget(&self, waiter: &Arc<Waiter>) {
            self.queue.lock().retain(|w| !Arc::ptr_eq(w, waiter));
        }

        fn give_back(&self, units: u64) {
            self.free.fetch_add(units as u32, Ordering::SeqCst);
        }
    }

    impl Lock {
        /// A release: grants the unit to the first queued waiter that takes it, else keeps it.
        fn release(&self) {
            let first = self.queue.lock().first().cloned();
            match first {
                Some(w) if w.try_commit(0) => {
                    self.forget(&w);
                    w.deliver(0, Delivery::Done);
                }
                _ => {
                    self.free.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    /// A thread's blocked wait ends with the thread while the holder releases: whether the
    /// release granted it or not, the unit is free afterwards and no waiter is left queued.
    #[test]
    fn loom_a_thread_ending_mid_wait_never_loses_a_granted_unit() {
        model(|| {
            let lock = Arc::new(Lock::default());
            let waiter = Waiter::blocking();
            lock.queue.lock().push(waiter.clone());
            let Started::Queued(withdraw) = Started::on(&waiter, Start::QueuedFor(1), &lock) else {
                unreachable!()
            };
            let blocked = Blocked {
                waiter,
                withdraw: Some(withdraw),
            };
            let holder = {
                let lock = lock.clone();
                loom::thread::spawn(move || lock.release())
            };
            drop(blocked); // the thread ends between two slices
            holder.join().unwrap();
            assert_eq!(lock.free.load(Ordering::SeqCst), 1, "the unit was lost");
            assert!(lock.queue.lock().is_empty(), "a waiter was left queued");
        });
    }
}
