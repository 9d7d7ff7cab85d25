//! Sorting kernels: [`sort`], [`argsort`], [`sort_by`], [`nth_element`] and [`top_k`], in
//! `TypedArray.prototype.sort()`'s order for every element type ([`SortElement`]).
//!
//! The order is numeric; for floats -0 comes before +0 and every NaN (any sign or payload)
//! comes last. Descending is the exact reverse for every non-NaN value, with NaN still
//! last.
//!
//! Elements are mapped to unsigned keys in that order ([`key`](SortElement::sort_key)) and
//! radix-sorted: 32- and 64-bit types by a parallel most-significant-digit radix sort,
//! 8- and 16-bit types by counting. Inputs of at most 256 elements are sorted by
//! comparison. Large kernels run on the [`kernel pool`](crate::pool).
//!
//! Memory: [`sort`] of 32- and 64-bit elements takes a scratch buffer as large as the
//! input. [`argsort`] and [`sort_by`] take two buffers of 8 bytes per element (16 for
//! 64-bit keys, or above `u32::MAX` elements) besides their results, and [`sort_by`]
//! copies the values. [`top_k`] with a large `k` copies the keys. Large buffers are
//! mapped with transparent huge pages where the system offers them.
//!
//! Cancellation ([`Job::cancel`]) is checked between passes and between buckets:
//! - [`sort`] and [`nth_element`] then leave the slice a permutation of its input (every
//!   element's bits kept, NaN payloads included), partly sorted;
//! - [`sort_by`] leaves both slices untouched;
//! - [`argsort`] and [`top_k`] only read their input.
//!
//! ```
//! use weft_kernels::{sort, Job};
//! let job = Job::new();
//! let mut xs = [3.0, f64::NAN, -0.0, 0.0, -1.0];
//! sort::sort(&mut xs, false, &job).unwrap();
//! assert_eq!(format!("{xs:?}"), "[-1.0, -0.0, 0.0, 3.0, NaN]");
//! sort::sort(&mut xs, true, &job).unwrap();
//! assert_eq!(format!("{xs:?}"), "[3.0, 0.0, -0.0, -1.0, NaN]");
//! ```
use crate::error::KernelError;
use crate::job::Job;
use crate::pool;

mod arg;
mod counting;
mod key;
mod radix;
mod scratch;
mod select;

pub use key::{KeyBits, SortElement};
pub use radix::RadixKey;

use rayon::prelude::*;

use radix::PARALLEL_FROM;

/// Elements per parallel chunk of the element-wise passes.
const CHUNK: usize = 1 << 16;

/// The permutation [`argsort`] returns: `u32` indices, or `f64` ones (exact integers) when
/// the input has more than `u32::MAX` elements (JS's `Float64Array` result).
///
/// ```
/// use weft_kernels::sort::Indices;
/// assert_eq!(Indices::U32(vec![1, 0]).len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Indices {
    /// Inputs of up to `u32::MAX` elements.
    U32(Vec<u32>),
    /// Longer inputs.
    F64(Vec<f64>),
}

impl Indices {
    /// The number of indices.
    ///
    /// ```
    /// assert!(weft_kernels::sort::Indices::F64(vec![]).is_empty());
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Indices::U32(v) => v.len(),
            Indices::F64(v) => v.len(),
        }
    }

    /// Whether there are none.
    ///
    /// ```
    /// assert!(!weft_kernels::sort::Indices::U32(vec![0]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Simple insertion sort, for short runs.
#[inline]
pub(crate) fn insertion_sort<K: Ord + Copy>(xs: &mut [K]) {
    for i in 1..xs.len() {
        let x = xs[i];
        let mut j = i;
        while j > 0 && xs[j - 1] > x {
            xs[j] = xs[j - 1];
            j -= 1;
        }
        xs[j] = x;
    }
}

/// Runs `f` on each `CHUNK`-long chunk of `xs` with its start, in parallel when large.
pub(crate) fn for_chunks<T: Send>(xs: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
    if xs.len() < PARALLEL_FROM {
        f(0, xs);
    } else {
        xs.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, c)| f(i * CHUNK, c));
    }
}

/// Runs `op` on the kernel pool when the input is large, else on this thread.
fn on_pool<R: Send>(n: usize, op: impl FnOnce() -> R + Send) -> R {
    if n < PARALLEL_FROM {
        op()
    } else {
        pool::install(op)
    }
}

/// The slice's bit patterns as keys (same size and alignment).
fn as_keys<T: SortElement>(xs: &mut [T]) -> &mut [T::Key] {
    bytemuck::must_cast_slice_mut(xs)
}

/// Maps bit patterns to their sort keys in place.
fn encode<T: SortElement>(keys: &mut [T::Key], descending: bool) {
    for k in keys {
        *k = bytemuck::must_cast::<T::Key, T>(*k).sort_key(descending);
    }
}

/// Maps sort keys back to bit patterns in place.
fn decode<T: SortElement>(keys: &mut [T::Key], descending: bool) {
    for k in keys {
        *k = bytemuck::must_cast::<T, T::Key>(T::from_sort_key(*k, descending));
    }
}

/// Sorts `xs` in place in `TypedArray.prototype.sort()`'s order (see the [module
/// documentation](self)); `descending` reverses it except that NaN stays last.
///
/// Progress counts elements placed (total `xs.len()`). On `Err(Canceled)` `xs` is a
/// permutation of its input.
///
/// ```
/// use weft_kernels::{sort::sort, Job};
/// let mut xs = [5_u16, 1, 4];
/// sort(&mut xs, true, &Job::new()).unwrap();
/// assert_eq!(xs, [5, 4, 1]);
/// ```
pub fn sort<T: SortElement>(xs: &mut [T], descending: bool, job: &Job) -> Result<(), KernelError> {
    job.check()?;
    let n = xs.len();
    job.add_total(n as u64);
    if <T::Key as RadixKey>::BITS <= 16 {
        return on_pool(n, || counting::sort(xs, descending, job));
    }
    on_pool(n, || {
        radix::sort(
            as_keys(xs),
            0,
            job,
            &|run| encode::<T>(run, descending),
            &|run| decode::<T>(run, descending),
        )
    })
}

/// The stable sorting permutation of `xs`: `xs[out[0]], xs[out[1]], ...` is what [`sort`]
/// gives, equal elements (and all NaNs) in index order.
///
/// Progress counts elements placed (total `xs.len()`).
///
/// ```
/// use weft_kernels::{sort::{argsort, Indices}, Job};
/// let xs = [2.0_f32, f32::NAN, 1.0, 2.0];
/// assert_eq!(argsort(&xs, false, &Job::new()), Ok(Indices::U32(vec![2, 0, 3, 1])));
/// assert_eq!(argsort(&xs, true, &Job::new()), Ok(Indices::U32(vec![0, 3, 2, 1])));
/// ```
pub fn argsort<T: SortElement>(
    xs: &[T],
    descending: bool,
    job: &Job,
) -> Result<Indices, KernelError> {
    job.check()?;
    let n = xs.len();
    job.add_total(n as u64);
    on_pool(n, || {
        if n > u32::MAX as usize {
            let items = arg::sorted_items::<T, u128>(xs, descending, job)?;
            return Ok(Indices::F64(arg::indices(&items, |i| i as f64)));
        }
        let to_u32 = |i: usize| i as u32;
        if <T::Key as RadixKey>::BITS <= 32 {
            let items = arg::sorted_items::<T, u64>(xs, descending, job)?;
            Ok(Indices::U32(arg::indices(&items, to_u32)))
        } else {
            let items = arg::sorted_items::<T, u128>(xs, descending, job)?;
            Ok(Indices::U32(arg::indices(&items, to_u32)))
        }
    })
}

/// Sorts `keys` as [`sort`] does and reorders `values` alike, stably: values of equal keys
/// (and of all NaN keys) keep their order. `LengthMismatch` when the lengths differ.
///
/// Progress counts elements placed (total `keys.len()`). On `Err(Canceled)` both slices
/// are untouched.
///
/// ```
/// use weft_kernels::{sort::sort_by, Job};
/// let mut keys = [3_i64, 1, 3, 2];
/// let mut values = [0.5_f32, 1.5, 2.5, 3.5];
/// sort_by(&mut keys, &mut values, false, &Job::new()).unwrap();
/// assert_eq!(keys, [1, 2, 3, 3]);
/// assert_eq!(values, [1.5, 3.5, 0.5, 2.5]);
/// ```
pub fn sort_by<K: SortElement, V: SortElement>(
    keys: &mut [K],
    values: &mut [V],
    descending: bool,
    job: &Job,
) -> Result<(), KernelError> {
    if keys.len() != values.len() {
        return Err(KernelError::LengthMismatch {
            left: keys.len(),
            right: values.len(),
        });
    }
    job.check()?;
    let n = keys.len();
    job.add_total(n as u64);
    on_pool(n, || {
        if n <= u32::MAX as usize && <K::Key as RadixKey>::BITS <= 32 {
            let items = arg::sorted_items::<K, u64>(keys, descending, job)?;
            arg::apply(keys, values, &items, descending);
        } else {
            let items = arg::sorted_items::<K, u128>(keys, descending, job)?;
            arg::apply(keys, values, &items, descending);
        }
        Ok(())
    })
}

/// Selection: reorders `xs` so that `xs[k]` is what [`sort`] would put there, everything
/// before it sorts before or equal to it and everything after it sorts after or equal
/// (NaN last), and returns `xs[k]`. `k` must be less than `xs.len()`.
///
/// Progress: `xs.len()` when done. Cancellation is checked before and after the selection
/// pass; on `Err(Canceled)` `xs` is a permutation of its input.
///
/// ```
/// use weft_kernels::{sort::nth_element, Job};
/// let mut xs = [9_u8, 1, 8, 2, 7];
/// assert_eq!(nth_element(&mut xs, 1, &Job::new()), Ok(2));
/// assert!(xs[..1].iter().all(|&x| x <= 2) && xs[2..].iter().all(|&x| x >= 2));
/// assert!(nth_element(&mut xs, 5, &Job::new()).is_err());
/// ```
pub fn nth_element<T: SortElement>(xs: &mut [T], k: usize, job: &Job) -> Result<T, KernelError> {
    let n = xs.len();
    if k >= n {
        return Err(KernelError::invalid(
            "k",
            format!("must be less than the array's length {n}, got {k}"),
        ));
    }
    job.check()?;
    job.add_total(n as u64);
    on_pool(n, || {
        let keys = as_keys(xs);
        for_chunks(keys, |_, c| encode::<T>(c, false));
        // The selection is one pass: a cancel that arrives during it is seen right after.
        let result = job.check().and_then(|()| {
            keys.select_nth_unstable(k);
            job.check()
        });
        for_chunks(keys, |_, c| decode::<T>(c, false));
        result
    })?;
    job.advance(n as u64);
    Ok(xs[k])
}

/// The `k` largest (`largest`) or smallest elements of `xs`, best first (descending or
/// ascending order). NaN counts as neither large nor small: NaNs are included, last, only
/// when fewer than `k` elements are not NaN. `k` must be at most `xs.len()`.
///
/// Progress counts elements scanned, then elements of the result sorted (total
/// `xs.len() + k`).
///
/// ```
/// use weft_kernels::{sort::top_k, Job};
/// let xs = [1.0, f64::NAN, 5.0, 3.0];
/// assert_eq!(top_k(&xs, 2, true, &Job::new()), Ok(vec![5.0, 3.0]));
/// assert_eq!(top_k(&xs, 2, false, &Job::new()), Ok(vec![1.0, 3.0]));
/// assert_eq!(format!("{:?}", top_k(&xs, 4, true, &Job::new())), "Ok([5.0, 3.0, 1.0, NaN])");
/// ```
pub fn top_k<T: SortElement>(
    xs: &[T],
    k: usize,
    largest: bool,
    job: &Job,
) -> Result<Vec<T>, KernelError> {
    let n = xs.len();
    if k > n {
        return Err(KernelError::invalid(
            "k",
            format!("must be at most the array's length {n}, got {k}"),
        ));
    }
    job.check()?;
    job.add_total((n + k) as u64);
    // The best elements are the smallest keys in the wanted direction.
    let descending = largest;
    let mut keys = on_pool(n, || select::smallest_keys(xs, k, descending, job))?;
    on_pool(k, || {
        radix::sort(&mut keys, 0, job, &radix::keep, &radix::keep)
    })?;
    Ok(keys
        .into_iter()
        .map(|key| T::from_sort_key(key, descending))
        .collect())
}

#[cfg(test)]
mod tests;
