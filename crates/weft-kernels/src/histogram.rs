//! [`histogram`]: counts of values in equal-width bins, as `numpy.histogram(a, bins, range)`.
//!
//! ```
//! use weft_kernels::{Job, histogram::histogram};
//! let (counts, edges) = histogram(&[1.0_f64, 2.0, 2.0, 3.0, 4.0], 3, None, &Job::new()).unwrap();
//! assert_eq!(counts, [1, 2, 2]);
//! assert_eq!(edges, [1.0, 2.0, 3.0, 4.0]);
//! ```
use std::ops::{Add, Div, Mul, Sub};

use rayon::prelude::*;

use crate::element::{Element, Kind};
use crate::error::KernelError;
use crate::job::Job;
use crate::par::{self, hot, PARALLEL_FROM, TASK};
use crate::pool;

/// The most bins [`histogram`] accepts (its counts take `8·bins` bytes per thread).
///
/// ```
/// use weft_kernels::{Job, histogram::{MAX_BINS, histogram}};
/// assert!(histogram(&[1.0_f64], MAX_BINS + 1, None, &Job::new()).is_err());
/// ```
pub const MAX_BINS: usize = 1 << 26;

/// The float type numpy computes a histogram's edges in: `f32` for `f32` input, else `f64`.
trait BinFloat:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
{
    fn of(x: f64) -> Self;
    fn wide(self) -> f64;
}

impl BinFloat for f64 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn wide(self) -> f64 {
        self
    }
}

impl BinFloat for f32 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn wide(self) -> f64 {
        self as f64
    }
}

hot! {
    /// The smallest and largest finite values of one chunk (`None` if it has none).
    fn chunk_finite_extremes<T: Element>(xs: &[T]) -> Option<(T, T)> {
        if T::KIND != Kind::Float {
            let lo = xs.iter().fold(T::HIGHEST, |m, &x| if x < m { x } else { m });
            let hi = xs.iter().fold(T::LOWEST, |m, &x| if x > m { x } else { m });
            return (!xs.is_empty()).then_some((lo, hi));
        }
        let mut lo = T::HIGHEST;
        let mut hi = T::LOWEST;
        let mut any = false;
        for &x in xs {
            // Finite: not NaN and strictly between the infinities.
            let finite = !x.is_nan() && x > T::LOWEST && x < T::HIGHEST;
            any |= finite;
            lo = if finite && x < lo { x } else { lo };
            hi = if finite && x > hi { x } else { hi };
        }
        any.then_some((lo, hi))
    }
}

fn data_extremes<T: Element>(xs: &[T], job: &Job) -> Result<Option<(T, T)>, KernelError> {
    let parts = par::map_chunks(xs.len(), job, |r| chunk_finite_extremes(&xs[r]))?;
    Ok(parts
        .into_iter()
        .flatten()
        .reduce(|(lo, hi), (l, h)| (if l < lo { l } else { lo }, if h > hi { h } else { hi })))
}

/// `np.linspace(first, last, bins + 1)` in `F`: `i·step + first` with `step = Δ/bins` (or
/// `(i/bins)·Δ` when the step underflows to 0), the last edge exactly `last`.
fn linspace<F: BinFloat>(first: F, last: F, bins: usize) -> Vec<F> {
    let delta = last - first;
    let div = F::of(bins as f64);
    let step = delta / div;
    let zero = F::of(0.0);
    let mut edges: Vec<F> = (0..=bins)
        .map(|i| {
            let i = F::of(i as f64);
            let y = if step == zero {
                i / div * delta
            } else {
                i * step
            };
            y + first
        })
        .collect();
    edges[bins] = last;
    edges
}

/// The edges and the numbers the counting pass needs.
struct Bins<F> {
    edges: Vec<F>,
    first: F,
    last: F,
    /// `bins / width`: the first guess of a value's bin, corrected against the edges.
    scale: f64,
}

impl<F: BinFloat> Bins<F> {
    /// Edges from `first..last`, computed in `F`.
    fn new(first: F, last: F, bins: usize) -> Result<Self, KernelError> {
        let width = (last - first).wide();
        if !width.is_finite() {
            return Err(KernelError::invalid(
                "range",
                format!(
                    "must be narrower than the largest float, got [{:?}, {:?}]",
                    first.wide(),
                    last.wide()
                ),
            ));
        }
        let edges = linspace(first, last, bins);
        // The edges are finite (the width is): `>=` is `!(<)`.
        if edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(KernelError::invalid(
                "bins",
                format!(
                    "is too many for the range [{}, {}]: the bins would not all have a width",
                    first.wide(),
                    last.wide()
                ),
            ));
        }
        Ok(Bins {
            first: edges[0],
            last: edges[bins],
            edges,
            scale: bins as f64 / width,
        })
    }
}

/// The bins, as numpy's `_get_outer_edges` and `linspace` make them (but over the finite
/// values only, where numpy refuses a non-finite autodetected range).
fn layout<T: Element, F: BinFloat>(
    xs: &[T],
    bins: usize,
    range: Option<(f64, f64)>,
    job: &Job,
) -> Result<Bins<F>, KernelError> {
    match range {
        Some((lo, hi)) => {
            if !(lo.is_finite() && hi.is_finite()) {
                return Err(KernelError::invalid(
                    "range",
                    format!("must be finite, got [{lo}, {hi}]"),
                ));
            }
            if lo > hi {
                return Err(KernelError::invalid(
                    "range",
                    format!("must have lo <= hi, got [{lo}, {hi}]"),
                ));
            }
            let (lo, hi) = if lo == hi {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            };
            // numpy computes linspace in f64 here and compares `F` values with the bounds
            // rounded to `F`: the rounded first and last edges.
            Bins::<F>::new_wide(lo, hi, bins)
        }
        None => match data_extremes(xs, job)? {
            None => Bins::new_wide(0.0, 1.0, bins),
            Some((lo, hi)) if T::KIND == Kind::Float => {
                // In the data's own type, as numpy's `a.min() - 0.5` and `linspace`.
                let (lo, hi) = (F::of(lo.to_f64()), F::of(hi.to_f64()));
                let half = F::of(0.5);
                let (lo, hi) = if lo == hi {
                    (lo - half, hi + half)
                } else {
                    (lo, hi)
                };
                Bins::new(lo, hi, bins)
            }
            Some((lo, hi)) => {
                // Compared as integers (numpy's `a.min() == a.max()`), then in f64.
                let same = lo == hi;
                let (lo, hi) = (lo.to_f64(), hi.to_f64());
                let (lo, hi) = if same { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
                Bins::new_wide(lo, hi, bins)
            }
        },
    }
}

impl<F: BinFloat> Bins<F> {
    /// Edges computed in `f64` from `f64` bounds (a range given as JS numbers, or integer
    /// data), then rounded to `F`, as numpy does.
    fn new_wide(lo: f64, hi: f64, bins: usize) -> Result<Self, KernelError> {
        let wide = Bins::<f64>::new(lo, hi, bins)?;
        let edges: Vec<F> = wide.edges.iter().map(|&e| F::of(e)).collect();
        // The edges are finite (the width is): `>=` is `!(<)`.
        if edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(KernelError::invalid(
                "bins",
                format!(
                    "is too many for the range [{lo}, {hi}]: the bins would not all have a width"
                ),
            ));
        }
        Ok(Bins {
            first: edges[0],
            last: edges[bins],
            edges,
            scale: wide.scale,
        })
    }
}

hot! {
    /// Adds one chunk's values to `counts`.
    fn count_chunk<T: Element, F: BinFloat>(xs: &[T], bins: &Bins<F>, counts: &mut [u64]) {
        let n = counts.len();
        let edges = &bins.edges[..n + 1];
        let first_wide = bins.first.wide();
        for &x in xs {
            let v = F::of(x.to_f64());
            // NaN fails both tests.
            if !(v >= bins.first && v <= bins.last) {
                continue;
            }
            let guess = ((v.wide() - first_wide) * bins.scale) as usize;
            let mut i = guess.min(n - 1);
            // The guess is off by at most one bin; the edges decide, as numpy's correction.
            while i > 0 && v < edges[i] {
                i -= 1;
            }
            while i + 1 < n && v >= edges[i + 1] {
                i += 1;
            }
            counts[i] += 1;
        }
    }
}

fn count<T: Element, F: BinFloat>(
    xs: &[T],
    bins: &Bins<F>,
    n_bins: usize,
    job: &Job,
) -> Result<Vec<u64>, KernelError> {
    let run = |mut counts: Vec<u64>, chunk: &[T]| {
        job.check()?;
        count_chunk(chunk, bins, &mut counts);
        job.advance(chunk.len() as u64);
        Ok(counts)
    };
    if xs.len() < PARALLEL_FROM {
        return xs.chunks(TASK).try_fold(vec![0_u64; n_bins], run);
    }
    pool::install(|| {
        xs.par_chunks(TASK)
            .try_fold(|| vec![0_u64; n_bins], run)
            .try_reduce(
                || vec![0_u64; n_bins],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    Ok(a)
                },
            )
    })
}

fn histogram_in<T: Element, F: BinFloat>(
    xs: &[T],
    bins: usize,
    range: Option<(f64, f64)>,
    job: &Job,
) -> Result<(Vec<u64>, Vec<f64>), KernelError> {
    let layout = layout::<T, F>(xs, bins, range, job)?;
    let counts = count(xs, &layout, bins, job)?;
    Ok((counts, layout.edges.iter().map(|e| e.wide()).collect()))
}

/// Counts the values of `xs` in `bins` equal-width bins over `range` (default: the
/// smallest to the largest finite value), as `numpy.histogram(xs, bins, range)`:
/// returns the counts and the `bins + 1` edges.
///
/// - The edges are `numpy.linspace(lo, hi, bins + 1)`'s, computed in `f32` for `f32`
///   input (as numpy's are) and in `f64` otherwise (64-bit integers round to `f64`).
/// - Bin `i` holds `edges[i] <= x < edges[i + 1]`; the last bin also holds `x == hi`.
///   Values outside the range and NaN are not counted.
/// - `lo == hi` widens the range to `lo - 0.5 .. hi + 0.5`; an empty (or all-NaN) input
///   without a range uses `0..1`.
/// - `InvalidArgument("bins")` for 0, more than [`MAX_BINS`], or more bins than the
///   range's floats can separate; `InvalidArgument("range")` for a NaN or infinite bound,
///   `lo > hi`, or a width `hi - lo` that overflows.
///
/// Runs in parallel with one count array per pool thread; two passes without a range.
///
/// ```
/// use weft_kernels::{Job, histogram::histogram};
/// let job = Job::new();
/// let (counts, edges) = histogram(&[0_u8, 5, 10, 255], 2, Some((0.0, 10.0)), &job).unwrap();
/// assert_eq!((counts, edges), (vec![1, 2], vec![0.0, 5.0, 10.0]));
/// let (counts, _) = histogram(&[f64::NAN, 1.0, f64::INFINITY], 1, None, &job).unwrap();
/// assert_eq!(counts, [1]);
/// assert!(histogram(&[1.0_f32], 0, None, &job).is_err());
/// ```
pub fn histogram<T: Element>(
    xs: &[T],
    bins: usize,
    range: Option<(f64, f64)>,
    job: &Job,
) -> Result<(Vec<u64>, Vec<f64>), KernelError> {
    if bins == 0 || bins > MAX_BINS {
        return Err(KernelError::invalid(
            "bins",
            format!("must be an integer from 1 to {MAX_BINS}, got {bins}"),
        ));
    }
    let passes = if range.is_some() { 1 } else { 2 };
    par::start(job, passes * xs.len())?;
    if T::KIND == Kind::Float && std::mem::size_of::<T>() == 4 {
        histogram_in::<T, f32>(xs, bins, range, job)
    } else {
        histogram_in::<T, f64>(xs, bins, range, job)
    }
}

#[cfg(test)]
mod tests;
