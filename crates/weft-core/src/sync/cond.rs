//! Go's `sync.Cond`: wait for a signal while atomically giving up a mutex (a
//! [`Semaphore`] of size 1); the waiter takes the mutex again after waking (the binding
//! does that as a second step, like Go's `c.L.Lock()` at the end of `Wait`).
//!
//! ```
//! use weft_core::sync::{Cond, Semaphore};
//! use weft_core::wake::Waiter;
//! let (cond, mutex) = (Cond::default(), Semaphore::new(1));
//! assert!(mutex.try_acquire(1));
//! let waiter = Waiter::blocking();
//! cond.wait(&waiter, &mutex).unwrap(); // queued, mutex released in the same step
//! assert!(mutex.try_acquire(1));       // so a signaller can take it
//! assert_eq!(cond.signal(), 1);
//! assert!(waiter.wait(None).is_some());
//! ```
use std::sync::Arc;

use parking_lot::Mutex;

use super::{waitlist::WaitList, Semaphore};
use crate::wake::Waiter;
use crate::Result;

/// A condition variable shared by every thread that holds it.
#[derive(Default)]
pub struct Cond {
    waiters: Mutex<WaitList<()>>,
}

impl Cond {
    /// Queues `waiter`, then releases `mutex` (which the caller holds). Queuing first means
    /// a signal sent right after the release is not missed. Fails (and queues nothing) if
    /// the mutex is not held.
    pub fn wait(&self, waiter: &Arc<Waiter>, mutex: &Semaphore) -> Result<()> {
        let mut waiters = self.waiters.lock();
        waiters.push(waiter.clone(), ());
        if let Err(err) = mutex.release(1) {
            waiters.forget(waiter);
            return Err(err);
        }
        Ok(())
    }

    /// Wakes one waiter; how many woke (0 or 1).
    pub fn signal(&self) -> usize {
        self.waiters.lock().wake_one().map_or(0, |()| 1)
    }

    /// Wakes every waiter; how many woke.
    pub fn broadcast(&self) -> usize {
        self.waiters.lock().wake_all()
    }

    /// Drops a cancelled waiter.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        self.waiters.lock().forget(waiter);
    }
}

impl crate::wake::Waitable for Cond {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Cond::forget(self, waiter)
    }
}
