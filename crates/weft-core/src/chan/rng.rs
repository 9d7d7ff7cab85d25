//! A per-thread xorshift generator for select's random case order (Go's fairness): fast,
//! unpredictable enough for scheduling, and no dependency for a dozen lines.
use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let local = 0u8;
    // Distinct per thread even when two threads start in the same nanosecond.
    (nanos ^ (&local as *const u8 as u64).rotate_left(32)) | 1
}

/// A uniformly distributed number below `n` (n > 0).
pub fn below(n: usize) -> usize {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        // Lemire's multiply-shift: no modulo bias worth measuring for small n.
        ((x as u128 * n as u128) >> 64) as usize
    })
}
