//! The queued tasks that can still be cancelled. A cancellable task waits in the queue
//! under a ticket instead of its id: the ticket is unique among every entry in the queue
//! (live or cancelled), so whoever comes first, a cancel or the worker that pops it,
//! decides the task's fate under one lock, and the queue entry needs no claim flag of its
//! own (a queued task is 8 bytes smaller for it).
//!
//! ```text
//! let mut cancels = Cancels::default();
//! let ticket = cancels.issue(7).unwrap();
//! assert!(cancels.cancel(7));            // still queued: cancelled
//! assert_eq!(cancels.claim(ticket), None); // the worker drops the entry
//! ```
use std::collections::{HashMap, HashSet};

use super::TaskId;
use crate::Error;

/// Tickets of cancellable tasks in the queue.
#[derive(Default)]
pub(crate) struct Cancels {
    /// Queued and not cancelled: ticket by task id...
    by_id: HashMap<TaskId, u32>,
    /// ...and task id by ticket.
    by_ticket: HashMap<u32, TaskId>,
    /// Cancelled, with their entry still in the queue.
    stale: HashSet<u32>,
    next: u32,
}

impl Cancels {
    /// A ticket for task `id`, which goes into the queue in its place; an error if a task
    /// with this id is queued and cancellable already (its cancel could no longer reach it).
    pub(crate) fn issue(&mut self, id: TaskId) -> Result<u32, Error> {
        if self.by_id.contains_key(&id) {
            return Err(Error::invalid_argument(
                "id",
                format!("task id {id} is already queued and cancellable"),
            ));
        }
        let ticket = loop {
            let ticket = self.next;
            self.next = self.next.wrapping_add(1);
            // After 2^32 tickets, skip any still in the queue.
            if !self.by_ticket.contains_key(&ticket) && !self.stale.contains(&ticket) {
                break ticket;
            }
        };
        self.by_id.insert(id, ticket);
        self.by_ticket.insert(ticket, id);
        Ok(ticket)
    }

    /// Cancels task `id` if it is still queued (its entry stays, to be dropped when popped).
    pub(crate) fn cancel(&mut self, id: TaskId) -> bool {
        let Some(ticket) = self.by_id.remove(&id) else {
            return false;
        };
        self.by_ticket.remove(&ticket);
        self.stale.insert(ticket);
        true
    }

    /// For an entry popped from the queue: the task's id if it is to run, None if it was
    /// cancelled (the entry is forgotten either way).
    pub(crate) fn claim(&mut self, ticket: u32) -> Option<TaskId> {
        match self.by_ticket.remove(&ticket) {
            Some(id) => {
                self.by_id.remove(&id);
                Some(id)
            }
            None => {
                self.stale.remove(&ticket);
                None
            }
        }
    }

    /// Tickets in use (queued live or cancelled); for tests.
    #[cfg(test)]
    fn in_use(&self) -> usize {
        self.by_ticket.len() + self.stale.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_either_cancelled_or_claimed_never_both() {
        let mut cancels = Cancels::default();
        let a = cancels.issue(1).unwrap();
        let b = cancels.issue(2).unwrap();
        assert_ne!(a, b);
        assert!(cancels.cancel(1));
        assert!(!cancels.cancel(1), "cancelled once");
        assert_eq!(
            cancels.claim(a),
            None,
            "a cancelled task is dropped when popped"
        );
        assert_eq!(cancels.claim(b), Some(2));
        assert!(!cancels.cancel(2), "taken: too late to cancel");
        assert_eq!(cancels.in_use(), 0);
    }

    #[test]
    fn an_id_used_again_while_its_cancelled_entry_is_queued_gets_its_own_ticket() {
        let mut cancels = Cancels::default();
        let old = cancels.issue(5).unwrap();
        assert!(cancels.cancel(5));
        let new = cancels.issue(5).unwrap(); // the submitter reused id 5; the old entry is still queued
                                             // Whichever entry a worker pops first, each is told its own fate.
        assert_eq!(cancels.claim(new), Some(5));
        assert_eq!(cancels.claim(old), None);
        assert_eq!(cancels.in_use(), 0);
    }

    #[test]
    fn a_live_id_issued_twice_is_refused_and_leaves_the_first_intact() {
        let mut cancels = Cancels::default();
        let first = cancels.issue(9).unwrap();
        let err = cancels.issue(9).expect_err("a duplicate live id");
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
        assert_eq!(cancels.in_use(), 1);
        assert!(cancels.cancel(9), "the first task can still be cancelled");
        assert_eq!(cancels.claim(first), None);
        assert_eq!(cancels.in_use(), 0);
    }

    #[test]
    fn a_duplicate_cancellable_submit_is_refused_without_counting_it() {
        use crate::pool::{Dispatcher, Task};
        use crate::Value;
        let pool = Dispatcher::new(8);
        pool.submit_cancellable(Task::new(3, 0, 0, Value::Null))
            .unwrap();
        let (err, task) = pool
            .submit_cancellable(Task::new(3, 0, 0, Value::Number(1.0)))
            .expect_err("task id 3 is queued already");
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
        assert_eq!(task.id, 3, "the refused task comes back as it was");
        assert!(pool.cancel(3));
        assert!(!pool.cancel(3));
    }

    #[test]
    fn tickets_wrap_around_the_ones_still_queued() {
        let mut cancels = Cancels {
            next: u32::MAX - 1,
            ..Cancels::default()
        };
        let live = cancels.issue(1).unwrap(); // u32::MAX - 1
        let stale = cancels.issue(2).unwrap(); // u32::MAX
        assert!(cancels.cancel(2));
        let wrapped = cancels.issue(3).unwrap();
        assert_eq!(wrapped, 0);
        cancels.next = u32::MAX - 1; // as if 2^32 more tickets had passed
        let skipped = cancels.issue(4).unwrap();
        assert_eq!(skipped, 1, "both tickets still queued are skipped");
        assert_eq!(cancels.claim(live), Some(1));
        assert_eq!(cancels.claim(stale), None);
        assert_eq!(cancels.claim(wrapped), Some(3));
        assert_eq!(cancels.claim(skipped), Some(4));
    }
}
