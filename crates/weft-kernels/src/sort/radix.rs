//! Most-significant-digit radix sort of unsigned integers, parallel on the kernel pool.
//!
//! A region of the keys is scattered by its highest digit that is not the same in every
//! key (out of place, between the keys and a scratch buffer of the same length), and each
//! bucket is sorted the same way. Regions of at least [`PARALLEL_FROM`] keys count and
//! scatter in parallel chunks and sort their buckets in parallel; smaller ones run on one
//! thread, in cache, with a digit wide enough to leave about one key per bucket, and finish
//! with one insertion pass. The top region also returns at once when the input is already
//! sorted or reversed.
//!
//! Every pass is stable, so keys whose lowest bits hold their index sort stably on the bits
//! above (the argsort items): digits stop at `low`.
use rayon::prelude::*;

use super::insertion_sort;
use super::scratch::Scratch;
use crate::error::KernelError;
use crate::job::Job;
use crate::pool;

mod private {
    pub trait Sealed {}
}

/// An unsigned integer the radix sort sorts: `u8` to `u128`.
///
/// ```
/// use weft_kernels::sort::RadixKey;
/// assert_eq!(0x1234_u32.digit(8, 0xff), 0x12);
/// assert_eq!(0b100_u64.significant_bits(), 3);
/// ```
pub trait RadixKey: Copy + Ord + Send + Sync + bytemuck::Pod + private::Sealed {
    /// Width in bits.
    const BITS: u32;
    /// `(self >> shift) & mask`, as an index.
    fn digit(self, shift: u32, mask: usize) -> usize;
    /// `self ^ other`.
    fn xor(self, other: Self) -> Self;
    /// `self | other`.
    fn or(self, other: Self) -> Self;
    /// The number of bits up to the highest set one (0 for zero).
    fn significant_bits(self) -> u32;
}

macro_rules! radix_key {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl RadixKey for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn digit(self, shift: u32, mask: usize) -> usize {
                (self >> shift) as usize & mask
            }
            #[inline(always)]
            fn xor(self, other: Self) -> Self {
                self ^ other
            }
            #[inline(always)]
            fn or(self, other: Self) -> Self {
                self | other
            }
            #[inline(always)]
            fn significant_bits(self) -> u32 {
                <$t>::BITS - self.leading_zeros()
            }
        }
    )*};
}
radix_key!(u8, u16, u32, u64, u128);

/// Regions of at least this many keys are counted, scattered and sorted in parallel.
pub(crate) const PARALLEL_FROM: usize = 1 << 17;
/// Buckets of at most this many keys are left to the insertion pass.
const LEAF: usize = 32;
/// Inputs of at most this many keys are sorted by comparison.
pub(crate) const COMPARISON_SORT_UP_TO: usize = 256;
/// A sequential region's digit leaves about this many keys per bucket...
const KEYS_PER_BUCKET: usize = 1;
/// ... but is at most this wide (the counters then fill 256 KiB, half of L2).
const MAX_REGION_BITS: u32 = 16;
/// Keys prepared and then measured while in cache.
const PREPARE_BLOCK: usize = 1 << 12;
/// Parallel chunks are at least this long.
const MIN_CHUNK: usize = 1 << 15;

/// A parallel region's digit width (one scatter stream per bucket, to memory), for keys
/// that differ in their lowest `bits` bits. Wide keys (64-bit ones, floats' exponents)
/// are often skewed in their top bits: a wider digit splits them into cache-sized buckets
/// in one pass.
fn parallel_bits(bits: u32) -> u32 {
    if bits > 40 {
        11.min(bits)
    } else {
        8.min(bits)
    }
}

/// Sorts `keys` ascending by their bits from `low` up; below `low` they must already be
/// ascending among keys equal above it.
///
/// `prepare` is first called exactly once on every key (over disjoint subslices), turning
/// the input into keys; `finish` is called exactly once on every key at the end, over
/// disjoint sorted subslices that together cover `keys` (each a run of the final order).
/// On `Err(Canceled)` the keys are a permutation of the input, each passed to `prepare`
/// and `finish` once all the same (or to neither, when the job was cancelled before the
/// sort began). Adds progress `keys.len()` as regions complete (the caller declares the
/// total).
pub(crate) fn sort<K: RadixKey>(
    keys: &mut [K],
    low: u32,
    job: &Job,
    prepare: &KeyPass<'_, K>,
    finish: &KeyPass<'_, K>,
) -> Result<(), KernelError> {
    job.check()?;
    let n = keys.len();
    if n < PARALLEL_FROM {
        prepare(keys);
        if n <= COMPARISON_SORT_UP_TO {
            keys.sort_unstable();
        } else {
            let mut other = vec![K::zeroed(); n];
            sort_region(keys, &mut other, true, K::BITS, low);
        }
        finish(keys);
        job.advance(n as u64);
        return Ok(());
    }
    let mut scratch = Scratch::<K>::zeroed(n);
    pool::install(|| {
        let region = Region {
            low,
            prepare: Some(prepare),
            job,
            finish,
        };
        region.sort(keys, &mut scratch, true, K::BITS)
    })
}

/// A pass over some keys in place (preparing or finishing them).
pub(crate) type KeyPass<'a, K> = dyn Fn(&mut [K]) + Sync + 'a;

/// No preparation.
pub(crate) fn keep<K>(_: &mut [K]) {}

/// What every parallel region of one sort shares.
struct Region<'a, K> {
    low: u32,
    /// Only for the whole input, which is prepared in its first pass and returns early
    /// when already sorted or reversed.
    prepare: Option<&'a KeyPass<'a, K>>,
    job: &'a Job,
    finish: &'a KeyPass<'a, K>,
}

/// One pass over a parallel chunk: which bits differ, and whether it is monotone.
#[derive(Clone, Copy)]
struct Shape<K> {
    first: K,
    last: K,
    differing: K,
    ascending: bool,
    descending: bool,
}

impl<K: RadixKey> Shape<K> {
    fn of(xs: &[K]) -> Self {
        let first = xs[0];
        Shape {
            first,
            last: xs[xs.len() - 1],
            differing: xs.iter().fold(K::zeroed(), |acc, &x| acc.or(x.xor(first))),
            // Random input stops these at its first few keys.
            ascending: xs.windows(2).all(|w| w[0] <= w[1]),
            descending: xs.windows(2).all(|w| w[0] >= w[1]),
        }
    }

    /// The shape of `self`'s chunk followed by `next`'s.
    fn then(self, next: Self) -> Self {
        Shape {
            first: self.first,
            last: next.last,
            differing: self
                .differing
                .or(next.differing)
                .or(self.first.xor(next.first)),
            ascending: self.ascending && next.ascending && self.last <= next.first,
            descending: self.descending && next.descending && self.last >= next.first,
        }
    }
}

fn chunk_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads() * 4).max(MIN_CHUNK)
}

impl<K: RadixKey> Region<'_, K> {
    /// Sorts one region whose keys are in `home` (`in_home`) or in `other`, equal above bit
    /// `hi`. On return they are in `home` and finished, sorted unless the job was cancelled.
    fn sort(
        &self,
        home: &mut [K],
        other: &mut [K],
        in_home: bool,
        hi: u32,
    ) -> Result<(), KernelError> {
        let n = home.len();
        if n < PARALLEL_FROM {
            if let Some(prepare) = self.prepare {
                prepare(if in_home { &mut *home } else { &mut *other });
            }
            if self.job.is_canceled() {
                if !in_home {
                    home.copy_from_slice(other);
                }
                (self.finish)(home);
                return Err(KernelError::Canceled);
            }
            sort_region(home, other, in_home, hi, self.low);
            (self.finish)(home);
            self.job.advance(n as u64);
            return Ok(());
        }
        let chunk = chunk_len(n);
        let done = |home: &mut [K], other: &[K], result: Result<(), KernelError>| {
            if !in_home {
                home.par_chunks_mut(chunk)
                    .zip(other.par_chunks(chunk))
                    .for_each(|(h, o)| h.copy_from_slice(o));
            }
            home.par_chunks_mut(chunk).for_each(|h| (self.finish)(h));
            if result.is_ok() {
                self.job.advance(n as u64);
            }
            result
        };
        let shape = match self.prepare {
            // The whole input, in `home`: prepared block by block, each block's shape
            // taken while it is in cache.
            Some(prepare) => home
                .par_chunks_mut(chunk)
                .map(|c| {
                    c.chunks_mut(PREPARE_BLOCK)
                        .map(|block| {
                            prepare(block);
                            Shape::of(block)
                        })
                        .reduce(Shape::then)
                })
                .reduce_with(|a, b| Some(a?.then(b?)))
                .flatten(),
            None => {
                if self.job.is_canceled() {
                    return done(home, other, Err(KernelError::Canceled));
                }
                let src: &[K] = if in_home { &*home } else { &*other };
                src.par_chunks(chunk)
                    .map(Shape::of)
                    .reduce_with(Shape::then)
            }
        };
        let Some(shape) = shape else {
            return Ok(()); // empty (never: regions here are long)
        };
        if self.prepare.is_some() && self.job.is_canceled() {
            return done(home, other, Err(KernelError::Canceled));
        }
        let hi = hi.min(shape.differing.significant_bits());
        if hi <= self.low || shape.ascending {
            return done(home, other, Ok(()));
        }
        if self.prepare.is_some() && shape.descending {
            par_reverse(home, chunk);
            return done(home, other, Ok(()));
        }
        let bits = parallel_bits(hi - self.low);
        let shift = hi - bits;
        let mask = (1usize << bits) - 1;
        let buckets = 1usize << bits;
        let src: &[K] = if in_home { &*home } else { &*other };
        let counts: Vec<Vec<usize>> = src
            .par_chunks(chunk)
            .map(|c| {
                let mut h = vec![0usize; buckets];
                for &x in c {
                    h[x.digit(shift, mask)] += 1;
                }
                h
            })
            .collect();
        let (src, dst): (&mut [K], &mut [K]) = if in_home {
            (home, other)
        } else {
            (other, home)
        };
        // Each chunk writes its keys of bucket d to its own slice of bucket d's range, the
        // chunks' slices in chunk order: the scatter is stable.
        let mut writers: Vec<Vec<&mut [K]>> = (0..counts.len())
            .map(|_| Vec::with_capacity(buckets))
            .collect();
        let mut sizes = vec![0usize; buckets];
        let mut rest: &mut [K] = dst;
        for (d, size) in sizes.iter_mut().enumerate() {
            for (c, w) in counts.iter().zip(writers.iter_mut()) {
                let (slice, tail) = std::mem::take(&mut rest).split_at_mut(c[d]);
                w.push(slice);
                rest = tail;
                *size += c[d];
            }
        }
        src.par_chunks(chunk)
            .zip(writers)
            .for_each(|(c, w)| scatter_to_slices(c, w, shift, mask));
        let (home, other) = if in_home { (src, dst) } else { (dst, src) };
        let mut parts: Vec<(&mut [K], &mut [K])> = Vec::with_capacity(buckets);
        let (mut h, mut o): (&mut [K], &mut [K]) = (home, other);
        for &size in sizes.iter().filter(|&&s| s > 0) {
            let (hb, ht) = std::mem::take(&mut h).split_at_mut(size);
            let (ob, ot) = std::mem::take(&mut o).split_at_mut(size);
            parts.push((hb, ob));
            (h, o) = (ht, ot);
        }
        let inner = Region {
            prepare: None,
            ..*self
        };
        // Every bucket runs, cancelled or not, so that each ends in `home`, finished.
        parts
            .into_par_iter()
            .map(|(hb, ob)| inner.sort(hb, ob, !in_home, shift))
            .reduce(|| Ok(()), Result::and)
    }
}

impl<K> Clone for Region<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Region<'_, K> {}

/// Writes each key of `src` to the next free place of its bucket's slice.
fn scatter_to_slices<K: RadixKey>(src: &[K], slices: Vec<&mut [K]>, shift: u32, mask: usize) {
    let mut places: Vec<std::slice::IterMut<'_, K>> =
        slices.into_iter().map(|s| s.iter_mut()).collect();
    for &x in src {
        // Each bucket's slice has exactly as many places as the chunk has keys for it.
        if let Some(place) = places[x.digit(shift, mask)].next() {
            *place = x;
        }
    }
}

/// Reverses `xs` in parallel.
fn par_reverse<K: RadixKey>(xs: &mut [K], chunk: usize) {
    let half = xs.len() / 2;
    let (left, right) = xs.split_at_mut(half);
    let right_len = right.len();
    let right = &mut right[right_len - half..];
    left.par_chunks_mut(chunk)
        .zip(right.par_rchunks_mut(chunk))
        .for_each(|(a, b)| {
            for (x, y) in a.iter_mut().zip(b.iter_mut().rev()) {
                std::mem::swap(x, y);
            }
        });
}

/// The number of bits up to the highest one that differs between any two keys.
fn differing_bits<K: RadixKey>(xs: &[K]) -> u32 {
    let first = xs[0];
    xs.iter()
        .fold(K::zeroed(), |acc, &x| acc.or(x.xor(first)))
        .significant_bits()
}

/// The digit width for a sequential region of `n` keys.
fn region_bits(n: usize) -> u32 {
    let buckets = (n / KEYS_PER_BUCKET).max(2);
    (usize::BITS - (buckets - 1).leading_zeros()).min(MAX_REGION_BITS)
}

/// Sorts a region (fewer than [`PARALLEL_FROM`] keys) on this thread: its keys are in
/// `home` (`in_home`) or `other`, equal above bit `hi`; on return they are sorted in `home`.
fn sort_region<K: RadixKey>(home: &mut [K], other: &mut [K], in_home: bool, hi: u32, low: u32) {
    let n = home.len();
    if n <= LEAF {
        if !in_home {
            home.copy_from_slice(other);
        }
        insertion_sort(home);
        return;
    }
    let src: &[K] = if in_home { &*home } else { &*other };
    let hi = hi.min(differing_bits(src));
    if hi <= low {
        if !in_home {
            home.copy_from_slice(other);
        }
        return;
    }
    let bits = region_bits(n).min(hi - low);
    let shift = hi - bits;
    let mask = (1usize << bits) - 1;
    // Counts, then each bucket's start, then (after the scatter) each bucket's end.
    let mut ends = vec![0u32; 1 << bits];
    for &x in src {
        ends[x.digit(shift, mask)] += 1;
    }
    let mut start = 0;
    for e in ends.iter_mut() {
        (*e, start) = (start, start + *e);
    }
    let (src, dst): (&[K], &mut [K]) = if in_home {
        (home, other)
    } else {
        (other, home)
    };
    for &x in src {
        let end = &mut ends[x.digit(shift, mask)];
        dst[*end as usize] = x;
        *end += 1;
    }
    if in_home {
        home.copy_from_slice(other);
    }
    if shift == low {
        // Each bucket holds keys equal from `low` up, already in order below it.
        return;
    }
    let mut start = 0;
    for &end in &ends {
        let (s, e) = (start, end as usize);
        if e - s > LEAF {
            sort_region(&mut home[s..e], &mut other[s..e], true, shift, low);
        }
        start = e;
    }
    // Buckets are in order and the large ones sorted: this moves keys only within the
    // small ones.
    insertion_sort(home);
}
