//! Bindings for `weft_core::sync`: one handle class per primitive (a mutex and a
//! readers-writer lock are semaphores to the core; js/sync/ gives each its own class).
//! Every wait comes in two forms: async (the outcome arrives as a notice on this thread's
//! notifier) and blocking in slices (worker threads); see `wait.rs`.
use std::sync::Arc;

use napi::bindgen_prelude::{Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::sync::{Acquire, Arrival, Barrier, Cond, Once, OnceState, Semaphore, WaitGroup};
use weft_core::wake::{Start, Waiter};

use crate::args;
use crate::errors::to_js;
use crate::handle::{self, Held};
use crate::outcome::READY;
use crate::registry::{BARRIERS, CONDS, ONCES, SEMAPHORES, WAIT_GROUPS};
use crate::wait::{ready_if, wait_async, wait_blocking};

fn weight(n: &Unknown<'_>) -> Result<u64> {
    Ok(args::size(n, "n")? as u64)
}

/// This thread's handle on a weighted semaphore (also a mutex or a readers-writer lock).
#[napi]
pub struct SemaphoreHandle {
    inner: Held<Semaphore>,
}

handle::lifecycle!(SemaphoreHandle, SEMAPHORES, "semaphore");

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
            inner: handle::create(&SEMAPHORES, Arc::new(Semaphore::new(size as u64))),
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

handle::lifecycle!(WaitGroupHandle, WAIT_GROUPS, "wait group");

#[napi]
impl WaitGroupHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        WaitGroupHandle {
            inner: handle::create(&WAIT_GROUPS, Arc::new(WaitGroup::default())),
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
            Ok(ready_if(wg.wait(w)))
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
            Ok(ready_if(wg.wait(w)))
        })
    }
}

/// This thread's handle on a condition variable.
#[napi]
pub struct CondHandle {
    inner: Held<Cond>,
}

handle::lifecycle!(CondHandle, CONDS, "condition variable");

#[napi]
impl CondHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        CondHandle {
            inner: handle::create(&CONDS, Arc::new(Cond::default())),
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

handle::lifecycle!(OnceHandle, ONCES, "once");

use crate::wire::STATUS_ONCE_RUN as ONCE_RUN;

#[napi]
impl OnceHandle {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        OnceHandle {
            inner: handle::create(&ONCES, Arc::new(Once::default())),
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

handle::lifecycle!(BarrierHandle, BARRIERS, "barrier");

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
            inner: handle::create(&BARRIERS, Arc::new(Barrier::new(parties as usize))),
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
