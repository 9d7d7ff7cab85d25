//! Prefix sums: [`scan`] (into another array) and [`scan_assign`] (in place).
//!
//! Output types: floats give their own type (the running total kept in `f64`, each output
//! rounded once), integers of at most 32 bits give `f64` (exact: the running total is an
//! `i64`), 64-bit integers give their own type, wrapping modulo 2^64.
//!
//! In parallel, in two passes over fixed chunks of [`TASK`](crate::reduce::TASK) elements:
//! each chunk's total (pairwise for floats), the chunks' offsets in order, then each
//! chunk's running sum from its offset. The chunks do not depend on the thread count, so
//! neither do the results; a float result differs from a plain running loop only by the
//! rounding of the chunk offsets (which are, if anything, more accurate).
//!
//! ```
//! use weft_kernels::{Job, scan::scan};
//! let mut out = [0.0_f64; 4];
//! scan(&[1_i32, 2, 3, 4], &mut out, false, &Job::new()).unwrap();
//! assert_eq!(out, [1.0, 3.0, 6.0, 10.0]);
//! scan(&[1_i32, 2, 3, 4], &mut out, true, &Job::new()).unwrap();
//! assert_eq!(out, [0.0, 1.0, 3.0, 6.0]);
//! ```
use crate::element::{Element, Kind};
use crate::error::KernelError;
use crate::job::Job;
use crate::par::{self, hot, TASK};
use crate::reduce;

/// What a chunk's running sum starts from.
#[derive(Clone, Copy, Debug)]
enum Carry {
    Float(f64),
    /// Integers of at most 32 bits, exactly.
    Int(i64),
    /// 64-bit integers, modulo 2^64.
    Wide(i128),
}

hot! {
    /// One chunk's total, in the carry's representation.
    fn chunk_total<T: Element>(xs: &[T]) -> Carry {
        match T::KIND {
            Kind::Float => Carry::Float(reduce::chunk_float_sum(xs)),
            Kind::SmallInt => Carry::Int(xs.iter().map(|x| x.to_i128() as i64).sum()),
            Kind::WideInt => Carry::Wide(
                xs.iter().fold(T::ZERO, |acc, &x| acc.wrapping_add(x)).to_i128(),
            ),
        }
    }
}

/// A running sum from `acc` over `xs`: `add` steps the total, `emit` makes an output.
#[inline(always)]
fn running<T: Copy, A: Copy, O>(
    xs: impl Iterator<Item = T>,
    mut acc: A,
    exclusive: bool,
    add: impl Fn(A, T) -> A,
    emit: impl Fn(A) -> O,
    mut put: impl FnMut(O),
) {
    if exclusive {
        for x in xs {
            put(emit(acc));
            acc = add(acc, x);
        }
    } else {
        for x in xs {
            acc = add(acc, x);
            put(emit(acc));
        }
    }
}

/// [`running`] for each kind of carry, the kind chosen outside the loop.
#[inline(always)]
fn running_sum<T: Element>(
    xs: impl Iterator<Item = T>,
    carry: Carry,
    exclusive: bool,
    put: impl FnMut(T::ScanOut),
) {
    match carry {
        Carry::Float(acc) => running(
            xs,
            acc,
            exclusive,
            |a, x: T| a + x.to_f64(),
            T::ScanOut::from_f64,
            put,
        ),
        Carry::Int(acc) => running(
            xs,
            acc,
            exclusive,
            |a: i64, x: T| a.wrapping_add(x.to_i128() as i64),
            |a| T::ScanOut::from_f64(a as f64),
            put,
        ),
        Carry::Wide(acc) => running(
            xs,
            T::from_i128_wrapping(acc),
            exclusive,
            |a: T, x: T| a.wrapping_add(x),
            |a| T::ScanOut::from_i128_wrapping(a.to_i128()),
            put,
        ),
    }
}

hot! {
    fn scan_chunk<T: Element>(xs: &[T], out: &mut [T::ScanOut], carry: Carry, exclusive: bool) {
        let mut slots = out.iter_mut();
        running_sum(xs.iter().copied(), carry, exclusive, |o| {
            if let Some(slot) = slots.next() {
                *slot = o;
            }
        });
    }
}

hot! {
    fn scan_chunk_in_place<T: Element<ScanOut = T>>(xs: &mut [T], carry: Carry, exclusive: bool) {
        // Each output is written after its input was read.
        let n = xs.len();
        let mut i = 0;
        let values: &mut [T] = xs;
        let cells = std::cell::Cell::from_mut(values).as_slice_of_cells();
        running_sum(cells.iter().map(|c| c.get()), carry, exclusive, |o| {
            if i < n {
                cells[i].set(o);
                i += 1;
            }
        });
    }
}

/// Each chunk's starting carry: the totals of the chunks before it, in order.
fn offsets<T: Element>(xs: &[T], job: &Job) -> Result<Vec<Carry>, KernelError> {
    let totals = par::map_chunks(xs.len(), job, |r| chunk_total(&xs[r]))?;
    let mut carry = match T::KIND {
        Kind::Float => Carry::Float(0.0),
        Kind::SmallInt => Carry::Int(0),
        Kind::WideInt => Carry::Wide(0),
    };
    Ok(totals
        .into_iter()
        .map(|t| {
            let start = carry;
            carry = match (carry, t) {
                (Carry::Float(a), Carry::Float(b)) => Carry::Float(a + b),
                (Carry::Int(a), Carry::Int(b)) => Carry::Int(a.wrapping_add(b)),
                (Carry::Wide(a), Carry::Wide(b)) => {
                    Carry::Wide(T::from_i128_wrapping(a.wrapping_add(b)).to_i128())
                }
                (c, _) => c,
            };
            start
        })
        .collect())
}

/// Writes the prefix sums of `xs` to `out`: `out[i] = xs[0] + … + xs[i]`, or with
/// `exclusive` `xs[0] + … + xs[i-1]` (`out[0] = 0`). `out` has the type
/// [`Element::ScanOut`]: floats their own, integers of at most 32 bits `f64` (exact to
/// 2^63, so beyond 2^53 each output is the exact total rounded once), 64-bit integers
/// their own (wrapping). `LengthMismatch` unless the lengths match.
///
/// ```
/// use weft_kernels::{Job, scan::scan};
/// let mut out = [0_u64; 3];
/// scan(&[u64::MAX, 1, 2], &mut out, false, &Job::new()).unwrap();
/// assert_eq!(out, [u64::MAX, 0, 2]);
/// let mut out = [0.0_f32; 2];
/// assert!(scan(&[1.0_f32], &mut out, false, &Job::new()).is_err());
/// ```
pub fn scan<T: Element>(
    xs: &[T],
    out: &mut [T::ScanOut],
    exclusive: bool,
    job: &Job,
) -> Result<(), KernelError> {
    par::same_length(xs.len(), out.len())?;
    par::start(job, 2 * xs.len())?;
    let starts = offsets(xs, job)?;
    par::for_each_chunk_mut(out, job, |start, chunk| {
        let src = &xs[start..start + chunk.len()];
        scan_chunk(src, chunk, starts[start / TASK], exclusive);
    })
}

/// [`scan`] in place, for the types whose output is their own (floats, 64-bit integers).
///
/// ```
/// use weft_kernels::{Job, scan::scan_assign};
/// let mut xs = [0.5_f64, 1.5, 2.0];
/// scan_assign(&mut xs, false, &Job::new()).unwrap();
/// assert_eq!(xs, [0.5, 2.0, 4.0]);
/// ```
pub fn scan_assign<T: Element<ScanOut = T>>(
    xs: &mut [T],
    exclusive: bool,
    job: &Job,
) -> Result<(), KernelError> {
    par::start(job, 2 * xs.len())?;
    let starts = offsets(xs, job)?;
    par::for_each_chunk_mut(xs, job, |start, chunk| {
        scan_chunk_in_place(chunk, starts[start / TASK], exclusive);
    })
}

#[cfg(test)]
mod tests;
