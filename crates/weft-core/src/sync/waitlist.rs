//! A FIFO of waiters with a per-entry payload (a semaphore weight, a barrier generation):
//! the building block of every sync primitive's wait.
use std::collections::VecDeque;
use std::sync::Arc;

use crate::wake::{Delivery, Waiter};

/// Waiters in arrival order. Entries whose waiter was cancelled are skipped and dropped.
pub(crate) struct WaitList<T> {
    entries: VecDeque<(Arc<Waiter>, T)>,
}

impl<T> Default for WaitList<T> {
    fn default() -> Self {
        WaitList {
            entries: VecDeque::new(),
        }
    }
}

impl<T> WaitList<T> {
    pub fn push(&mut self, waiter: Arc<Waiter>, payload: T) {
        self.entries.push_back((waiter, payload));
    }

    /// The first entry still waiting (cancelled ones at the front are dropped).
    pub fn front(&mut self) -> Option<&T> {
        while let Some((waiter, _)) = self.entries.front() {
            if waiter.is_waiting() {
                return self.entries.front().map(|(_, p)| p);
            }
            self.entries.pop_front();
        }
        None
    }

    /// Commits and wakes the first entry still waiting; its payload, if one was woken.
    pub fn wake_one(&mut self) -> Option<T> {
        self.wake_front_if(|_| true)
    }

    /// Commits and wakes the first entry still waiting if `fits(payload)`; its payload, if
    /// one was woken. (A waiter cancelled meanwhile is dropped and the next one considered,
    /// so the test always applies to the entry actually woken.)
    pub fn wake_front_if(&mut self, fits: impl Fn(&T) -> bool) -> Option<T> {
        while let Some((waiter, payload)) = self.entries.pop_front() {
            if !waiter.is_waiting() {
                continue;
            }
            if !fits(&payload) {
                self.entries.push_front((waiter, payload));
                return None;
            }
            if waiter.try_commit(0) {
                waiter.deliver(0, Delivery::Done);
                return Some(payload);
            }
        }
        None
    }

    /// Commits and wakes every entry still waiting; how many were woken.
    pub fn wake_all(&mut self) -> usize {
        self.wake_all_as(0)
    }

    /// [`wake_all`](Self::wake_all), reporting `case` to each waiter (a primitive's way
    /// of saying how the wait ended).
    pub fn wake_all_as(&mut self, case: u32) -> usize {
        let mut woken = 0;
        while let Some((waiter, _)) = self.entries.pop_front() {
            if waiter.is_waiting() && waiter.try_commit(case) {
                waiter.deliver(case, Delivery::Done);
                woken += 1;
            }
        }
        woken
    }

    /// Removes `waiter`'s entry (after it was cancelled).
    pub fn forget(&mut self, waiter: &Arc<Waiter>) {
        self.entries.retain(|(w, _)| !Arc::ptr_eq(w, waiter));
    }

    /// Entries queued (cancelled ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is waiting.
    pub fn is_empty(&mut self) -> bool {
        self.front().is_none()
    }
}
