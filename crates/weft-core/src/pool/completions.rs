//! Completions on their way back to the submitting thread, with one coalesced wakeup.
//!
//! Workers push completions; only the push that flips `scheduled` from false to true asks
//! for a wakeup. The owner, once woken, keeps polling (`drain`) while completions keep
//! coming, and workers skip the wakeup call all that time: under load there is no
//! cross-thread wakeup at all. A drain that finds nothing re-arms the wakeup.
//!
//! ```
//! use weft_core::pool::{Completion, Completions, Outcome};
//! use weft_core::Value;
//! let done = |id| Completion { id, outcome: Outcome::Ok(Value::Null), run_us: 0.0 };
//! let c = Completions::default();
//! assert!(c.push(done(1)));              // wake the owner
//! assert!(!c.push(done(2)));             // already asked
//! assert_eq!(c.drain(usize::MAX).len(), 2); // the owner will poll again: still armed off
//! assert!(!c.push(done(3)));
//! assert_eq!(c.drain(usize::MAX).len(), 1);
//! assert_eq!(c.drain(usize::MAX).len(), 0); // nothing: wakeups re-armed
//! assert!(c.push(done(4)));              // wakes the owner again
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

    /// Marks a wakeup as pending, so pushes skip the wakeup call until a drain finds
    /// nothing (the owner is about to poll).
    pub fn suppress_wakeups(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    /// Takes up to `max` completions. The caller must call again while this returns any
    /// (no wakeup comes meanwhile). When there are none it re-arms the wakeup, then looks
    /// once more, so a push racing with the re-arm is never stranded.
    pub fn drain(&self, max: usize) -> Vec<Completion> {
        let out = self.pop_up_to(max);
        if !out.is_empty() {
            return out;
        }
        self.scheduled.swap(false, Ordering::AcqRel);
        let late = self.pop_up_to(max);
        if !late.is_empty() {
            // The caller polls again after this; spare workers the wakeup call.
            self.scheduled.store(true, Ordering::Release);
        }
        late
    }

    fn pop_up_to(&self, max: usize) -> Vec<Completion> {
        let mut out = Vec::with_capacity(self.queue.len().min(max));
        while out.len() < max {
            match self.queue.pop() {
                Some(c) => out.push(c),
                None => break,
            }
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
