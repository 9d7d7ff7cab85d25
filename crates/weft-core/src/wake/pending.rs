//! One JS thread's asynchronous waits: the [`Mailbox`] every counterpart posts outcomes to,
//! and the thread's pending waits by token (to withdraw a cancelled one, to unregister a
//! settled select from its other channels, and to withdraw them all when the thread ends).
//! Not `Sync`: it belongs to one thread; only its mailbox is shared.
//!
//! ```
//! use weft_core::wake::{Delivery, ThreadWaits};
//! let waits = ThreadWaits::new();
//! let waiter = waits.waiter(7);
//! waits.track(7, waiter.clone(), Box::new(|_| {})); // registered somewhere
//! assert!(waiter.try_commit(0));                     // a counterpart settles it
//! waiter.deliver(0, Delivery::Done);
//! let notices = waits.drain(16);
//! assert_eq!(notices[0].token, 7);
//! assert!(!waits.cancel(7), "already settled");
//! ```
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::{Mailbox, Notice, Waiter, Withdraw, Withdrawal};

/// A wait in progress: its waiter and how to take it off what it waits on.
struct PendingWait {
    waiter: Arc<Waiter>,
    withdraw: Withdraw,
}

/// One thread's mailbox and pending waits (see the module docs).
pub struct ThreadWaits {
    mailbox: Arc<Mailbox<Notice>>,
    pending: RefCell<HashMap<u64, PendingWait>>,
}

impl Default for ThreadWaits {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadWaits {
    /// No waits yet, and a mailbox without a waker.
    pub fn new() -> ThreadWaits {
        ThreadWaits {
            mailbox: Arc::new(Mailbox::default()),
            pending: RefCell::new(HashMap::new()),
        }
    }

    /// The mailbox counterparts post to (to set its waker, or spin on it).
    pub fn mailbox(&self) -> &Arc<Mailbox<Notice>> {
        &self.mailbox
    }

    /// A waiter that posts to this thread's mailbox under `token`.
    pub fn waiter(&self, token: u64) -> Arc<Waiter> {
        Waiter::notifying(self.mailbox.clone(), token)
    }

    /// Records a registered wait so it can be withdrawn or cleaned up.
    pub fn track(&self, token: u64, waiter: Arc<Waiter>, withdraw: Withdraw) {
        self.pending
            .borrow_mut()
            .insert(token, PendingWait { waiter, withdraw });
    }

    /// How many waits are registered and not yet settled or cancelled.
    pub fn pending(&self) -> usize {
        self.pending.borrow().len()
    }

    /// Takes up to `max` posted outcomes, withdrawing each one's wait from what else it
    /// waited on (the other cases of a select).
    pub fn drain(&self, max: usize) -> Vec<Notice> {
        let notices = self.mailbox.drain(max);
        for notice in &notices {
            let settled = self.pending.borrow_mut().remove(&notice.token);
            if let Some(wait) = settled {
                (wait.withdraw)(Withdrawal::Live);
            }
        }
        notices
    }

    /// Withdraws wait `token`: true if it was cancelled before anything happened, false if
    /// it already happened (its notice is in the mailbox or on its way: drain it) or is
    /// unknown.
    pub fn cancel(&self, token: u64) -> bool {
        let withdrawn = {
            let mut pending = self.pending.borrow_mut();
            match pending.get(&token) {
                Some(wait) if wait.waiter.try_cancel() => pending.remove(&token),
                _ => None,
            }
        };
        match withdrawn {
            Some(wait) => {
                (wait.withdraw)(Withdrawal::Live);
                true
            }
            None => false,
        }
    }

    /// The thread is going away: withdraw what it still waits for, so no counterpart hands
    /// a value to a thread that can no longer take it, and drop the waker. A wait that
    /// happened meanwhile still leaves the cases that did not happen (their values are
    /// discarded: nobody here will take them back), and gives back what it was granted.
    pub fn shutdown(&self) {
        let waits: Vec<PendingWait> = self.pending.borrow_mut().drain().map(|(_, w)| w).collect();
        for wait in waits {
            let granted = !wait.waiter.try_cancel();
            (wait.withdraw)(Withdrawal::ThreadEnded { granted });
        }
        self.mailbox.clear_waker();
        // Outcomes already posted to this thread are never drained now: dropping them
        // releases what their values pinned (`Notice`'s Drop).
        drop(self.mailbox.drain(usize::MAX));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::{Acquire, Semaphore};
    use crate::wake::{Delivery, Start, Started};

    /// An async wait on a held one-unit lock, tracked as the bindings do.
    fn lock_wait(waits: &ThreadWaits, token: u64, lock: &Arc<Semaphore>) -> Arc<Waiter> {
        let waiter = waits.waiter(token);
        assert!(matches!(lock.acquire(1, &waiter), Ok(Acquire::Waiting)));
        let Started::Queued(withdraw) = Started::on(&waiter, Start::QueuedFor(1), lock) else {
            unreachable!()
        };
        waits.track(token, waiter.clone(), withdraw);
        waiter
    }

    #[test]
    fn a_cancelled_wait_is_withdrawn_and_never_granted() {
        let (waits, lock) = (ThreadWaits::new(), Arc::new(Semaphore::new(1)));
        assert!(lock.try_acquire(1));
        lock_wait(&waits, 1, &lock);
        assert!(waits.cancel(1));
        assert_eq!(waits.pending(), 0);
        lock.release(1).unwrap();
        assert_eq!(lock.held(), 0);
        assert!(waits.drain(8).is_empty());
    }

    #[test]
    fn a_settled_wait_cannot_be_cancelled_and_its_notice_arrives() {
        let (waits, lock) = (ThreadWaits::new(), Arc::new(Semaphore::new(1)));
        assert!(lock.try_acquire(1));
        lock_wait(&waits, 2, &lock);
        lock.release(1).unwrap(); // granted
        assert!(!waits.cancel(2));
        let mut notices = waits.drain(8);
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].token, 2);
        assert_eq!(notices[0].take_delivery(), Delivery::Done);
        assert_eq!(waits.pending(), 0, "draining settles the pending wait");
        assert_eq!(lock.held(), 1, "the thread holds the lock it was granted");
    }

    #[test]
    fn shutdown_withdraws_every_wait_and_gives_back_granted_units() {
        let (waits, lock) = (ThreadWaits::new(), Arc::new(Semaphore::new(2)));
        assert!(lock.try_acquire(2));
        lock_wait(&waits, 1, &lock);
        lock_wait(&waits, 2, &lock);
        lock.release(1).unwrap(); // granted to wait 1, whose notice is never drained
        assert_eq!(lock.held(), 2);
        waits.shutdown();
        assert_eq!(waits.pending(), 0);
        assert_eq!(
            lock.held(),
            1,
            "wait 1's unit went back; wait 2 was withdrawn"
        );
        lock.release(1).unwrap();
        assert_eq!(lock.held(), 0, "nobody was left waiting");
    }
}
