//! The JS side's handle on an asynchronous kernel (`new kernels.KernelJob()`): cancel it,
//! read its progress. Every running job is also listed here, so that the process's exit
//! can cancel them and wait for the kernel threads before Node tears itself down (a
//! kernel thread settling a Promise during that teardown would race it).
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Once, PoisonError, Weak};
use std::time::Duration;

use napi_derive::napi;
use weft_kernels::{pool, Job};

use crate::errors::contain;

/// An asynchronous kernel's cancellation and progress, shared with the kernel's threads.
#[napi(namespace = "kernels")]
pub struct KernelJob {
    inner: Arc<Job>,
}

#[napi(namespace = "kernels")]
impl KernelJob {
    /// A job for one asynchronous kernel call.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        KernelJob {
            inner: Arc::new(Job::new()),
        }
    }

    /// Asks the kernel to stop at its next chunk boundary.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// `[done, total]` in the kernel's own units (elements, bytes or rows).
    #[napi(catch_unwind)]
    pub fn progress(&self) -> Vec<f64> {
        let (done, total) = self.inner.progress();
        vec![done as f64, total as f64]
    }
}

impl Default for KernelJob {
    fn default() -> Self {
        Self::new()
    }
}

impl KernelJob {
    /// The shared job.
    pub fn inner(&self) -> Arc<Job> {
        self.inner.clone()
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);
static RUNNING: LazyLock<Mutex<HashMap<u64, Weak<Job>>>> = LazyLock::new(Default::default);
/// Set once the process is exiting: kernels that finish then settle nothing.
static EXITING: AtomicBool = AtomicBool::new(false);

fn running() -> std::sync::MutexGuard<'static, HashMap<u64, Weak<Job>>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running job's entry in the list; dropping it removes the entry.
pub struct Running(u64);

impl Drop for Running {
    fn drop(&mut self) {
        running().remove(&self.0);
    }
}

/// Lists `job` as running until the returned guard drops.
pub fn register(job: &Arc<Job>) -> Running {
    install_exit_hook();
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    running().insert(id, Arc::downgrade(job));
    Running(id)
}

/// Whether the process is exiting (a finished kernel must not touch Node then).
pub fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

unsafe extern "C" {
    /// The C library's `atexit`: runs at `exit()`, which both a natural end and
    /// `process.exit()` reach, before the C++ runtime's static destructors.
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn on_exit() {
    contain("the kernel pool's exit", || {
        EXITING.store(true, Ordering::Release);
        for job in running().values().filter_map(Weak::upgrade) {
            job.cancel();
        }
        // Cancelled kernels stop at their next chunk; bound the wait all the same.
        pool::shutdown(Duration::from_secs(2));
    });
}

fn install_exit_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `on_exit` is a plain `extern "C" fn()` that lives as long as the
        // process (the addon is never unloaded before exit) and catches its own panics.
        unsafe {
            atexit(on_exit);
        }
    });
}
