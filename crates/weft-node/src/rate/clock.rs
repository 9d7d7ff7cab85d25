//! `ManualClockHandle`: the native side of a JS `ManualClock`, so limiters made with one
//! read its time. The facade creates it on first use and sets it each time the JS clock
//! moves; limiters hold the clock itself, so they keep it after the handle is gone.
use std::sync::Arc;

use napi::Result;
use napi_derive::napi;
use weft_core::handle::Registry;
use weft_core::rate::{monotonic, Clock, ManualClock, Nanos};

use crate::errors::{guard, invalid_argument};

/// Live manual clocks by id (0 is never an id: it stands for the monotonic clock).
static CLOCKS: Registry<ManualClock> = Registry::new();

/// The clock for `id`: the monotonic clock for 0.
pub(crate) fn by_id(id: u32) -> Result<Arc<dyn Clock>> {
    if id == 0 {
        return Ok(monotonic());
    }
    match CLOCKS.get(id) {
        Some(clock) => Ok(clock),
        None => Err(invalid_argument(
            "clock",
            format!("{id} is not a live manual clock"),
        )),
    }
}

/// Milliseconds (any finite number) as nanoseconds, saturating.
fn ns(ms: f64) -> Result<Nanos> {
    if !ms.is_finite() {
        return Err(invalid_argument(
            "ms",
            format!("must be a finite number, got {ms}"),
        ));
    }
    Ok((ms * 1e6).round() as Nanos)
}

/// A native clock that moves only when `set` moves it.
///
/// ```js
/// const clock = new native.ManualClockHandle(0); clock.set(100) // 100 ms
/// ```
#[napi]
pub struct ManualClockHandle {
    id: u32,
    clock: Arc<ManualClock>,
}

#[napi]
impl ManualClockHandle {
    /// A clock reading `startMs`.
    #[napi(constructor, catch_unwind)]
    pub fn new(start_ms: f64) -> Result<Self> {
        guard(|| {
            let clock = Arc::new(ManualClock::new(ns(start_ms)?));
            Ok(ManualClockHandle {
                id: CLOCKS.insert(clock.clone()),
                clock,
            })
        })
    }

    /// The id limiter constructors take.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Moves the clock to `ms` (never backwards).
    #[napi(catch_unwind)]
    pub fn set(&self, ms: f64) -> Result<()> {
        guard(|| {
            self.clock.advance_to(ns(ms)?);
            Ok(())
        })
    }

    /// The clock's time in milliseconds.
    #[napi(getter, catch_unwind)]
    pub fn now(&self) -> f64 {
        self.clock.now() as f64 / 1e6
    }
}

impl Drop for ManualClockHandle {
    fn drop(&mut self) {
        CLOCKS.remove(self.id);
    }
}
