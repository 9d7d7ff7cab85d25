//! Dense matrix product [`matmul`] of row-major `f32` or `f64` matrices, on the kernel pool.
//!
//! The product runs on the `gemm` crate's kernels (AVX-512 or AVX2+FMA, whichever the CPU
//! has, chosen at run time), one panel of output rows at a time, so a cancelled [`Job`]
//! stops within a panel's time.
//!
//! ```
//! use weft_kernels::{Job, matmul::matmul};
//! // [1 2 3]   [1 0]   [ 4  5]
//! // [4 5 6] · [0 1] = [10 11]
//! //           [1 1]
//! let a = [1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
//! let mut out = [0.0; 4];
//! matmul(&a, &b, &mut out, 2, 3, 2, &Job::new()).unwrap();
//! assert_eq!(out, [4.0, 5.0, 10.0, 11.0]);
//! ```
use crate::error::KernelError;
use crate::job::Job;
use crate::pool;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An element type [`matmul`] multiplies: `f32` (`Float32Array`) or `f64` (`Float64Array`).
///
/// ```
/// use weft_kernels::matmul::MatmulElement;
/// assert_eq!(<f32 as MatmulElement>::ZERO, 0.0);
/// ```
pub trait MatmulElement: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The additive identity (an empty sum: every entry of a product with `k = 0`).
    const ZERO: Self;
    /// The multiplicative identity (the scale the product is written with).
    const ONE: Self;
}

impl MatmulElement for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl MatmulElement for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// Multiply-adds per panel of output rows, so the rows between two cancellation checks take
/// about 5 ms (f32) or 10 ms (f64) on two cores; never fewer than [`MIN_PANEL_ROWS`] rows.
const PANEL_WORK: usize = 1 << 29;
/// Fewest rows per panel: every panel packs `b` again and shares fewer rows among the
/// threads; 1024×1024 in panels of 512 rows is 2-4% slower than in one, in 256 5-7%.
const MIN_PANEL_ROWS: usize = 256;

/// `x * y`, or an [`KernelError::InvalidArgument`] for `m` naming the product that overflows.
fn checked_size(x: usize, y: usize, what: &str) -> Result<usize, KernelError> {
    x.checked_mul(y).ok_or_else(|| {
        KernelError::invalid(
            "m",
            format!("and k, n give {what} = {x}*{y}, which overflows"),
        )
    })
}

/// Checks that `len` (the length of the argument `param`) is `expected` (= `what`).
fn check_len(
    param: &'static str,
    len: usize,
    expected: usize,
    what: &str,
) -> Result<(), KernelError> {
    if len == expected {
        Ok(())
    } else {
        Err(KernelError::invalid(
            param,
            format!("has {len} elements, but {what} = {expected}"),
        ))
    }
}

/// Rows per panel for a product with `k`-long rows of `a` and `n` columns.
fn panel_rows(k: usize, n: usize) -> usize {
    (PANEL_WORK / k.saturating_mul(n).max(1)).max(MIN_PANEL_ROWS)
}

/// `out = a · b` for a row-major `m×k` matrix `a` and `k×n` matrix `b`; `out` (`m×n`,
/// row-major) is overwritten, its previous contents never read.
///
/// Runs on the kernel pool; progress is counted in rows of `out` (`m` in all), and a
/// cancelled `job` stops between panels of rows, leaving the rows not yet reached as they
/// were. Errors: `m*k`, `k*n` or `m*n` overflows (`m`), or `a`, `b` or `out` does not have
/// `m*k`, `k*n` or `m*n` elements (named after the array).
///
/// ```
/// use weft_kernels::{Job, KernelError, matmul::matmul};
/// let mut out = [0.0_f32; 1];
/// matmul(&[2.0, 3.0], &[4.0, 5.0], &mut out, 1, 2, 1, &Job::new()).unwrap();
/// assert_eq!(out, [23.0]);
/// let err = matmul(&[0.0; 5], &[0.0; 6], &mut [0.0_f32; 4], 2, 3, 2, &Job::new());
/// assert_eq!(err, Err(KernelError::invalid("a", "has 5 elements, but m*k = 6")));
/// ```
pub fn matmul<T: MatmulElement>(
    a: &[T],
    b: &[T],
    out: &mut [T],
    m: usize,
    k: usize,
    n: usize,
    job: &Job,
) -> Result<(), KernelError> {
    let mk = checked_size(m, k, "m*k")?;
    let kn = checked_size(k, n, "k*n")?;
    let mn = checked_size(m, n, "m*n")?;
    check_len("a", a.len(), mk, "m*k")?;
    check_len("b", b.len(), kn, "k*n")?;
    check_len("out", out.len(), mn, "m*n")?;
    job.add_total(m as u64);
    job.check()?;
    if mn == 0 {
        job.advance(m as u64);
        return Ok(());
    }
    if k == 0 {
        out.fill(T::ZERO);
        job.advance(m as u64);
        return Ok(());
    }
    in_panels(a, b, out, k, n, panel_rows(k, n), job)
}

/// `out = a · b` (sizes checked, `k, n >= 1`), `panel` rows of `out` at a time, checking
/// `job` before each panel.
fn in_panels<T: MatmulElement>(
    a: &[T],
    b: &[T],
    out: &mut [T],
    k: usize,
    n: usize,
    panel: usize,
    job: &Job,
) -> Result<(), KernelError> {
    pool::install(|| {
        let parallelism = match rayon::current_num_threads() {
            1 => gemm::Parallelism::None,
            threads => gemm::Parallelism::Rayon(threads),
        };
        let a_panels = a.chunks(panel.saturating_mul(k));
        let out_panels = out.chunks_mut(panel.saturating_mul(n));
        for (a_rows, out_rows) in a_panels.zip(out_panels) {
            job.check()?;
            let rows = out_rows.len() / n;
            multiply_panel(a_rows, b, out_rows, rows, k, n, parallelism);
            job.advance(rows as u64);
        }
        Ok(())
    })
}

/// `out = a · b` for `a` of `rows×k`, `b` of `k×n` and `out` of `rows×n`, all row-major,
/// with every size at least 1 and the lengths matching them.
fn multiply_panel<T: MatmulElement>(
    a: &[T],
    b: &[T],
    out: &mut [T],
    rows: usize,
    k: usize,
    n: usize,
    parallelism: gemm::Parallelism,
) {
    debug_assert!(rows > 0 && k > 0 && n > 0);
    debug_assert!(a.len() == rows * k && b.len() == k * n && out.len() == rows * n);
    // A slice's length is at most isize::MAX, and k, n are at most the lengths of `a` and
    // `out` (rows >= 1), so the row strides fit.
    let (k_stride, n_stride) = (k as isize, n as isize);
    // SAFETY: `out` holds rows×n, `a` rows×k and `b` k×n elements (checked by the caller),
    // and with column stride 1 and row strides n, k and n every element gemm reads or
    // writes lies inside them. `out` is a unique borrow and `a`, `b` shared ones, so the
    // destination overlaps neither source. `read_dst = false` makes gemm write
    // `out = 1·a·b` without reading `out`. T is f32 or f64 (sealed), the types gemm supports
    // without panicking.
    unsafe {
        gemm::gemm(
            rows,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n_stride,
            false,
            a.as_ptr(),
            1,
            k_stride,
            b.as_ptr(),
            1,
            n_stride,
            T::ZERO,
            T::ONE,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests;
