//! Running a kernel: synchronously on the calling thread's behalf (it blocks while the
//! kernel pool works), or asynchronously (the call returns a Promise at once and the
//! kernel runs on the pool, settling the Promise from there).
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use napi::bindgen_prelude::Object;
use napi::{Env, JsDeferred, Result};
use weft_core::Error;
use weft_kernels::{pool, Job, KernelError};

use super::job::{self, KernelJob};
use super::value::KernelValue;
use crate::errors::{failpoint, guard, panic_report, to_js, Failpoint};

/// The JS error for a kernel's refusal: INVALID_ARGUMENT naming the argument, or CANCELED.
pub fn kernel_error(err: KernelError) -> napi::Error {
    match err {
        KernelError::InvalidArgument { param, message } => {
            to_js(Error::invalid_argument(param, message))
        }
        KernelError::LengthMismatch { left, right } => to_js(Error::invalid_argument(
            "b",
            format!("must have the same length as a, got {right} and {left}"),
        )),
        KernelError::Canceled => to_js(Error::new(
            weft_core::ErrorCode::Canceled,
            "the kernel was cancelled",
        )),
    }
}

/// Runs `work` on the kernel pool and waits for it (the sync forms): panics become
/// INTERNAL errors, refusals typed errors.
pub fn run_sync<T: Into<KernelValue> + Send>(
    work: impl FnOnce(&Job) -> std::result::Result<T, KernelError> + Send,
) -> Result<KernelValue> {
    guard(|| {
        let job = Arc::new(Job::new());
        let _running = job::register(&job);
        pool::install(|| {
            failpoint(Failpoint::Kernel);
            work(&job)
        })
        .map(Into::into)
        .map_err(kernel_error)
    })
}

type Deferred = JsDeferred<KernelValue, Box<dyn FnOnce(Env) -> Result<KernelValue> + Send>>;

/// Starts `work` on the kernel pool and returns a Promise of its result (the async forms).
/// `work` owns everything it reads (see `array::Held`); `job` is the JS side's handle for
/// cancelling it and reading its progress.
pub fn run_async<'e, T: Into<KernelValue> + Send>(
    env: &'e Env,
    job: &KernelJob,
    work: impl FnOnce(&Job) -> std::result::Result<T, KernelError> + Send + 'static,
) -> Result<Object<'e>> {
    let (deferred, promise) =
        env.create_deferred::<KernelValue, Box<dyn FnOnce(Env) -> Result<KernelValue> + Send>>()?;
    let job: Arc<Job> = job.inner();
    let running = job::register(&job);
    pool::spawn(move || {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            failpoint(Failpoint::Kernel);
            work(&job)
        }));
        drop(running);
        if job::exiting() {
            // Node is tearing down: settling now would race it. Nothing awaits anyway.
            std::mem::forget(deferred);
            return;
        }
        settle(deferred, outcome.map(|r| r.map(Into::into)));
    });
    Ok(promise)
}

fn settle(
    deferred: Deferred,
    outcome: std::thread::Result<std::result::Result<KernelValue, KernelError>>,
) {
    match outcome {
        Ok(Ok(value)) => deferred.resolve(Box::new(move |_| Ok(value))),
        Ok(Err(err)) => deferred.reject(kernel_error(err)),
        Err(payload) => deferred.reject(to_js(Error::internal(format!(
            "native panic: {}",
            panic_report(&*payload)
        )))),
    }
}
