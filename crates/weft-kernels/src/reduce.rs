//! Reductions: [`sum`], [`dot`], [`min`] and [`max`], parallel on the kernel pool for large
//! inputs and on the calling thread for small ones.
//!
//! Sums are pairwise, accumulated in `f64`: blocks of [`BLOCK`] elements are summed in 8
//! lanes (16 terms each) and the block sums are added as a balanced tree. For `n` terms the
//! rounding error is at most `m·u·Σ|xᵢ|` with `u = 2⁻⁵³` and `m = 20 + ⌈log₂⌈n/128⌉⌉`
//! (plus `u·|S|` for an `f32`'s conversion, none for `f64`), against `n·u·Σ|xᵢ|` for a
//! plain loop.
//!
//! ```
//! use weft_kernels::reduce::{max, min, sum};
//! let xs = vec![0.1_f64; 1_000_000];
//! assert!((sum(&xs) - 100_000.0).abs() < 1e-9);
//! assert_eq!(min(&[3.0_f32, -1.0, 2.0]), -1.0);
//! assert!(max(&[1.0, f64::NAN]).is_nan());
//! ```
use rayon::prelude::*;

use crate::element::Element;
use crate::pool;

/// Elements summed per leaf (8 lanes of 16).
pub const BLOCK: usize = 128;
const LANES: usize = 8;
/// Below this many elements a reduction runs on the calling thread (a pool hop costs more).
pub const PARALLEL_FROM: usize = 1 << 17;
/// Elements per parallel task: a multiple of [`BLOCK`], so tasks split only at block edges.
const TASK: usize = 1 << 15;

pub use crate::error::KernelError;

/// One leaf: `terms.len()` (at most [`BLOCK`]) terms in 8 lanes, the lanes added pairwise.
#[inline]
fn leaf(terms: impl ExactSizeIterator<Item = f64>) -> f64 {
    let mut lanes = [0.0_f64; LANES];
    for (i, t) in terms.enumerate() {
        lanes[i % LANES] += t;
    }
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
}

/// Sums the leaves `leaf_sum(0..leaves)` as a balanced binary tree with a binary counter
/// (a stack of partial sums, one per level), in order and without recursion.
fn tree(leaves: usize, leaf_sum: impl Fn(usize) -> f64) -> f64 {
    let mut levels = [0.0_f64; usize::BITS as usize];
    let mut depth = 0;
    for i in 0..leaves {
        let mut carry = leaf_sum(i);
        // Leaf i completes one subtree per trailing one bit of i.
        let mut k = 0;
        while (i >> k) & 1 == 1 {
            carry += levels[k];
            k += 1;
        }
        levels[k] = carry;
        depth = depth.max(k + 1);
    }
    // What is left is one partial subtree per set bit of `leaves`, largest at the top.
    (0..depth)
        .filter(|&k| (leaves >> k) & 1 == 1)
        .fold(0.0, |acc, k| levels[k] + acc)
}

/// Pairwise sum of `term(i)` for `i` in `0..n`, in parallel above [`PARALLEL_FROM`].
fn pairwise(n: usize, term: impl Fn(usize) -> f64 + Sync) -> f64 {
    let sum_range = |start: usize, end: usize| {
        let leaves = (end - start).div_ceil(BLOCK);
        tree(leaves, |b| {
            let lo = start + b * BLOCK;
            let hi = (lo + BLOCK).min(end);
            leaf((lo..hi).map(&term))
        })
    };
    if n < PARALLEL_FROM {
        return sum_range(0, n);
    }
    let tasks = n.div_ceil(TASK);
    let partial: Vec<f64> = pool::install(|| {
        (0..tasks)
            .into_par_iter()
            .map(|t| sum_range(t * TASK, ((t + 1) * TASK).min(n)))
            .collect()
    });
    tree(partial.len(), |i| partial[i])
}

/// The sum of `xs` (0 when empty), accumulated in `f64`. NaN if any element is NaN.
///
/// ```
/// assert_eq!(weft_kernels::reduce::sum(&[1.0_f32, 2.0, 3.5]), 6.5);
/// assert_eq!(weft_kernels::reduce::sum::<f64>(&[]), 0.0);
/// ```
pub fn sum<T: Element>(xs: &[T]) -> f64 {
    pairwise(xs.len(), |i| xs[i].to_f64())
}

/// The dot product `Σ aᵢ·bᵢ`, with the error bound of [`sum`] over the products.
///
/// ```
/// use weft_kernels::reduce::{dot, KernelError};
/// assert_eq!(dot(&[1.0, 2.0], &[3.0, 4.0]), Ok(11.0));
/// assert_eq!(dot(&[1.0_f32], &[]), Err(KernelError::LengthMismatch { left: 1, right: 0 }));
/// ```
pub fn dot<T: Element>(a: &[T], b: &[T]) -> Result<f64, KernelError> {
    if a.len() != b.len() {
        return Err(KernelError::LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    Ok(pairwise(a.len(), |i| a[i].to_f64() * b[i].to_f64()))
}

/// Which end [`extreme`] looks for.
#[derive(Clone, Copy)]
enum End {
    Min,
    Max,
}

/// Scans one range: the extreme by `<`/`>` (ignoring NaN), whether a NaN was seen, and
/// whether a zero of the sign that wins a tie (-0 for min, +0 for max) was seen.
fn scan<T: Element>(xs: &[T], end: End) -> (f64, bool, bool) {
    let mut best = match end {
        End::Min => f64::INFINITY,
        End::Max => f64::NEG_INFINITY,
    };
    let mut nan = false;
    for &x in xs {
        let x = x.to_f64();
        nan |= x.is_nan();
        best = match end {
            End::Min if x < best => x,
            End::Max if x > best => x,
            _ => best,
        };
    }
    let winning_zero = best == 0.0
        && xs.iter().any(|&x| {
            let x = x.to_f64();
            x == 0.0
                && match end {
                    End::Min => x.is_sign_negative(),
                    End::Max => x.is_sign_positive(),
                }
        });
    (best, nan, winning_zero)
}

/// `Math.min`/`Math.max` over `xs`: NaN if any element is NaN, -0 below +0, and ±Infinity
/// for an empty input.
fn extreme<T: Element>(xs: &[T], end: End) -> f64 {
    let parts: Vec<(f64, bool, bool)> = if xs.len() < PARALLEL_FROM {
        vec![scan(xs, end)]
    } else {
        pool::install(|| xs.par_chunks(TASK).map(|c| scan(c, end)).collect())
    };
    if parts.iter().any(|p| p.1) {
        return f64::NAN;
    }
    let best = parts
        .iter()
        .map(|p| p.0)
        .fold(parts[0].0, |acc, x| match end {
            End::Min if x < acc => x,
            End::Max if x > acc => x,
            _ => acc,
        });
    if best == 0.0 {
        let zero_wins = parts.iter().any(|p| p.0 == 0.0 && p.2);
        let negative = match end {
            End::Min => zero_wins,
            End::Max => !zero_wins,
        };
        return if negative { -0.0 } else { 0.0 };
    }
    best
}

/// The smallest element, as `Math.min(...xs)` gives it: NaN if any is NaN, -0 below +0,
/// Infinity when empty.
///
/// ```
/// use weft_kernels::reduce::min;
/// assert_eq!(min(&[2.0_f64, -3.0]), -3.0);
/// assert!(min(&[0.0_f64, -0.0]).is_sign_negative());
/// assert_eq!(min::<f32>(&[]), f64::INFINITY);
/// ```
pub fn min<T: Element>(xs: &[T]) -> f64 {
    extreme(xs, End::Min)
}

/// The largest element, as `Math.max(...xs)` gives it: NaN if any is NaN, +0 above -0,
/// -Infinity when empty.
///
/// ```
/// use weft_kernels::reduce::max;
/// assert_eq!(max(&[2.0_f32, -3.0]), 2.0);
/// assert!(max(&[-0.0_f64, 0.0]).is_sign_positive());
/// ```
pub fn max<T: Element>(xs: &[T]) -> f64 {
    extreme(xs, End::Max)
}

#[cfg(test)]
mod tests;
