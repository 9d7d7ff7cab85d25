//! A queue of items for one JS thread with one coalesced wakeup: the way every result
//! made on another thread (pool completions, channel and lock hand-offs) gets back to the
//! thread that waits for it.
//!
//! Producers `post` items; only the post that flips `scheduled` from false to true calls
//! the waker (the binding fires a threadsafe function). The owner, once woken, keeps
//! polling (`drain`) while items keep coming, and producers skip the wakeup call all that
//! time: under load there is no cross-thread wakeup at all. A drain that finds nothing
//! re-arms the wakeup.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use weft_core::wake::Mailbox;
//! let wakeups = Arc::new(AtomicUsize::new(0));
//! let mailbox = Mailbox::default();
//! let counter = wakeups.clone();
//! mailbox.set_waker(move || { counter.fetch_add(1, Ordering::SeqCst); });
//! mailbox.post(1);                            // wakes the owner
//! mailbox.post(2);                            // already asked: no second wakeup
//! assert_eq!(mailbox.drain(usize::MAX), vec![1, 2]); // the owner polls again: still armed off
//! mailbox.post(3);
//! assert_eq!(mailbox.drain(usize::MAX), vec![3]);
//! assert!(mailbox.drain(usize::MAX).is_empty()); // nothing: wakeups re-armed
//! mailbox.post(4);                            // wakes the owner again
//! assert_eq!(wakeups.load(Ordering::SeqCst), 2);
//! ```
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::SegQueue;
use parking_lot::RwLock;

type Waker = Box<dyn Fn() + Send + Sync>;

/// Items on their way to one owner thread, plus the "a wakeup is pending" flag.
pub struct Mailbox<T> {
    queue: SegQueue<T>,
    scheduled: AtomicBool,
    waker: RwLock<Option<Waker>>,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Mailbox {
            queue: SegQueue::new(),
            scheduled: AtomicBool::new(false),
            waker: RwLock::new(None),
        }
    }
}

impl<T> Mailbox<T> {
    /// Installs what wakes the owner (called on the posting thread; must not block).
    pub fn set_waker(&self, waker: impl Fn() + Send + Sync + 'static) {
        *self.waker.write() = Some(Box::new(waker));
    }

    /// Drops the waker (and whatever it holds, e.g. a JS callback) once the owner is gone.
    pub fn clear_waker(&self) {
        self.waker.write().take();
    }

    /// Queues an item and wakes the owner unless a wakeup is already pending.
    pub fn post(&self, item: T) {
        self.queue.push(item);
        self.nudge();
    }

    /// Wakes the owner without an item (e.g. room appeared in a queue), unless a wakeup is
    /// already pending.
    pub fn nudge(&self) {
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            if let Some(waker) = self.waker.read().as_ref() {
                waker();
            }
        }
    }

    /// Marks a wakeup as pending, so posts skip the wakeup call until a drain finds
    /// nothing (the owner is about to poll).
    pub fn suppress_wakeups(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    /// The owner waits (spinning, up to `spin`) for an item instead of sleeping until a
    /// wakeup; posts skip the wakeup call meanwhile. Returns whether an item is ready. The
    /// owner must `drain` afterwards either way (that re-arms wakeups).
    pub fn spin(&self, spin: Duration) -> bool {
        self.suppress_wakeups();
        let deadline = Instant::now() + spin;
        loop {
            if !self.queue.is_empty() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            // A short pause between looks (see `Parking::wait`).
            for _ in 0..4 {
                std::hint::spin_loop();
            }
        }
    }

    /// Takes up to `max` items. The owner must call again while this returns any (no
    /// wakeup comes meanwhile). When there are none it re-arms the wakeup, then looks once
    /// more, so a post racing with the re-arm is never stranded.
    pub fn drain(&self, max: usize) -> Vec<T> {
        let out = self.pop_up_to(max);
        if !out.is_empty() {
            return out;
        }
        self.scheduled.swap(false, Ordering::AcqRel);
        let late = self.pop_up_to(max);
        if !late.is_empty() {
            // The owner polls again after this; spare producers the wakeup call.
            self.scheduled.store(true, Ordering::Release);
        }
        late
    }

    fn pop_up_to(&self, max: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(self.queue.len().min(max));
        while out.len() < max {
            match self.queue.pop() {
                Some(item) => out.push(item),
                None => break,
            }
        }
        out
    }

    /// Items waiting (a snapshot).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none is waiting (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
