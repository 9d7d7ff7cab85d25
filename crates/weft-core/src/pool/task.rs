//! One unit of work in a pool's queue.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::Value;

/// Task ids are chosen by the submitter (the JS side keys its promise table by them).
pub type TaskId = u32;

/// A queued task: which function, its argument, and how to order it.
#[derive(Debug)]
pub struct Task {
    pub id: TaskId,
    /// Index of the task function's name (see `Dispatcher::intern`).
    pub func: u32,
    /// Higher runs first; FIFO within a priority.
    pub priority: i32,
    pub arg: Value,
    /// Present for cancellable tasks: whoever flips it first (a worker taking the task, or a
    /// cancel) owns the task's fate, so a task is either run or cancelled, never both.
    pub(crate) claim: Option<Arc<AtomicBool>>,
}

impl Task {
    /// A task that can only be removed by closing the pool.
    pub fn new(id: TaskId, func: u32, priority: i32, arg: Value) -> Task {
        Task {
            id,
            func,
            priority,
            arg,
            claim: None,
        }
    }

    /// Claims the task for running; false if it was cancelled first.
    pub(crate) fn claim(&self) -> bool {
        match &self.claim {
            None => true,
            Some(flag) => !flag.swap(true, Ordering::AcqRel),
        }
    }
}

/// How a task ended, as reported by a worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function returned (or resolved to) this value.
    Ok(Value),
    /// The function threw; the value is the serialised error.
    Err(Value),
}

/// A finished task, on its way back to the submitting thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub id: TaskId,
    pub outcome: Outcome,
    /// How long the function ran, in microseconds, as measured by the worker.
    pub run_us: f64,
}
