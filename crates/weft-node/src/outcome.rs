//! How the outcome of a wait (which case happened, and how) crosses to JS: numbers in a
//! Float64Array the caller owns, plus the value itself as the return value when it is not
//! a number or boolean. Shared by channels, select, the sync primitives and the notifier.
use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use weft_core::wake::Delivery;

use crate::value;

use crate::wire::{
    DELIVERY_CLOSED, DELIVERY_DONE, DELIVERY_RECEIVED, DELIVERY_REFUSED, DELIVERY_SENT,
};
pub use crate::wire::{
    STATUS_CLOSED as CLOSED, STATUS_READY as READY, STATUS_SLICE as SLICE,
    STATUS_WAITING as WAITING, STATUS_WOULD_BLOCK as WOULD_BLOCK,
};

/// A delivery's wire code.
fn delivery_code(d: &Delivery) -> f64 {
    f64::from(match d {
        Delivery::Sent => DELIVERY_SENT,
        Delivery::Received(_) => DELIVERY_RECEIVED,
        Delivery::Closed => DELIVERY_CLOSED,
        Delivery::Refused(_) => DELIVERY_REFUSED,
        Delivery::Done => DELIVERY_DONE,
    })
}

/// Writes a result that happened: `status` (READY, or a primitive's own such as
/// ONCE_RUN), then the outcome; returns the value for kinds other than numbers and booleans.
pub fn ready<'env>(
    env: &'env Env,
    meta: &mut [f64],
    status: u32,
    case: u32,
    d: Delivery,
) -> Result<Option<Unknown<'env>>> {
    meta[0] = status as f64;
    write(env, &mut meta[1..], case, d)
}

/// Writes a status with no outcome (nothing to hand back): what a call returns when it
/// did not settle now (WOULD_BLOCK, WAITING, SLICE).
pub fn status<'env>(meta: &mut [f64], status: u32) -> Result<Option<Unknown<'env>>> {
    meta[0] = status as f64;
    Ok(None)
}

/// Writes an outcome into `meta` (OUTCOME_FIELDS numbers) and returns the value for kinds
/// other than numbers and booleans.
pub fn write<'env>(
    env: &'env Env,
    meta: &mut [f64],
    case: u32,
    delivery: Delivery,
) -> Result<Option<Unknown<'env>>> {
    meta[0] = case as f64;
    meta[1] = delivery_code(&delivery);
    let value = match delivery {
        Delivery::Received(v) | Delivery::Refused(v) => v,
        _ => {
            meta[2] = 0.0;
            return Ok(None);
        }
    };
    Ok(value::deliver_pair(env, &mut meta[2..4], value))
}

/// The caller's Float64Array as a slice, checked to hold `need` numbers.
pub fn meta_slice<'a>(
    meta: &'a mut napi::bindgen_prelude::Float64ArraySlice<'_>,
    need: usize,
) -> Result<&'a mut [f64]> {
    crate::args::f64_slice(meta, "meta", need)
}
