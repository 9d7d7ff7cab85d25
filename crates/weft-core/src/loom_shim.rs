//! The primitives under the protocols that the loom models check (the channel ring, the
//! pool's parking, waiters and mailboxes): std, parking_lot and crossbeam in a normal
//! build, loom's model-checked ones in the unit tests built with `RUSTFLAGS="--cfg loom"`
//! (loom is a dev-dependency, so a non-test build keeps the real ones even then).
//!
//! The locks keep parking_lot's API (`lock()` returns the guard, `Condvar::wait` borrows
//! it), so the code under test reads the same either way. Under loom nothing spins on
//! the clock: [`spin_budget`] is zero (callers park at once), bounded spins yield to the
//! model's scheduler, and a [`Condvar::wait_until`] deadline either has passed already
//! (it times out at once) or is never reached (a plain wait, so a lost wakeup shows up
//! as a deadlock rather than being rescued by a timeout).

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize};

#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize};

#[cfg(not(all(test, loom)))]
pub(crate) use crossbeam_utils::Backoff;

#[cfg(not(all(test, loom)))]
pub(crate) use parking_lot::{Condvar, Mutex};

#[cfg(not(all(test, loom)))]
pub(crate) use crossbeam_queue::SegQueue as Queue;

use std::time::Duration;

/// How long to spin for a wanted `spin`: all of it, or none under loom (the clock means
/// nothing to a model, and an unbounded number of looks would blow up its state space).
pub(crate) fn spin_budget(spin: Duration) -> Duration {
    if cfg!(all(test, loom)) {
        Duration::ZERO
    } else {
        spin
    }
}

/// A pause in a busy-wait (a yield to the scheduler under loom).
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(not(all(test, loom)))]
    std::hint::spin_loop();
    #[cfg(all(test, loom))]
    loom::hint::spin_loop();
}

/// Lets other threads run.
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(all(test, loom)))]
    std::thread::yield_now();
    #[cfg(all(test, loom))]
    loom::thread::yield_now();
}

/// An `UnsafeCell` whose accesses go through [`with_mut`](Self::with_mut), so that loom
/// can check that no two of them race.
#[cfg(not(all(test, loom)))]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(all(test, loom)))]
impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer to the contents; the caller must make the access exclusive.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(all(test, loom))]
pub(crate) use loom::cell::UnsafeCell;

/// crossbeam's `Backoff` under loom: every pause yields to the model's scheduler (a spin
/// that waits for another thread can only end once that thread runs).
#[cfg(all(test, loom))]
#[derive(Default)]
pub(crate) struct Backoff;

#[cfg(all(test, loom))]
impl Backoff {
    /// A fresh backoff.
    pub(crate) fn new() -> Backoff {
        Backoff
    }

    /// A pause in a retry loop.
    pub(crate) fn spin(&self) {
        loom::thread::yield_now();
    }

    /// A pause while waiting for another thread.
    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }
}

/// loom's mutex with parking_lot's API.
#[cfg(all(test, loom))]
#[derive(Default)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

/// The guard of a [`Mutex`]; [`Condvar`] takes it out while waiting.
#[cfg(all(test, loom))]
pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

#[cfg(all(test, loom))]
impl<T> Mutex<T> {
    /// A mutex holding `value`.
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(loom::sync::Mutex::new(value))
    }

    /// Blocks until the lock is held.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        MutexGuard(Some(self.0.lock().expect("a model thread panicked")))
    }

    /// The contents, through an exclusive borrow (no locking).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut().expect("a model thread panicked")
    }
}

#[cfg(all(test, loom))]
impl<T> std::ops::Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_ref().expect("guard taken by a wait")
    }
}

#[cfg(all(test, loom))]
impl<T> std::ops::DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.as_mut().expect("guard taken by a wait")
    }
}

/// loom's condition variable with parking_lot's API (see the module doc for deadlines).
#[cfg(all(test, loom))]
#[derive(Default)]
pub(crate) struct Condvar(loom::sync::Condvar);

/// Whether [`Condvar::wait_until`] returned because its deadline passed.
#[cfg(all(test, loom))]
pub(crate) struct WaitTimeoutResult(bool);

#[cfg(all(test, loom))]
impl WaitTimeoutResult {
    /// True if the deadline passed.
    pub(crate) fn timed_out(&self) -> bool {
        self.0
    }
}

#[cfg(all(test, loom))]
impl Condvar {
    /// A condition variable nobody waits on.
    pub(crate) fn new() -> Condvar {
        Condvar(loom::sync::Condvar::new())
    }

    /// Releases the lock, waits for a notification, takes the lock again.
    pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        let held = guard.0.take().expect("guard taken by a wait");
        guard.0 = Some(self.0.wait(held).expect("a model thread panicked"));
    }

    /// [`wait`](Self::wait) up to `deadline`: times out at once if it has passed, else
    /// waits for a notification (a model never reaches a future deadline).
    pub(crate) fn wait_until<T>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: std::time::Instant,
    ) -> WaitTimeoutResult {
        if std::time::Instant::now() >= deadline {
            return WaitTimeoutResult(true);
        }
        self.wait(guard);
        WaitTimeoutResult(false)
    }

    /// Wakes one waiter.
    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Wakes every waiter.
    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// An unbounded MPMC queue: crossbeam's `SegQueue` normally, a locked `VecDeque` under
/// loom (the same linearizable behaviour, with its synchronization visible to the model).
#[cfg(all(test, loom))]
pub(crate) struct Queue<T>(loom::sync::Mutex<std::collections::VecDeque<T>>);

#[cfg(all(test, loom))]
impl<T> Queue<T> {
    /// An empty queue.
    pub(crate) fn new() -> Queue<T> {
        Queue(loom::sync::Mutex::new(std::collections::VecDeque::new()))
    }

    /// Adds `item` at the back.
    pub(crate) fn push(&self, item: T) {
        self.0
            .lock()
            .expect("a model thread panicked")
            .push_back(item);
    }

    /// Takes the item at the front.
    pub(crate) fn pop(&self) -> Option<T> {
        self.0.lock().expect("a model thread panicked").pop_front()
    }

    /// Items queued now.
    pub(crate) fn len(&self) -> usize {
        self.0.lock().expect("a model thread panicked").len()
    }

    /// Whether none is queued now.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs `f` under loom's model checker, with at most two preemptions per execution unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise (enough for these protocols, and tractable).
#[cfg(all(test, loom))]
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}
