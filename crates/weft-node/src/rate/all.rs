//! `RateAllHandle`: limiters that admit together (`weft_core::rate::All`). A reservation
//! crosses as 1 + PART_FIELDS numbers per member: the delay, then per member its own
//! reservation and when the holder acts on that member's clock.
use std::sync::Arc;

use napi::bindgen_prelude::Float64ArraySlice;
use napi::Result;
use napi_derive::napi;
use weft_core::rate::{All, AllReservation, Limiter, Part};

use super::{
    count, ms, read_instant, read_reservation, reserve_args, reserve_status, write_instant,
    write_reservation, RESERVATION_FIELDS,
};
use crate::args;
use crate::errors::{guard, invalid_argument, to_js};
use crate::handle::{self, Held};
use crate::registry::{ALLS, LIMITERS};

weft_core::handle_cache!(LOCAL: All);

pub use crate::wire::PART_FIELDS;

/// This thread's wrapper on an `All`.
#[napi]
pub struct RateAllHandle {
    inner: Held<All>,
}

handle::lifecycle!(RateAllHandle, ALLS, "rate limiter group", cached LOCAL);

#[napi]
impl RateAllHandle {
    /// An `All` over the limiters `limiterIds` and the members of the `All`s `allIds`.
    #[napi(constructor, catch_unwind)]
    pub fn new(limiter_ids: Vec<u32>, all_ids: Vec<u32>) -> Result<Self> {
        guard(|| {
            let mut members: Vec<Arc<Limiter>> = Vec::new();
            for id in limiter_ids {
                members.push(handle::adopt(&LIMITERS, id, "rate limiter")?);
            }
            for id in all_ids {
                let all = handle::adopt(&ALLS, id, "rate limiter group")?;
                members.extend(all.members().iter().cloned());
            }
            let all = All::new(members).map_err(to_js)?;
            Ok(RateAllHandle {
                inner: handle::create(&ALLS, Arc::new(all)).cached(&LOCAL),
            })
        })
    }

    /// How many distinct limiters it holds (sizes the reservation buffer).
    #[napi(getter, catch_unwind)]
    pub fn members(&self) -> u32 {
        self.inner.members().len() as u32
    }
}

fn with<R>(id: u32, f: impl FnOnce(&All) -> R) -> Result<R> {
    handle::with(&LOCAL, &ALLS, id, "rate limiter group", f)
}

/// Takes `n` tokens from every member now, or from none.
#[napi(catch_unwind)]
pub fn rate_all_allow(id: u32, n: f64) -> Result<bool> {
    guard(|| {
        let n = count(n, "n")?;
        with(id, |all| all.allow(n))
    })
}

/// Reserves `n` tokens on every member or none (see `rateReserve` for the statuses);
/// when reserved, `meta` gets the delay in ms, then PART_FIELDS numbers per member.
#[napi(
    ts_args_type = "id: number, n: number, maxWaitMs: number, meta: Float64Array",
    catch_unwind
)]
pub fn rate_all_reserve(
    id: u32,
    n: f64,
    max_wait_ms: f64,
    mut meta: Float64ArraySlice<'_>,
) -> Result<u32> {
    guard(|| {
        let (n, max_wait) = reserve_args(n, max_wait_ms)?;
        with(id, |all| {
            let need = 1 + PART_FIELDS * all.members().len();
            let meta = args::f64_slice(&mut meta, "meta", need)?;
            let r = all.reserve(n, max_wait);
            if r.ok {
                meta[0] = ms(r.delay);
                for (i, part) in r.parts.iter().enumerate() {
                    let out = &mut meta[1 + i * PART_FIELDS..1 + (i + 1) * PART_FIELDS];
                    write_reservation(out, &part.reservation);
                    write_instant(&mut out[RESERVATION_FIELDS..], part.act);
                }
            }
            Ok(reserve_status(r.ok, r.exceeds_burst))
        })?
    })
}

/// Cancels a reservation from the numbers `rateAllReserve` wrote (the delay included).
#[napi(ts_args_type = "id: number, reservation: Float64Array", catch_unwind)]
pub fn rate_all_cancel(id: u32, reservation: &[f64]) -> Result<()> {
    guard(|| {
        with(id, |all| {
            let members = all.members().len();
            if reservation.len() < 1 + PART_FIELDS * members {
                return Err(invalid_argument(
                    "reservation",
                    format!("must hold {} numbers", 1 + PART_FIELDS * members),
                ));
            }
            let parts = reservation[1..]
                .chunks_exact(PART_FIELDS)
                .take(members)
                .map(|p| Part {
                    reservation: read_reservation(p),
                    act: read_instant(&p[RESERVATION_FIELDS..]),
                })
                .collect();
            all.cancel(&AllReservation {
                ok: true,
                exceeds_burst: false,
                delay: 0,
                parts,
            });
            Ok(())
        })?
    })
}

/// The fewest tokens any member holds now.
#[napi(catch_unwind)]
pub fn rate_all_tokens(id: u32) -> Result<f64> {
    guard(|| with(id, |all| all.tokens()))
}
