//! Idle workers: spin briefly, then park on a condition variable until work, a stop or a
//! deadline. Submitters pay for a wakeup only when some worker is actually parked.
//!
//! The handshake that rules out a lost wakeup is a Dekker (store-buffering) pair:
//!
//! - a parking worker, holding the lock, registers in `sleepers`, then a `SeqCst` fence,
//!   then re-checks for work (the queue's own loads, Acquire at best);
//! - a submitter publishes its work, then a `SeqCst` fence, then reads `sleepers` and, if
//!   any, notifies under the same lock.
//!
//! The two fences are ordered one way or the other, so either the worker's re-check sees
//! the work or the submitter sees the sleeper (and its notify, under the lock, cannot fall
//! between the worker's re-check and its wait). Without the worker's fence both sides may
//! read the old values, each from its own store buffer, and the worker sleeps with work
//! queued until its deadline: the loom model at the end of this file finds that.
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::loom_shim::{fence, spin_budget, spin_loop, yield_now, AtomicUsize, Condvar, Mutex};

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
        // The submitter's half of the handshake (see the module doc): its work is published.
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
        let spin_until = Instant::now() + spin_budget(spin);
        let mut round = 0u32;
        while Instant::now() < spin_until {
            // A short pause between looks: each `spin_loop` (x86 `pause`) can cost ~100
            // cycles, and 64 of them made a round ~2 us, the dominant term of a round trip.
            for _ in 0..4 {
                spin_loop();
            }
            if let Some(v) = ready() {
                return Some(v);
            }
            round += 1;
            // On a machine with few cores, let the producer run (every few microseconds).
            if round.is_multiple_of(32) {
                yield_now();
            }
        }
        let mut guard = self.lock.lock();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        // The worker's half of the handshake (see the module doc): the registration is
        // ordered before the re-checks' loads.
        fence(Ordering::SeqCst);
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

/// loom models of the parking handshake. Run with `npm run test:loom`.
#[cfg(all(test, loom))]
mod loom_model {
    use std::sync::Arc;

    use super::*;
    use crate::loom_shim::model;

    /// A deadline no model reaches: a wait ends only when notified, so a lost wakeup
    /// deadlocks the model instead of being rescued by the timeout.
    fn never() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    /// A worker waits for an item while a submitter publishes one and wakes: the worker
    /// gets it under every interleaving (its re-check sees the item, or it is notified).
    /// The item is read with an Acquire load, as the task queue's pop does.
    #[test]
    fn loom_a_waiting_worker_always_gets_a_published_item() {
        model(|| {
            let parking = Arc::new(Parking::default());
            let item = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (parking, item) = (parking.clone(), item.clone());
                loom::thread::spawn(move || {
                    parking.wait(Duration::from_micros(50), never(), || {
                        match item.load(Ordering::Acquire) {
                            0 => None,
                            n => Some(n),
                        }
                    })
                })
            };
            item.store(7, Ordering::Release);
            parking.wake(1);
            assert_eq!(worker.join().unwrap(), Some(7));
            assert_eq!(parking.parked(), 0);
        });
    }

    /// Two workers wait while a submitter publishes two items with one `wake(2)`: both
    /// get one (every parked worker is notified, none left waiting).
    #[test]
    fn loom_two_waiting_workers_both_get_an_item() {
        model(|| {
            let parking = Arc::new(Parking::default());
            let items = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (parking, items) = (parking.clone(), items.clone());
                    loom::thread::spawn(move || {
                        parking.wait(Duration::ZERO, never(), || {
                            let mut n = items.load(Ordering::Acquire);
                            while n > 0 {
                                match items.compare_exchange(
                                    n,
                                    n - 1,
                                    Ordering::AcqRel,
                                    Ordering::Acquire,
                                ) {
                                    Ok(_) => return Some(()),
                                    Err(now) => n = now,
                                }
                            }
                            None
                        })
                    })
                })
                .collect();
            items.store(2, Ordering::Release);
            parking.wake(2);
            for worker in workers {
                assert_eq!(worker.join().unwrap(), Some(()));
            }
            assert_eq!(items.load(Ordering::Relaxed), 0);
        });
    }
}
