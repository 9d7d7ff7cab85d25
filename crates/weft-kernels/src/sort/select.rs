//! Selection: the k smallest keys of a sequence without sorting it.
//!
//! Keys are gathered into a buffer of up to `2k`; whenever it fills, a selection keeps the
//! `k` smallest and their largest becomes the bar a key must beat to enter. Random input
//! rarely beats the bar, so the scan is one read pass with one comparison per key.

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
