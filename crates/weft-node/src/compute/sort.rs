//! Sorting: sort, argsort, sortBy, nthElement (and partition, its reordering), topK.
use napi::bindgen_prelude::{Object, TypedArray};
use napi::{Env, Result};
use napi_derive::napi;
use weft_kernels::sort::{self as kernels, Indices, SortElement};
use weft_kernels::{Job, KernelError};

use super::array::{with_slice, with_view, Held, Owned, Region, Slice, Target, View};
use super::dims::dim;
use super::job::KernelJob;
use super::run::{run_async, run_sync};
use super::typed::Typed;
use super::value::KernelValue;
use crate::errors::invalid_argument;

type KernelResult = std::result::Result<KernelValue, KernelError>;

fn sort_view(a: View<'_>, descending: bool, job: &Job) -> std::result::Result<(), KernelError> {
    with_view!(a, xs => kernels::sort(xs, descending, job))
}

/// An in-place kernel's async form: `a` itself when it lies in a SharedArrayBuffer
/// (resolves to `[extra]` or undefined), else a copy whose new contents come back.
fn in_place_async<'e>(
    env: &'e Env,
    job: &KernelJob,
    a: Region,
    work: impl FnOnce(View<'_>, &Job) -> std::result::Result<KernelValue, KernelError> + Send + 'static,
) -> Result<Object<'e>> {
    let mut a = Held::take(a);
    run_async(env, job, move |job| {
        let extra = work(a.view(), job)?;
        let contents = a
            .into_copy()
            .map_or(KernelValue::Undefined, KernelValue::Array);
        Ok(KernelValue::List(vec![extra, contents]))
    })
}

/// `kernels.sort(a, descending)`: sorts `a` in place in `TypedArray.prototype.sort()`'s
/// order (numeric, -0 before +0, NaN last; descending: reversed, NaN still last).
#[napi(catch_unwind, namespace = "kernels")]
pub fn sort(a: TypedArray<'_>, descending: bool) -> Result<()> {
    let target = Target::InPlace(Region::of(&a, "a")?);
    run_sync(move |job| target.write(|a| sort_view(a, descending, job))).map(|_| ())
}

/// `kernels.sortAsync(a, descending, job)`: resolves to `[undefined, contents]`, the sorted
/// copy for the facade to write back (contents undefined: sorted in place, shared memory).
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "sortAsync",
    ts_return_type = "Promise<[undefined, any]>"
)]
pub fn sort_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    descending: bool,
    job: &KernelJob,
) -> Result<Object<'e>> {
    in_place_async(env, job, Region::of(&a, "a")?, move |a, job| {
        sort_view(a, descending, job)?;
        Ok(KernelValue::Undefined)
    })
}

fn argsort_of(a: Slice<'_>, descending: bool, job: &Job) -> KernelResult {
    let indices = with_slice!(a, xs => kernels::argsort(xs, descending, job))?;
    Ok(KernelValue::Array(match indices {
        Indices::U32(i) => Owned::U32(i),
        Indices::F64(i) => Owned::F64(i),
    }))
}

/// `kernels.argsort(a, descending)`: the stable sorting permutation (Uint32Array, or
/// Float64Array past 2^32 - 1 elements).
#[napi(
    catch_unwind,
    namespace = "kernels",
    ts_return_type = "Uint32Array | Float64Array"
)]
pub fn argsort(a: TypedArray<'_>, descending: bool) -> Result<KernelValue> {
    let a = Region::of(&a, "a")?;
    // SAFETY: sync form (see `Region::slice`); read only.
    run_sync(move |job| argsort_of(unsafe { a.slice() }, descending, job))
}

/// `kernels.argsortAsync(a, descending, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "argsortAsync",
    ts_return_type = "Promise<Uint32Array | Float64Array>"
)]
pub fn argsort_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    descending: bool,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let a = Held::take(Region::of(&a, "a")?);
    run_async(env, job, move |job| argsort_of(a.slice(), descending, job))
}

fn sort_by_views(
    keys: View<'_>,
    values: View<'_>,
    descending: bool,
    job: &Job,
) -> std::result::Result<(), KernelError> {
    fn typed<K: Typed + SortElement>(
        keys: &mut [K],
        values: View<'_>,
        descending: bool,
        job: &Job,
    ) -> std::result::Result<(), KernelError> {
        with_view!(values, vs => kernels::sort_by(keys, vs, descending, job))
    }
    with_view!(keys, ks => typed(ks, values, descending, job))
}

fn distinct(keys: &Region, values: &Region) -> Result<()> {
    if keys.overlaps(values) {
        return Err(invalid_argument(
            "values",
            "must not share memory with keys",
        ));
    }
    Ok(())
}

/// `kernels.sortBy(keys, values, descending)`: sorts `keys` (stably) and reorders
/// `values` alike, both in place.
#[napi(catch_unwind, namespace = "kernels", js_name = "sortBy")]
pub fn sort_by(keys: TypedArray<'_>, values: TypedArray<'_>, descending: bool) -> Result<()> {
    let (keys, values) = (Region::of(&keys, "keys")?, Region::of(&values, "values")?);
    distinct(&keys, &values)?;
    // SAFETY: sync form (see `Region::view`); the two regions do not overlap (checked
    // above), so the two writable views do not alias.
    run_sync(move |job| {
        sort_by_views(
            unsafe { keys.view() },
            unsafe { values.view() },
            descending,
            job,
        )
    })
    .map(|_| ())
}

/// `kernels.sortByAsync(keys, values, descending, job)`: resolves to `[keys, values]`, each
/// the sorted copy for the facade to write back, or undefined when sorted in place.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "sortByAsync",
    ts_return_type = "Promise<[any, any]>"
)]
pub fn sort_by_async<'e>(
    env: &'e Env,
    keys: TypedArray<'_>,
    values: TypedArray<'_>,
    descending: bool,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let (keys, values) = (Region::of(&keys, "keys")?, Region::of(&values, "values")?);
    distinct(&keys, &values)?;
    let (mut keys, mut values) = (Held::take(keys), Held::take(values));
    run_async(env, job, move |job| {
        sort_by_views(keys.view(), values.view(), descending, job)?;
        let back = |h: Held| {
            h.into_copy()
                .map_or(KernelValue::Undefined, KernelValue::Array)
        };
        Ok(KernelValue::List(vec![back(keys), back(values)]))
    })
}

fn nth_view(a: View<'_>, k: usize, job: &Job) -> KernelResult {
    fn typed<T: Typed + SortElement>(xs: &mut [T], k: usize, job: &Job) -> KernelResult {
        Ok(kernels::nth_element(xs, k, job)?.value())
    }
    with_view!(a, xs => typed(xs, k, job))
}

/// `kernels.nthElement(a, k)`: reorders `a` in place so that `a[k]` is what sorting would
/// put there, smaller before and larger after; returns `a[k]`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "nthElement",
    ts_return_type = "number | bigint"
)]
pub fn nth_element(a: TypedArray<'_>, k: f64) -> Result<KernelValue> {
    let k = dim(k, "k")?;
    let a = Region::of(&a, "a")?;
    // SAFETY: sync form (see `Region::view`); the only view of `a`.
    run_sync(move |job| nth_view(unsafe { a.view() }, k, job))
}

/// `kernels.nthElementAsync(a, k, job)`: resolves to `[value, contents]` (contents: the
/// reordered copy, or undefined when reordered in place).
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "nthElementAsync",
    ts_return_type = "Promise<[number | bigint, any]>"
)]
pub fn nth_element_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    k: f64,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let k = dim(k, "k")?;
    in_place_async(env, job, Region::of(&a, "a")?, move |a, job| {
        nth_view(a, k, job)
    })
}

fn top_k_of(a: Slice<'_>, k: usize, largest: bool, job: &Job) -> KernelResult {
    fn typed<T: Typed + SortElement>(xs: &[T], k: usize, largest: bool, job: &Job) -> KernelResult {
        Ok(KernelValue::Array(T::owned(kernels::top_k(
            xs, k, largest, job,
        )?)))
    }
    with_slice!(a, xs => typed(xs, k, largest, job))
}

/// `kernels.topK(a, k, largest)`: the k largest (or smallest) elements, best first.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "topK",
    ts_return_type = "any"
)]
pub fn top_k(a: TypedArray<'_>, k: f64, largest: bool) -> Result<KernelValue> {
    let k = dim(k, "k")?;
    let a = Region::of(&a, "a")?;
    // SAFETY: sync form (see `Region::slice`); read only.
    run_sync(move |job| top_k_of(unsafe { a.slice() }, k, largest, job))
}

/// `kernels.topKAsync(a, k, largest, job)`.
#[napi(
    catch_unwind,
    namespace = "kernels",
    js_name = "topKAsync",
    ts_return_type = "Promise<any>"
)]
pub fn top_k_async<'e>(
    env: &'e Env,
    a: TypedArray<'_>,
    k: f64,
    largest: bool,
    job: &KernelJob,
) -> Result<Object<'e>> {
    let k = dim(k, "k")?;
    let a = Held::take(Region::of(&a, "a")?);
    run_async(env, job, move |job| top_k_of(a.slice(), k, largest, job))
}
