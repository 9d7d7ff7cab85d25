//! [`Limiter`]: one token bucket shared by every thread that holds it, with
//! golang.org/x/time/rate's `Limiter` semantics.
//!
//! ```
//! use weft_core::rate::Limiter;
//! let lim = Limiter::new(10.0, 3).unwrap(); // 10 tokens/s, bursts of 3
//! assert!(lim.allow(3));
//! assert!(!lim.allow(1)); // empty until time passes
//! ```
use std::sync::Arc;

use parking_lot::Mutex;

use super::bucket::Bucket;
use super::clock::{monotonic, Clock};
use super::{check_limit, Nanos, Reservation};
use crate::Result;

/// A token bucket of `burst` tokens, initially full, refilled at `limit` tokens per second
/// ([`INF`](super::INF): no limit at all, burst ignored; 0: only the initial burst).
/// Every method has an `_at`/`_n` form taking the time explicitly (Go's `AllowN(t, n)`),
/// and a form that reads the limiter's clock.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::rate::{Clock, Limiter, ManualClock};
/// let clock = Arc::new(ManualClock::new(0));
/// let lim = Limiter::with_clock(10.0, 1, clock.clone()).unwrap();
/// assert!(lim.allow(1));
/// assert!(!lim.allow(1));
/// clock.advance(100_000_000); // 100 ms: one token at 10/s
/// assert!(lim.allow(1));
/// ```
pub struct Limiter {
    clock: Arc<dyn Clock>,
    bucket: Mutex<Bucket>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("bucket", &*self.bucket.lock())
            .finish()
    }
}

impl Limiter {
    /// A limiter on the monotonic clock. INVALID_ARGUMENT for a NaN or negative limit.
    pub fn new(limit: f64, burst: u64) -> Result<Limiter> {
        Limiter::with_clock(limit, burst, monotonic())
    }

    /// A limiter reading `clock` (a [`ManualClock`](super::ManualClock) in tests).
    pub fn with_clock(limit: f64, burst: u64, clock: Arc<dyn Clock>) -> Result<Limiter> {
        check_limit(limit)?;
        Ok(Limiter {
            clock,
            bucket: Mutex::new(Bucket::new(limit, burst)),
        })
    }

    /// The limiter's clock's current time.
    pub fn now(&self) -> Nanos {
        self.clock.now()
    }

    /// The clock this limiter reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Tokens per second.
    pub fn limit(&self) -> f64 {
        self.bucket.lock().limit
    }

    /// The most tokens one call can take, and the bucket's size.
    pub fn burst(&self) -> u64 {
        self.bucket.lock().burst
    }

    /// Tokens available at `t` (negative while reservations are owed).
    pub fn tokens_at(&self, t: Nanos) -> f64 {
        self.bucket.lock().advance(t)
    }

    /// Tokens available now.
    pub fn tokens(&self) -> f64 {
        self.tokens_at(self.now())
    }

    /// Takes `n` tokens at `t` if the bucket holds them; never waits (Go's `AllowN`).
    pub fn allow_n(&self, t: Nanos, n: u64) -> bool {
        self.bucket.lock().allow(t, n)
    }

    /// Takes `n` tokens now if the bucket holds them.
    pub fn allow(&self, n: u64) -> bool {
        let (mut bucket, t) = self.locked_now();
        bucket.allow(t, n)
    }

    /// The bucket, locked, and the time read after locking. The "now" calls read the clock
    /// under the lock so that, across threads, the times they apply never go backwards:
    /// a call applying an earlier time than the one before it would move `last` back (Go's
    /// rule for explicit times) and count that stretch's tokens twice.
    fn locked_now(&self) -> (parking_lot::MutexGuard<'_, Bucket>, Nanos) {
        let bucket = self.bucket.lock();
        let t = self.now();
        (bucket, t)
    }

    /// Takes `n` tokens at `t`, to be used once they have accumulated, if that is at most
    /// `max_wait` away and `n` fits the burst; otherwise takes nothing (`ok` false). Go's
    /// `reserveN`; pass [`INF_DURATION`](super::INF_DURATION) for Go's `ReserveN`.
    pub fn reserve_n(&self, t: Nanos, n: u64, max_wait: Nanos) -> Reservation {
        self.bucket.lock().reserve(t, n, max_wait)
    }

    /// [`reserve_n`](Self::reserve_n) now.
    pub fn reserve(&self, n: u64, max_wait: Nanos) -> Reservation {
        self.reserve_now(n, max_wait).1
    }

    /// [`reserve`](Self::reserve), also returning the time it was made at.
    pub fn reserve_now(&self, n: u64, max_wait: Nanos) -> (Nanos, Reservation) {
        let (mut bucket, t) = self.locked_now();
        (t, bucket.reserve(t, n, max_wait))
    }

    /// The holder of `r` (made by this limiter) will not act: gives back, at `t`, the
    /// tokens that reservations made after it do not depend on (Go's
    /// `Reservation.CancelAt`). Does nothing once `t` is past its time to act. Cancel a
    /// reservation once.
    pub fn cancel_at(&self, r: &Reservation, t: Nanos) {
        self.bucket.lock().cancel(r, t, r.time_to_act);
    }

    /// [`cancel_at`](Self::cancel_at) now.
    pub fn cancel(&self, r: &Reservation) {
        let (mut bucket, t) = self.locked_now();
        bucket.cancel(r, t, r.time_to_act);
    }

    /// Cancels as part of an [`All`](super::All) whose holder acts at `act`.
    pub(crate) fn cancel_acting_at(&self, r: &Reservation, t: Nanos, act: Nanos) {
        self.bucket.lock().cancel(r, t, act);
    }

    /// Changes the limit from `t` on (Go's `SetLimitAt`): tokens accumulated until `t`
    /// count at the old rate. Reservations already made keep their times.
    pub fn set_limit_at(&self, t: Nanos, limit: f64) -> Result<()> {
        check_limit(limit)?;
        self.bucket.lock().set_limit(t, limit);
        Ok(())
    }

    /// [`set_limit_at`](Self::set_limit_at) now.
    pub fn set_limit(&self, limit: f64) -> Result<()> {
        check_limit(limit)?;
        let (mut bucket, t) = self.locked_now();
        bucket.set_limit(t, limit);
        Ok(())
    }

    /// Changes the burst from `t` on (Go's `SetBurstAt`); a smaller burst caps the tokens
    /// from the next call on.
    pub fn set_burst_at(&self, t: Nanos, burst: u64) {
        self.bucket.lock().set_burst(t, burst);
    }

    /// [`set_burst_at`](Self::set_burst_at) now.
    pub fn set_burst(&self, burst: u64) {
        let (mut bucket, t) = self.locked_now();
        bucket.set_burst(t, burst);
    }

    /// Locks the bucket (for [`All`](super::All), which locks members in a fixed order).
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, Bucket> {
        self.bucket.lock()
    }
}
