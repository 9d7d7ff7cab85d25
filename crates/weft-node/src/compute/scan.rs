//! Prefix sums (`scan`), and `unique` and `searchSorted` over sorted arrays.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::scan::scan as scan_kernel;
use weft_kernels::search::{search_sorted, unique as unique_kernel, Side};
use weft_kernels::{Element, Job, KernelError};

use super::array::{with_slice, Held, Kind, Owned, Region, Slice, Target, View};
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::typed::{same, same_mut, Typed};
use super::value::KernelValue;
use crate::errors::invalid_argument;

type KernelResult = std::result::Result<KernelValue, KernelError>;

/// The element type of `scan`'s output: a float's own, Float64Array for the integers of
/// at most 32 bits (exact to 2^53), a 64-bit integer's own (wrapping).
fn scan_kind(kind: Kind) -> Kind {
    match kind {
        Kind::I32 | Kind::U32 | Kind::I16 | Kind::U16 | Kind::I8 | Kind::U8 => Kind::F64,
        other => other,
    }
}

fn scan_into(
    a: Slice<'_>,
    out: View<'_>,
    exclusive: bool,
    job: &Job,
) -> std::result::Result<(), KernelError> {
    fn typed<T: Typed>(
        xs: &[T],
        out: View<'_>,
        exclusive: bool,
        job: &Job,
    ) -> std::result::Result<(), KernelError>
    where
        T::ScanOut: Typed,
    {
        scan_kernel(
            xs,
            same_mut::<<T as Element>::ScanOut>(out, "out")?,
            exclusive,
            job,
        )
    }
    with_slice!(a, xs => typed(xs, out, exclusive, job))
}

/// `kernels.scan(a, out, exclusive)`: prefix sums of `a` into `out`.
#[napi(catch_unwind, namespace = "kernels")]
pub fn scan(a: TypedArray<'_>, out: TypedArray<'_>, exclusive: bool) -> Result<()> {
    let out = Region::of(&out, "out")?;
    if out.kind() != scan_kind(Region::of(&a, "a")?.kind()) {
        return Err(invalid_argument(
            "out",
            format!(
                "must be a {}",
                scan_kind(Region::of(&a, "a")?.kind()).name()
            ),
        ));
    }
    let a = Held::input_sync(Region::of(&a, "a")?, Some(&out));
    let target = Target::InPlace(out);
    run_sync(move |job| target.write(|out| scan_into(a.slice(), out, exclusive, job))).map(|_| ())
}

/// `kernels.scanAsync(a, out, exclusive, job)`: as `scan`, off the calling thread; the
/// sums come back as a new array unless `out` lies in a SharedArrayBuffer.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "scanAsync",
    ts_return_type = "Promise<any>"
)]
pub fn scan_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    out: Option<TypedArray<'_>>,
    exclusive: bool,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let ra = Region::of(&a, "a")?;
    let kind = scan_kind(ra.kind());
    let out = out.map(|o| Region::of(&o, "out")).transpose()?;
    if let Some(o) = &out
        && o.kind() != kind
    {
        return Err(invalid_argument(
            "out",
            format!("must be a {}", kind.name()),
        ));
    }
    let target = Target::for_async(out, kind, ra.len());
    let a = Held::input_async(ra, target.region());
    run_async(env, job, move |job| {
        target.write(|out| scan_into(a.slice(), out, exclusive, job))
    })
}

fn unique_of(a: Slice<'_>, job: &Job) -> KernelResult {
    fn typed<T: Typed>(xs: &[T], job: &Job) -> KernelResult {
        Ok(KernelValue::Array(T::owned(unique_kernel(xs, job)?)))
    }
    with_slice!(a, xs => typed(xs, job))
}

/// `kernels.unique(a)`: the sorted `a` without adjacent repeats, as a new array.
#[napi(catch_unwind, namespace = "kernels", ts_return_type = "any")]
pub fn unique(a: TypedArray<'_>) -> Result<KernelValue> {
    let a = Region::of(&a, "a")?;
    // SAFETY: sync form (see `Region::slice`); read only.
    run_sync(move |job| unique_of(unsafe { a.slice() }, job))
}

/// `kernels.uniqueAsync(a, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "uniqueAsync",
    ts_return_type = "Promise<any>"
)]
pub fn unique_async<'e>(env: &'e Env, a: TypedArray<'_>, job: &KernelJob) -> Result<Object<'e>> {
    let a = Held::take(Region::of(&a, "a")?);
    run_async(env, job, move |job| unique_of(a.slice(), job))
}

fn side(name: &str) -> Result<Side> {
    match name {
        "left" => Ok(Side::Left),
        "right" => Ok(Side::Right),
        _ => Err(invalid_argument(
            "side",
            format!("must be 'left' or 'right', got {name:?}"),
        )),
    }
}

fn search_of(a: Slice<'_>, values: Slice<'_>, side: Side, job: &Job) -> KernelResult {
    fn typed<T: Typed>(xs: &[T], values: Slice<'_>, side: Side, job: &Job) -> KernelResult {
        Ok(KernelValue::Array(Owned::U32(search_sorted(
            xs,
            same(values, "values")?,
            side,
            job,
        )?)))
    }
    with_slice!(a, xs => typed(xs, values, side, job))
}

/// `kernels.searchSorted(a, values, side)`: where each value would go in the sorted `a`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "searchSorted",
    ts_return_type = "Uint32Array"
)]
pub fn search(a: TypedArray<'_>, values: TypedArray<'_>, side_name: String) -> Result<KernelValue> {
    let side = side(&side_name)?;
    let (a, values) = (Region::of(&a, "a")?, Region::of(&values, "values")?);
    // SAFETY: sync form (see `Region::slice`); both read only.
    run_sync(move |job| search_of(unsafe { a.slice() }, unsafe { values.slice() }, side, job))
}

/// `kernels.searchSortedAsync(a, values, side, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "searchSortedAsync",
    ts_return_type = "Promise<Uint32Array>"
)]
pub fn search_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    values: TypedArray<'_>,
    side_name: String,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let side = side(&side_name)?;
    let a = Held::take(Region::of(&a, "a")?);
    let values = Held::take(Region::of(&values, "values")?);
    run_async(env, job, move |job| {
        search_of(a.slice(), values.slice(), side, job)
    })
}
