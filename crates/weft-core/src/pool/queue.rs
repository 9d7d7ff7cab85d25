//! The pool's task queue: priorities, FIFO within a priority, lock-free on the common path.
//!
//! Priority 0 (the default, and nearly every task) goes through a lock-free MPMC segment
//! queue. Other priorities go to a mutex-guarded binary heap ordered by (priority, arrival);
//! atomic counts let `pop` skip the heaps without locking when they are empty.
//!
//! ```
//! use weft_core::pool::{Task, TaskQueue};
//! use weft_core::Value;
//! let q = TaskQueue::new();
//! q.push(Task::new(1, 0, 0, Value::Null));
//! q.push(Task::new(2, 0, 5, Value::Null));
//! assert_eq!(q.pop().unwrap().id, 2); // higher priority first
//! assert_eq!(q.pop().unwrap().id, 1);
//! ```
use super::FLAG_CANCELLABLE;
use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_queue::SegQueue;
use parking_lot::Mutex;

use super::task::{Task, TaskId};
use crate::Value;

/// A task as the queue holds it: without its priority, which the queue it sits in (or its
/// heap entry) already says, and with its cancellable flag in the function index's top
/// [`FLAG_CANCELLABLE`] bit. A queued task is 40 bytes this way, not 56 (a million queued
/// tasks: 16 MB).
struct Queued {
    id: TaskId,
    func: u32,
    arg: Value,
}

impl Queued {
    fn from_task(task: Task) -> Queued {
        debug_assert!(
            task.func & FLAG_CANCELLABLE == 0,
            "function index {} out of range",
            task.func
        );
        let flag = if task.cancellable {
            FLAG_CANCELLABLE
        } else {
            0
        };
        Queued {
            id: task.id,
            func: task.func | flag,
            arg: task.arg,
        }
    }

    fn into_task(self, priority: i32) -> Task {
        Task {
            id: self.id,
            func: self.func & !FLAG_CANCELLABLE,
            priority,
            arg: self.arg,
            cancellable: self.func & FLAG_CANCELLABLE != 0,
        }
    }
}

struct Ranked {
    priority: i32,
    seq: u64,
    task: Queued,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    // Max-heap: higher priority first, then lower sequence number (earlier arrival).
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// A multi-producer multi-consumer priority queue of [`Task`]s.
pub struct TaskQueue {
    normal: SegQueue<Queued>,
    high: Mutex<BinaryHeap<Ranked>>,
    low: Mutex<BinaryHeap<Ranked>>,
    high_len: AtomicUsize,
    low_len: AtomicUsize,
    seq: AtomicU64,
}

impl Default for TaskQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskQueue {
    /// An empty queue.
    pub fn new() -> TaskQueue {
        TaskQueue {
            normal: SegQueue::new(),
            high: Mutex::new(BinaryHeap::new()),
            low: Mutex::new(BinaryHeap::new()),
            high_len: AtomicUsize::new(0),
            low_len: AtomicUsize::new(0),
            seq: AtomicU64::new(0),
        }
    }

    /// Adds a task behind every task of the same or higher priority. Its `func` must be
    /// below 2^31 (the queue keeps a flag in the top bit; the dispatcher refuses others).
    pub fn push(&self, task: Task) {
        match task.priority.cmp(&0) {
            CmpOrdering::Equal => self.normal.push(Queued::from_task(task)),
            CmpOrdering::Greater => self.push_ranked(&self.high, &self.high_len, task),
            CmpOrdering::Less => self.push_ranked(&self.low, &self.low_len, task),
        }
    }

    fn push_ranked(&self, heap: &Mutex<BinaryHeap<Ranked>>, len: &AtomicUsize, task: Task) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut heap = heap.lock();
        heap.push(Ranked {
            priority: task.priority,
            seq,
            task: Queued::from_task(task),
        });
        len.fetch_add(1, Ordering::Release);
    }

    /// Takes the highest-priority, earliest task, if any.
    pub fn pop(&self) -> Option<Task> {
        if self.high_len.load(Ordering::Acquire) > 0
            && let Some(task) = Self::pop_ranked(&self.high, &self.high_len)
        {
            return Some(task);
        }
        if let Some(task) = self.normal.pop() {
            return Some(task.into_task(0));
        }
        if self.low_len.load(Ordering::Acquire) > 0 {
            return Self::pop_ranked(&self.low, &self.low_len);
        }
        None
    }

    fn pop_ranked(heap: &Mutex<BinaryHeap<Ranked>>, len: &AtomicUsize) -> Option<Task> {
        let mut heap = heap.lock();
        let ranked = heap.pop()?;
        len.fetch_sub(1, Ordering::Release);
        Some(ranked.task.into_task(ranked.priority))
    }

    /// Whether no task is queued (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.normal.is_empty()
            && self.high_len.load(Ordering::Acquire) == 0
            && self.low_len.load(Ordering::Acquire) == 0
    }

    /// Removes and returns every queued task, in pop order.
    pub fn drain(&self) -> Vec<Task> {
        let mut out = Vec::new();
        while let Some(task) = self.pop() {
            out.push(task);
        }
        out
    }
}

impl Drop for TaskQueue {
    /// Tasks still queued when their pool goes away never run: their arguments give back
    /// what they pinned (see [`Value::discard`](crate::Value::discard)).
    fn drop(&mut self) {
        for task in self.drain() {
            task.arg.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(q: &TaskQueue) -> Vec<u32> {
        q.drain().into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn higher_priority_first_fifo_within_a_priority() {
        let q = TaskQueue::new();
        let order = [
            (1, 0),
            (2, -1),
            (3, 2),
            (4, 0),
            (5, 2),
            (6, 1),
            (7, -1),
            (8, 0),
        ];
        for (id, prio) in order {
            q.push(Task::new(id, 0, prio, Value::Undefined));
        }
        assert_eq!(ids(&q), vec![3, 5, 6, 1, 4, 8, 2, 7]);
        assert!(q.is_empty());
    }

    #[test]
    fn concurrent_producers_and_consumers_lose_and_duplicate_nothing() {
        let q = std::sync::Arc::new(TaskQueue::new());
        let per = 20_000u32;
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                let q = q.clone();
                std::thread::spawn(move || {
                    for i in 0..per {
                        let id = p * per + i;
                        q.push(Task::new(id, 0, (id % 3) as i32 - 1, Value::Undefined));
                    }
                })
            })
            .collect();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let (q, done) = (q.clone(), done.clone());
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match q.pop() {
                            Some(t) => got.push(t.id),
                            None if done.load(Ordering::Acquire) && q.is_empty() => break,
                            None => std::hint::spin_loop(),
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        done.store(true, Ordering::Release);
        let mut all: Vec<u32> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..3 * per).collect::<Vec<_>>());
    }
}
