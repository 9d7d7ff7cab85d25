//! A weighted semaphore with golang.org/x/sync/semaphore semantics: FIFO, so a large
//! request at the front holds back smaller ones behind it (no starvation). A mutex is a
//! semaphore of size 1; a readers-writer lock is one of size [`RW_SIZE`] where a reader
//! takes 1 and a writer takes all of it, so a waiting writer holds back new readers.
//!
//! ```
//! use weft_core::sync::{Acquire, Semaphore};
//! use weft_core::wake::Waiter;
//! let sem = Semaphore::new(3);
//! assert!(sem.try_acquire(2));
//! let waiter = Waiter::blocking();
//! assert_eq!(sem.acquire(2, &waiter).unwrap(), Acquire::Waiting); // 1 left: waits
//! assert!(!sem.try_acquire(1)); // FIFO: the waiting request is first in line
//! sem.release(2).unwrap();       // wakes the waiter, which now holds 2
//! assert!(waiter.wait(None).is_some());
//! ```
use parking_lot::Mutex;

use super::waitlist::WaitList;
use crate::wake::Waiter;
use crate::{Error, Result};
use std::sync::Arc;

/// The size of a readers-writer lock's semaphore.
pub const RW_SIZE: u64 = 1 << 30;

/// How an acquire went.
#[derive(Debug, PartialEq, Eq)]
pub enum Acquire {
    /// The weight is held now.
    Done,
    /// The waiter is queued; it is woken holding the weight, unless cancelled first (then
    /// call [`Semaphore::forget`]).
    Waiting,
}

/// A weighted semaphore shared by every thread that holds it.
pub struct Semaphore {
    size: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    held: u64,
    waiters: WaitList<u64>,
}

impl State {
    /// Grants waiting requests from the front while they fit.
    fn grant(&mut self, size: u64) {
        let held = &mut self.held;
        while let Some(weight) = self.waiters.wake_front_if(|&w| size - *held >= w) {
            *held += weight;
        }
    }
}

impl Semaphore {
    /// A semaphore of `size` units (size >= 1).
    pub fn new(size: u64) -> Semaphore {
        Semaphore {
            size,
            state: Mutex::new(State::default()),
        }
    }

    /// Its size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Units held now.
    pub fn held(&self) -> u64 {
        self.state.lock().held
    }

    /// Takes `n` units if they are free and nobody is waiting; never waits.
    pub fn try_acquire(&self, n: u64) -> bool {
        let mut st = self.state.lock();
        if self.size - st.held >= n && st.waiters.is_empty() {
            st.held += n;
            true
        } else {
            false
        }
    }

    /// Takes `n` units now, or queues `waiter` for them. `n` over the size is an error
    /// (it could never be granted).
    pub fn acquire(&self, n: u64, waiter: &Arc<Waiter>) -> Result<Acquire> {
        if n > self.size {
            return Err(Error::invalid_argument(
                "n",
                format!("is {n}, more than the semaphore's size {}", self.size),
            ));
        }
        let mut st = self.state.lock();
        if self.size - st.held >= n && st.waiters.is_empty() {
            st.held += n;
            return Ok(Acquire::Done);
        }
        st.waiters.push(waiter.clone(), n);
        Ok(Acquire::Waiting)
    }

    /// Gives back `n` units and wakes the requests that now fit. Releasing more than is
    /// held is an error and changes nothing.
    pub fn release(&self, n: u64) -> Result<()> {
        let mut st = self.state.lock();
        if n > st.held {
            return Err(Error::invalid_argument(
                "n",
                format!("is {n}, but only {} units are held", st.held),
            ));
        }
        st.held -= n;
        st.grant(self.size);
        Ok(())
    }

    /// Drops a cancelled waiter's request; requests behind it may fit now.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        let mut st = self.state.lock();
        st.waiters.forget(waiter);
        st.grant(self.size);
    }
}

impl crate::wake::Waitable for Semaphore {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Semaphore::forget(self, waiter)
    }

    fn give_back(&self, units: u64) {
        // Cannot fail: these units were granted and never released.
        let _ = self.release(units);
    }
}
