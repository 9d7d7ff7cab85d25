//! `matmul`: row-major products of Float32Array or Float64Array matrices.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::matmul::matmul as kernel;
use weft_kernels::{Job, KernelError};

use super::array::{Held, Kind, Owned, Region, Slice, View};
use super::dims::dim;
use super::job::KernelJob;
use super::run::{kernel_error, run_async, run_sync};
use super::value::KernelValue;
use crate::errors::invalid_argument;

/// `out = a·b` for views of one float type.
fn product(
    a: Slice<'_>,
    b: Slice<'_>,
    out: View<'_>,
    (m, k, n): (usize, usize, usize),
    job: &Job,
) -> std::result::Result<(), KernelError> {
    match (a, b, out) {
        (Slice::F64(a), Slice::F64(b), View::F64(out)) => kernel(a, b, out, m, k, n, job),
        (Slice::F32(a), Slice::F32(b), View::F32(out)) => kernel(a, b, out, m, k, n, job),
        (a, _, _) => Err(KernelError::invalid(
            "a",
            format!(
                "a, b and out must all be Float64Array or all Float32Array, got a {}",
                a.kind().name()
            ),
        )),
    }
}

/// The refusal of an m×n product that cannot be allocated (`elements` is `m*n`).
fn too_large(elements: impl std::fmt::Display) -> KernelError {
    KernelError::invalid(
        "m",
        format!(
            "and n ask for a product of m*n = {elements} elements, which could not be allocated"
        ),
    )
}

/// `len` zeros of `a`'s element type `kind` to write the product into, or an error when
/// the memory cannot be had: a failed allocation must not abort the process.
fn product_buffer(kind: Kind, len: usize) -> std::result::Result<Owned, KernelError> {
    fn zeros<T: Clone + Default>(len: usize) -> Option<Vec<T>> {
        let mut xs = Vec::new();
        xs.try_reserve_exact(len).ok()?;
        xs.resize(len, T::default());
        Some(xs)
    }
    let owned = match kind {
        Kind::F64 => zeros(len).map(Owned::F64),
        Kind::F32 => zeros(len).map(Owned::F32),
        // `product` refuses the other types.
        other => Some(Owned::zeros(other, 0)),
    };
    owned.ok_or_else(|| too_large(len))
}

fn dims(m: f64, k: f64, n: f64) -> Result<(usize, usize, usize)> {
    Ok((dim(m, "m")?, dim(k, "k")?, dim(n, "n")?))
}

/// `kernels.matmul(a, b, out, m, k, n)`: writes the m×n product of the m×k matrix `a` and
/// the k×n matrix `b` (row-major) into `out`, which must not overlap them.
#[napi(catch_unwind, namespace = "kernels")]
pub fn matmul(
    a: TypedArray<'_>,
    b: TypedArray<'_>,
    out: TypedArray<'_>,
    m: f64,
    k: f64,
    n: f64,
) -> Result<()> {
    let dims = dims(m, k, n)?;
    let (a, b, out) = (
        Region::of(&a, "a")?,
        Region::of(&b, "b")?,
        Region::of(&out, "out")?,
    );
    if out.overlaps(&a) || out.overlaps(&b) {
        return Err(invalid_argument("out", "must not share memory with a or b"));
    }
    // SAFETY: sync form (see `Region::view`); `out`, the one view written, overlaps
    // neither input (checked above).
    run_sync(move |job| {
        product(
            unsafe { a.slice() },
            unsafe { b.slice() },
            unsafe { out.view() },
            dims,
            job,
        )
    })
    .map(|_| ())
}

/// `kernels.matmulAsync(a, b, out, m, k, n, job)`: as `matmul`, off the calling thread.
/// `out` null: the product comes back as a new array. `out` over a SharedArrayBuffer: it
/// is written in place and the Promise resolves to undefined. Otherwise the product comes
/// back as a new array for the facade to copy into `out`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "matmulAsync",
    ts_return_type = "Promise<Float32Array | Float64Array | undefined>"
)]
#[allow(clippy::too_many_arguments)]
pub fn matmul_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    b: TypedArray<'_>,
    out: Option<TypedArray<'_>>,
    m: f64,
    k: f64,
    n: f64,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let dims = dims(m, k, n)?;
    let (ra, rb) = (Region::of(&a, "a")?, Region::of(&b, "b")?);
    let kind = ra.kind();
    let shared_out = match out {
        Some(out) => {
            let out = Region::of(&out, "out")?;
            if out.overlaps(&ra) || out.overlaps(&rb) {
                return Err(invalid_argument("out", "must not share memory with a or b"));
            }
            out.shared().then_some(out)
        }
        None => None,
    };
    let (a, b) = (Held::take(ra), Held::take(rb));
    let mn = dims
        .0
        .checked_mul(dims.2)
        .ok_or_else(|| kernel_error(too_large(format!("{}*{}", dims.0, dims.2))))?;
    run_async(env, job, move |job| {
        if let Some(out) = shared_out {
            let mut out = Held::InPlace(out);
            product(a.slice(), b.slice(), out.view(), dims, job)?;
            return Ok(KernelValue::Undefined);
        }
        let mut out = product_buffer(kind, mn)?;
        product(a.slice(), b.slice(), out.view(), dims, job)?;
        Ok(KernelValue::Array(out))
    })
}
