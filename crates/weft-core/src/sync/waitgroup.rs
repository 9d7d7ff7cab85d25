//! Go's `sync.WaitGroup`: a counter that waiters wait to see at zero.
//!
//! ```
//! use weft_core::sync::WaitGroup;
//! use weft_core::wake::Waiter;
//! let wg = WaitGroup::default();
//! wg.add(2).unwrap();
//! let waiter = Waiter::blocking();
//! assert!(!wg.wait(&waiter));          // counter 2: queued
//! wg.add(-1).unwrap();
//! wg.add(-1).unwrap();                 // zero: wakes the waiter
//! assert!(waiter.wait(None).is_some());
//! assert!(wg.add(-1).is_err());        // a negative counter is an error
//! ```
use std::sync::Arc;

use parking_lot::Mutex;

use super::waitlist::WaitList;
use crate::wake::Waiter;
use crate::{Error, Result};

/// A wait group shared by every thread that holds it.
#[derive(Default)]
pub struct WaitGroup {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    count: i64,
    waiters: WaitList<()>,
}

impl WaitGroup {
    /// Adds `delta` (may be negative) to the counter; at zero every waiter wakes. A
    /// counter that would go negative is an error and stays as it was.
    pub fn add(&self, delta: i64) -> Result<i64> {
        let mut st = self.state.lock();
        let next = st.count + delta;
        if next < 0 {
            return Err(Error::invalid_argument(
                "delta",
                format!("would make the WaitGroup counter negative ({next})"),
            ));
        }
        st.count = next;
        if next == 0 {
            st.waiters.wake_all();
        }
        Ok(next)
    }

    /// The counter now.
    pub fn count(&self) -> i64 {
        self.state.lock().count
    }

    /// True if the counter is zero now; otherwise queues `waiter` (woken at zero).
    pub fn wait(&self, waiter: &Arc<Waiter>) -> bool {
        let mut st = self.state.lock();
        if st.count == 0 {
            return true;
        }
        st.waiters.push(waiter.clone(), ());
        false
    }

    /// Drops a cancelled waiter.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        self.state.lock().waiters.forget(waiter);
    }
}

impl crate::wake::Waitable for WaitGroup {
    fn forget(&self, waiter: &Arc<Waiter>) {
        WaitGroup::forget(self, waiter)
    }
}
