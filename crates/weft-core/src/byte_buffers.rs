//! Recycled byte buffers for payloads that cross threads.
//!
//! A 64 KiB task argument is copied into a Rust buffer on the submitting thread and out of
//! it on the worker. Allocating each buffer fresh costs more than the copy: the allocator
//! hands large buffers back to the kernel when they are freed in bursts, so the next one
//! page-faults on every 4 KiB it touches (measured on the `pool` bench's 64 KiB case: 3
//! faults and ~20 us of the main thread per task). Payloads of 2 KiB to 1 MiB instead
//! get buffers from power-of-two classes (4 KiB to 1 MiB), kept idle up to
//! [`RETAIN_LIMIT`] bytes in all and reused warm by whichever thread copies next. Smaller
//! payloads are cheap to allocate and larger ones are rare, so both go to the allocator
//! as usual.
//!
//! ```
//! use weft_core::byte_buffers::{copy_of, recycle};
//! let buf = copy_of(&[7u8; 5000]);
//! assert_eq!(buf.len(), 5000);
//! assert_eq!(buf.capacity(), 8192); // its class
//! recycle(buf); // kept for the next copy of 4097..=8192 bytes
//! ```
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crossbeam_queue::ArrayQueue;

/// The smallest recycled class, as a power of two: 4 KiB.
const MIN_SHIFT: u32 = 12;
/// The largest recycled class: 1 MiB.
const MAX_SHIFT: u32 = 20;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
/// At most this many idle bytes are kept, over all classes together.
pub const RETAIN_LIMIT: usize = 16 << 20;
/// At most this many idle buffers are kept per class (bounds the 4 KiB class's queue).
const MAX_PER_CLASS: usize = 1024;

struct Recycler {
    classes: [ArrayQueue<Vec<u8>>; CLASSES],
    retained: AtomicUsize,
}

fn recycler() -> &'static Recycler {
    static RECYCLER: OnceLock<Recycler> = OnceLock::new();
    RECYCLER.get_or_init(|| Recycler {
        classes: std::array::from_fn(|i| {
            let size = 1usize << (MIN_SHIFT as usize + i);
            ArrayQueue::new((RETAIN_LIMIT / size).clamp(1, MAX_PER_CLASS))
        }),
        retained: AtomicUsize::new(0),
    })
}

/// The class index for a buffer of `len` bytes, if that size is recycled.
fn class_for(len: usize) -> Option<usize> {
    if len == 0 || len > 1 << MAX_SHIFT {
        return None;
    }
    let shift = len.next_power_of_two().trailing_zeros().max(MIN_SHIFT);
    if len < 1 << (MIN_SHIFT - 1) {
        return None; // under 2 KiB: the allocator does well, and a 4 KiB class would waste most of it
    }
    Some((shift - MIN_SHIFT) as usize)
}

/// A Rust-owned copy of `bytes`, in a recycled buffer when one of its class is idle.
///
/// ```
/// let copy = weft_core::byte_buffers::copy_of(b"abc");
/// assert_eq!(copy, b"abc");
/// ```
pub fn copy_of(bytes: &[u8]) -> Vec<u8> {
    let Some(class) = class_for(bytes.len()) else {
        return bytes.to_vec();
    };
    let r = recycler();
    let mut buf = match r.classes[class].pop() {
        Some(buf) => {
            r.retained.fetch_sub(buf.capacity(), Ordering::Relaxed);
            buf
        }
        None => Vec::with_capacity(1 << (MIN_SHIFT as usize + class)),
    };
    buf.clear();
    buf.extend_from_slice(bytes);
    buf
}

/// Gives a buffer back once its bytes have been copied out. Buffers that did not come
/// from [`copy_of`]'s classes, or that would take the idle total over [`RETAIN_LIMIT`],
/// are simply freed.
///
/// ```
/// weft_core::byte_buffers::recycle(vec![0u8; 100]); // not a class size: freed
/// ```
pub fn recycle(buf: Vec<u8>) {
    let cap = buf.capacity();
    if !cap.is_power_of_two() {
        return;
    }
    let Some(class) = class_for(cap).filter(|&c| 1usize << (MIN_SHIFT as usize + c) == cap) else {
        return;
    };
    let r = recycler();
    if r.retained.fetch_add(cap, Ordering::Relaxed) + cap > RETAIN_LIMIT {
        r.retained.fetch_sub(cap, Ordering::Relaxed);
        return;
    }
    if let Err(buf) = r.classes[class].push(buf) {
        r.retained.fetch_sub(buf.capacity(), Ordering::Relaxed);
    }
}

/// Bytes currently kept idle for reuse (for tests and diagnostics).
///
/// ```
/// assert!(weft_core::byte_buffers::retained_bytes() <= weft_core::byte_buffers::RETAIN_LIMIT);
/// ```
pub fn retained_bytes() -> usize {
    recycler().retained.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, MutexGuard};

    use super::*;

    /// The recycler is one per process and tests run in parallel: every test that recycles
    /// holds this, so a test can state the idle total exactly.
    fn recycler_turn() -> MutexGuard<'static, ()> {
        static TURN: Mutex<()> = Mutex::new(());
        TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[test]
    fn classes_cover_2k_to_1m() {
        assert_eq!(class_for(0), None);
        assert_eq!(class_for(2047), None);
        assert_eq!(class_for(2048), Some(0));
        assert_eq!(class_for(4096), Some(0));
        assert_eq!(class_for(4097), Some(1));
        assert_eq!(class_for(64 * 1024), Some(4));
        assert_eq!(class_for(1 << 20), Some(8));
        assert_eq!(class_for((1 << 20) + 1), None);
    }

    #[test]
    fn a_recycled_buffer_is_reused_warm() {
        let _turn = recycler_turn();
        // 300 KiB rounds to the 512 KiB class, which no other test uses. The other tests
        // never keep more than 8 MiB idle (at most 32 buffers of 128 KiB or less exist at
        // once), so the limit cannot refuse this one.
        let first = copy_of(&vec![1u8; 300 * 1024]);
        let ptr = first.as_ptr();
        recycle(first);
        let second = copy_of(&vec![2u8; 400 * 1024]);
        assert_eq!(
            second.as_ptr(),
            ptr,
            "the idle buffer of the class is taken"
        );
        assert_eq!(second.len(), 400 * 1024);
        assert!(
            second.iter().all(|&b| b == 2),
            "old contents never show through"
        );
        recycle(second);
    }

    #[test]
    fn other_sizes_are_not_kept() {
        let _turn = recycler_turn();
        let before = retained_bytes();
        recycle(Vec::with_capacity(3000)); // not a power of two
        recycle(Vec::with_capacity(1 << 21)); // above the largest class
        recycle(Vec::with_capacity(1024)); // below the smallest
        assert_eq!(retained_bytes(), before, "none of them is kept idle");
    }

    #[test]
    fn threads_recycling_at_once_stay_within_the_limit_and_never_share_a_buffer() {
        let _turn = recycler_turn();
        let threads: Vec<_> = (0..8u8)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..2_000usize {
                        let len = 2048 << (i % 7); // 2 KiB .. 128 KiB
                        let mut held: Vec<Vec<u8>> =
                            (0..4).map(|_| copy_of(&vec![t; len])).collect();
                        for buf in &mut held {
                            assert!(
                                buf.iter().all(|&b| b == t),
                                "a buffer was handed to two owners"
                            );
                            buf.fill(t.wrapping_add(1));
                        }
                        held.into_iter().for_each(recycle);
                        assert!(retained_bytes() <= RETAIN_LIMIT);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(retained_bytes() <= RETAIN_LIMIT);
    }
}
