//! The worker pool's engine: a [`Dispatcher`] owns the task queue, parks idle workers,
//! tracks what each worker runs, and queues completions for the submitting thread.
//!
//! It knows nothing of JS: a submitter calls [`Dispatcher::submit`] and later
//! [`Dispatcher::drain_completions`]; each worker thread calls [`Dispatcher::next`] in a
//! loop and [`Dispatcher::complete`] for each task.
//!
//! ```
//! use std::time::Duration;
//! use weft_core::pool::{Dispatcher, Next, Outcome, Task};
//! use weft_core::Value;
//!
//! let d = Dispatcher::new(16);
//! let worker = d.attach_worker();
//! d.submit(Task::new(7, 0, 0, Value::Number(41.0))).unwrap();
//! let Next::Task(task) = d.next(worker, Duration::ZERO, Duration::from_secs(1)) else { panic!() };
//! let Value::Number(x) = task.arg else { panic!() };
//! d.complete(worker, task.id, Outcome::Ok(Value::Number(x + 1.0)), 3.0);
//! let done = d.drain_completions(usize::MAX);
//! assert_eq!(done[0].outcome, Outcome::Ok(Value::Number(42.0)));
//! ```
mod cancels;
mod parking;
mod queue;
mod task;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

pub use parking::Parking;
pub use queue::TaskQueue;
pub use task::{Completion, Outcome, Task, TaskId};

/// A packed word's index part: a function index (or, across the FFI, a value kind) sits
/// in the low 24 bits and flags sit above, one scheme for every packed word.
///
/// ```
/// use weft_core::pool::{FLAG_CANCELLABLE, INDEX_MASK};
/// let word = 7 | FLAG_CANCELLABLE;
/// assert_eq!(word & INDEX_MASK, 7);
/// ```
pub const INDEX_MASK: u32 = (1 << 24) - 1;

/// The cancellable flag of a packed word. The pool keeps a queued task's flag in its
/// function word; a caller's function word must leave this bit clear (bits 25-31 it may
/// use: the pool hands them back untouched).
pub const FLAG_CANCELLABLE: u32 = 1 << 24;

use crate::wake::Mailbox;
use crate::{Error, ErrorCode, Result};
use cancels::Cancels;

/// What [`Dispatcher::next`] hands a worker.
#[derive(Debug)]
pub enum Next {
    /// Run this task, then call [`Dispatcher::complete`].
    Task(Task),
    /// The pool is closed and its queue drained: the worker should exit.
    Closed,
    /// This worker was asked to stop ([`Dispatcher::stop_worker`]): exit.
    Stopped,
    /// No work arrived before the idle deadline.
    Idle,
}

/// A worker's identity in its dispatcher.
pub type WorkerId = usize;

/// What one worker is doing, readable from any thread (the pool's steward reads it).
#[derive(Default)]
pub struct WorkerSlot {
    /// Id + 1 of the task it runs, or 0 when between tasks.
    running: AtomicU64,
    /// Heartbeats so far. A count, not a time: the worker beats on every task it takes and
    /// ends, and reading the clock there cost a worker ~10% of a tiny-task run (`perf`).
    beats: AtomicU64,
    /// The steward's view: the count it last saw and when (ms since the dispatcher started)
    /// it first saw it. Silence is measured from there, so it is found at most one
    /// steward period late.
    heard: Mutex<(u64, u64)>,
    stop: AtomicBool,
    attached: AtomicBool,
}

impl WorkerSlot {
    /// One heartbeat (only the slot's own worker thread calls this, so load + store suffices).
    fn beat(&self) {
        self.beats.store(
            self.beats.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Release,
        );
    }
}

/// Counts for `stats()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DispatcherStats {
    pub queued: usize,
    pub running: usize,
    pub parked: usize,
    pub workers: usize,
    pub completions_waiting: usize,
}

/// The shared state of one pool.
pub struct Dispatcher {
    queue: TaskQueue,
    /// Tasks queued and not yet taken or cancelled; bounded by `max_queue`.
    queued: AtomicUsize,
    max_queue: AtomicUsize,
    closed: AtomicBool,
    parking: Parking,
    completions: Mailbox<Completion>,
    /// Tickets of queued cancellable tasks: a task is run or cancelled, never both.
    cancels: Mutex<Cancels>,
    /// Submitters waiting for room; while non-zero, taking a task requests a wakeup.
    ///
    /// A Dekker handshake with `queued`, all four accesses `SeqCst` (one total order, so
    /// neither side's read can miss the other's earlier write): a submitter registers here
    /// ([`room_waiters_add`](Self::room_waiters_add)), then reads `queued` again (a retried
    /// submit's fetch_add, or a load); a worker frees room (`queued`'s fetch_sub in `claim`),
    /// then reads this count in [`next`](Self::next). Either the submitter's second look
    /// finds the room or the worker sees the waiter and wakes the owner.
    room_waiters: AtomicUsize,
    workers: RwLock<Vec<Arc<WorkerSlot>>>,
    names: RwLock<Vec<String>>,
    epoch: Instant,
}

impl Drop for Dispatcher {
    /// Results nobody collected give back what they pinned (see [`Value::discard`]).
    fn drop(&mut self) {
        loop {
            let left = self.completions.drain(usize::MAX);
            if left.is_empty() {
                break;
            }
            for completion in left {
                match completion.outcome {
                    Outcome::Ok(value) | Outcome::Err(value) => value.discard(),
                }
            }
        }
    }
}

impl Dispatcher {
    /// A dispatcher whose queue holds at most `max_queue` tasks.
    pub fn new(max_queue: usize) -> Dispatcher {
        Dispatcher {
            queue: TaskQueue::new(),
            queued: AtomicUsize::new(0),
            max_queue: AtomicUsize::new(max_queue),
            closed: AtomicBool::new(false),
            parking: Parking::default(),
            completions: Mailbox::default(),
            cancels: Mutex::new(Cancels::default()),
            room_waiters: AtomicUsize::new(0),
            workers: RwLock::new(Vec::new()),
            names: RwLock::new(Vec::new()),
            epoch: Instant::now(),
        }
    }

    /// Queues a task. Fails with `POOL_CLOSED` after [`close`](Self::close) and with
    /// `QUEUE_FULL` when `max_queue` tasks are waiting; the task is handed back either way.
    pub fn submit(&self, task: Task) -> std::result::Result<(), (Error, Task)> {
        self.submit_inner(task, false)?;
        self.parking.wake(1);
        Ok(())
    }

    /// Queues tasks in order, waking at most one parked worker per task queued, with one
    /// wakeup round for the whole batch. Stops at the first task refused and returns how
    /// many were queued, with the error and the refused task.
    pub fn submit_batch(
        &self,
        tasks: impl IntoIterator<Item = (Task, bool)>,
    ) -> (usize, Option<(Error, Task)>) {
        let mut queued = 0;
        let mut refused = None;
        for (task, cancellable) in tasks {
            match self.submit_inner(task, cancellable) {
                Ok(()) => queued += 1,
                Err(e) => {
                    refused = Some(e);
                    break;
                }
            }
        }
        self.parking.wake(queued);
        (queued, refused)
    }

    /// Like [`submit`](Self::submit), and the task can later be removed with
    /// [`cancel`](Self::cancel) as long as no worker has taken it.
    pub fn submit_cancellable(&self, task: Task) -> std::result::Result<(), (Error, Task)> {
        self.submit_inner(task, true)?;
        self.parking.wake(1);
        Ok(())
    }

    fn submit_inner(
        &self,
        mut task: Task,
        cancellable: bool,
    ) -> std::result::Result<(), (Error, Task)> {
        if self.closed.load(Ordering::Acquire) {
            return Err((
                Error::new(ErrorCode::PoolClosed, "the pool is closed"),
                task,
            ));
        }
        if task.func & FLAG_CANCELLABLE != 0 {
            let problem = format!("function word {:#x} sets bit 24, the pool's own", task.func);
            return Err((Error::invalid_argument("func", problem), task));
        }
        let max = self.max_queue.load(Ordering::Relaxed);
        let before = self.queued.fetch_add(1, Ordering::SeqCst);
        if before >= max {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err((
                Error::new(
                    ErrorCode::QueueFull,
                    format!("the queue is full ({max} tasks waiting)"),
                ),
                task,
            ));
        }
        if cancellable {
            match self.cancels.lock().issue(task.id) {
                Ok(ticket) => task.id = ticket,
                Err(err) => {
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                    return Err((err, task));
                }
            }
            task.cancellable = true;
        }
        self.queue.push(task);
        Ok(())
    }

    /// Removes a queued cancellable task. True if it will never run; false if a worker
    /// already took it (or it was never cancellable, or is unknown).
    pub fn cancel(&self, id: TaskId) -> bool {
        if !self.cancels.lock().cancel(id) {
            return false;
        }
        self.queued.fetch_sub(1, Ordering::SeqCst);
        true
    }

    /// A task popped from the queue, with its own id, if it is to run; a cancelled one is
    /// discarded (it was uncounted when cancelled).
    fn claim(&self, mut task: Task) -> Option<Task> {
        if task.cancellable {
            let Some(id) = self.cancels.lock().claim(task.id) else {
                task.arg.discard();
                return None;
            };
            task.id = id;
            task.cancellable = false;
        }
        self.queued.fetch_sub(1, Ordering::SeqCst);
        Some(task)
    }

    /// Registers a worker thread; its id is passed to [`next`](Self::next) and friends.
    pub fn attach_worker(&self) -> WorkerId {
        let slot = Arc::new(WorkerSlot::default());
        slot.attached.store(true, Ordering::Release);
        // Heard from at attach: silence counts from now.
        *slot.heard.lock() = (0, self.epoch.elapsed().as_millis() as u64);
        let mut workers = self.workers.write();
        match workers
            .iter()
            .position(|s| !s.attached.load(Ordering::Acquire))
        {
            Some(free) => {
                workers[free] = slot;
                free
            }
            None => {
                workers.push(slot);
                workers.len() - 1
            }
        }
    }

    /// Frees a worker's slot (after its thread is gone). Returns the task it was running,
    /// which the caller must settle (reject or retry): it will never complete.
    pub fn detach_worker(&self, worker: WorkerId) -> Option<TaskId> {
        let slot = self.slot(worker)?;
        let running = slot.running.swap(0, Ordering::AcqRel);
        slot.attached.store(false, Ordering::Release);
        running.checked_sub(1).map(|id| id as TaskId)
    }

    fn slot(&self, worker: WorkerId) -> Option<Arc<WorkerSlot>> {
        self.workers.read().get(worker).cloned()
    }

    /// Blocks the calling worker until it has a task, the pool is closed and drained, the
    /// worker is stopped, or `idle` passes with no work. Spins for `spin` before parking.
    pub fn next(&self, worker: WorkerId, spin: Duration, idle: Duration) -> Next {
        let Some(slot) = self.slot(worker) else {
            return Next::Stopped;
        };
        slot.running.store(0, Ordering::Release);
        let take = || {
            if slot.stop.load(Ordering::Acquire) {
                return Some(Next::Stopped);
            }
            while let Some(task) = self.queue.pop() {
                let Some(task) = self.claim(task) else {
                    continue;
                };
                slot.running.store(task.id as u64 + 1, Ordering::Release);
                return Some(Next::Task(task));
            }
            if self.closed.load(Ordering::Acquire) {
                return Some(Next::Closed);
            }
            None
        };
        // Work waiting: take it without reading the clock for a deadline.
        let found = match take() {
            Some(found) => Some(found),
            None => self.parking.wait(spin, Instant::now() + idle, take),
        };
        slot.beat();
        match found {
            Some(Next::Task(task)) => {
                // The worker's half of the room handshake (see `room_waiters`): `claim`
                // freed the room with a SeqCst fetch_sub.
                if self.room_waiters.load(Ordering::SeqCst) > 0 {
                    // Room appeared for a waiting submitter; a completion may not follow
                    // soon, so wake the owner now.
                    self.wake_owner();
                }
                Next::Task(task)
            }
            Some(other) => other,
            None => Next::Idle,
        }
    }

    /// Reports a finished task and wakes the submitting thread if it is not already due.
    pub fn complete(&self, worker: WorkerId, id: TaskId, outcome: Outcome, run_us: f64) {
        if let Some(slot) = self.slot(worker) {
            slot.running.store(0, Ordering::Release);
            slot.beat();
        }
        self.completions.post(Completion {
            id,
            outcome,
            run_us,
        });
    }

    /// The owner waits (spinning, up to `spin`) for a completion instead of sleeping until a
    /// wakeup: for short tasks a spin costs far less than a cross-thread wakeup. While it
    /// spins, workers skip the wakeup call. Returns whether a completion is ready; the
    /// caller must drain afterwards either way (that re-arms wakeups).
    pub fn spin_for_completions(&self, spin: Duration) -> bool {
        self.completions.spin(spin)
    }

    /// Takes up to `max` completions (the owner's side of the coalesced wakeup). Call again
    /// while it returns any; an empty drain re-arms the wakeup.
    pub fn drain_completions(&self, max: usize) -> Vec<Completion> {
        self.completions.drain(max)
    }

    /// Installs what [`complete`](Self::complete) calls to wake the submitting thread
    /// (the binding fires a threadsafe function). Set once, before workers run.
    pub fn set_waker(&self, waker: impl Fn() + Send + Sync + 'static) {
        self.completions.set_waker(waker);
    }

    /// Drops the waker (and whatever it holds, e.g. a JS callback) once the pool is done.
    pub fn clear_waker(&self) {
        self.completions.clear_waker();
    }

    fn wake_owner(&self) {
        self.completions.nudge();
    }

    /// Counts a submitter waiting for room (`delta` +1 when it starts, -1 when done). A
    /// submitter that registers and then tries again is either let in or woken (the
    /// handshake on `room_waiters`); one that does not try again after registering relies
    /// on the next completion's wakeup instead.
    pub fn room_waiters_add(&self, delta: isize) {
        if delta >= 0 {
            self.room_waiters
                .fetch_add(delta as usize, Ordering::SeqCst);
        } else {
            self.room_waiters
                .fetch_sub(delta.unsigned_abs(), Ordering::SeqCst);
        }
    }

    /// Whether a submit would find room now: the submitter's re-check after
    /// [`room_waiters_add`](Self::room_waiters_add) (the handshake's other read, SeqCst).
    pub fn has_room(&self) -> bool {
        self.queued.load(Ordering::SeqCst) < self.max_queue.load(Ordering::Relaxed)
    }

    /// Changes the queue bound (tasks already queued stay).
    pub fn set_max_queue(&self, max_queue: usize) {
        self.max_queue.store(max_queue, Ordering::Relaxed);
    }

    /// Stops accepting tasks. Workers finish what is queued, then get [`Next::Closed`].
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.parking.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Closes and removes every queued task, returning their ids (the caller rejects them).
    pub fn drain_queue(&self) -> Vec<TaskId> {
        self.close();
        let mut ids = Vec::new();
        for task in self.queue.drain() {
            if let Some(task) = self.claim(task) {
                ids.push(task.id);
                task.arg.discard(); // never runs
            }
        }
        ids
    }

    /// Asks one worker to exit: a parked worker wakes now, a busy one on its next `next`.
    pub fn stop_worker(&self, worker: WorkerId) {
        if let Some(slot) = self.slot(worker) {
            slot.stop.store(true, Ordering::Release);
            self.parking.wake_all();
        }
    }

    /// Wakes every parked worker so each returns to JS once (used before the process exits,
    /// since a thread parked in native code cannot be terminated).
    pub fn interrupt_all(&self) {
        for slot in self.workers.read().iter() {
            slot.stop.store(true, Ordering::Release);
        }
        self.parking.wake_all();
    }

    /// Records that `worker` is alive (called on every take and completion, and by the
    /// worker's own timer while it awaits an async task).
    pub fn beat(&self, worker: WorkerId) {
        if let Some(slot) = self.workers.read().get(worker) {
            slot.beat();
        }
    }

    /// The task `worker` is running, and milliseconds it has been silent: since the first
    /// of these calls that saw its current heartbeat count (the steward calls this a few
    /// times per stall timeout, so silence is found at most one call late).
    pub fn worker_state(&self, worker: WorkerId) -> Option<(Option<TaskId>, u64)> {
        let slot = self.slot(worker)?;
        let running = slot.running.load(Ordering::Acquire).checked_sub(1);
        let now = self.epoch.elapsed().as_millis() as u64;
        let beats = slot.beats.load(Ordering::Acquire);
        let mut heard = slot.heard.lock();
        if heard.0 != beats {
            *heard = (beats, now);
        }
        Some((running.map(|id| id as TaskId), now.saturating_sub(heard.1)))
    }

    /// Interns a task function's name; tasks carry the index (below 2^24, see
    /// [`INDEX_MASK`]; a pool refuses more names than that).
    ///
    /// ```
    /// let d = weft_core::pool::Dispatcher::new(usize::MAX);
    /// assert_eq!(d.intern("add").unwrap(), d.intern("add").unwrap());
    /// ```
    pub fn intern(&self, name: &str) -> Result<u32> {
        if let Some(i) = self.names.read().iter().position(|n| n == name) {
            return Ok(i as u32);
        }
        let mut names = self.names.write();
        if let Some(i) = names.iter().position(|n| n == name) {
            return Ok(i as u32);
        }
        if names.len() > INDEX_MASK as usize {
            let problem = "a pool holds at most 2^24 task function names";
            return Err(Error::invalid_argument("name", problem));
        }
        names.push(name.to_owned());
        Ok((names.len() - 1) as u32)
    }

    /// The name behind an interned index.
    pub fn name(&self, index: u32) -> Result<String> {
        self.names
            .read()
            .get(index as usize)
            .cloned()
            .ok_or_else(|| Error::internal(format!("unknown task function index {index}")))
    }

    /// Counts for `stats()`.
    pub fn stats(&self) -> DispatcherStats {
        let workers = self.workers.read();
        DispatcherStats {
            queued: self.queued.load(Ordering::Acquire),
            running: workers
                .iter()
                .filter(|s| s.running.load(Ordering::Acquire) != 0)
                .count(),
            parked: self.parking.parked(),
            workers: workers
                .iter()
                .filter(|s| s.attached.load(Ordering::Acquire))
                .count(),
            completions_waiting: self.completions.len(),
        }
    }
}

#[cfg(test)]
mod tests;
