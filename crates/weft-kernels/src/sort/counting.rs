//! Counting sort for the 8- and 16-bit element types: count each key, then write each
//! value as many times as it was counted. Equal keys are equal bit patterns, so writing
//! values back from their keys is exact.
use rayon::prelude::*;

use super::key::{KeyBits, SortElement};
use super::radix::{COMPARISON_SORT_UP_TO, PARALLEL_FROM};
use crate::error::KernelError;
use crate::job::Job;

/// Parallel chunks are at least this long.
const MIN_CHUNK: usize = 1 << 16;

fn count<T: SortElement>(xs: &[T], descending: bool, buckets: usize) -> Vec<usize> {
    let mut counts = vec![0usize; buckets];
    for &x in xs {
        counts[x.sort_key(descending).to_u64() as usize] += 1;
    }
    counts
}

/// Sorts `xs` (elements of at most 16 bits) in place. Cancellation is checked after the
/// counting pass, before anything is written: a cancelled sort leaves `xs` untouched.
pub(crate) fn sort<T: SortElement>(
    xs: &mut [T],
    descending: bool,
    job: &Job,
) -> Result<(), KernelError> {
    let n = xs.len();
    let buckets = 1usize << <T::Key as super::RadixKey>::BITS;
    // Few elements against many counters: comparing wins.
    if n <= COMPARISON_SORT_UP_TO || n < buckets / 4 {
        xs.sort_unstable_by_key(|x| x.sort_key(descending));
        job.advance(n as u64);
        return Ok(());
    }
    // Only large inputs ask the pool's size (they run on it).
    let chunk = if n < PARALLEL_FROM {
        n
    } else {
        n.div_ceil(rayon::current_num_threads() * 4).max(MIN_CHUNK)
    };
    let counts = if n < PARALLEL_FROM {
        count(xs, descending, buckets)
    } else {
        xs.par_chunks(chunk)
            .map(|c| count(c, descending, buckets))
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            })
            .unwrap_or_default()
    };
    job.check()?;
    // ends[k]: one past the last position of key k.
    let ends: Vec<usize> = counts
        .iter()
        .scan(0, |end, &c| {
            *end += c;
            Some(*end)
        })
        .collect();
    let fill = |start: usize, out: &mut [T]| {
        let mut key = ends.partition_point(|&e| e <= start);
        let mut at = 0;
        while at < out.len() {
            let run = (ends[key] - start - at).min(out.len() - at);
            out[at..at + run].fill(T::from_sort_key(T::Key::from_u64(key as u64), descending));
            at += run;
            key += 1;
        }
    };
    if n < PARALLEL_FROM {
        fill(0, xs);
    } else {
        xs.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, out)| fill(i * chunk, out));
    }
    job.advance(n as u64);
    Ok(())
}
