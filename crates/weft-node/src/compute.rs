//! Compute kernels (weft-kernels) on TypedArrays, synchronous: the array is borrowed for the
//! call only, and JS cannot run (so cannot write, transfer or drop it) until the call
//! returns, even while the kernel pool's threads read it. The facade refuses arrays over a
//! SharedArrayBuffer, which another thread could write meanwhile.
use napi::bindgen_prelude::{Float32ArraySlice, Float64ArraySlice};
use napi::Result;
use napi_derive::napi;
use weft_kernels::{pool, reduce, Job};

use crate::errors::{guard, invalid_argument};

/// One export per reduction and element type: `kernels.<name><F64|F32>(xs)`.
macro_rules! reductions {
    ($($js:literal $rust:ident => $kernel:path, $slice:ident;)*) => {$(
        #[napi(catch_unwind, namespace = "kernels", js_name = $js)]
        pub fn $rust(xs: $slice<'_>) -> Result<f64> {
            guard(|| {
                $kernel(&xs, &Job::new())
                    .map(f64::from)
                    .map_err(|e| invalid_argument("a", e))
            })
        }
    )*};
}

/// The sum as a JS number.
fn sum_number<T: weft_kernels::Element>(
    xs: &[T],
    job: &Job,
) -> std::result::Result<f64, weft_kernels::KernelError> {
    reduce::sum(xs, job).map(reduce::Total::to_f64)
}

reductions! {
    "sumF64" sum_f64 => sum_number, Float64ArraySlice;
    "sumF32" sum_f32 => sum_number, Float32ArraySlice;
    "minF64" min_f64 => reduce::min, Float64ArraySlice;
    "minF32" min_f32 => reduce::min, Float32ArraySlice;
    "maxF64" max_f64 => reduce::max, Float64ArraySlice;
    "maxF32" max_f32 => reduce::max, Float32ArraySlice;
}

/// `kernels.dotF64(a, b)`: the dot product; INVALID_ARGUMENT when the lengths differ.
#[napi(catch_unwind, namespace = "kernels", js_name = "dotF64")]
pub fn dot_f64(a: Float64ArraySlice<'_>, b: Float64ArraySlice<'_>) -> Result<f64> {
    guard(|| reduce::dot(&a, &b, &Job::new()).map_err(|e| invalid_argument("b", e)))
}

/// `kernels.dotF32(a, b)`: as `dotF64`, for Float32Arrays.
#[napi(catch_unwind, namespace = "kernels", js_name = "dotF32")]
pub fn dot_f32(a: Float32ArraySlice<'_>, b: Float32ArraySlice<'_>) -> Result<f64> {
    guard(|| reduce::dot(&a, &b, &Job::new()).map_err(|e| invalid_argument("b", e)))
}

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
