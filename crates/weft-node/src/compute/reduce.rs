//! Reductions: `sum`, `min`, `max`, `dot`.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::{reduce, KernelError};

use super::array::{Held, Region, Slice};
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::value::KernelValue;

/// Runs `$body` with `$xs` bound to a float view; other element types are refused.
macro_rules! with_float_view {
    ($view:expr, $param:literal, $xs:ident => $body:expr) => {
        match $view {
            Slice::F64($xs) => $body,
            Slice::F32($xs) => $body,
            other => Err(KernelError::invalid(
                $param,
                format!(
                    "must be a Float64Array or Float32Array, got {}",
                    other.kind().name()
                ),
            )),
        }
    };
}

/// One sync and one async export per single-array reduction.
macro_rules! reductions {
    ($($js:literal $js_async:literal $sync:ident $async_fn:ident => $kernel:path;)*) => {$(
        #[napi(catch_unwind, namespace = "kernels", js_name = $js, ts_return_type = "number")]
        pub fn $sync(a: TypedArray<'_>) -> Result<KernelValue> {
            let a = Region::of(&a, "a")?;
            // SAFETY: sync form: the JS thread is blocked in this call and `a` is its
            // argument (see `Region::view`).
            run_sync(move |_job| with_float_view!(unsafe { a.slice() }, "a", xs => Ok($kernel(xs))))
        }

        #[napi(catch_unwind, namespace = "kernels", js_name = $js_async, ts_return_type = "Promise<number>")]
        pub fn $async_fn<'e>(env: &'e Env, a: TypedArray<'_>, job: &KernelJob) -> Result<Object<'e>> {
            let a = Held::take(Region::of(&a, "a")?);
            run_async(env, job, move |_job| with_float_view!(a.slice(), "a", xs => Ok($kernel(xs))))
        }
    )*};
}

reductions! {
    "sum" "sumAsync" sum sum_async => reduce::sum;
    "min" "minAsync" min min_async => reduce::min;
    "max" "maxAsync" max max_async => reduce::max;
}

/// `Σ aᵢ·bᵢ` for two float views of one element type.
fn dot_views(a: Slice<'_>, b: Slice<'_>) -> std::result::Result<f64, KernelError> {
    match (a, b) {
        (Slice::F64(a), Slice::F64(b)) => reduce::dot(a, b),
        (Slice::F32(a), Slice::F32(b)) => reduce::dot(a, b),
        (a, b) => Err(KernelError::invalid(
            "b",
            format!(
                "must be a Float64Array or Float32Array of a's type, got {} and {}",
                a.kind().name(),
                b.kind().name()
            ),
        )),
    }
}

/// `kernels.dot(a, b)`: the dot product of two float arrays of one type and length.
#[napi(catch_unwind, namespace = "kernels", ts_return_type = "number")]
pub fn dot(a: TypedArray<'_>, b: TypedArray<'_>) -> Result<KernelValue> {
    let (a, b) = (Region::of(&a, "a")?, Region::of(&b, "b")?);
    // SAFETY: sync form (see `Region::view`); both views only read, so they may overlap.
    run_sync(move |_job| dot_views(unsafe { a.slice() }, unsafe { b.slice() }))
}

/// `kernels.dotAsync(a, b, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "dotAsync",
    ts_return_type = "Promise<number>"
)]
pub fn dot_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    b: TypedArray<'_>,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let a = Held::take(Region::of(&a, "a")?);
    let b = Held::take(Region::of(&b, "b")?);
    run_async(env, job, move |_job| dot_views(a.slice(), b.slice()))
}
