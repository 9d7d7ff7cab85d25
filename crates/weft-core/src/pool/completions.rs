//! Completions on their way back to the submitting thread, with one coalesced wakeup.
//!
//! Workers push completions; only the push that flips `scheduled` from false to true asks
//! for a wakeup. The submitting thread, woken once, drains everything queued so far.
//!
//! ```
//! use weft_core::pool::{Completion, Completions, Outcome};
//! use weft_core::Value;
//! let c = Completions::default();
//! assert!(c.push(Completion { id: 1, outcome: Outcome::Ok(Value::Null), run_us: 0.0 }));  // wake the owner
//! assert!(!c.push(Completion { id: 2, outcome: Outcome::Ok(Value::Null), run_us: 0.0 })); // already asked
//! assert_eq!(c.drain(usize::MAX).len(), 2);
//! ```
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_queue::SegQueue;

use super::task::Completion;

/// A queue of completions plus the "a wakeup is pending" flag.
#[derive(Default)]
pub struct Completions {
    queue: SegQueue<Completion>,
    scheduled: AtomicBool,
}

impl Completions {
    /// Queues a completion; true when the caller must wake the owner.
    pub fn push(&self, completion: Completion) -> bool {
        self.queue.push(completion);
        self.request_wakeup()
    }

    /// Asks for a wakeup without a completion (e.g. room appeared in the queue); true when
    /// the caller must wake the owner.
    pub fn request_wakeup(&self) -> bool {
        !self.scheduled.swap(true, Ordering::AcqRel)
    }

    /// Marks a wakeup as pending, so pushes skip the wakeup call until the next drain
    /// (the owner is about to poll).
    pub fn suppress_wakeups(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    /// Takes up to `max` completions. Clears the pending flag first, so a push that races
    /// with the drain either lands in this drain or asks for a new wakeup.
    pub fn drain(&self, max: usize) -> Vec<Completion> {
        self.scheduled.swap(false, Ordering::AcqRel);
        let mut out = Vec::with_capacity(self.queue.len().min(max));
        while out.len() < max {
            match self.queue.pop() {
                Some(c) => out.push(c),
                None => break,
            }
        }
        if !self.queue.is_empty() {
            // Left some behind: make sure the owner comes back for them.
            self.scheduled.store(true, Ordering::Release);
        }
        out
    }

    /// Completions waiting (a snapshot).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none is waiting (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
