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
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use crate::loom_shim::{spin_loop, AtomicBool, Queue};

type Waker = Box<dyn Fn() + Send + Sync>;

/// Items on their way to one owner thread, plus the "a wakeup is pending" flag.
pub struct Mailbox<T> {
    queue: Queue<T>,
    scheduled: AtomicBool,
    waker: RwLock<Option<Waker>>,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Mailbox {
            queue: Queue::new(),
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
        if !self.scheduled.swap(true, Ordering::AcqRel)
            && let Some(waker) = self.waker.read().as_ref()
        {
            waker();
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
                spin_loop();
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

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::{mpsc, Arc};
    use std::thread;

    use super::*;

    /// Posters on two threads race the owner, which drains while items come and sleeps
    /// until woken after an empty drain: every item arrives once, and none is stranded
    /// (a stranded one would leave the owner waiting for a wakeup that never comes). (The
    /// loom models below cover every interleaving of a smaller version.)
    #[test]
    fn posts_from_other_threads_all_reach_the_owner() {
        let per: u32 = if cfg!(miri) { 20 } else { 20_000 };
        let mailbox = Arc::new(Mailbox::default());
        let (woken, wakeups) = mpsc::channel();
        mailbox.set_waker(move || {
            let _ = woken.send(());
        });
        let posters: Vec<_> = (0..2)
            .map(|p| {
                let mailbox = mailbox.clone();
                thread::spawn(move || {
                    for i in 0..per {
                        mailbox.post(p * per + i);
                    }
                })
            })
            .collect();
        let mut got = Vec::new();
        while got.len() < 2 * per as usize {
            let batch = mailbox.drain(64);
            if batch.is_empty() {
                wakeups
                    .recv_timeout(Duration::from_secs(10))
                    .expect("an item stranded: no wakeup after the drain re-armed");
            }
            got.extend(batch);
        }
        for poster in posters {
            poster.join().unwrap();
        }
        got.sort_unstable();
        assert!(got.into_iter().eq(0..2 * per), "each item once");
        mailbox.clear_waker();
    }
}

/// loom models of posts racing the owner's drains. Run with `npm run test:loom`.
#[cfg(all(test, loom))]
mod loom_model {
    use std::sync::Arc;

    use super::*;
    use crate::loom_shim::{model, Condvar, Mutex};

    /// The owner's event loop: wakeups requested and not yet handled.
    #[derive(Default)]
    struct Wakeups {
        pending: Mutex<usize>,
        cond: Condvar,
    }

    impl Wakeups {
        /// What the waker does: queue one wakeup of the owner.
        fn request(&self) {
            *self.pending.lock() += 1;
            self.cond.notify_one();
        }

        /// The owner sleeps until a wakeup was requested, and takes it.
        fn next(&self) {
            let mut pending = self.pending.lock();
            while *pending == 0 {
                self.cond.wait(&mut pending);
            }
            *pending -= 1;
        }
    }

    /// Posters race an owner that sleeps until woken, then drains (`max` at a time) until
    /// a drain comes back empty, which re-arms the wakeup: the owner gets every item. An
    /// item stranded with the wakeup armed off leaves the owner asleep, a deadlock.
    fn posts_reach_a_sleeping_owner(max: usize) {
        model(move || {
            let wakeups = Arc::new(Wakeups::default());
            let mailbox = Arc::new(Mailbox::default());
            {
                let wakeups = wakeups.clone();
                mailbox.set_waker(move || wakeups.request());
            }
            let posters: Vec<_> = [1u32, 2]
                .into_iter()
                .map(|item| {
                    let mailbox = mailbox.clone();
                    loom::thread::spawn(move || mailbox.post(item))
                })
                .collect();
            let mut got = Vec::new();
            while got.len() < 2 {
                wakeups.next();
                loop {
                    let batch = mailbox.drain(max);
                    if batch.is_empty() {
                        break;
                    }
                    got.extend(batch);
                }
            }
            for poster in posters {
                poster.join().unwrap();
            }
            got.sort_unstable();
            assert_eq!(got, vec![1, 2]);
            assert!(mailbox.is_empty());
            mailbox.clear_waker();
        });
    }

    #[test]
    fn loom_posts_racing_whole_drains_are_never_stranded() {
        posts_reach_a_sleeping_owner(usize::MAX);
    }

    #[test]
    fn loom_posts_racing_one_at_a_time_drains_are_never_stranded() {
        posts_reach_a_sleeping_owner(1);
    }
}
