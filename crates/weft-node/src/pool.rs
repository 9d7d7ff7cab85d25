//! Bindings for `weft_core::pool`: `PoolCore` for the thread that owns a pool and
//! `PoolWorkerCore` for each worker thread. Conversion only; the logic is the Dispatcher.
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Array, Float64ArraySlice, Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::handle::Registry;
use weft_core::pool::{Dispatcher, Next, Outcome, Task};
use weft_core::{Error, ErrorCode};

use crate::args;
use crate::errors::{failpoint, guard, to_js, Failpoint};
use crate::slot;
use crate::value::{self, from_js};

/// Every live pool, by id, so worker threads (other isolates) reach the same dispatcher.
static POOLS: Registry<Dispatcher> = Registry::new();

type Wakeup = ThreadsafeFunction<(), (), (), napi::Status, false, true>;

/// The owning thread's handle on a pool's dispatcher.
#[napi]
pub struct PoolCore {
    id: u32,
    inner: Arc<Dispatcher>,
}

use crate::wire::{
    COMPLETE_FIELDS, DRAIN_FIELDS, FLAG_CANCELLABLE, FLAG_OK, PACKED_INDEX_MASK,
    SUBMIT_FIELDS as BATCH_FIELDS, TAKE_CLOSED as CLOSED, TAKE_FIELDS, TAKE_IDLE as IDLE,
    TAKE_STOPPED as STOPPED, TAKE_TASK,
};

#[napi]
impl PoolCore {
    /// A new dispatcher with a queue bound; `onWakeup` runs on this thread whenever
    /// completions (or room for a waiting submitter) are ready to drain.
    #[napi(
        constructor,
        ts_args_type = "maxQueue: number, onWakeup: () => void",
        catch_unwind
    )]
    pub fn new(max_queue: Unknown<'_>, on_wakeup: Function<'_, (), ()>) -> Result<Self> {
        guard(|| {
            let max_queue = args::size(&max_queue, "maxQueue")?;
            let inner = Arc::new(Dispatcher::new(max_queue as usize));
            // Weak: the wakeup never keeps the event loop alive by itself; the facade holds
            // a ref'd timer handle while tasks are pending, and the workers are ref'd
            // unless the pool is unref()'d.
            let wakeup: Wakeup = on_wakeup
                .build_threadsafe_function()
                .weak::<true>()
                .callee_handled::<false>()
                .build()?;
            inner.set_waker(move || {
                wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
            });
            let id = POOLS.insert(inner.clone());
            Ok(PoolCore { id, inner })
        })
    }

    /// The id worker threads attach with.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Queues a task. Throws `QUEUE_FULL` or `POOL_CLOSED`.
    #[napi(
        ts_args_type = "id: number, func: number, priority: number, cancellable: boolean, kind: number, value: unknown",
        catch_unwind
    )]
    pub fn submit(
        &self,
        id: u32,
        func: u32,
        priority: i32,
        cancellable: bool,
        kind: u32,
        value: Unknown<'_>,
    ) -> Result<()> {
        failpoint(Failpoint::Pool);
        let task = Task::new(id, func, priority, from_js(kind, &value)?);
        let submitted = if cancellable {
            self.inner.submit_cancellable(task)
        } else {
            self.inner.submit(task)
        };
        submitted.map_err(|(err, _task)| to_js(err))
    }

    /// Queues `count` tasks described by `meta` (5 numbers each: id, func, priority,
    /// kind | FLAG_CANCELLABLE when cancellable, and the value for numbers and booleans) and
    /// `values` (the value at the task's index for other kinds). One call and one wakeup
    /// round per batch. Returns how many were queued; throws only if none was.
    #[napi(
        ts_args_type = "meta: Float64Array, count: number, values: Array<unknown>",
        catch_unwind
    )]
    pub fn submit_batch(&self, meta: &[f64], count: u32, values: Array<'_>) -> Result<u32> {
        let count = (count as usize).min(meta.len() / BATCH_FIELDS);
        let mut tasks = Vec::with_capacity(count);
        for i in 0..count {
            let m = &meta[i * BATCH_FIELDS..(i + 1) * BATCH_FIELDS];
            let word = m[3] as u32;
            let kind = word & PACKED_INDEX_MASK;
            let arg = value::from_slot(kind, m[4], || {
                let v: Unknown<'_> = values.get(i as u32)?.ok_or_else(|| {
                    to_js(Error::internal(format!("submitBatch: no value at {i}")))
                })?;
                from_js(kind, &v)
            })?;
            let task = Task::new(m[0] as u32, m[1] as u32, m[2] as i32, arg);
            tasks.push((task, word & FLAG_CANCELLABLE != 0));
        }
        let (queued, refused) = self.inner.submit_batch(tasks);
        match refused {
            Some((err, _)) if queued == 0 => Err(to_js(err)),
            _ => Ok(queued as u32),
        }
    }

    /// Writes up to `meta.length / 4` completions into `meta` (4 numbers each: id,
    /// kind | FLAG_OK when it succeeded, run time in microseconds, the value for numbers and booleans) and
    /// other values into `values` at the completion's index. Returns how many. With
    /// `spinUs` > 0 it first spins up to that long for a completion: for short tasks a
    /// spin costs far less than sleeping until a cross-thread wakeup.
    #[napi(
        ts_args_type = "meta: Float64Array, values: Array<unknown>, spinUs: number",
        catch_unwind
    )]
    pub fn drain_into(
        &self,
        env: &Env,
        mut meta: Float64ArraySlice<'_>,
        mut values: Array<'_>,
        spin_us: u32,
    ) -> Result<u32> {
        failpoint(Failpoint::Pool);
        if spin_us > 0 {
            self.inner
                .spin_for_completions(Duration::from_micros(spin_us as u64));
        }
        let meta = args::f64_slice(&mut meta, "meta", DRAIN_FIELDS)?;
        let done = self.inner.drain_completions(meta.len() / DRAIN_FIELDS);
        let count = done.len();
        for (i, completion) in done.into_iter().enumerate() {
            let (flag, value) = match completion.outcome {
                Outcome::Ok(v) => (FLAG_OK, v),
                Outcome::Err(v) => (0, v),
            };
            let m = &mut meta[i * DRAIN_FIELDS..(i + 1) * DRAIN_FIELDS];
            m[0] = completion.id as f64;
            m[2] = completion.run_us;
            // Cannot fail: a value that cannot be made here comes out as FAILED, so every
            // completion taken reaches its task.
            let mut kind = 0.0;
            if let Some(v) = value::deliver(env, &mut kind, &mut m[3], value) {
                value::put(env, &mut values, i, &mut kind, v);
            }
            m[1] = (kind as u32 | flag) as f64;
        }
        Ok(count as u32)
    }

    /// Removes a queued cancellable task; false if a worker already took it.
    #[napi(catch_unwind)]
    pub fn cancel(&self, id: u32) -> bool {
        self.inner.cancel(id)
    }

    /// Interns a task function name; tasks carry the returned index.
    #[napi(catch_unwind)]
    pub fn intern(&self, name: String) -> Result<u32> {
        self.inner.intern(&name).map_err(to_js)
    }

    /// Stops accepting tasks; workers drain the queue, then exit.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.inner.close();
    }

    /// Closes and removes every queued task; returns their ids.
    #[napi(catch_unwind)]
    pub fn drain_queue(&self) -> Vec<u32> {
        self.inner.drain_queue()
    }

    /// Asks one worker to exit.
    #[napi(catch_unwind)]
    pub fn stop_worker(&self, worker: u32) {
        self.inner.stop_worker(worker as usize);
    }

    /// Wakes every parked worker and asks all to exit (before the process exits).
    #[napi(catch_unwind)]
    pub fn interrupt_all(&self) {
        self.inner.interrupt_all();
    }

    /// `[runningTaskId or -1, ms since its last heartbeat]`, or null for an unknown worker.
    #[napi(catch_unwind)]
    pub fn worker_state(&self, worker: u32) -> Option<Vec<f64>> {
        self.inner
            .worker_state(worker as usize)
            .map(|(running, silent)| vec![running.map_or(-1.0, f64::from), silent as f64])
    }

    /// Frees a dead worker's slot; returns the task it was running, if any.
    #[napi(catch_unwind)]
    pub fn detach_worker(&self, worker: u32) -> Option<u32> {
        self.inner.detach_worker(worker as usize)
    }

    /// Counts a submitter waiting for room (+1) or done waiting (-1).
    #[napi(catch_unwind)]
    pub fn room_waiters_add(&self, delta: i32) {
        self.inner.room_waiters_add(delta as isize);
    }

    /// Whether a submit would find room in the queue now (a waiting submitter's re-check
    /// after `roomWaitersAdd`).
    #[napi(catch_unwind)]
    pub fn has_room(&self) -> bool {
        self.inner.has_room()
    }

    /// `[queued, running, parked, workers, completionsWaiting]`.
    #[napi(catch_unwind)]
    pub fn counts(&self) -> Vec<u32> {
        let s = self.inner.stats();
        [
            s.queued,
            s.running,
            s.parked,
            s.workers,
            s.completions_waiting,
        ]
        .iter()
        .map(|&n| n as u32)
        .collect()
    }

    /// Unregisters the pool (after its workers are gone); later attaches fail.
    #[napi(catch_unwind)]
    pub fn dispose(&self) {
        POOLS.remove(self.id);
        // The waker holds the JS callback (and through it the pool): let both go.
        self.inner.clear_waker();
    }
}

/// This worker thread's place in its pool. A thread-local rather than a class instance:
/// a napi-rs class method costs ~0.6 us per call here and a worker makes two per task
/// (take, complete), and each argument costs ~70 ns to convert, so these calls take as few
/// as possible.
struct WorkerSeat {
    inner: Arc<Dispatcher>,
    worker: usize,
    spin: Duration,
    idle: Duration,
    /// When `take` handed out the task this worker is running: its run time ends at
    /// `complete`. Timed here rather than by two `performance.now()` calls in JS, which
    /// cost twice as much per read (~64 against ~30 ns here) on a path taken per task.
    task_taken: Cell<Option<Instant>>,
}

thread_local! {
    static SEAT: std::cell::RefCell<Option<WorkerSeat>> = const { std::cell::RefCell::new(None) };
}

fn with_seat<R>(f: impl FnOnce(&WorkerSeat) -> Result<R>) -> Result<R> {
    SEAT.with(|s| match s.borrow().as_ref() {
        Some(seat) => f(seat),
        None => Err(to_js(Error::internal(
            "worker call before workerAttach on this thread",
        ))),
    })
}

/// Joins pool `poolId` as a new worker (this thread); returns the worker's id. `spinUs`
/// and `idleMs` say how `workerTake` waits: spin, then park up to `idleMs`.
#[napi(catch_unwind)]
pub fn worker_attach(pool_id: u32, spin_us: u32, idle_ms: u32) -> Result<u32> {
    let inner = POOLS.get(pool_id).ok_or_else(|| {
        to_js(Error::new(
            ErrorCode::PoolClosed,
            format!("pool {pool_id} no longer exists"),
        ))
    })?;
    let worker = inner.attach_worker();
    SEAT.with(|s| {
        *s.borrow_mut() = Some(WorkerSeat {
            inner,
            worker,
            spin: Duration::from_micros(spin_us as u64),
            idle: Duration::from_millis(idle_ms as u64),
            task_taken: Cell::new(None),
        })
    });
    Ok(worker as u32)
}

/// Waits for this worker's next task. Writes into `meta` (5 numbers): status (0 task,
/// 1 closed, 2 stopped, 3 idle), then for a task its id, function index, value kind, and
/// the value itself for numbers and booleans. Returns the value for other kinds.
#[napi(
    ts_args_type = "meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn worker_take<'env>(
    env: &'env Env,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let meta = args::f64_slice(&mut meta, "meta", TAKE_FIELDS)?;
    take_into(env, meta)
}

/// `workerTake` through this thread's argument slot (`slot.rs`): the same five numbers
/// go into the slot, so the call converts no Float64Array (a worker's two per-task calls
/// spent ~10% of a tiny task's time on typed-array arguments: `perf`).
pub(crate) fn worker_take_slot(env: &Env) -> Result<Option<Unknown<'_>>> {
    let mut meta = [0.0; TAKE_FIELDS];
    let value = take_into(env, &mut meta)?;
    slot::write_all(&meta);
    Ok(value)
}

fn take_into<'env>(env: &'env Env, meta: &mut [f64]) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Worker);
    let next = with_seat(|seat| {
        let next = seat.inner.next(seat.worker, seat.spin, seat.idle);
        if matches!(next, Next::Task(_)) {
            seat.task_taken.set(Some(Instant::now()));
        }
        Ok(next)
    })?;
    let task = match next {
        Next::Task(task) => task,
        other => {
            meta[0] = match other {
                Next::Closed => CLOSED,
                Next::Stopped => STOPPED,
                _ => IDLE,
            } as f64;
            return Ok(None);
        }
    };
    meta[0] = f64::from(TAKE_TASK);
    meta[1] = task.id as f64;
    meta[2] = task.func as f64;
    Ok(value::deliver_pair(env, &mut meta[3..5], task.arg))
}

/// Reports a finished task (its run time is measured from the `workerTake` that handed it
/// out). `meta` holds [id, ok (1/0), kind, the value for numbers and booleans]; `value` is
/// the value for other kinds (the serialised error when not ok).
#[napi(ts_args_type = "meta: Float64Array, value: unknown", catch_unwind)]
pub fn worker_complete(meta: &[f64], value: Unknown<'_>) -> Result<()> {
    if meta.len() < COMPLETE_FIELDS {
        return Err(to_js(Error::new(
            ErrorCode::InvalidArgument,
            format!("meta must hold {COMPLETE_FIELDS} numbers"),
        )));
    }
    complete_from(meta, || from_js(meta[2] as u32, &value))
}

/// `workerComplete` through the argument slot: [id, ok, kind, number] are in the slot; a
/// number, boolean, null or undefined result needs nothing more.
pub(crate) fn worker_complete_slot() -> Result<()> {
    let meta: [f64; COMPLETE_FIELDS] = std::array::from_fn(slot::read);
    complete_from(&meta, || {
        Err(to_js(Error::new(
            ErrorCode::InvalidArgument,
            "this result kind needs workerCompleteSlotWith(value)",
        )))
    })
}

/// `workerCompleteSlot` for results of other kinds, passed as `value`.
#[napi(ts_args_type = "value: unknown", catch_unwind)]
pub fn worker_complete_slot_with(value: Unknown<'_>) -> Result<()> {
    let meta: [f64; COMPLETE_FIELDS] = std::array::from_fn(slot::read);
    complete_from(&meta, || from_js(meta[2] as u32, &value))
}

fn complete_from(meta: &[f64], other: impl FnOnce() -> Result<weft_core::Value>) -> Result<()> {
    let kind = meta[2] as u32;
    let value = value::from_slot(kind, meta[3], other)?;
    let outcome = if meta[1] != 0.0 {
        Outcome::Ok(value)
    } else {
        Outcome::Err(value)
    };
    with_seat(|seat| {
        let run_us = seat
            .task_taken
            .take()
            .map_or(0.0, |taken| taken.elapsed().as_secs_f64() * 1e6);
        seat.inner
            .complete(seat.worker, meta[0] as u32, outcome, run_us);
        Ok(())
    })
}

/// Heartbeat while an async task is in progress.
#[napi(catch_unwind)]
pub fn worker_beat() -> Result<()> {
    with_seat(|seat| {
        seat.inner.beat(seat.worker);
        Ok(())
    })
}

/// The name behind an interned function index.
#[napi(catch_unwind)]
pub fn worker_func_name(index: u32) -> Result<String> {
    with_seat(|seat| seat.inner.name(index).map_err(to_js))
}
