//! Bindings for `weft_core::sync`: one handle class per primitive (a mutex and a
//! readers-writer lock are semaphores to the core; js/sync/ gives each its own class).
//! Every wait comes in two forms: async (the outcome arrives as a notice on this thread's
//! notifier) and blocking in slices (worker threads; see `blocking.rs`).
use std::sync::Arc;

use napi::bindgen_prelude::{Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::context::Context;
use weft_core::registry::Handles;
use weft_core::sync::{Acquire, Arrival, Barrier, Cond, Once, OnceState, Semaphore, WaitGroup};
use weft_core::wake::Waiter;

use crate::args;
use crate::blocking::RESULT_FIELDS;
use crate::errors::{failpoint, to_js, Failpoint};
use crate::held::{self, Held};
use crate::outcome::{self, READY};
use crate::wait::{self, Started, Withdrawal};

pub(crate) static SEMAPHORES: Handles<Semaphore> = Handles::new();
pub(crate) static WAIT_GROUPS: Handles<WaitGroup> = Handles::new();
pub(crate) static CONDS: Handles<Cond> = Handles::new();
pub(crate) static ONCES: Handles<Once> = Handles::new();
pub(crate) static BARRIERS: Handles<Barrier> = Handles::new();

/// How a wait started: done now, or queued with its waiter.
pub(crate) enum Start {
    /// Happened now; the status to report (READY, or a primitive's own: ONCE_RUN, TRIPPED).
    Now(u32),
    Queued,
    /// Queued for `n` units of a semaphore: if they are granted but the thread ends before
    /// taking them, they go back (or the lock would stay held by nobody).
    QueuedFor(u64),
}

impl Start {
    /// READY now if `done`, else queued (a wait that reports nothing of its own).
    pub(crate) fn ready_if(done: bool) -> Start {
        if done {
            Start::Now(READY)
        } else {
            Start::Queued
        }
    }
}

/// A primitive the shared wait machinery (`wait.rs`) waits on: it says how to queue a
/// waiter (the `register` of each call) and how to take a cancelled one off again (its
/// own `forget`).
pub(crate) trait Forget: 'static {
    fn forget(&self, waiter: &Arc<Waiter>);

    /// Takes back `units` granted to a waiter whose thread ended first.
    fn give_back(&self, units: u64) {
        let _ = units;
    }
}

macro_rules! forget_impls {
    ($($t:ty),*) => {
        $(impl Forget for $t {
            fn forget(&self, waiter: &Arc<Waiter>) {
                <$t>::forget(self, waiter)
            }
        })*
    };
}
forget_impls!(Context, WaitGroup, Cond, Once, Barrier);

impl Forget for Semaphore {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Semaphore::forget(self, waiter)
    }

    fn give_back(&self, units: u64) {
        // Cannot fail: these units were granted and never released.
        let _ = self.release(units);
    }
}

/// A wait on `on` that `start` began, for `wait.rs`.
fn started<T: Forget>(waiter: &Arc<Waiter>, start: Start, on: &Arc<T>) -> Started {
    match start {
        Start::Now(status) => Started::done(status),
        Start::Queued => queued(waiter, on, 0),
        Start::QueuedFor(units) => queued(waiter, on, units),
    }
}

/// A queued wait on `on` for `units` (0: nothing to give back).
fn queued<T: Forget>(waiter: &Arc<Waiter>, on: &Arc<T>, units: u64) -> Started {
    let (waiter, on) = (waiter.clone(), on.clone());
    Started::Queued(Box::new(move |why| {
        on.forget(&waiter);
        if why == (Withdrawal::ThreadEnded { granted: true }) && units > 0 {
            on.give_back(units);
        }
    }))
}

/// Async form of a wait on `on`: `register` queues the waiter (or says it is done now).
pub(crate) fn wait_async<'env, T: Forget>(
    env: &'env Env,
    token: f64,
    meta: &mut Float64ArraySlice<'_>,
    on: &Arc<T>,
    register: impl FnOnce(&T, &Arc<Waiter>) -> Result<Start>,
) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Sync);
    let meta = outcome::meta_slice(meta, RESULT_FIELDS)?;
    wait::run_async(env, token, meta, |w| Ok(started(w, register(on, w)?, on)))
}

/// Blocking form of a wait on `on` (worker threads).
pub(crate) fn wait_blocking<'env, T: Forget>(
    env: &'env Env,
    meta: &mut Float64ArraySlice<'_>,
    slice_ms: u32,
    on: &Arc<T>,
    register: impl FnOnce(&T, &Arc<Waiter>) -> Result<Start>,
) -> Result<Option<Unknown<'env>>> {
    failpoint(Failpoint::Sync);
    let meta = outcome::meta_slice(meta, RESULT_FIELDS)?;
    wait::run_blocking(env, meta, slice_ms, |w| {
        Ok(started(w, register(on, w)?, on))
    })
}

fn weight(n: &Unknown<'_>) -> Result<u64> {
    Ok(args::size(n, "n")? as u64)
}

/// This thread's handle on a weighted semaphore (also a mutex or a readers-writer lock).
#[napi]
pub struct SemaphoreHandle {
    inner: Held<Semaphore>,
}

held::lifecycle!(SemaphoreHandle, SEMAPHORES, "semaphore");

#[napi]
impl SemaphoreHandle {
    /// A semaphore of `size` units (>= 1).
    #[napi(constructor, ts_args_type = "size: number", catch_unwind)]
    pub fn new(size: Unknown<'_>) -> Result<Self> {
        let size = args::size(&size, "size")?;
        if size == 0 {
            return Err(crate::errors::invalid_argument(
                "size",
                "must be at least 1, got 0",
            ));
        }
        Ok(SemaphoreHandle {
            inner: Held::create(&SEMAPHORES, Arc::new(Semaphore::new(size as u64))),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    #[napi(getter, catch_unwind)]
    pub fn held(&self) -> f64 {
        self.inner.held() as f64
    }

    #[napi(ts_args_type = "n: number", catch_unwind)]
    pub fn try_acquire(&self, n: Unknown<'_>) -> Result<bool> {
        Ok(self.inner.try_acquire(weight(&n)?))
    }

    #[napi(
        ts_args_type = "token: number, n: number, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn acquire<'env>(
        &self,
        env: &'env Env,
        token: f64,
        n: Unknown<'_>,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        let n = weight(&n)?;
        wait_async(env, token, &mut meta, &self.inner, |sem, w| {
            acquire_start(sem, n, w)
        })
    }

    #[napi(
        ts_args_type = "n: number, meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn acquire_blocking<'env>(
        &self,
        env: &'env Env,
        n: Unknown<'_>,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        let n = weight(&n)?;
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |sem, w| {
            acquire_start(sem, n, w)
        })
    }

    #[napi(ts_args_type = "n: number", catch_unwind)]
    pub fn release(&self, n: Unknown<'_>) -> Result<()> {
        self.inner.release(weight(&n)?).map_err(to_js)
    }
}

fn acquire_start(sem: &Semaphore, n: u64, waiter: &Arc<Waiter>) -> Result<Start> {
    Ok(match sem.acquire(n, waiter).map_err(to_js)? {
        Acquire::Done => Start::Now(READY),
        Acquire::Waiting => Start::QueuedFor(n),
    })
}

/// This thread's handle on a wait group.
#[napi]
pub struct WaitGroupHandle {
    inner: Held<WaitGroup>,
}

held::lifecycle!(WaitGroupHandle, WAIT_GROUPS, "wait group");

#[napi]
impl WaitGroupHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        WaitGroupHandle {
            inner: Held::create(&WAIT_GROUPS, Arc::new(WaitGroup::default())),
        }
    }

    /// Adds `delta` (an integer, may be negative); returns the counter.
    #[napi(ts_args_type = "delta: number", catch_unwind)]
    pub fn add(&self, delta: Unknown<'_>) -> Result<f64> {
        let d: f64 = args::arg(&delta, "delta", "a number")?;
        if !d.is_finite() || d.fract() != 0.0 || d.abs() > 2f64.powi(52) {
            return Err(crate::errors::invalid_argument(
                "delta",
                format!("must be an integer, got {d}"),
            ));
        }
        self.inner.add(d as i64).map(|n| n as f64).map_err(to_js)
    }

    #[napi(getter, catch_unwind)]
    pub fn count(&self) -> f64 {
        self.inner.count() as f64
    }

    #[napi(
        ts_args_type = "token: number, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait<'env>(
        &self,
        env: &'env Env,
        token: f64,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        wait_async(env, token, &mut meta, &self.inner, |wg, w| {
            Ok(Start::ready_if(wg.wait(w)))
        })
    }

    #[napi(
        ts_args_type = "meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait_blocking<'env>(
        &self,
        env: &'env Env,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |wg, w| {
            Ok(Start::ready_if(wg.wait(w)))
        })
    }
}

/// This thread's handle on a condition variable.
#[napi]
pub struct CondHandle {
    inner: Held<Cond>,
}

held::lifecycle!(CondHandle, CONDS, "condition variable");

#[napi]
impl CondHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        CondHandle {
            inner: Held::create(&CONDS, Arc::new(Cond::default())),
        }
    }

    /// Queues this thread and releases `mutex` (which it must hold) in one step.
    #[napi(
        ts_args_type = "token: number, mutex: SemaphoreHandle, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait<'env>(
        &self,
        env: &'env Env,
        token: f64,
        mutex: &SemaphoreHandle,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        wait_async(env, token, &mut meta, &self.inner, |cond, w| {
            cond.wait(w, &mutex.inner)
                .map(|()| Start::Queued)
                .map_err(to_js)
        })
    }

    #[napi(
        ts_args_type = "mutex: SemaphoreHandle, meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait_blocking<'env>(
        &self,
        env: &'env Env,
        mutex: &SemaphoreHandle,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |cond, w| {
            cond.wait(w, &mutex.inner)
                .map(|()| Start::Queued)
                .map_err(to_js)
        })
    }

    /// Wakes one waiter; returns how many woke.
    #[napi(catch_unwind)]
    pub fn signal(&self) -> u32 {
        self.inner.signal() as u32
    }

    /// Wakes every waiter; returns how many woke.
    #[napi(catch_unwind)]
    pub fn broadcast(&self) -> u32 {
        self.inner.broadcast() as u32
    }
}

/// This thread's handle on a once.
#[napi]
pub struct OnceHandle {
    inner: Held<Once>,
}

held::lifecycle!(OnceHandle, ONCES, "once");

use crate::wire::STATUS_ONCE_RUN as ONCE_RUN;

#[napi]
impl OnceHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        OnceHandle {
            inner: Held::create(&ONCES, Arc::new(Once::default())),
        }
    }

    #[napi(getter, catch_unwind)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Claims the run (status 5: run it, then call `finish`), or waits for the running
    /// call (WAITING), or is done (READY).
    #[napi(
        ts_args_type = "token: number, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn begin<'env>(
        &self,
        env: &'env Env,
        token: f64,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        wait_async(env, token, &mut meta, &self.inner, |_, w| {
            Ok(once_start(&self.inner, w))
        })
    }

    #[napi(
        ts_args_type = "meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn begin_blocking<'env>(
        &self,
        env: &'env Env,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |_, w| {
            Ok(once_start(&self.inner, w))
        })
    }

    /// Marks the run finished (after the function returned or threw) and wakes the others.
    #[napi(catch_unwind)]
    pub fn finish(&self) {
        runs::ended(&self.inner);
        self.inner.finish();
    }
}

fn once_start(once: &Arc<Once>, waiter: &Arc<Waiter>) -> Start {
    match once.begin(waiter) {
        OnceState::Run => {
            runs::began(once);
            Start::Now(ONCE_RUN)
        }
        OnceState::Done => Start::Now(READY),
        OnceState::Waiting => Start::Queued,
    }
}

/// The onces this thread is running: should it end before their `finish` (a worker
/// terminated mid-run), each is abandoned, so its waiters wake to run it themselves
/// instead of waiting forever.
mod runs {
    use std::cell::RefCell;
    use std::sync::Arc;

    use weft_core::sync::Once;

    use crate::errors::contain;

    /// A run in progress on this thread; dropped unfinished (at thread end), it abandons.
    struct Run(Option<Arc<Once>>);

    impl Drop for Run {
        fn drop(&mut self) {
            if let Some(once) = self.0.take() {
                contain("abandoning a once at thread end", || once.abandon());
            }
        }
    }

    thread_local! {
        static RUNNING: RefCell<Vec<Run>> = const { RefCell::new(Vec::new()) };
    }

    /// This thread was told to run `once`.
    pub(super) fn began(once: &Arc<Once>) {
        RUNNING.with(|r| r.borrow_mut().push(Run(Some(once.clone()))));
    }

    /// This thread finished running `once` (its `finish` follows).
    pub(super) fn ended(once: &Arc<Once>) {
        let _ = RUNNING.try_with(|r| {
            let mut runs = r.borrow_mut();
            if let Some(i) = runs
                .iter()
                .position(|run| run.0.as_ref().is_some_and(|o| Arc::ptr_eq(o, once)))
            {
                runs.swap_remove(i).0.take();
            }
        });
    }
}

/// This thread's handle on a barrier.
#[napi]
pub struct BarrierHandle {
    inner: Held<Barrier>,
}

held::lifecycle!(BarrierHandle, BARRIERS, "barrier");

use crate::wire::STATUS_TRIPPED as TRIPPED;

#[napi]
impl BarrierHandle {
    #[napi(constructor, ts_args_type = "parties: number", catch_unwind)]
    pub fn new(parties: Unknown<'_>) -> Result<Self> {
        let parties = args::size(&parties, "parties")?;
        if parties == 0 {
            return Err(crate::errors::invalid_argument(
                "parties",
                "must be at least 1, got 0",
            ));
        }
        Ok(BarrierHandle {
            inner: Held::create(&BARRIERS, Arc::new(Barrier::new(parties as usize))),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn parties(&self) -> u32 {
        self.inner.parties() as u32
    }

    #[napi(getter, catch_unwind)]
    pub fn generation(&self) -> f64 {
        self.inner.generation() as f64
    }

    /// Arrives: TRIPPED (6) for the generation's last caller, WAITING otherwise.
    #[napi(
        ts_args_type = "token: number, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn arrive<'env>(
        &self,
        env: &'env Env,
        token: f64,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        wait_async(env, token, &mut meta, &self.inner, |b, w| {
            Ok(arrive_start(b, w))
        })
    }

    #[napi(
        ts_args_type = "meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn arrive_blocking<'env>(
        &self,
        env: &'env Env,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |b, w| {
            Ok(arrive_start(b, w))
        })
    }
}

fn arrive_start(barrier: &Barrier, waiter: &Arc<Waiter>) -> Start {
    match barrier.arrive(waiter) {
        Arrival::Tripped { .. } => Start::Now(TRIPPED),
        Arrival::Waiting { .. } => Start::Queued,
    }
}
