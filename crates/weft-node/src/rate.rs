//! Bindings for `weft_core::rate`. Each handle class (`RateLimiterHandle`,
//! `RateAllHandle`, `KeyedLimiterHandle`, `ManualClockHandle`) is a thread's wrapper for
//! an object's life: create, adopt, pin, drop. The calls on it are free functions taking
//! its id, because a napi-rs class method costs ~0.6 us here against ~50 ns for a free
//! function and `allow()` must stay near the latter; each id resolves through a
//! thread-local cache (`local.rs`), so the hot path takes no registry lock.
//!
//! Numbers cross as JS numbers: counts as f64 (checked to be integers), times in
//! milliseconds (f64) to JS and nanoseconds (i64) inside. A reservation crosses as numbers
//! in a Float64Array the caller keeps (`RESERVATION_FIELDS`), and comes back the same way
//! to be cancelled, so nothing is left behind natively when JS drops it.
pub(crate) mod all;
mod clock;
pub(crate) mod keyed;

use std::sync::Arc;

use napi::bindgen_prelude::Float64ArraySlice;
use napi::Result;
use napi_derive::napi;
use weft_core::rate::{Limiter, Nanos, Reservation, INF_DURATION};

use crate::args;
use crate::errors::{guard, invalid_argument, to_js};
use crate::handle::{self, Held};
use crate::registry::LIMITERS;
use crate::slot;

weft_core::handle_cache!(LOCAL: Limiter);

pub use crate::wire::{
    RESERVATION_FIELDS, RESERVE_EXCEEDS_BURST as EXCEEDS_BURST, RESERVE_RESERVED as RESERVED,
    RESERVE_TOO_LONG as TOO_LONG,
};

/// A count argument: an integer in `0..=2^53`.
pub(crate) fn count(n: f64, param: &str) -> Result<u64> {
    if !n.is_finite() || n.fract() != 0.0 || !(0.0..=9_007_199_254_740_992.0).contains(&n) {
        return Err(invalid_argument(
            param,
            format!("must be a non-negative integer, got {n}"),
        ));
    }
    Ok(n as u64)
}

/// A non-negative span in milliseconds as nanoseconds (Infinity: no bound).
pub(crate) fn span_ns(ms: f64, param: &str) -> Result<Nanos> {
    if ms.is_nan() || ms < 0.0 {
        return Err(invalid_argument(
            param,
            format!("must be a non-negative number of milliseconds, got {ms}"),
        ));
    }
    if ms == f64::INFINITY {
        return Ok(INF_DURATION);
    }
    // `as` saturates: spans past i64 nanoseconds (292 years) count as unbounded.
    Ok((ms * 1e6).round() as Nanos)
}

/// A wait in nanoseconds as milliseconds for JS (Infinity for a wait that never ends).
pub(crate) fn ms(ns: Nanos) -> f64 {
    if ns == INF_DURATION {
        f64::INFINITY
    } else {
        ns as f64 / 1e6
    }
}

/// The status of a reservation attempt.
pub(crate) fn reserve_status(ok: bool, exceeds_burst: bool) -> u32 {
    match (ok, exceeds_burst) {
        (true, _) => RESERVED,
        (false, true) => EXCEEDS_BURST,
        (false, false) => TOO_LONG,
    }
}

/// A reserve call's `n` and `maxWaitMs`, checked: the count and the longest wait.
pub(crate) fn reserve_args(n: f64, max_wait_ms: f64) -> Result<(u64, Nanos)> {
    Ok((count(n, "n")?, span_ns(max_wait_ms, "maxWaitMs")?))
}

/// Reports reservation `r`, made at `now`, in a reserve call's `meta` (when granted: the
/// delay in ms, then the reservation); returns its status.
pub(crate) fn report(meta: &mut [f64], now: Nanos, r: &Reservation) -> u32 {
    if r.ok {
        meta[0] = ms(r.delay_from(now));
        write_reservation(&mut meta[1..], r);
    }
    reserve_status(r.ok, r.exceeds_burst)
}

/// A cancel call's reservation: the RESERVATION_FIELDS numbers its reserve wrote after
/// the delay.
pub(crate) fn reservation_arg(from: &[f64]) -> Result<Reservation> {
    if from.len() < RESERVATION_FIELDS {
        return Err(invalid_argument(
            "reservation",
            format!("must hold {RESERVATION_FIELDS} numbers"),
        ));
    }
    Ok(read_reservation(from))
}

/// Writes an instant as two exact halves (an f64 holds 53 bits; an instant is 64).
pub(crate) fn write_instant(out: &mut [f64], t: Nanos) {
    out[0] = (t >> 32) as f64;
    out[1] = (t & 0xffff_ffff) as f64;
}

/// Reads an instant written by [`write_instant`].
pub(crate) fn read_instant(from: &[f64]) -> Nanos {
    ((from[0] as i64) << 32) | (from[1] as i64 & 0xffff_ffff)
}

/// Writes `r` into RESERVATION_FIELDS numbers.
pub(crate) fn write_reservation(out: &mut [f64], r: &Reservation) {
    out[0] = r.tokens as f64;
    out[1] = r.limit;
    write_instant(&mut out[2..4], r.time_to_act);
}

/// Rebuilds a granted reservation from [`write_reservation`]'s numbers.
pub(crate) fn read_reservation(from: &[f64]) -> Reservation {
    Reservation {
        ok: true,
        exceeds_burst: false,
        tokens: from[0].max(0.0) as u64,
        limit: from[1],
        time_to_act: read_instant(&from[2..4]),
    }
}

/// This thread's wrapper on a limiter: keeps it alive while JS holds it.
#[napi]
pub struct RateLimiterHandle {
    inner: Held<Limiter>,
}

handle::lifecycle!(RateLimiterHandle, LIMITERS, "rate limiter", cached LOCAL);

#[napi]
impl RateLimiterHandle {
    /// A limiter of `limit` tokens/s (Infinity: none) and `burst` tokens, reading the
    /// manual clock `clockId` (0: the monotonic clock).
    #[napi(constructor, catch_unwind)]
    pub fn new(limit: f64, burst: f64, clock_id: u32) -> Result<Self> {
        guard(|| {
            let burst = count(burst, "burst")?;
            let clock = clock::by_id(clock_id)?;
            let limiter = Limiter::with_clock(limit, burst, clock).map_err(to_js)?;
            Ok(RateLimiterHandle {
                inner: handle::create(&LIMITERS, Arc::new(limiter)).cached(&LOCAL),
            })
        })
    }
}

/// Runs `f` on limiter `id`.
fn with<R>(id: u32, f: impl FnOnce(&Limiter) -> R) -> Result<R> {
    handle::with(&LOCAL, &LIMITERS, id, "rate limiter", f)
}

/// Takes `n` tokens now if there are that many; the limiter's id and `n` are the first
/// two numbers of this thread's argument slot (`argSlot`, js/native/slot.ts). The hottest call: with no
/// arguments it skips their conversion, ~80 ns each here, about half its cost.
#[napi(catch_unwind)]
pub fn rate_allow_slot() -> Result<bool> {
    guard(|| {
        let id = slot::id(0)?;
        let n = count(slot::read(1), "n")?;
        with(id, |l| l.allow(n))
    })
}

/// `rateAllowSlot` with arguments, where `argSlot` is unavailable.
#[napi(catch_unwind)]
pub fn rate_allow(id: u32, n: f64) -> Result<bool> {
    guard(|| {
        let n = count(n, "n")?;
        with(id, |l| l.allow(n))
    })
}

/// Reserves `n` tokens if the wait is at most `maxWaitMs` (Infinity: any) and `n` fits
/// the burst. Returns RESERVED, EXCEEDS_BURST or TOO_LONG; when reserved, `meta` gets the
/// delay in ms, then the reservation (RESERVATION_FIELDS numbers) for `rateCancel`.
#[napi(
    ts_args_type = "id: number, n: number, maxWaitMs: number, meta: Float64Array",
    catch_unwind
)]
pub fn rate_reserve(
    id: u32,
    n: f64,
    max_wait_ms: f64,
    mut meta: Float64ArraySlice<'_>,
) -> Result<u32> {
    guard(|| {
        let (n, max_wait) = reserve_args(n, max_wait_ms)?;
        let meta = args::f64_slice(&mut meta, "meta", crate::wire::RESERVE_FIELDS)?;
        with(id, |l| {
            let (now, r) = l.reserve_now(n, max_wait);
            report(meta, now, &r)
        })
    })
}

/// Cancels a reservation described by `reservation` (the RESERVATION_FIELDS numbers
/// `rateReserve` wrote after the delay): gives back what Go's `CancelAt` would now.
#[napi(ts_args_type = "id: number, reservation: Float64Array", catch_unwind)]
pub fn rate_cancel(id: u32, reservation: &[f64]) -> Result<()> {
    guard(|| {
        let r = reservation_arg(reservation)?;
        with(id, |l| l.cancel(&r))
    })
}

/// Tokens available now.
#[napi(catch_unwind)]
pub fn rate_tokens(id: u32) -> Result<f64> {
    guard(|| with(id, |l| l.tokens()))
}

/// The limit in tokens per second (Infinity when unlimited).
#[napi(catch_unwind)]
pub fn rate_limit(id: u32) -> Result<f64> {
    guard(|| with(id, |l| l.limit()))
}

/// The burst.
#[napi(catch_unwind)]
pub fn rate_burst(id: u32) -> Result<f64> {
    guard(|| with(id, |l| l.burst() as f64))
}

/// Sets the limit from now on (INVALID_ARGUMENT for NaN or negative).
#[napi(catch_unwind)]
pub fn rate_set_limit(id: u32, limit: f64) -> Result<()> {
    guard(|| with(id, |l| l.set_limit(limit))?.map_err(to_js))
}

/// Sets the burst from now on.
#[napi(catch_unwind)]
pub fn rate_set_burst(id: u32, burst: f64) -> Result<()> {
    guard(|| {
        let burst = count(burst, "burst")?;
        with(id, |l| l.set_burst(burst))
    })
}
