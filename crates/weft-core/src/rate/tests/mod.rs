//! Tests for `rate`: Go's own x/time/rate test tables ported case by case (go_cases), the
//! composite (all), the keyed limiter (keyed) and threads sharing one limiter (threads).
//! Time is always explicit or a ManualClock: nothing here sleeps.
mod all;
mod go_cases;
mod keyed;
mod threads;

use super::Nanos;

/// Go's test step `d`.
pub(super) const D: Nanos = 100_000_000;
/// Go's `t0` (any instant works: the bucket starts full).
pub(super) const T0: Nanos = 1_000_000_000_000;

/// Go's `t0.Add(i * d)`.
pub(super) fn t(i: i64) -> Nanos {
    T0 + i * D
}

/// Go's `dSince`: a time in multiples of `d` since `t0`, rounded to the nearest.
pub(super) fn d_since(time: Nanos) -> i64 {
    (time - T0 + D / 2).div_euclid(D)
}
