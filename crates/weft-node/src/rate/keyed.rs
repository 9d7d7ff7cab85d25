//! `KeyedLimiterHandle`: one bucket per string key (`weft_core::rate::KeyedLimiter`).
use std::sync::Arc;

use napi::bindgen_prelude::Float64ArraySlice;
use napi::Result;
use napi_derive::napi;
use weft_core::rate::KeyedLimiter;

use super::{clock, count, ms, report, reservation_arg, reserve_args, span_ns};
use crate::args;
use crate::errors::{guard, to_js};
use crate::handle::{self, Held};
use crate::registry::KEYED;

weft_core::handle_cache!(LOCAL: KeyedLimiter);

/// This thread's wrapper on a keyed limiter.
#[napi]
pub struct KeyedLimiterHandle {
    inner: Held<KeyedLimiter>,
}

handle::lifecycle!(KeyedLimiterHandle, KEYED, "keyed limiter", cached LOCAL);

#[napi]
impl KeyedLimiterHandle {
    /// Buckets of `burst` tokens at `limit` tokens/s per key, evicted after `idleMs` idle
    /// (Infinity: never), reading manual clock `clockId` (0: the monotonic clock).
    #[napi(constructor, catch_unwind)]
    pub fn new(limit: f64, burst: f64, idle_ms: f64, clock_id: u32) -> Result<Self> {
        guard(|| {
            let burst = count(burst, "burst")?;
            let idle = span_ns(idle_ms, "idleMs")?;
            let keyed = KeyedLimiter::with_clock(limit, burst, idle, clock::by_id(clock_id)?)
                .map_err(to_js)?;
            Ok(KeyedLimiterHandle {
                inner: handle::create(&KEYED, Arc::new(keyed)).cached(&LOCAL),
            })
        })
    }
}

fn with<R>(id: u32, f: impl FnOnce(&KeyedLimiter) -> R) -> Result<R> {
    handle::with(&LOCAL, &KEYED, id, "keyed limiter", f)
}

/// Takes `n` tokens from `key`'s bucket now if it holds them.
#[napi(catch_unwind)]
pub fn keyed_allow(id: u32, key: String, n: f64) -> Result<bool> {
    guard(|| {
        let n = count(n, "n")?;
        with(id, |k| k.allow(&key, n))
    })
}

/// Reserves `n` tokens from `key`'s bucket (statuses and `meta` as `rateReserve`).
#[napi(
    ts_args_type = "id: number, key: string, n: number, maxWaitMs: number, meta: Float64Array",
    catch_unwind
)]
pub fn keyed_reserve(
    id: u32,
    key: String,
    n: f64,
    max_wait_ms: f64,
    mut meta: Float64ArraySlice<'_>,
) -> Result<u32> {
    guard(|| {
        let (n, max_wait) = reserve_args(n, max_wait_ms)?;
        let meta = args::f64_slice(&mut meta, "meta", crate::wire::RESERVE_FIELDS)?;
        with(id, |k| {
            let (now, r) = k.reserve_now(&key, n, max_wait);
            report(meta, now, &r)
        })
    })
}

/// Cancels a reservation on `key` from the numbers `keyedReserve` wrote after the delay.
#[napi(
    ts_args_type = "id: number, key: string, reservation: Float64Array",
    catch_unwind
)]
pub fn keyed_cancel(id: u32, key: String, reservation: &[f64]) -> Result<()> {
    guard(|| {
        let r = reservation_arg(reservation)?;
        with(id, |k| k.cancel(&key, &r))
    })
}

/// Tokens `key` holds now (a key with no bucket: the burst).
#[napi(catch_unwind)]
pub fn keyed_tokens(id: u32, key: String) -> Result<f64> {
    guard(|| with(id, |k| k.tokens(&key)))
}

/// Keys with a bucket now.
#[napi(catch_unwind)]
pub fn keyed_size(id: u32) -> Result<f64> {
    guard(|| with(id, |k| k.len() as f64))
}

/// Settings: [limit, burst, idle ms].
#[napi(catch_unwind)]
pub fn keyed_settings(id: u32) -> Result<Vec<f64>> {
    guard(|| with(id, |k| vec![k.limit(), k.burst() as f64, ms(k.idle_ttl())]))
}
