//! Element-wise kernels into an output slice, in parallel for large inputs: [`binary`]
//! (with [`add`], [`sub`], [`mul`], [`div`]), [`axpy`], [`scale`], [`clamp`], [`fill`]
//! and [`copy`]. Each has an in-place form whose output is its first input (`add_assign`,
//! …), and [`binary_assign_right`] writes into the second.
//!
//! Floats follow IEEE arithmetic. Integers wrap modulo 2^bits (two's complement, as
//! storing a JS result into an integer TypedArray, `Math.imul` and numpy do); integer
//! division truncates toward zero and `MIN / -1` wraps to `MIN`. A zero divisor gives 0
//! for integers of at most 32 bits (what storing JS's `Infinity`/`NaN` gives) and is
//! refused for 64-bit integers, as BigInt division throws a RangeError.
//!
//! ```
//! use weft_kernels::{Job, elementwise::{add, div}};
//! let job = Job::new();
//! let mut out = [0_u8; 2];
//! add(&[250_u8, 1], &[10, 2], &mut out, &job).unwrap();
//! assert_eq!(out, [4, 3]);
//! let mut q = [0_i32; 3];
//! div(&[7, -7, 5], &[2, 2, 0], &mut q, &job).unwrap();
//! assert_eq!(q, [3, -3, 0]);
//! assert!(div(&[1_i64], &[0], &mut [0], &job).is_err());
//! ```
use crate::element::{Element, Float, Kind};
use crate::error::KernelError;
use crate::job::Job;
use crate::par::{self, hot};

/// The operation of [`binary`].
///
/// ```
/// use weft_kernels::{Job, elementwise::{BinaryOp, binary}};
/// let mut out = [0.0_f64; 1];
/// binary(BinaryOp::Sub, &[1.0], &[0.25], &mut out, &Job::new()).unwrap();
/// assert_eq!(out, [0.75]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
}

/// `f` over the operation, as a closure the loops inline.
macro_rules! with_op {
    ($op:expr, |$f:ident| $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $f = |x: T, y: T| x.wrapping_add(y);
                $body
            }
            BinaryOp::Sub => {
                let $f = |x: T, y: T| x.wrapping_sub(y);
                $body
            }
            BinaryOp::Mul => {
                let $f = |x: T, y: T| x.wrapping_mul(y);
                $body
            }
            BinaryOp::Div => {
                let $f = |x: T, y: T| x.div_trunc(y);
                $body
            }
        }
    };
}

hot! {
    fn binary_chunk<T: Element>(op: BinaryOp, a: &[T], b: &[T], out: &mut [T]) {
        with_op!(op, |f| {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        })
    }
}

hot! {
    fn binary_chunk_assign<T: Element>(op: BinaryOp, a: &mut [T], b: &[T]) {
        with_op!(op, |f| {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = f(*x, y);
            }
        })
    }
}

hot! {
    fn binary_chunk_assign_right<T: Element>(op: BinaryOp, a: &[T], b: &mut [T]) {
        with_op!(op, |f| {
            for (&x, y) in a.iter().zip(b.iter_mut()) {
                *y = f(x, *y);
            }
        })
    }
}

/// Declares the units of a binary kernel and refuses a zero divisor of a 64-bit integer
/// division (a pass over `b`, before anything is written).
fn prepare_binary<T: Element>(op: BinaryOp, b: &[T], job: &Job) -> Result<(), KernelError> {
    let wide_div = op == BinaryOp::Div && T::KIND == Kind::WideInt;
    par::start(job, if wide_div { 2 * b.len() } else { b.len() })?;
    if !wide_div {
        return Ok(());
    }
    let zeros = par::map_chunks(b.len(), job, |r| {
        let start = r.start;
        b[r].iter().position(|&y| y == T::ZERO).map(|i| start + i)
    })?;
    match zeros.into_iter().flatten().next() {
        Some(i) => Err(KernelError::invalid(
            "b",
            format!("contains a zero at index {i} (division by zero)"),
        )),
        None => Ok(()),
    }
}

/// `out[i] = a[i] op b[i]` (see the [module documentation](self) for the arithmetic).
/// `LengthMismatch` unless the three lengths match; `InvalidArgument("b")` for a zero
/// divisor in a 64-bit integer division, found before anything is written.
///
/// ```
/// use weft_kernels::{Job, elementwise::{BinaryOp, binary}};
/// let mut out = [0_i16; 2];
/// binary(BinaryOp::Mul, &[i16::MAX, -3], &[2, 3], &mut out, &Job::new()).unwrap();
/// assert_eq!(out, [-2, -9]);
/// ```
pub fn binary<T: Element>(
    op: BinaryOp,
    a: &[T],
    b: &[T],
    out: &mut [T],
    job: &Job,
) -> Result<(), KernelError> {
    par::same_length(a.len(), b.len())?;
    par::same_length(a.len(), out.len())?;
    prepare_binary(op, b, job)?;
    par::for_each_chunk_mut(out, job, |start, chunk| {
        let end = start + chunk.len();
        binary_chunk(op, &a[start..end], &b[start..end], chunk);
    })
}

/// [`binary`] in place: `a[i] = a[i] op b[i]`.
///
/// ```
/// use weft_kernels::{Job, elementwise::{BinaryOp, binary_assign}};
/// let mut a = [8_u32, 9];
/// binary_assign(BinaryOp::Div, &mut a, &[2, 4], &Job::new()).unwrap();
/// assert_eq!(a, [4, 2]);
/// ```
pub fn binary_assign<T: Element>(
    op: BinaryOp,
    a: &mut [T],
    b: &[T],
    job: &Job,
) -> Result<(), KernelError> {
    par::same_length(a.len(), b.len())?;
    prepare_binary(op, b, job)?;
    par::for_each_chunk_mut(a, job, |start, chunk| {
        binary_chunk_assign(op, chunk, &b[start..start + chunk.len()]);
    })
}

/// [`binary`] into its second input: `b[i] = a[i] op b[i]`.
///
/// ```
/// use weft_kernels::{Job, elementwise::{BinaryOp, binary_assign_right}};
/// let mut b = [1.0_f32, 4.0];
/// binary_assign_right(BinaryOp::Sub, &[10.0, 10.0], &mut b, &Job::new()).unwrap();
/// assert_eq!(b, [9.0, 6.0]);
/// ```
pub fn binary_assign_right<T: Element>(
    op: BinaryOp,
    a: &[T],
    b: &mut [T],
    job: &Job,
) -> Result<(), KernelError> {
    par::same_length(a.len(), b.len())?;
    prepare_binary(op, b, job)?;
    par::for_each_chunk_mut(b, job, |start, chunk| {
        binary_chunk_assign_right(op, &a[start..start + chunk.len()], chunk);
    })
}

macro_rules! named_binary {
    ($($name:ident $assign:ident $op:ident $sym:literal $example:literal;)*) => {$(
        #[doc = concat!("`out[i] = a[i] ", $sym, " b[i]`: [`binary`] with [`BinaryOp::", stringify!($op), "`].")]
        ///
        /// ```
        /// use weft_kernels::{Job, elementwise};
        #[doc = $example]
        /// ```
        pub fn $name<T: Element>(a: &[T], b: &[T], out: &mut [T], job: &Job) -> Result<(), KernelError> {
            binary(BinaryOp::$op, a, b, out, job)
        }

        #[doc = concat!("`a[i] = a[i] ", $sym, " b[i]`: [`binary_assign`] with [`BinaryOp::", stringify!($op), "`].")]
        ///
        /// ```
        /// use weft_kernels::{Job, elementwise};
        /// let mut a = [6.0_f64];
        #[doc = concat!("elementwise::", stringify!($assign), "(&mut a, &[2.0], &Job::new()).unwrap();")]
        #[doc = concat!("assert_eq!(a, [6.0 ", $sym, " 2.0]);")]
        /// ```
        pub fn $assign<T: Element>(a: &mut [T], b: &[T], job: &Job) -> Result<(), KernelError> {
            binary_assign(BinaryOp::$op, a, b, job)
        }
    )*};
}

named_binary! {
    add add_assign Add "+" "let mut out = [0_i32; 1];\nelementwise::add(&[i32::MAX], &[1], &mut out, &Job::new()).unwrap();\nassert_eq!(out, [i32::MIN]);";
    sub sub_assign Sub "-" "let mut out = [0_u16; 1];\nelementwise::sub(&[0_u16], &[1], &mut out, &Job::new()).unwrap();\nassert_eq!(out, [u16::MAX]);";
    mul mul_assign Mul "*" "let mut out = [0_u64; 1];\nelementwise::mul(&[1_u64 << 63], &[2], &mut out, &Job::new()).unwrap();\nassert_eq!(out, [0]);";
    div div_assign Div "/" "let mut out = [0_i8; 2];\nelementwise::div(&[i8::MIN, 5], &[-1, 0], &mut out, &Job::new()).unwrap();\nassert_eq!(out, [i8::MIN, 0]);";
}

hot! {
    fn axpy_chunk<T: Float>(alpha: f64, x: &[T], y: &mut [T]) {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = T::from_f64(y.to_f64() + alpha * x.to_f64());
        }
    }
}

/// `y[i] += alpha * x[i]`, computed in `f64` and rounded once to `T` (what a JS loop over
/// the arrays stores). `LengthMismatch` unless the lengths match.
///
/// ```
/// use weft_kernels::{Job, elementwise::axpy};
/// let mut y = [1.0_f32, 1.0];
/// axpy(2.0, &[0.5, -1.0], &mut y, &Job::new()).unwrap();
/// assert_eq!(y, [2.0, -1.0]);
/// ```
pub fn axpy<T: Float>(alpha: f64, x: &[T], y: &mut [T], job: &Job) -> Result<(), KernelError> {
    par::same_length(x.len(), y.len())?;
    par::start(job, y.len())?;
    par::for_each_chunk_mut(y, job, |start, chunk| {
        axpy_chunk(alpha, &x[start..start + chunk.len()], chunk);
    })
}

hot! {
    fn scale_chunk<T: Float>(x: &[T], alpha: f64, out: &mut [T]) {
        for (o, &x) in out.iter_mut().zip(x) {
            *o = T::from_f64(x.to_f64() * alpha);
        }
    }
}

hot! {
    fn scale_chunk_assign<T: Float>(x: &mut [T], alpha: f64) {
        for x in x.iter_mut() {
            *x = T::from_f64(x.to_f64() * alpha);
        }
    }
}

/// `out[i] = x[i] * alpha`, computed in `f64` and rounded once to `T`. `LengthMismatch`
/// unless the lengths match.
///
/// ```
/// use weft_kernels::{Job, elementwise::scale};
/// let mut out = [0.0_f64; 2];
/// scale(&[1.0, -2.0], 0.5, &mut out, &Job::new()).unwrap();
/// assert_eq!(out, [0.5, -1.0]);
/// ```
pub fn scale<T: Float>(x: &[T], alpha: f64, out: &mut [T], job: &Job) -> Result<(), KernelError> {
    par::same_length(x.len(), out.len())?;
    par::start(job, out.len())?;
    par::for_each_chunk_mut(out, job, |start, chunk| {
        scale_chunk(&x[start..start + chunk.len()], alpha, chunk);
    })
}

/// [`scale`] in place: `x[i] *= alpha`.
///
/// ```
/// use weft_kernels::{Job, elementwise::scale_assign};
/// let mut x = [3.0_f32];
/// scale_assign(&mut x, 2.0, &Job::new()).unwrap();
/// assert_eq!(x, [6.0]);
/// ```
pub fn scale_assign<T: Float>(x: &mut [T], alpha: f64, job: &Job) -> Result<(), KernelError> {
    par::start(job, x.len())?;
    par::for_each_chunk_mut(x, job, |_, chunk| scale_chunk_assign(chunk, alpha))
}

#[inline(always)]
fn clamp_one<T: Element>(x: T, lo: T, hi: T) -> T {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

hot! {
    fn clamp_chunk<T: Element>(xs: &[T], lo: T, hi: T, out: &mut [T]) {
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = clamp_one(x, lo, hi);
        }
    }
}

hot! {
    fn clamp_chunk_assign<T: Element>(xs: &mut [T], lo: T, hi: T) {
        for x in xs.iter_mut() {
            *x = clamp_one(*x, lo, hi);
        }
    }
}

fn check_bounds<T: Element>(lo: T, hi: T) -> Result<(), KernelError> {
    if lo.is_nan() {
        return Err(KernelError::invalid("lo", "must not be NaN"));
    }
    if hi.is_nan() {
        return Err(KernelError::invalid("hi", "must not be NaN"));
    }
    if lo > hi {
        return Err(KernelError::invalid(
            "lo",
            format!("must not exceed hi, got lo = {lo:?} and hi = {hi:?}"),
        ));
    }
    Ok(())
}

/// `out[i] = xs[i]` limited to `lo..=hi`: `lo` below it, `hi` above it, NaN stays NaN
/// and a value inside the range stays as it is (`-0` stays `-0` for `lo = +0`).
/// `InvalidArgument("lo")` when `lo > hi`, and for a NaN bound; `LengthMismatch` unless
/// the lengths match.
///
/// ```
/// use weft_kernels::{Job, elementwise::clamp};
/// let job = Job::new();
/// let mut out = [0.0_f64; 3];
/// clamp(&[-5.0, 0.5, f64::NAN], 0.0, 1.0, &mut out, &job).unwrap();
/// assert_eq!(out[..2], [0.0, 0.5]);
/// assert!(out[2].is_nan());
/// assert!(clamp(&[1_u8], 3, 2, &mut [0], &job).is_err());
/// ```
pub fn clamp<T: Element>(
    xs: &[T],
    lo: T,
    hi: T,
    out: &mut [T],
    job: &Job,
) -> Result<(), KernelError> {
    check_bounds(lo, hi)?;
    par::same_length(xs.len(), out.len())?;
    par::start(job, out.len())?;
    par::for_each_chunk_mut(out, job, |start, chunk| {
        clamp_chunk(&xs[start..start + chunk.len()], lo, hi, chunk);
    })
}

/// [`clamp`] in place.
///
/// ```
/// use weft_kernels::{Job, elementwise::clamp_assign};
/// let mut xs = [-3_i64, 7];
/// clamp_assign(&mut xs, 0, 5, &Job::new()).unwrap();
/// assert_eq!(xs, [0, 5]);
/// ```
pub fn clamp_assign<T: Element>(xs: &mut [T], lo: T, hi: T, job: &Job) -> Result<(), KernelError> {
    check_bounds(lo, hi)?;
    par::start(job, xs.len())?;
    par::for_each_chunk_mut(xs, job, |_, chunk| clamp_chunk_assign(chunk, lo, hi))
}

/// Sets every element of `xs` to `value`.
///
/// ```
/// use weft_kernels::{Job, elementwise::fill};
/// let mut xs = [0_u8; 3];
/// fill(&mut xs, 7, &Job::new()).unwrap();
/// assert_eq!(xs, [7, 7, 7]);
/// ```
pub fn fill<T: Element>(xs: &mut [T], value: T, job: &Job) -> Result<(), KernelError> {
    par::start(job, xs.len())?;
    par::for_each_chunk_mut(xs, job, |_, chunk| chunk.fill(value))
}

/// Copies `src` into `dst`. `LengthMismatch` unless the lengths match.
///
/// ```
/// use weft_kernels::{Job, elementwise::copy};
/// let mut dst = [0.0_f32; 2];
/// copy(&[1.5, 2.5], &mut dst, &Job::new()).unwrap();
/// assert_eq!(dst, [1.5, 2.5]);
/// ```
pub fn copy<T: Element>(src: &[T], dst: &mut [T], job: &Job) -> Result<(), KernelError> {
    par::same_length(src.len(), dst.len())?;
    par::start(job, dst.len())?;
    par::for_each_chunk_mut(dst, job, |start, chunk| {
        chunk.copy_from_slice(&src[start..start + chunk.len()]);
    })
}

#[cfg(test)]
mod tests;
