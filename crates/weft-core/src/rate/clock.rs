//! Where a limiter reads the time: [`MonotonicClock`] (the real, monotonic time) or a
//! [`ManualClock`] that moves only when told to, so tests decide what time it is.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::rate::{Clock, ManualClock};
//! let clock = Arc::new(ManualClock::new(0));
//! clock.advance(1_000_000); // 1 ms
//! assert_eq!(clock.now(), 1_000_000);
//! ```
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::Nanos;

/// A monotonic time source in nanoseconds. Only differences between readings mean
/// anything; readings never go backwards.
///
/// ```
/// use weft_core::rate::{Clock, MonotonicClock};
/// let a = MonotonicClock.now();
/// assert!(MonotonicClock.now() >= a);
/// ```
pub trait Clock: Send + Sync {
    /// The current time in nanoseconds on this clock's scale.
    fn now(&self) -> Nanos;
}

/// The process's monotonic clock (`std::time::Instant`), counted from its first use.
///
/// ```
/// use weft_core::rate::{Clock, MonotonicClock};
/// assert!(MonotonicClock.now() >= 0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MonotonicClock;

static EPOCH: OnceLock<Instant> = OnceLock::new();

impl Clock for MonotonicClock {
    fn now(&self) -> Nanos {
        let epoch = *EPOCH.get_or_init(Instant::now);
        // i64 nanoseconds last 292 years of uptime; saturate rather than wrap past that.
        Nanos::try_from(epoch.elapsed().as_nanos()).unwrap_or(Nanos::MAX)
    }
}

/// The shared [`MonotonicClock`], as the `Arc<dyn Clock>` limiters hold.
///
/// ```
/// let clock = weft_core::rate::monotonic();
/// assert!(clock.now() >= 0);
/// ```
pub fn monotonic() -> Arc<dyn Clock> {
    static SHARED: OnceLock<Arc<dyn Clock>> = OnceLock::new();
    SHARED.get_or_init(|| Arc::new(MonotonicClock)).clone()
}

/// A clock that stands still until [`advance`](Self::advance) or
/// [`advance_to`](Self::advance_to) moves it; share it (`Arc`) between the limiters and
/// threads that should see the same time.
///
/// ```
/// use weft_core::rate::{Clock, ManualClock};
/// let clock = ManualClock::new(5);
/// clock.advance_to(3); // never backwards
/// assert_eq!(clock.now(), 5);
/// clock.advance_to(9);
/// assert_eq!(clock.now(), 9);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicI64,
}

impl ManualClock {
    /// A clock reading `start` nanoseconds.
    pub fn new(start: Nanos) -> ManualClock {
        ManualClock {
            nanos: AtomicI64::new(start),
        }
    }

    /// Moves the clock forward by `by` nanoseconds (negative values are ignored).
    pub fn advance(&self, by: Nanos) {
        if by > 0 {
            let _ = self
                .nanos
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                    Some(t.saturating_add(by))
                });
        }
    }

    /// Moves the clock to `t` if that is later than now (threads racing to set it end on
    /// the latest time, so readers never see it go backwards).
    pub fn advance_to(&self, t: Nanos) {
        self.nanos.fetch_max(t, Ordering::AcqRel);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Nanos {
        self.nanos.load(Ordering::Acquire)
    }
}
