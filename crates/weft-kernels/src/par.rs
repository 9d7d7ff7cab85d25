//! How kernels split their input: fixed chunks of [`TASK`] elements, run in order on the
//! calling thread below [`PARALLEL_FROM`] elements and over the kernel pool above, with a
//! cancellation check before each chunk and its progress after. Chunk edges do not depend
//! on the thread count, so neither do results.
use std::ops::Range;

use rayon::prelude::*;

use crate::error::KernelError;
use crate::job::Job;
use crate::pool;

/// Elements per chunk: a multiple of every block size the kernels use.
///
/// ```
/// assert_eq!(weft_kernels::reduce::TASK % weft_kernels::reduce::BLOCK, 0);
/// ```
pub const TASK: usize = 1 << 15;
/// Below this many elements a kernel runs on the calling thread (a pool hop costs more).
///
/// ```
/// assert!(weft_kernels::reduce::PARALLEL_FROM > weft_kernels::reduce::TASK);
/// ```
pub const PARALLEL_FROM: usize = 1 << 17;

/// The targets hot loops are compiled for besides baseline x86-64, chosen at run time.
macro_rules! hot {
    ($($item:tt)*) => {
        #[multiversion::multiversion(targets(
            "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+bmi1+bmi2+lzcnt+popcnt",
            "x86_64+avx2+fma+bmi1+bmi2+lzcnt+popcnt",
        ))]
        $($item)*
    };
}
pub(crate) use hot;

/// Declares `n` units on `job` and fails if it is already cancelled.
pub(crate) fn start(job: &Job, n: usize) -> Result<(), KernelError> {
    job.check()?;
    job.add_total(n as u64);
    Ok(())
}

/// One chunk: check, run, report.
#[inline]
fn run_chunk<R>(
    job: &Job,
    n: usize,
    t: usize,
    f: &(impl Fn(Range<usize>) -> R + Sync),
) -> Result<R, KernelError> {
    job.check()?;
    let range = t * TASK..((t + 1) * TASK).min(n);
    let len = range.len();
    let r = f(range);
    job.advance(len as u64);
    Ok(r)
}

/// `f` over each chunk of `0..n`, results in chunk order (the caller declared the units).
pub(crate) fn map_chunks<R: Send>(
    n: usize,
    job: &Job,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Result<Vec<R>, KernelError> {
    let tasks = n.div_ceil(TASK);
    if n < PARALLEL_FROM {
        return (0..tasks).map(|t| run_chunk(job, n, t, &f)).collect();
    }
    pool::install(|| {
        (0..tasks)
            .into_par_iter()
            .map(|t| run_chunk(job, n, t, &f))
            .collect()
    })
}

/// `f(start, chunk)` over each chunk of `out` (`start` is the chunk's first index; the
/// caller declared the units).
pub(crate) fn for_each_chunk_mut<T: Send>(
    out: &mut [T],
    job: &Job,
    f: impl Fn(usize, &mut [T]) + Sync,
) -> Result<(), KernelError> {
    let n = out.len();
    let run = |(t, chunk): (usize, &mut [T])| -> Result<(), KernelError> {
        job.check()?;
        let len = chunk.len();
        f(t * TASK, chunk);
        job.advance(len as u64);
        Ok(())
    };
    if n < PARALLEL_FROM {
        return out.chunks_mut(TASK).enumerate().try_for_each(run);
    }
    pool::install(|| out.par_chunks_mut(TASK).enumerate().try_for_each(run))
}

/// Fails with [`KernelError::LengthMismatch`] unless `left == right`.
pub(crate) fn same_length(left: usize, right: usize) -> Result<(), KernelError> {
    if left == right {
        Ok(())
    } else {
        Err(KernelError::LengthMismatch { left, right })
    }
}
