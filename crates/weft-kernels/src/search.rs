//! Kernels on sorted arrays (ascending, NaN last: the order `sort()` leaves): [`unique`]
//! and [`search_sorted`]. Both check the order first, in one parallel pass, and refuse an
//! unsorted input with `InvalidArgument("a")`.
//!
//! ```
//! use weft_kernels::{Job, search::{Side, search_sorted, unique}};
//! let job = Job::new();
//! let a = [1.0_f64, 2.0, 2.0, 3.0, f64::NAN];
//! assert_eq!(unique(&a, &job).unwrap()[..3], [1.0, 2.0, 3.0]);
//! assert_eq!(search_sorted(&a, &[2.0, 9.0], Side::Left, &job), Ok(vec![1, 4]));
//! assert!(unique(&[2_u8, 1], &job).is_err());
//! ```
use crate::element::Element;
use crate::error::KernelError;
use crate::job::Job;
use crate::par::{self, hot};

/// Which end of a run of equal values [`search_sorted`] returns, as numpy's `side`.
///
/// ```
/// use weft_kernels::{Job, search::{Side, search_sorted}};
/// let a = [1_i32, 2, 2, 3];
/// assert_eq!(search_sorted(&a, &[2], Side::Left, &Job::new()), Ok(vec![1]));
/// assert_eq!(search_sorted(&a, &[2], Side::Right, &Job::new()), Ok(vec![3]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first index where the value could be inserted (before equal elements).
    Left,
    /// The last such index (after equal elements).
    Right,
}

hot! {
    /// Whether `xs` followed by `next` (the first element of the next chunk) is in order.
    fn chunk_sorted<T: Element>(xs: &[T], next: Option<T>) -> bool {
        let inside = xs
            .iter()
            .zip(xs.iter().skip(1))
            .fold(false, |bad, (&a, &b)| bad | b.nan_last_lt(a));
        let across = match (xs.last(), next) {
            (Some(&a), Some(b)) => b.nan_last_lt(a),
            _ => false,
        };
        !(inside || across)
    }
}

/// `InvalidArgument("a")` unless `xs` is ascending with NaN last (`-0` and `+0` in either
/// order). Reports `xs.len()` units on `job` (the caller declares them).
fn check_sorted<T: Element>(xs: &[T], job: &Job) -> Result<(), KernelError> {
    let ok = par::map_chunks(xs.len(), job, |r| {
        let next = xs.get(r.end).copied();
        chunk_sorted(&xs[r], next)
    })?;
    if ok.iter().all(|&ok| ok) {
        Ok(())
    } else {
        Err(KernelError::invalid(
            "a",
            "must be sorted ascending (as sort() leaves it)",
        ))
    }
}

/// The elements of the sorted `sorted` without adjacent repeats, by SameValueZero (NaN
/// equals NaN, `-0` equals `+0`): the first of each run is kept.
///
/// ```
/// use weft_kernels::{Job, search::unique};
/// let job = Job::new();
/// let u = unique(&[-0.0_f64, 0.0, 1.0, f64::NAN, f64::NAN], &job).unwrap();
/// assert_eq!(u.len(), 3);
/// assert!(u[0].is_sign_negative() && u[2].is_nan());
/// assert_eq!(unique(&[3_u64, 3, 3], &job), Ok(vec![3]));
/// ```
pub fn unique<T: Element>(sorted: &[T], job: &Job) -> Result<Vec<T>, KernelError> {
    par::start(job, 2 * sorted.len())?;
    check_sorted(sorted, job)?;
    // Each chunk keeps its run starts (its first element compared with the element
    // before the chunk); the pieces are joined in order.
    let pieces = par::map_chunks(sorted.len(), job, |r| {
        let mut last = r.start.checked_sub(1).map(|i| sorted[i]);
        let mut kept = Vec::new();
        for &x in &sorted[r] {
            if last.is_none_or(|l| !x.same_value_zero(l)) {
                kept.push(x);
            }
            last = Some(x);
        }
        kept
    })?;
    Ok(pieces.concat())
}

hot! {
    fn chunk_search<T: Element>(sorted: &[T], values: &[T], side: Side, out: &mut [u32]) {
        for (o, &v) in out.iter_mut().zip(values) {
            *o = match side {
                Side::Left => partition_point(sorted, |a| a.nan_last_lt(v)),
                Side::Right => partition_point(sorted, |a| !v.nan_last_lt(a)),
            } as u32;
        }
    }
}

/// How many leading elements satisfy `before` (true on a prefix): a branchless binary
/// search.
#[inline(always)]
fn partition_point<T: Copy>(xs: &[T], before: impl Fn(T) -> bool) -> usize {
    if xs.is_empty() {
        return 0;
    }
    let mut base = 0;
    let mut size = xs.len();
    while size > 1 {
        let half = size / 2;
        let mid = base + half;
        base = if before(xs[mid]) { mid } else { base };
        size -= half;
    }
    base + before(xs[base]) as usize
}

/// For each of `values`, the index where it would be inserted into the sorted `sorted` to
/// keep it sorted, as `numpy.searchsorted(sorted, values, side)`: before equal elements
/// with [`Side::Left`], after them with [`Side::Right`]. NaN sorts last (after Infinity)
/// and `-0` equals `+0`. `InvalidArgument("a")` when `sorted` is not sorted or has more
/// than `u32::MAX` elements (indices are a Uint32Array).
///
/// ```
/// use weft_kernels::{Job, search::{Side, search_sorted}};
/// let job = Job::new();
/// let a = [-1.0_f32, 0.0, 0.0, f32::NAN];
/// assert_eq!(search_sorted(&a, &[-0.0, f32::NAN], Side::Left, &job), Ok(vec![1, 3]));
/// assert_eq!(search_sorted(&a, &[-0.0, f32::NAN], Side::Right, &job), Ok(vec![3, 4]));
/// ```
pub fn search_sorted<T: Element>(
    sorted: &[T],
    values: &[T],
    side: Side,
    job: &Job,
) -> Result<Vec<u32>, KernelError> {
    if sorted.len() > u32::MAX as usize {
        return Err(KernelError::invalid(
            "a",
            format!(
                "must have at most {} elements (indices are a Uint32Array), got {}",
                u32::MAX,
                sorted.len()
            ),
        ));
    }
    par::start(job, sorted.len() + values.len())?;
    check_sorted(sorted, job)?;
    let mut out = vec![0_u32; values.len()];
    par::for_each_chunk_mut(&mut out, job, |start, chunk| {
        chunk_search(sorted, &values[start..start + chunk.len()], side, chunk);
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests;
