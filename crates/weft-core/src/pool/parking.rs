//! Idle workers: spin briefly, then park on a condition variable until work, a stop or a
//! deadline. Submitters pay for a wakeup only when some worker is actually parked.
//!
//! The handshake that rules out a lost wakeup: a parking worker registers in `sleepers`
//! (SeqCst) and re-checks for work while holding the lock; a submitter publishes its work,
//! then reads `sleepers` (SeqCst) and, if any, notifies under the same lock. Either the
//! worker's re-check sees the work or the submitter sees the sleeper.
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// Where idle workers wait.
#[derive(Default)]
pub struct Parking {
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    cond: Condvar,
}

impl Parking {
    /// Number of workers parked now (a snapshot).
    pub fn parked(&self) -> usize {
        self.sleepers.load(Ordering::Relaxed)
    }

    /// Wakes up to `n` parked workers, if any are parked. Call after publishing `n` items.
    pub fn wake(&self, n: usize) {
        if n == 0 {
            return;
        }
        fence(Ordering::SeqCst);
        let sleepers = self.sleepers.load(Ordering::SeqCst);
        if sleepers == 0 {
            return;
        }
        let _guard = self.lock.lock();
        if n >= sleepers {
            self.cond.notify_all();
        } else {
            for _ in 0..n {
                self.cond.notify_one();
            }
        }
    }

    /// Wakes every parked worker (close, stop, interrupt).
    pub fn wake_all(&self) {
        fence(Ordering::SeqCst);
        let _guard = self.lock.lock();
        self.cond.notify_all();
    }

    /// Waits until `ready()` returns `Some`, spinning for `spin` first, then parking until
    /// `deadline`. Returns `None` if the deadline passed first.
    pub fn wait<T>(
        &self,
        spin: Duration,
        deadline: Instant,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        if let Some(v) = ready() {
            return Some(v);
        }
        let spin_until = Instant::now() + spin;
        let mut round = 0u32;
        while Instant::now() < spin_until {
            // A short pause between looks: each `spin_loop` (x86 `pause`) can cost ~100
            // cycles, and 64 of them made a round ~2 us, the dominant term of a round trip.
            for _ in 0..4 {
                std::hint::spin_loop();
            }
            if let Some(v) = ready() {
                return Some(v);
            }
            round += 1;
            // On a machine with few cores, let the producer run (every few microseconds).
            if round.is_multiple_of(32) {
                std::thread::yield_now();
            }
        }
        let mut guard = self.lock.lock();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let result = loop {
            if let Some(v) = ready() {
                break Some(v);
            }
            if self.cond.wait_until(&mut guard, deadline).timed_out() {
                // One last look: a notify may have raced with the timeout.
                break ready();
            }
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        result
    }
}
