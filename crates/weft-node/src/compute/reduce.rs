//! Reductions: sum, mean, variance, std, min, max, minMax, dot, countNonZero, countNaN,
//! and histogram, each for every element type.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::histogram::{histogram as histogram_kernel, MAX_BINS};
use weft_kernels::reduce::{self, Total};
use weft_kernels::{Job, KernelError};

use super::array::{with_slice, Held, Owned, Region, Slice};
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::typed::{same, Typed};
use super::value::KernelValue;

type KernelResult = std::result::Result<KernelValue, KernelError>;

/// A JS number, or a bigint for an extreme of a 64-bit array.
trait Extreme {
    fn value(self) -> KernelValue;
}
impl Extreme for f64 {
    fn value(self) -> KernelValue {
        KernelValue::Number(self)
    }
}
impl Extreme for i64 {
    fn value(self) -> KernelValue {
        KernelValue::BigInt(self.into())
    }
}
impl Extreme for u64 {
    fn value(self) -> KernelValue {
        KernelValue::BigInt(self.into())
    }
}

/// The sum as JS gets it: a number, a bigint for the 64-bit types (exact).
fn total<T: Typed>(t: Total) -> KernelValue {
    match t {
        Total::Float(f) => KernelValue::Number(f),
        Total::Int(i) if matches!(T::ARRAY, super::array::Kind::I64 | super::array::Kind::U64) => {
            KernelValue::BigInt(i)
        }
        Total::Int(i) => KernelValue::Number(i as f64),
    }
}

/// One reduction, by name, over `a` (with `ddof` for variance and std).
fn reduction(name: Reduction, a: Slice<'_>, ddof: f64, job: &Job) -> KernelResult {
    fn typed<T: Typed>(name: Reduction, xs: &[T], ddof: f64, job: &Job) -> KernelResult
    where
        T::Extreme: Extreme,
    {
        Ok(match name {
            Reduction::Sum => total::<T>(reduce::sum(xs, job)?),
            Reduction::Mean => reduce::mean(xs, job)?.into(),
            Reduction::Variance => reduce::variance(xs, ddof, job)?.into(),
            Reduction::Std => reduce::std(xs, ddof, job)?.into(),
            Reduction::Min => reduce::min(xs, job)?.value(),
            Reduction::Max => reduce::max(xs, job)?.value(),
            Reduction::MinMax => {
                let (lo, hi) = reduce::min_max(xs, job)?;
                KernelValue::List(vec![lo.value(), hi.value()])
            }
            Reduction::CountNonZero => (reduce::count_nonzero(xs, job)? as f64).into(),
            Reduction::CountNaN => (reduce::count_nan(xs, job)? as f64).into(),
        })
    }
    with_slice!(a, xs => typed(name, xs, ddof, job))
}

/// The single-array reductions, by the name JS uses.
#[derive(Clone, Copy)]
enum Reduction {
    Sum,
    Mean,
    Variance,
    Std,
    Min,
    Max,
    MinMax,
    CountNonZero,
    CountNaN,
}

impl Reduction {
    fn named(name: &str) -> Result<Reduction> {
        Ok(match name {
            "sum" => Reduction::Sum,
            "mean" => Reduction::Mean,
            "variance" => Reduction::Variance,
            "std" => Reduction::Std,
            "min" => Reduction::Min,
            "max" => Reduction::Max,
            "minMax" => Reduction::MinMax,
            "countNonZero" => Reduction::CountNonZero,
            "countNaN" => Reduction::CountNaN,
            _ => {
                return Err(crate::errors::invalid_argument(
                    "name",
                    format!("is not a reduction: {name:?}"),
                ))
            }
        })
    }
}

/// `kernels.reduce(name, a, ddof)`: sum, mean, variance, std, min, max, minMax,
/// countNonZero or countNaN of `a`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    ts_return_type = "number | bigint | Array<number | bigint>"
)]
pub fn reduce(name: String, a: TypedArray<'_>, ddof: f64) -> Result<KernelValue> {
    let name = Reduction::named(&name)?;
    let a = Region::of(&a, "a")?;
    // SAFETY: sync form (see `Region::slice`); read only.
    run_sync(move |job| reduction(name, unsafe { a.slice() }, ddof, job))
}

/// `kernels.reduceAsync(name, a, ddof, job)`: as `reduce`, off the calling thread.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "reduceAsync",
    ts_return_type = "Promise<number | bigint | Array<number | bigint>>"
)]
pub fn reduce_async<'e>(
    env: &'e Env,
    name: String,
    a: TypedArray<'_>,
    ddof: f64,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let name = Reduction::named(&name)?;
    let a = Held::take(Region::of(&a, "a")?);
    run_async(env, job, move |job| reduction(name, a.slice(), ddof, job))
}

fn dot_of(a: Slice<'_>, b: Slice<'_>, job: &Job) -> KernelResult {
    fn typed<T: Typed>(a: &[T], b: Slice<'_>, job: &Job) -> KernelResult {
        Ok(reduce::dot(a, same(b, "b")?, job)?.into())
    }
    with_slice!(a, xs => typed(xs, b, job))
}

/// `kernels.dot(a, b)`: `Σ aᵢ·bᵢ` of two arrays of one type and length.
#[napi(catch_unwind, namespace = "kernels", ts_return_type = "number")]
pub fn dot(a: TypedArray<'_>, b: TypedArray<'_>) -> Result<KernelValue> {
    let (a, b) = (Region::of(&a, "a")?, Region::of(&b, "b")?);
    // SAFETY: sync form (see `Region::slice`); both read only, so they may overlap.
    run_sync(move |job| dot_of(unsafe { a.slice() }, unsafe { b.slice() }, job))
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
    run_async(env, job, move |job| dot_of(a.slice(), b.slice(), job))
}

/// `[counts, edges]` as two Float64Arrays.
fn histogram_of(a: Slice<'_>, bins: f64, range: Option<(f64, f64)>, job: &Job) -> KernelResult {
    if !(bins.fract() == 0.0 && bins >= 1.0) {
        return Err(KernelError::invalid(
            "bins",
            format!("must be a positive integer, got {bins}"),
        ));
    }
    if bins > MAX_BINS as f64 {
        return Err(KernelError::invalid(
            "bins",
            format!("must be an integer from 1 to {MAX_BINS}, got {bins}"),
        ));
    }
    let (counts, edges) = with_slice!(a, xs => histogram_kernel(xs, bins as usize, range, job))?;
    Ok(KernelValue::List(vec![
        KernelValue::Array(Owned::F64(counts.into_iter().map(|c| c as f64).collect())),
        KernelValue::Array(Owned::F64(edges)),
    ]))
}

fn range_of(lo: Option<f64>, hi: Option<f64>) -> Option<(f64, f64)> {
    lo.zip(hi)
}

/// `kernels.histogram(a, bins, lo, hi)`: numpy.histogram's counts and edges (`lo`/`hi`
/// undefined: the range of the finite values).
#[napi(
    catch_unwind,
    namespace = "kernels",
    ts_return_type = "[Float64Array, Float64Array]"
)]
pub fn histogram(
    a: TypedArray<'_>,
    bins: f64,
    lo: Option<f64>,
    hi: Option<f64>,
) -> Result<KernelValue> {
    let a = Region::of(&a, "a")?;
    let range = range_of(lo, hi);
    // SAFETY: sync form (see `Region::slice`); read only.
    run_sync(move |job| histogram_of(unsafe { a.slice() }, bins, range, job))
}

/// `kernels.histogramAsync(a, bins, lo, hi, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "histogramAsync",
    ts_return_type = "Promise<[Float64Array, Float64Array]>"
)]
pub fn histogram_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    bins: f64,
    lo: Option<f64>,
    hi: Option<f64>,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let a = Held::take(Region::of(&a, "a")?);
    let range = range_of(lo, hi);
    run_async(env, job, move |job| {
        histogram_of(a.slice(), bins, range, job)
    })
}
