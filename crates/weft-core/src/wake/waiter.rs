//! One thread's wait on one or more objects (the cases of a select, a lock, a semaphore):
//! whoever commits it first decides which case happened, exactly once, and hands over the
//! outcome. A waiter is blocking (a worker thread parks on it) or notifying (the outcome is
//! posted to its JS thread's [`Mailbox`] under a token the JS side keys its promise by).
//!
//! ```
//! use weft_core::wake::{Delivery, Waiter};
//! let waiter = Waiter::blocking();
//! assert!(waiter.try_commit(1));        // a counterpart claims case 1...
//! waiter.deliver(1, Delivery::Done);    // ...and hands over the outcome
//! assert!(!waiter.try_cancel());        // too late to cancel: it happened
//! assert_eq!(waiter.wait(None).map(|(case, _)| case), Some(1));
//! ```
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Mailbox;
use crate::loom_shim::{spin_budget, spin_loop, yield_now, AtomicBool, AtomicU32, Condvar, Mutex};
use crate::Value;

/// What a committed waiter receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A send case's value was taken by a receiver or buffered.
    Sent,
    /// A receive case got this value.
    Received(Value),
    /// A receive case found its channel closed and drained.
    Closed,
    /// A send case found its channel closed: the unsent value comes back.
    Refused(Value),
    /// What a lock, semaphore, wait group or barrier waiter waited for happened.
    Done,
}

impl Delivery {
    /// Drops a delivery nobody will take (its thread ended first): a value in it gives
    /// back what it pinned (see [`Value::discard`]).
    ///
    /// ```
    /// weft_core::wake::Delivery::Received(weft_core::Value::Null).discard();
    /// ```
    pub fn discard(self) {
        if let Delivery::Received(value) | Delivery::Refused(value) = self {
            value.discard();
        }
    }
}

/// An outcome on its way to a JS thread: `token` names the wait, `case` the case chosen.
/// Take its delivery with [`take_delivery`](Self::take_delivery); a notice dropped with
/// its delivery still in it (the thread ended before draining it) discards it.
#[derive(Debug)]
pub struct Notice {
    pub token: u64,
    pub case: u32,
    pub delivery: Delivery,
}

impl Notice {
    /// Takes the delivery out, leaving [`Delivery::Done`] (which holds nothing).
    ///
    /// ```
    /// use weft_core::wake::{Delivery, Notice};
    /// let mut n = Notice { token: 1, case: 0, delivery: Delivery::Closed };
    /// assert_eq!(n.take_delivery(), Delivery::Closed);
    /// ```
    pub fn take_delivery(&mut self) -> Delivery {
        std::mem::replace(&mut self.delivery, Delivery::Done)
    }
}

impl Drop for Notice {
    fn drop(&mut self) {
        self.take_delivery().discard();
    }
}

const WAITING: u32 = 0;
const CANCELLED: u32 = u32::MAX;

/// How long a blocking waiter spins before parking: a counterpart that is active answers
/// well within this, and a spin round trip costs ~0.5 us against ~15 us for a futex one.
const BLOCKING_SPIN: Duration = Duration::from_micros(50);

enum Wake {
    Thread {
        slot: Mutex<Option<(u32, Delivery)>>,
        ready: AtomicBool,
        cond: Condvar,
    },
    Mailbox {
        mailbox: Arc<Mailbox<Notice>>,
        token: u64,
    },
}

/// A wait that exactly one party settles (see the module doc).
pub struct Waiter {
    state: AtomicU32,
    wake: Wake,
}

impl Waiter {
    /// A waiter the calling thread will block on with [`wait`](Self::wait).
    pub fn blocking() -> Arc<Waiter> {
        Arc::new(Waiter {
            state: AtomicU32::new(WAITING),
            wake: Wake::Thread {
                slot: Mutex::new(None),
                ready: AtomicBool::new(false),
                cond: Condvar::new(),
            },
        })
    }

    /// A waiter whose outcome is posted to `mailbox` as a [`Notice`] carrying `token`.
    pub fn notifying(mailbox: Arc<Mailbox<Notice>>, token: u64) -> Arc<Waiter> {
        Arc::new(Waiter {
            state: AtomicU32::new(WAITING),
            wake: Wake::Mailbox { mailbox, token },
        })
    }

    /// Whether nobody has committed or cancelled it yet (a snapshot).
    pub fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// Claims the waiter for `case`. True if this caller won: it must then
    /// [`deliver`](Self::deliver) the outcome. False if it was committed or cancelled first.
    pub fn try_commit(&self, case: u32) -> bool {
        debug_assert!(case < CANCELLED - 1);
        self.state
            .compare_exchange(WAITING, case + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Withdraws the wait (timeout, abort). True if nothing happened and nothing will;
    /// false if a counterpart committed it first (its delivery is on the way).
    pub fn try_cancel(&self) -> bool {
        self.state
            .compare_exchange(WAITING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Hands the outcome to the waiting thread. Call once, after a successful `try_commit`.
    pub fn deliver(&self, case: u32, delivery: Delivery) {
        match &self.wake {
            Wake::Thread { slot, ready, cond } => {
                let mut slot = slot.lock();
                *slot = Some((case, delivery));
                ready.store(true, Ordering::Release);
                cond.notify_one();
            }
            Wake::Mailbox { mailbox, token } => mailbox.post(Notice {
                token: *token,
                case,
                delivery,
            }),
        }
    }

    /// Blocks until the outcome is delivered or `deadline` passes (None: no deadline);
    /// spins briefly first. After a timeout the caller must `try_cancel`, and if that
    /// fails, wait again without a deadline: the delivery is imminent. Notifying waiters
    /// never block: this returns None at once.
    pub fn wait(&self, deadline: Option<Instant>) -> Option<(u32, Delivery)> {
        let Wake::Thread { slot, ready, cond } = &self.wake else {
            return None;
        };
        let spin_until = Instant::now() + spin_budget(BLOCKING_SPIN);
        let mut round = 0u32;
        while !ready.load(Ordering::Acquire) && Instant::now() < spin_until {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            for _ in 0..4 {
                spin_loop();
            }
            round += 1;
            if round.is_multiple_of(32) {
                yield_now();
            }
        }
        let mut slot = slot.lock();
        loop {
            if let Some(outcome) = slot.take() {
                return Some(outcome);
            }
            match deadline {
                None => cond.wait(&mut slot),
                Some(d) => {
                    if cond.wait_until(&mut slot, d).timed_out() {
                        return slot.take();
                    }
                }
            }
        }
    }
}

impl Drop for Waiter {
    /// A blocking waiter dropped with an outcome nobody took (its thread ended first).
    fn drop(&mut self) {
        if let Wake::Thread { slot, .. } = &mut self.wake
            && let Some((_, delivery)) = slot.get_mut().take()
        {
            delivery.discard();
        }
    }
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::thread;

    use super::*;

    /// A counterpart commits and delivers from another thread while the waiting thread
    /// times out at once and cancels (waiting on if the cancel comes too late): each wait
    /// is settled exactly once, and a committed value always arrives. (The loom model
    /// below covers every interleaving of a smaller version.)
    #[test]
    fn commit_racing_a_timeout_and_cancel_settles_each_wait_once() {
        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        for round in 0..rounds {
            let value = Value::Number(round as f64);
            let waiter = Waiter::blocking();
            let counterpart = {
                let (waiter, value) = (waiter.clone(), value.clone());
                thread::spawn(move || {
                    let won = waiter.try_commit(1);
                    if won {
                        waiter.deliver(1, Delivery::Received(value));
                    }
                    won
                })
            };
            let got = match waiter.wait(Some(Instant::now())) {
                Some(outcome) => Some(outcome),
                None if waiter.try_cancel() => None,
                None => waiter.wait(None),
            };
            let won = counterpart.join().unwrap();
            match got {
                Some(outcome) => {
                    assert!(won, "delivered without a commit");
                    assert_eq!(outcome, (1, Delivery::Received(value)));
                }
                None => assert!(!won, "committed, but cancelled too"),
            }
        }
    }
}

/// loom models of commit, cancel and delivery racing the blocking wait. Run with
/// `npm run test:loom`.
#[cfg(all(test, loom))]
mod loom_model {
    use super::*;
    use crate::loom_shim::model;

    /// Two counterparts race to commit a blocking waiter (two cases of a select) while its
    /// thread waits with a deadline that passes, then cancels, and if that fails waits on
    /// without one (as the callers do): exactly one of the three wins, and a committed
    /// outcome always reaches the waiting thread.
    #[test]
    fn loom_commit_cancel_and_timeout_settle_a_waiter_exactly_once() {
        model(|| {
            let waiter = Waiter::blocking();
            let counterparts: Vec<_> = [1u32, 2]
                .into_iter()
                .map(|case| {
                    let waiter = waiter.clone();
                    loom::thread::spawn(move || {
                        let won = waiter.try_commit(case);
                        if won {
                            let value = Value::Number(case as f64);
                            waiter.deliver(case, Delivery::Received(value));
                        }
                        won
                    })
                })
                .collect();
            // A deadline that has passed: the wait takes what was delivered, or times out.
            let got = match waiter.wait(Some(Instant::now())) {
                Some(outcome) => Some(outcome),
                None if waiter.try_cancel() => None,
                // Committed first: the delivery is on its way; wait for it.
                None => waiter.wait(None),
            };
            let won: Vec<u32> = counterparts
                .into_iter()
                .zip([1u32, 2])
                .filter_map(|(t, case)| t.join().unwrap().then_some(case))
                .collect();
            match got {
                Some((case, delivery)) => {
                    assert_eq!(won, vec![case], "the delivering case is the one committer");
                    assert_eq!(delivery, Delivery::Received(Value::Number(case as f64)));
                }
                None => assert!(won.is_empty(), "cancelled, yet committed by {won:?}"),
            }
            assert!(!waiter.is_waiting());
        });
    }

    /// A blocking wait without a deadline always gets a delivery made from another thread
    /// (no lost wakeup between the spin's look, the slot and the condition variable).
    #[test]
    fn loom_a_blocking_wait_gets_a_delivery() {
        model(|| {
            let waiter = Waiter::blocking();
            let counterpart = {
                let waiter = waiter.clone();
                loom::thread::spawn(move || {
                    assert!(waiter.try_commit(0));
                    waiter.deliver(0, Delivery::Done);
                })
            };
            assert_eq!(waiter.wait(None), Some((0, Delivery::Done)));
            counterpart.join().unwrap();
            assert!(!waiter.try_cancel(), "committed: too late to cancel");
        });
    }
}
