//! Reductions: [`sum`], [`mean`], [`variance`], [`std`], [`min`], [`max`], [`min_max`],
//! [`dot`], [`count_nonzero`] and [`count_nan`], parallel on the kernel pool for large
//! inputs and on the calling thread for small ones.
//!
//! Float sums are pairwise, accumulated in `f64`: blocks of [`BLOCK`] elements are summed
//! in 8 lanes (16 terms each) and the block sums are added as a balanced tree. For `n`
//! terms the rounding error is at most `m·u·Σ|xᵢ|` with `u = 2⁻⁵³` and
//! `m = 20 + ⌈log₂⌈n/128⌉⌉` (plus `u·|S|` for an `f32`'s conversion, none for `f64`),
//! against `n·u·Σ|xᵢ|` for a plain loop. The tree's shape depends only on `n`, never on
//! the thread count, so results are the same on any pool. Integer sums are exact.
//!
//! Hot loops are compiled three times and picked at run time: baseline x86-64, AVX2+FMA,
//! and AVX-512 (on CPUs with the Ice Lake set of AVX-512 extensions; others use AVX2).
//! Results are the same on every path (no fused multiply-adds, same association).
//!
//! ```
//! use weft_kernels::Job;
//! use weft_kernels::reduce::{Total, max, min, sum};
//! let job = Job::new();
//! let xs = vec![0.1_f64; 1_000_000];
//! assert!((sum(&xs, &job).unwrap().to_f64() - 100_000.0).abs() < 1e-9);
//! assert_eq!(sum(&[u64::MAX, u64::MAX], &job), Ok(Total::Int(2 * u64::MAX as i128)));
//! assert_eq!(min(&[3.0_f32, -1.0, 2.0], &job), Ok(-1.0));
//! assert!(max(&[1.0, f64::NAN], &job).unwrap().is_nan());
//! ```
use crate::element::{Element, Kind};
use crate::job::Job;
use crate::par::{self, hot};

pub use crate::error::KernelError;
pub use crate::par::{PARALLEL_FROM, TASK};

/// Elements summed per leaf (8 lanes of 16).
///
/// ```
/// assert_eq!(weft_kernels::reduce::BLOCK, 128);
/// ```
pub const BLOCK: usize = 128;
const LANES: usize = 8;
/// Lanes of the comparison and counting loops.
const WIDE_LANES: usize = 32;

/// A sum: `Float` for float arrays (pairwise, in `f64`), `Int` for integer arrays (exact).
///
/// ```
/// use weft_kernels::reduce::Total;
/// assert_eq!(Total::Int(3).to_f64(), 3.0);
/// assert_eq!(Total::Float(0.5).to_f64(), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Total {
    /// The sum of a float array.
    Float(f64),
    /// The exact sum of an integer array.
    Int(i128),
}

impl Total {
    /// The sum as a JS number (an integer sum rounds to nearest).
    ///
    /// ```
    /// use weft_kernels::reduce::Total;
    /// assert_eq!(Total::Int((1 << 60) + 1).to_f64(), (1u64 << 60) as f64);
    /// ```
    pub fn to_f64(self) -> f64 {
        match self {
            Total::Float(x) => x,
            Total::Int(x) => x as f64,
        }
    }
}

/// The 8 lanes added pairwise.
#[inline(always)]
fn combine(lanes: [f64; LANES]) -> f64 {
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
}

/// One leaf: at most [`BLOCK`] terms, term `i` into lane `i % 8`.
#[inline(always)]
fn leaf<T: Element>(xs: &[T], term: impl Fn(T) -> f64) -> f64 {
    let mut lanes = [0.0_f64; LANES];
    let (groups, rest) = xs.as_chunks::<LANES>();
    for g in groups {
        for l in 0..LANES {
            lanes[l] += term(g[l]);
        }
    }
    for (l, &x) in rest.iter().enumerate() {
        lanes[l] += term(x);
    }
    combine(lanes)
}

/// Sums the leaves `leaf_sum(0..leaves)` as a balanced binary tree with a binary counter
/// (a stack of partial sums, one per level), in order and without recursion.
#[inline(always)]
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

/// The pairwise sum of `term(x)` over one chunk.
#[inline(always)]
fn chunk_sum_by<T: Element>(xs: &[T], term: impl Fn(T) -> f64 + Copy) -> f64 {
    tree(xs.len().div_ceil(BLOCK), |b| {
        let lo = b * BLOCK;
        leaf(&xs[lo..(lo + BLOCK).min(xs.len())], term)
    })
}

hot! {
    /// The pairwise sum of one chunk of floats (the chunk totals of `scan` too).
    pub(crate) fn chunk_float_sum<T: Element>(xs: &[T]) -> f64 {
        chunk_sum_by(xs, T::to_f64)
    }
}

hot! {
    /// Σ(x - center) and Σ(x - center)² over one chunk, pairwise.
    fn chunk_deviations<T: Element>(xs: &[T], center: f64) -> (f64, f64) {
        let dev = chunk_sum_by(xs, |x| x.to_f64() - center);
        let sq = chunk_sum_by(xs, |x| {
            let d = x.to_f64() - center;
            d * d
        });
        (dev, sq)
    }
}

hot! {
    /// Σ(x - center)² over one chunk of integers, each difference exact before it rounds.
    fn chunk_int_squares<T: Element>(xs: &[T], center: i128) -> f64 {
        if T::KIND == Kind::SmallInt {
            let c = center as i64;
            chunk_sum_by(xs, |x| {
                let d = (x.to_i128() as i64 - c) as f64;
                d * d
            })
        } else {
            chunk_sum_by(xs, |x| {
                let d = x.to_i128().wrapping_sub(center) as f64;
                d * d
            })
        }
    }
}

hot! {
    fn chunk_dot<T: Element>(a: &[T], b: &[T]) -> f64 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        tree(n.div_ceil(BLOCK), |blk| {
            let lo = blk * BLOCK;
            let hi = (lo + BLOCK).min(n);
            let (a, b) = (&a[lo..hi], &b[lo..hi]);
            let mut lanes = [0.0_f64; LANES];
            let (ga, ra) = a.as_chunks::<LANES>();
            let (gb, rb) = b.as_chunks::<LANES>();
            for (x, y) in ga.iter().zip(gb) {
                for l in 0..LANES {
                    lanes[l] += x[l].to_f64() * y[l].to_f64();
                }
            }
            for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
                lanes[l] += x.to_f64() * y.to_f64();
            }
            combine(lanes)
        })
    }
}

hot! {
    /// The exact sum of one chunk (at most [`par::TASK`] elements) of integers. Integer
    /// addition is associative, so plain reductions vectorise (no lanes needed).
    fn chunk_int_sum<T: Element>(xs: &[T]) -> i128 {
        if T::KIND == Kind::SmallInt {
            // |x| < 2^32 and at most 2^15 terms: an i64 cannot overflow.
            xs.iter().map(|x| x.to_i128() as i64).sum::<i64>() as i128
        } else {
            // 64-bit values as hi·2^32 + lo with lo in [0, 2^32): both halves sum in 64 bits
            // without overflow for 2^15 terms, and vectorise where i128 does not.
            let mut lo = 0_u64;
            let mut hi = 0_i64;
            for x in xs {
                let v = x.to_i128();
                lo += (v as u64) & 0xffff_ffff;
                hi += (v >> 32) as i64;
            }
            ((hi as i128) << 32) + lo as i128
        }
    }
}

/// Pairwise-sums one value per chunk in parallel, then the chunk values as a tree.
fn pairwise(
    n: usize,
    job: &Job,
    chunk: impl Fn(std::ops::Range<usize>) -> f64 + Sync,
) -> Result<f64, KernelError> {
    let parts = par::map_chunks(n, job, chunk)?;
    Ok(tree(parts.len(), |i| parts[i]))
}

fn int_sum<T: Element>(xs: &[T], job: &Job) -> Result<i128, KernelError> {
    let parts = par::map_chunks(xs.len(), job, |r| chunk_int_sum(&xs[r]))?;
    Ok(parts.iter().sum())
}

/// The sum of `xs` (0 when empty): `Total::Float` for floats, accumulated pairwise in
/// `f64` (NaN if any element is NaN), `Total::Int` for integers, exact.
///
/// ```
/// use weft_kernels::{Job, reduce::{sum, Total}};
/// let job = Job::new();
/// assert_eq!(sum(&[1.0_f32, 2.0, 3.5], &job), Ok(Total::Float(6.5)));
/// assert_eq!(sum(&[i32::MAX, i32::MAX], &job), Ok(Total::Int(2 * i32::MAX as i128)));
/// assert_eq!(sum::<f64>(&[], &job), Ok(Total::Float(0.0)));
/// ```
pub fn sum<T: Element>(xs: &[T], job: &Job) -> Result<Total, KernelError> {
    par::start(job, xs.len())?;
    undeclared_sum(xs, job)
}

/// [`sum`] without declaring its units.
fn undeclared_sum<T: Element>(xs: &[T], job: &Job) -> Result<Total, KernelError> {
    match T::KIND {
        Kind::Float => pairwise(xs.len(), job, |r| chunk_float_sum(&xs[r])).map(Total::Float),
        Kind::SmallInt | Kind::WideInt => int_sum(xs, job).map(Total::Int),
    }
}

/// The arithmetic mean: the [`sum`] (an integer one rounded to `f64`) over the length;
/// NaN when empty, as numpy's.
///
/// ```
/// use weft_kernels::{Job, reduce::mean};
/// assert_eq!(mean(&[1_u8, 2, 4, 5], &Job::new()), Ok(3.0));
/// assert!(mean::<f64>(&[], &Job::new()).unwrap().is_nan());
/// ```
pub fn mean<T: Element>(xs: &[T], job: &Job) -> Result<f64, KernelError> {
    Ok(sum(xs, job)?.to_f64() / xs.len() as f64)
}

/// The variance `Σ(xᵢ - mean)² / (n - ddof)`, as numpy's `var(a, ddof=ddof)`: NaN when
/// empty; the divisor is clamped at 0 (so `x/0`: Infinity, or NaN for no spread).
///
/// Two passes, each pairwise: the mean, then the squared deviations from it with the
/// correction `(Σ(xᵢ - mean))²/n` that cancels the mean's own rounding (the "corrected
/// two-pass" algorithm; its error is about `n·u` times smaller than one pass's sums of
/// squares). Integers are centred on an integer next to the mean, so every deviation is
/// exact before it is squared and `Σ(xᵢ - c)` is exact. `ddof` must be a finite number
/// `>= 0`, else `InvalidArgument("ddof")`.
///
/// ```
/// use weft_kernels::{Job, reduce::variance};
/// let job = Job::new();
/// assert_eq!(variance(&[1.0_f64, 2.0, 3.0, 4.0], 0.0, &job), Ok(1.25));
/// assert_eq!(variance(&[1_i32, 2, 3, 4], 1.0, &job), Ok(5.0 / 3.0));
/// assert!(variance(&[1.0_f64], -1.0, &job).is_err());
/// ```
pub fn variance<T: Element>(xs: &[T], ddof: f64, job: &Job) -> Result<f64, KernelError> {
    if !(ddof.is_finite() && ddof >= 0.0) {
        return Err(KernelError::invalid(
            "ddof",
            format!("must be a finite number >= 0, got {ddof}"),
        ));
    }
    let n = xs.len();
    // Two passes over the elements.
    par::start(job, 2 * n)?;
    let total = undeclared_sum(xs, job)?;
    if n == 0 {
        return Ok(f64::NAN);
    }
    let nf = n as f64;
    let (dev, sq) = match total {
        Total::Float(s) => {
            let center = s / nf;
            let parts = par::map_chunks(n, job, |r| chunk_deviations(&xs[r], center))?;
            (
                tree(parts.len(), |i| parts[i].0),
                tree(parts.len(), |i| parts[i].1),
            )
        }
        Total::Int(s) => {
            let center = s.div_euclid(n as i128);
            let dev = s.wrapping_sub(center.wrapping_mul(n as i128));
            let sq = pairwise(n, job, |r| chunk_int_squares(&xs[r], center))?;
            (dev as f64, sq)
        }
    };
    let divisor = (nf - ddof).max(0.0);
    let spread = sq - dev * dev / nf;
    let spread = if spread < 0.0 { 0.0 } else { spread };
    Ok(spread / divisor)
}

/// The standard deviation: the square root of [`variance`].
///
/// ```
/// use weft_kernels::{Job, reduce::std};
/// assert_eq!(std(&[2.0_f32, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 0.0, &Job::new()), Ok(2.0));
/// ```
pub fn std<T: Element>(xs: &[T], ddof: f64, job: &Job) -> Result<f64, KernelError> {
    variance(xs, ddof, job).map(f64::sqrt)
}

/// The dot product `Σ aᵢ·bᵢ` in `f64` (each product of two converted elements), with the
/// error bound of [`sum`] over the products. `LengthMismatch` unless the lengths match.
///
/// ```
/// use weft_kernels::{Job, reduce::{dot, KernelError}};
/// let job = Job::new();
/// assert_eq!(dot(&[1.0, 2.0], &[3.0, 4.0], &job), Ok(11.0));
/// assert_eq!(dot(&[1_i16, -2], &[3, 4], &job), Ok(-5.0));
/// assert_eq!(dot(&[1.0_f32], &[], &job), Err(KernelError::LengthMismatch { left: 1, right: 0 }));
/// ```
pub fn dot<T: Element>(a: &[T], b: &[T], job: &Job) -> Result<f64, KernelError> {
    par::same_length(a.len(), b.len())?;
    par::start(job, a.len())?;
    pairwise(a.len(), job, |r| chunk_dot(&a[r.clone()], &b[r]))
}

/// What one chunk's comparison scan found.
#[derive(Clone, Copy)]
struct Extremes<T> {
    lo: T,
    hi: T,
    nan: bool,
    /// `lo` is zero and a -0 was seen (the zero that `Math.min` returns).
    negative_zero: bool,
    /// `hi` is zero and a +0 was seen (the zero that `Math.max` returns).
    positive_zero: bool,
}

hot! {
    fn chunk_extremes<T: Element>(xs: &[T]) -> Extremes<T> {
        if T::KIND != Kind::Float {
            // Integer min and max are associative: plain folds vectorise.
            let lo = xs.iter().fold(T::HIGHEST, |m, &x| if x < m { x } else { m });
            let hi = xs.iter().fold(T::LOWEST, |m, &x| if x > m { x } else { m });
            return Extremes { lo, hi, nan: false, negative_zero: false, positive_zero: false };
        }
        // Lanes of one type each: a NaN is kept in its own lane (`seen`), so every
        // update is a compare and a blend of like vectors.
        let mut lo = [T::HIGHEST; WIDE_LANES];
        let mut hi = [T::LOWEST; WIDE_LANES];
        let mut seen = [T::ZERO; WIDE_LANES];
        let mut groups = xs.chunks_exact(WIDE_LANES);
        for g in &mut groups {
            for l in 0..WIDE_LANES {
                let x = g[l];
                lo[l] = if x < lo[l] { x } else { lo[l] };
                hi[l] = if x > hi[l] { x } else { hi[l] };
                seen[l] = if x.is_nan() { x } else { seen[l] };
            }
        }
        let mut found = Extremes { lo: T::HIGHEST, hi: T::LOWEST, nan: false, negative_zero: false, positive_zero: false };
        for &x in groups.remainder().iter().chain(&seen) {
            found.nan |= x.is_nan();
        }
        for &x in groups.remainder().iter().chain(&lo) {
            found.lo = if x < found.lo { x } else { found.lo };
        }
        for &x in groups.remainder().iter().chain(&hi) {
            found.hi = if x > found.hi { x } else { found.hi };
        }
        if T::KIND == Kind::Float {
            // `<` does not order the zeros: look for the winning sign only when it matters.
            let zero = T::ZERO;
            if found.lo == zero {
                found.negative_zero = xs.iter().any(|&x| x == zero && x.to_f64().is_sign_negative());
            }
            if found.hi == zero {
                found.positive_zero = xs.iter().any(|&x| x == zero && x.to_f64().is_sign_positive());
            }
        }
        found
    }
}

/// The chunks' extremes merged, `None` when `xs` is empty.
fn extremes<T: Element>(xs: &[T], job: &Job) -> Result<Option<Extremes<T>>, KernelError> {
    let parts = par::map_chunks(xs.len(), job, |r| chunk_extremes(&xs[r]))?;
    let mut parts = parts.into_iter();
    let Some(mut all) = parts.next() else {
        return Ok(None);
    };
    for p in parts {
        all.nan |= p.nan;
        if p.lo < all.lo {
            all.lo = p.lo;
            all.negative_zero = p.negative_zero;
        } else if p.lo == all.lo {
            all.negative_zero |= p.negative_zero;
        }
        if p.hi > all.hi {
            all.hi = p.hi;
            all.positive_zero = p.positive_zero;
        } else if p.hi == all.hi {
            all.positive_zero |= p.positive_zero;
        }
    }
    Ok(Some(all))
}

/// The result of an empty min/max: `Math.min()`/`Math.max()`'s, or an error for 64-bit
/// integers, which have no Infinity.
fn empty<T: Element>() -> Result<(T::Extreme, T::Extreme), KernelError> {
    T::EMPTY_EXTREMES.ok_or_else(|| KernelError::invalid("a", "must not be empty"))
}

/// Extremes as `Math.min`/`Math.max` give them: NaN wins, then -0 below +0.
fn finish<T: Element>(e: Extremes<T>) -> (T::Extreme, T::Extreme) {
    if e.nan {
        let nan = T::Extreme::from(T::from_f64(f64::NAN));
        return (nan, nan);
    }
    let mut lo = e.lo;
    let mut hi = e.hi;
    if T::KIND == Kind::Float {
        if lo == T::ZERO {
            lo = T::from_f64(if e.negative_zero { -0.0 } else { 0.0 });
        }
        if hi == T::ZERO {
            hi = T::from_f64(if e.positive_zero { 0.0 } else { -0.0 });
        }
    }
    (T::Extreme::from(lo), T::Extreme::from(hi))
}

/// The smallest element, as `Math.min(...xs)` gives it: NaN if any is NaN, -0 below +0,
/// Infinity when empty. 64-bit integers return their own type and refuse an empty input
/// (`InvalidArgument("a")`).
///
/// ```
/// use weft_kernels::{Job, reduce::min};
/// let job = Job::new();
/// assert_eq!(min(&[2.0_f64, -3.0], &job), Ok(-3.0));
/// assert!(min(&[0.0_f64, -0.0], &job).unwrap().is_sign_negative());
/// assert_eq!(min::<f32>(&[], &job), Ok(f64::INFINITY));
/// assert_eq!(min(&[5_u8, 3], &job), Ok(3.0));
/// assert_eq!(min(&[i64::MIN, 0], &job), Ok(i64::MIN));
/// assert!(min::<u64>(&[], &job).is_err());
/// ```
pub fn min<T: Element>(xs: &[T], job: &Job) -> Result<T::Extreme, KernelError> {
    min_max(xs, job).map(|(lo, _)| lo)
}

/// The largest element, as `Math.max(...xs)` gives it: NaN if any is NaN, +0 above -0,
/// -Infinity when empty. 64-bit integers as in [`min`].
///
/// ```
/// use weft_kernels::{Job, reduce::max};
/// let job = Job::new();
/// assert_eq!(max(&[2.0_f32, -3.0], &job), Ok(2.0));
/// assert!(max(&[-0.0_f64, 0.0], &job).unwrap().is_sign_positive());
/// assert_eq!(max::<i8>(&[], &job), Ok(f64::NEG_INFINITY));
/// ```
pub fn max<T: Element>(xs: &[T], job: &Job) -> Result<T::Extreme, KernelError> {
    min_max(xs, job).map(|(_, hi)| hi)
}

/// [`min`] and [`max`] in one pass.
///
/// ```
/// use weft_kernels::{Job, reduce::min_max};
/// assert_eq!(min_max(&[3_u16, 9, 1], &Job::new()), Ok((1.0, 9.0)));
/// ```
pub fn min_max<T: Element>(xs: &[T], job: &Job) -> Result<(T::Extreme, T::Extreme), KernelError> {
    par::start(job, xs.len())?;
    match extremes(xs, job)? {
        None => empty::<T>(),
        Some(e) => Ok(finish(e)),
    }
}

hot! {
    fn chunk_count<T: Element>(xs: &[T], nan_only: bool) -> u64 {
        // At most 2^15 elements: a u32 count cannot overflow, and an integer sum vectorises.
        let count: u32 = if nan_only {
            xs.iter().map(|x| x.is_nan() as u32).sum()
        } else {
            xs.iter().map(|&x| (x != T::ZERO) as u32).sum()
        };
        count as u64
    }
}

/// How many elements are not zero: NaN counts, -0 does not.
///
/// ```
/// use weft_kernels::{Job, reduce::count_nonzero};
/// assert_eq!(count_nonzero(&[0.0, -0.0, f64::NAN, 2.0], &Job::new()), Ok(2));
/// ```
pub fn count_nonzero<T: Element>(xs: &[T], job: &Job) -> Result<u64, KernelError> {
    par::start(job, xs.len())?;
    let parts = par::map_chunks(xs.len(), job, |r| chunk_count(&xs[r], false))?;
    Ok(parts.iter().sum())
}

/// How many elements are NaN (0 for integer types, without reading them).
///
/// ```
/// use weft_kernels::{Job, reduce::count_nan};
/// assert_eq!(count_nan(&[f32::NAN, 1.0, f32::NAN], &Job::new()), Ok(2));
/// assert_eq!(count_nan(&[1_u8, 2], &Job::new()), Ok(0));
/// ```
pub fn count_nan<T: Element>(xs: &[T], job: &Job) -> Result<u64, KernelError> {
    par::start(job, xs.len())?;
    if T::KIND != Kind::Float {
        job.advance(xs.len() as u64);
        return Ok(0);
    }
    let parts = par::map_chunks(xs.len(), job, |r| chunk_count(&xs[r], true))?;
    Ok(parts.iter().sum())
}

#[cfg(test)]
mod tests;
