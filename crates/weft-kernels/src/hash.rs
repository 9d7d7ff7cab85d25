//! Hashes of byte buffers: [`hash`] for one, [`hash_many`] for many in parallel on the
//! kernel pool. The algorithms ([`HashAlgo`]) pick their fastest instructions (AVX2, SHA-NI,
//! AVX-512) at run time; BLAKE3 also splits one large input over the pool's threads.
//!
//! Large inputs are hashed in pieces of [`CHUNK`] bytes, checking the [`Job`] for
//! cancellation between them; progress is counted in bytes.
//!
//! ```
//! use weft_kernels::Job;
//! use weft_kernels::hash::{Digest, HashAlgo, hash, hash_many};
//! let algo: HashAlgo = "xxh3-64".parse().unwrap();
//! assert_eq!(hash(b"abc", algo, &Job::new()), Ok(Digest::U64(0x78af5f94892f3950)));
//! let digests = hash_many(&[b"abc", b""], HashAlgo::Sha256, &Job::new()).unwrap();
//! assert_eq!(
//!     digests[0].to_string(),
//!     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! );
//! ```
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use sha2::Digest as _;

use crate::error::KernelError;
use crate::job::Job;
use crate::pool;

/// Bytes hashed between two cancellation checks of one large input (well under a
/// millisecond for every algorithm).
pub const CHUNK: usize = 1 << 20;
/// From this many bytes on, a BLAKE3 input is split over the pool's threads.
const BLAKE3_PARALLEL_FROM: usize = 1 << 17;
/// [`hash_many`] hands buffers to the pool's threads in groups of about this many bytes
/// (counting [`BUFFER_COST`] more per buffer), so tiny buffers do not each pay a task.
const GROUP_BYTES: usize = 1 << 18;
/// A buffer's fixed cost in [`hash_many`], in bytes' worth of hashing.
const BUFFER_COST: usize = 64;

/// A hash algorithm, parsed from its JS name with [`str::parse`].
///
/// ```
/// use weft_kernels::hash::HashAlgo;
/// assert_eq!("blake3".parse::<HashAlgo>(), Ok(HashAlgo::Blake3));
/// assert_eq!(HashAlgo::Xxh3_128.to_string(), "xxh3-128");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgo {
    /// XXH3, 64-bit result, seed 0 (`'xxh3-64'`): not cryptographic, the fastest.
    Xxh3_64,
    /// XXH3, 128-bit result, seed 0 (`'xxh3-128'`): not cryptographic.
    Xxh3_128,
    /// SHA-256 (`'sha256'`, FIPS 180-4).
    Sha256,
    /// BLAKE3 with its default 32-byte output (`'blake3'`).
    Blake3,
}

impl HashAlgo {
    /// Every algorithm, in the order the error message lists them.
    ///
    /// ```
    /// assert_eq!(weft_kernels::hash::HashAlgo::ALL.len(), 4);
    /// ```
    pub const ALL: [HashAlgo; 4] = [
        HashAlgo::Xxh3_64,
        HashAlgo::Xxh3_128,
        HashAlgo::Sha256,
        HashAlgo::Blake3,
    ];

    /// The algorithm's name in the JS API.
    ///
    /// ```
    /// assert_eq!(weft_kernels::hash::HashAlgo::Sha256.name(), "sha256");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Xxh3_64 => "xxh3-64",
            HashAlgo::Xxh3_128 => "xxh3-128",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Blake3 => "blake3",
        }
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgo {
    type Err = KernelError;

    /// `'xxh3-64'`, `'xxh3-128'`, `'sha256'` or `'blake3'` (exactly); anything else is an
    /// [`KernelError::InvalidArgument`] for `algo` listing them.
    ///
    /// ```
    /// use weft_kernels::{KernelError, hash::HashAlgo};
    /// assert_eq!(
    ///     "md5".parse::<HashAlgo>(),
    ///     Err(KernelError::invalid(
    ///         "algo",
    ///         "must be 'xxh3-64', 'xxh3-128', 'sha256' or 'blake3', got 'md5'"
    ///     ))
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgo::ALL
            .into_iter()
            .find(|algo| algo.name() == s)
            .ok_or_else(|| {
                KernelError::invalid(
                    "algo",
                    format!("must be 'xxh3-64', 'xxh3-128', 'sha256' or 'blake3', got '{s}'"),
                )
            })
    }
}

/// A hash value: XXH3's as the integer the algorithm defines (the JS API returns it as a
/// bigint), SHA-256's and BLAKE3's as their 32 bytes. [`fmt::Display`] writes it in
/// lowercase hex as the reference tools print it (`xxhsum`, `sha256sum`, `b3sum`).
///
/// ```
/// use weft_kernels::hash::Digest;
/// assert_eq!(Digest::U64(0x2d06800538d394c2).to_string(), "2d06800538d394c2");
/// assert_eq!(Digest::U128(1).to_string(), format!("{:032x}", 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Digest {
    /// An XXH3-64 value.
    U64(u64),
    /// An XXH3-128 value (its high 64 bits are the high half of the canonical form).
    U128(u128),
    /// A SHA-256 or BLAKE3 value.
    Bytes([u8; 32]),
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Digest::U64(v) => write!(f, "{v:016x}"),
            Digest::U128(v) => write!(f, "{v:032x}"),
            Digest::Bytes(bytes) => bytes.iter().try_for_each(|b| write!(f, "{b:02x}")),
        }
    }
}

/// The hash of `data` with `algo`. Inputs longer than [`CHUNK`] are hashed a chunk at a
/// time, checking `job` between chunks (`Err(Canceled)` once it is cancelled); progress
/// is counted in bytes. BLAKE3 spreads large inputs over the kernel pool.
///
/// ```
/// use weft_kernels::{Job, hash::{Digest, HashAlgo, hash}};
/// let digest = hash(b"", HashAlgo::Xxh3_128, &Job::new()).unwrap();
/// assert_eq!(digest, Digest::U128(0x99aa06d3014798d86001c324468d497f));
/// ```
pub fn hash(data: &[u8], algo: HashAlgo, job: &Job) -> Result<Digest, KernelError> {
    job.add_total(data.len() as u64);
    if algo == HashAlgo::Blake3 && data.len() >= BLAKE3_PARALLEL_FROM {
        // One trip to the pool for all the chunks.
        pool::install(|| hash_in_chunks(data, algo, job, CHUNK))
    } else {
        hash_in_chunks(data, algo, job, CHUNK)
    }
}

/// The hash of every buffer of `bufs` with `algo`, in their order, computed in parallel
/// on the kernel pool (buffers in groups, large ones also chunk by chunk as in [`hash`]).
/// `job` is checked between buffers and chunks; progress is counted in bytes over all
/// the buffers.
///
/// ```
/// use weft_kernels::{Job, hash::{Digest, HashAlgo, hash, hash_many}};
/// let bufs: Vec<&[u8]> = vec![b"a", b"bc", b""];
/// let many = hash_many(&bufs, HashAlgo::Xxh3_64, &Job::new()).unwrap();
/// let one_by_one: Vec<Digest> =
///     bufs.iter().map(|b| hash(b, HashAlgo::Xxh3_64, &Job::new()).unwrap()).collect();
/// assert_eq!(many, one_by_one);
/// ```
pub fn hash_many(bufs: &[&[u8]], algo: HashAlgo, job: &Job) -> Result<Vec<Digest>, KernelError> {
    job.add_total(
        bufs.iter()
            .fold(0_u64, |total, b| total.saturating_add(b.len() as u64)),
    );
    job.check()?;
    let groups = groups(bufs, GROUP_BYTES);
    let hash_group = |group: &[&[u8]]| -> Result<Vec<Digest>, KernelError> {
        group
            .iter()
            .map(|buf| hash_in_chunks(buf, algo, job, CHUNK))
            .collect()
    };
    let per_group: Vec<Vec<Digest>> = pool::install(|| {
        groups
            .par_iter()
            .map(|&group| hash_group(group))
            .collect::<Result<_, _>>()
    })?;
    Ok(per_group.into_iter().flatten().collect())
}

/// Splits `bufs` into consecutive groups of at least `group_bytes` bytes (each buffer
/// counting [`BUFFER_COST`] more), the last one possibly smaller.
fn groups<'a, 'b>(bufs: &'a [&'b [u8]], group_bytes: usize) -> Vec<&'a [&'b [u8]]> {
    let mut groups = Vec::new();
    let (mut start, mut weight) = (0, 0_usize);
    for (i, buf) in bufs.iter().enumerate() {
        weight = weight.saturating_add(buf.len().saturating_add(BUFFER_COST));
        if weight >= group_bytes {
            groups.push(&bufs[start..=i]);
            (start, weight) = (i + 1, 0);
        }
    }
    if start < bufs.len() {
        groups.push(&bufs[start..]);
    }
    groups
}

/// The hash of `data`, `chunk` bytes at a time when it is longer, checking `job` before
/// each chunk and counting the bytes done.
fn hash_in_chunks(
    data: &[u8],
    algo: HashAlgo,
    job: &Job,
    chunk: usize,
) -> Result<Digest, KernelError> {
    job.check()?;
    if data.len() <= chunk {
        let digest = hash_whole(data, algo);
        job.advance(data.len() as u64);
        return Ok(digest);
    }
    let mut state = State::new(algo);
    for piece in data.chunks(chunk) {
        job.check()?;
        state.update(piece);
        job.advance(piece.len() as u64);
    }
    Ok(state.finish())
}

/// The hash of all of `data` at once.
fn hash_whole(data: &[u8], algo: HashAlgo) -> Digest {
    match algo {
        HashAlgo::Xxh3_64 => Digest::U64(twox_hash::XxHash3_64::oneshot(data)),
        HashAlgo::Xxh3_128 => Digest::U128(twox_hash::XxHash3_128::oneshot(data)),
        HashAlgo::Sha256 => Digest::Bytes(sha2::Sha256::digest(data).into()),
        HashAlgo::Blake3 => {
            let mut state = State::new(algo);
            state.update(data);
            state.finish()
        }
    }
}

/// An algorithm's running state, fed piece by piece.
enum State {
    Xxh3_64(twox_hash::XxHash3_64),
    Xxh3_128(twox_hash::XxHash3_128),
    Sha256(sha2::Sha256),
    Blake3(Box<blake3::Hasher>),
}

impl State {
    fn new(algo: HashAlgo) -> Self {
        match algo {
            HashAlgo::Xxh3_64 => State::Xxh3_64(twox_hash::XxHash3_64::new()),
            HashAlgo::Xxh3_128 => State::Xxh3_128(twox_hash::XxHash3_128::new()),
            HashAlgo::Sha256 => State::Sha256(sha2::Sha256::new()),
            HashAlgo::Blake3 => State::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    fn update(&mut self, piece: &[u8]) {
        match self {
            State::Xxh3_64(h) => std::hash::Hasher::write(h, piece),
            State::Xxh3_128(h) => h.write(piece),
            State::Sha256(h) => h.update(piece),
            State::Blake3(h) if piece.len() >= BLAKE3_PARALLEL_FROM => {
                // Runs in place when already on the pool.
                pool::install(|| {
                    h.update_rayon(piece);
                });
            }
            State::Blake3(h) => {
                h.update(piece);
            }
        }
    }

    fn finish(self) -> Digest {
        match self {
            State::Xxh3_64(h) => Digest::U64(std::hash::Hasher::finish(&h)),
            State::Xxh3_128(h) => Digest::U128(h.finish_128()),
            State::Sha256(h) => Digest::Bytes(h.finalize().into()),
            State::Blake3(h) => Digest::Bytes(*h.finalize().as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests;
