//! Selection: the k smallest keys of a sequence without sorting it.
//!
//! For small `k`, keys are gathered into a buffer of up to `2k`; whenever it fills, a
//! selection keeps the `k` smallest and their largest becomes the bar a key must beat to
//! enter. Random input rarely beats the bar, so the scan is one read pass with one
//! comparison per key, in parallel chunks whose survivors are merged the same way. For
//! large `k` (most keys survive anyway) all keys are copied and selected once.
use rayon::prelude::*;

use super::key::SortElement;
use super::radix::PARALLEL_FROM;
use crate::error::KernelError;
use crate::job::Job;

/// Elements per parallel chunk of the scan.
const CHUNK: usize = 1 << 16;

/// The keys (`sort_key(descending)`) of the `k` smallest of `xs`, in no order. Adds
/// progress `xs.len()`. Runs in parallel when called on the pool.
pub(crate) fn smallest_keys<T: SortElement>(
    xs: &[T],
    k: usize,
    descending: bool,
    job: &Job,
) -> Result<Vec<T::Key>, KernelError> {
    let n = xs.len();
    let key = |x: &T| x.sort_key(descending);
    let keys = if n < PARALLEL_FROM {
        smallest(xs.iter().map(key), k)
    } else if k.saturating_mul(2) >= CHUNK {
        let mut keys: Vec<T::Key> = xs.par_iter().map(key).collect();
        job.check()?;
        keep_smallest(&mut keys, k);
        keys
    } else {
        xs.par_chunks(CHUNK)
            .map(|c| {
                job.check()?;
                let best = smallest(c.iter().map(key), k);
                job.advance(c.len() as u64);
                Ok(best)
            })
            .reduce(
                || Ok(Vec::new()),
                |a: Result<Vec<_>, KernelError>, b| {
                    let (mut a, b) = (a?, b?);
                    a.extend(b);
                    keep_smallest(&mut a, k);
                    Ok(a)
                },
            )?
    };
    if n < PARALLEL_FROM || k.saturating_mul(2) >= CHUNK {
        job.advance(n as u64);
    }
    Ok(keys)
}

/// Keeps the `k` smallest of `buf` (any order).
pub(crate) fn keep_smallest<K: Ord + Copy>(buf: &mut Vec<K>, k: usize) {
    if buf.len() > k {
        if k > 0 {
            buf.select_nth_unstable(k - 1);
        }
        buf.truncate(k);
    }
}

/// The `k` smallest of `keys` (at most `k`, any order).
pub(crate) fn smallest<K: Ord + Copy>(keys: impl Iterator<Item = K>, k: usize) -> Vec<K> {
    if k == 0 {
        return Vec::new();
    }
    let cap = k.saturating_mul(2);
    let mut buf: Vec<K> = Vec::new();
    let mut bar: Option<K> = None;
    for key in keys {
        if bar.is_none_or(|b| key < b) {
            buf.push(key);
            if buf.len() >= cap {
                keep_smallest(&mut buf, k);
                // The selection left the largest kept key last. Equal keys are equal
                // elements, so one more equal to the bar adds nothing.
                bar = buf.last().copied();
            }
        }
    }
    keep_smallest(&mut buf, k);
    buf
}
