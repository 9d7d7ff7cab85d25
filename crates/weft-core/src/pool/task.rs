//! One unit of work in a pool's queue.
use crate::Value;

/// Task ids are chosen by the submitter (the JS side keys its promise table by them).
pub type TaskId = u32;

/// A queued task: which function, its argument, and how to order it.
#[derive(Debug)]
pub struct Task {
    pub id: TaskId,
    /// Index of the task function's name (see `Dispatcher::intern`); below 2^31.
    pub func: u32,
    /// Higher runs first; FIFO within a priority.
    pub priority: i32,
    pub arg: Value,
    /// Queued as cancellable: `id` holds its ticket (see `cancels.rs`) until a worker
    /// claims it.
    pub(crate) cancellable: bool,
}

impl Task {
    /// A task that can only be removed by closing the pool.
    pub fn new(id: TaskId, func: u32, priority: i32, arg: Value) -> Task {
        Task {
            id,
            func,
            priority,
            arg,
            cancellable: false,
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
