//! Token-bucket rate limiting with golang.org/x/time/rate semantics: a [`Limiter`] holds
//! `burst` tokens, refilled at `limit` tokens per second; a call takes tokens now
//! ([`Limiter::allow`]) or reserves them for later ([`Limiter::reserve`], which says how
//! long to wait and can be cancelled to give them back). [`All`] makes several limiters
//! admit together; [`KeyedLimiter`] keeps one bucket per key. State sits behind a lock
//! in each object, so one limiter shared by many threads enforces one rate. Time comes
//! from a [`Clock`]: the monotonic clock, or a [`ManualClock`] in tests.
//!
//! ```
//! use weft_core::rate::{every, Limiter, INF_DURATION};
//! let lim = Limiter::new(every(100_000_000), 1).unwrap(); // one event per 100 ms
//! assert!(lim.allow(1));
//! let r = lim.reserve(1, INF_DURATION);   // the next token: about 100 ms away
//! assert!(r.ok && r.delay_from(lim.now()) > 0);
//! lim.cancel(&r);                          // not needed after all: give it back
//! ```
mod all;
mod bucket;
mod clock;
mod keyed;
mod limiter;
#[cfg(test)]
mod tests;

pub use all::{All, AllReservation, Part};
pub use bucket::Reservation;
pub use clock::{monotonic, Clock, ManualClock, MonotonicClock};
pub use keyed::KeyedLimiter;
pub use limiter::Limiter;

use crate::{Error, Result};

/// Nanoseconds: an instant on a [`Clock`], or a duration.
pub type Nanos = i64;

/// The infinite limit: every request is allowed, whatever its size (Go's `rate.Inf`).
pub const INF: f64 = f64::INFINITY;

/// A wait that never ends: what a refused reservation's delay is, and the `max_wait` that
/// allows any wait (Go's `InfDuration`).
pub const INF_DURATION: Nanos = Nanos::MAX;

/// The limit for one event per `interval` nanoseconds; [`INF`] for an interval of 0 or
/// less (Go's `rate.Every`).
///
/// ```
/// assert_eq!(weft_core::rate::every(250_000_000), 4.0); // every 250 ms: 4 per second
/// assert_eq!(weft_core::rate::every(0), weft_core::rate::INF);
/// ```
pub fn every(interval: Nanos) -> f64 {
    if interval <= 0 {
        return INF;
    }
    1.0 / (interval as f64 / 1e9)
}

/// INVALID_ARGUMENT unless `limit` is a number of tokens per second (0 and [`INF`] allowed).
fn check_limit(limit: f64) -> Result<()> {
    if limit.is_nan() || limit < 0.0 {
        return Err(Error::invalid_argument(
            "limit",
            format!("must be a non-negative number of tokens per second, got {limit}"),
        ));
    }
    Ok(())
}
