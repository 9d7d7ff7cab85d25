//! A cyclic barrier: `parties` callers wait until all have arrived, then all go on and the
//! barrier starts its next generation.
//!
//! ```
//! use weft_core::sync::{Arrival, Barrier};
//! use weft_core::wake::Waiter;
//! let barrier = Barrier::new(2);
//! let first = Waiter::blocking();
//! assert_eq!(barrier.arrive(&first), Arrival::Waiting { generation: 0 });
//! assert_eq!(barrier.arrive(&Waiter::blocking()), Arrival::Tripped { generation: 0 }); // the last
//! assert!(first.wait(None).is_some());
//! assert_eq!(barrier.generation(), 1);
//! ```
use std::sync::Arc;

use parking_lot::Mutex;

use super::waitlist::WaitList;
use crate::wake::Waiter;

/// What an arrival did.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival {
    /// This caller was the last of its generation: everyone goes on now.
    Tripped { generation: u64 },
    /// Queued until the generation's last caller arrives.
    Waiting { generation: u64 },
}

/// A barrier shared by every thread that holds it.
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    arrived: usize,
    generation: u64,
    waiters: WaitList<()>,
}

impl Barrier {
    /// A barrier for `parties` callers (>= 1).
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            parties,
            state: Mutex::new(State::default()),
        }
    }

    /// How many callers each generation waits for.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Generations completed so far.
    pub fn generation(&self) -> u64 {
        self.state.lock().generation
    }

    /// Arrives; the last of `parties` trips the barrier and wakes the others.
    pub fn arrive(&self, waiter: &Arc<Waiter>) -> Arrival {
        let mut st = self.state.lock();
        let generation = st.generation;
        st.arrived += 1;
        if st.arrived >= self.parties {
            st.arrived = 0;
            st.generation += 1;
            st.waiters.wake_all();
            return Arrival::Tripped { generation };
        }
        st.waiters.push(waiter.clone(), ());
        Arrival::Waiting { generation }
    }

    /// Withdraws a cancelled arrival, so the generation waits for another caller instead.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        let mut st = self.state.lock();
        let before = st.waiters.len();
        st.waiters.forget(waiter);
        if st.waiters.len() < before {
            st.arrived -= 1;
        }
    }
}

impl crate::wake::Waitable for Barrier {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Barrier::forget(self, waiter)
    }
}
