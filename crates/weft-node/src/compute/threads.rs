//! The kernel pool's size.
use napi::Result;
use napi_derive::napi;
use weft_kernels::pool;

use crate::errors::{guard, invalid_argument};

/// `kernels.threads()`: the kernel pool's size.
#[napi(catch_unwind, namespace = "kernels")]
pub fn threads() -> Result<u32> {
    guard(|| Ok(pool::threads() as u32))
}

/// `kernels.setThreads(n)`: resizes the kernel pool (1 to 1024 threads).
#[napi(catch_unwind, namespace = "kernels", js_name = "setThreads")]
pub fn set_threads(n: f64) -> Result<()> {
    guard(|| {
        if !(n.fract() == 0.0 && n >= 1.0 && n <= pool::MAX_THREADS as f64) {
            return Err(invalid_argument(
                "threads",
                format!(
                    "must be an integer from 1 to {}, got {n}",
                    pool::MAX_THREADS
                ),
            ));
        }
        pool::set_threads(n as usize).map_err(|e| invalid_argument("threads", e))
    })
}
