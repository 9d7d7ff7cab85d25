//! Go's `sync.Once` across threads: the first caller runs the function (on its own
//! thread) and the others wait until it has finished; later callers return at once. As in
//! Go, a function that fails still counts as done. A run whose thread ends before it
//! finishes (a worker terminated mid-run) is [abandoned](Once::abandon): the function never
//! finished, so the waiting callers wake to try again and one of them runs it.
//!
//! ```
//! use weft_core::sync::{Once, OnceState};
//! use weft_core::wake::Waiter;
//! let once = Once::default();
//! let first = Waiter::blocking();
//! assert_eq!(once.begin(&first), OnceState::Run);      // this caller runs it
//! let second = Waiter::blocking();
//! assert_eq!(once.begin(&second), OnceState::Waiting); // running elsewhere: wait
//! once.finish();
//! assert!(second.wait(None).is_some());
//! assert_eq!(once.begin(&Waiter::blocking()), OnceState::Done);
//! ```
use std::sync::Arc;

use parking_lot::Mutex;

use super::waitlist::WaitList;
use crate::wake::Waiter;

/// The case a waiting caller wakes with when the run was [abandoned](Once::abandon).
pub const ONCE_RETRY: u32 = 1;

/// What a caller of [`Once::begin`] must do.
#[derive(Debug, PartialEq, Eq)]
pub enum OnceState {
    /// Run the function, then call [`Once::finish`].
    Run,
    /// Another caller is running it: the waiter wakes when it finishes.
    Waiting,
    /// It already ran.
    Done,
}

/// A once shared by every thread that holds it.
#[derive(Default)]
pub struct Once {
    state: Mutex<(Phase, WaitList<()>)>,
}

#[derive(Default, PartialEq, Eq)]
enum Phase {
    #[default]
    NotStarted,
    Running,
    Done,
}

impl Once {
    /// Claims the run, or queues `waiter` behind the running call, or reports it done.
    pub fn begin(&self, waiter: &Arc<Waiter>) -> OnceState {
        let mut st = self.state.lock();
        match st.0 {
            Phase::NotStarted => {
                st.0 = Phase::Running;
                OnceState::Run
            }
            Phase::Running => {
                st.1.push(waiter.clone(), ());
                OnceState::Waiting
            }
            Phase::Done => OnceState::Done,
        }
    }

    /// Marks the run finished and wakes the waiting callers.
    pub fn finish(&self) {
        let mut st = self.state.lock();
        st.0 = Phase::Done;
        st.1.wake_all();
    }

    /// The runner's thread ended before [`finish`](Self::finish): the run is open again,
    /// and every waiting caller wakes with case [`ONCE_RETRY`] to call [`begin`](Self::begin)
    /// again (the first to do so runs the function). Does nothing unless running.
    ///
    /// ```
    /// use weft_core::sync::{Once, OnceState, ONCE_RETRY};
    /// use weft_core::wake::Waiter;
    /// let once = Once::default();
    /// assert_eq!(once.begin(&Waiter::blocking()), OnceState::Run);
    /// let waiting = Waiter::blocking();
    /// assert_eq!(once.begin(&waiting), OnceState::Waiting);
    /// once.abandon(); // the runner's thread ended
    /// assert_eq!(waiting.wait(None).map(|(case, _)| case), Some(ONCE_RETRY));
    /// assert_eq!(once.begin(&Waiter::blocking()), OnceState::Run);
    /// ```
    pub fn abandon(&self) {
        let mut st = self.state.lock();
        if st.0 == Phase::Running {
            st.0 = Phase::NotStarted;
            st.1.wake_all_as(ONCE_RETRY);
        }
    }

    /// Whether the function has run.
    pub fn is_done(&self) -> bool {
        self.state.lock().0 == Phase::Done
    }

    /// Drops a cancelled waiter.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        self.state.lock().1.forget(waiter);
    }
}

impl crate::wake::Waitable for Once {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Once::forget(self, waiter)
    }
}
