//! Bindings for `weft_core::context`: a handle class for a context's lifecycle (create a
//! child, cancel, pin for another thread) and a free function for the check code makes
//! in loops (`contextState`), which skips napi-rs's per-call `this` unwrapping.
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::context::{Context, Reason};
use weft_core::Value;

use crate::args;
use crate::handle::{self, Held};
use crate::registry::CONTEXTS;
use crate::value;
use crate::wait::{ready_if, wait_async, wait_blocking};

// This thread's contexts by id, for `contextState`.
weft_core::handle_cache!(LOCAL: Context);

use crate::wire::{
    CONTEXT_CANCELED as CANCELED, CONTEXT_DEADLINE_EXCEEDED as DEADLINE_EXCEEDED,
    CONTEXT_LIVE as LIVE,
};

fn state_of(ctx: &Context) -> u32 {
    match ctx.err() {
        None => LIVE,
        Some(err) if err.reason == Reason::Canceled => CANCELED,
        Some(_) => DEADLINE_EXCEEDED,
    }
}

/// A (kind, slot, beside) value from JS.
fn value_in(kind: u32, slot: f64, beside: &Unknown<'_>) -> Result<Value> {
    value::from_slot(kind, slot, || value::from_js(kind, beside))
}

/// Writes [found, kind, slot] of `v` into `meta` (the caller's Float64Array, checked to
/// hold them); returns the value beside, if any.
fn value_out<'env>(
    env: &'env Env,
    meta: &mut Float64ArraySlice<'_>,
    v: Option<Value>,
) -> Result<Option<Unknown<'env>>> {
    let meta = args::f64_slice(meta, "meta", 3)?;
    let Some(v) = v else {
        meta[0] = 0.0;
        return Ok(None);
    };
    meta[0] = 1.0;
    Ok(value::deliver_pair(env, &mut meta[1..3], v))
}

/// Whether context `id` has ended on this thread's view: 0 live, 1 cancelled, 2 deadline
/// exceeded. Every thread sees the same state.
#[napi(catch_unwind)]
pub fn context_state(id: u32) -> u32 {
    // Gone is unreachable while a wrapper lives; ended is the safe answer.
    handle::with(&LOCAL, &CONTEXTS, id, "context", state_of).unwrap_or(CANCELED)
}

/// This thread's handle on a context.
#[napi]
pub struct ContextHandle {
    inner: Held<Context>,
}

handle::lifecycle!(ContextHandle, CONTEXTS, "context", cached LOCAL);

impl ContextHandle {
    fn create(inner: Context) -> ContextHandle {
        ContextHandle {
            inner: handle::create(&CONTEXTS, Arc::new(inner)).cached(&LOCAL),
        }
    }
}

#[napi]
impl ContextHandle {
    /// A new root context (never cancelled).
    #[napi(factory, catch_unwind)]
    pub fn background() -> Self {
        ContextHandle::create(Context::background())
    }

    /// A cancellable child; with `timeoutMs` (finite, may be <= 0) it also ends by itself
    /// that many milliseconds from now.
    #[napi(ts_args_type = "timeoutMs?: number", catch_unwind)]
    pub fn child(&self, timeout_ms: Option<f64>) -> Self {
        let child = match timeout_ms {
            None => self.inner.with_cancel(),
            Some(ms) if ms <= 0.0 => self.inner.with_deadline(Instant::now()),
            Some(ms) => {
                let at = Duration::try_from_secs_f64(ms / 1000.0)
                    .ok()
                    .and_then(|d| Instant::now().checked_add(d));
                match at {
                    Some(at) => self.inner.with_deadline(at),
                    None => self.inner.with_cancel(), // too far to matter
                }
            }
        };
        ContextHandle::create(child)
    }

    /// A child carrying a value under `key`.
    #[napi(
        ts_args_type = "key: string, kind: number, slot: number, beside: unknown",
        catch_unwind
    )]
    pub fn with_value(
        &self,
        key: String,
        kind: u32,
        slot: f64,
        beside: Unknown<'_>,
    ) -> Result<Self> {
        let v = value_in(kind, slot, &beside)?;
        Ok(ContextHandle::create(self.inner.with_value(key, v)))
    }

    /// Cancels it with a cause (kind 0 = undefined: none). True if this call ended it.
    #[napi(
        ts_args_type = "kind: number, slot: number, beside: unknown",
        catch_unwind
    )]
    pub fn cancel(&self, kind: u32, slot: f64, beside: Unknown<'_>) -> Result<bool> {
        let cause = match kind {
            value::UNDEFINED => None,
            _ => Some(value_in(kind, slot, &beside)?),
        };
        Ok(self.inner.cancel(cause))
    }

    /// Writes [found, kind, slot] of the cause of its end into `meta` (found 0: none,
    /// or no cause given); returns the value beside, if any. The caller must decode (or
    /// release) what it gets: its weft objects carry pins of their own.
    #[napi(
        ts_args_type = "meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn cause<'env>(
        &self,
        env: &'env Env,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        // Each read is a delivery of its own: the reader's handles take over its pins.
        let cause = self.inner.err().and_then(|e| e.cause.map(|c| c.deliver()));
        value_out(env, &mut meta, cause)
    }

    /// Looks `key` up through the ancestors: [found, kind, slot] in `meta`, the value beside.
    #[napi(
        ts_args_type = "key: string, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn value<'env>(
        &self,
        env: &'env Env,
        key: String,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        value_out(env, &mut meta, self.inner.value(&key))
    }

    /// Milliseconds left before its deadline (negative once passed), or null without one.
    #[napi(getter, catch_unwind)]
    pub fn remaining_ms(&self) -> Option<f64> {
        let at = self.inner.deadline()?;
        let now = Instant::now();
        Some(if at >= now {
            (at - now).as_secs_f64() * 1000.0
        } else {
            -((now - at).as_secs_f64() * 1000.0)
        })
    }

    /// Live children registered on it (leak checks).
    #[napi(getter, catch_unwind)]
    pub fn child_count(&self) -> u32 {
        self.inner.child_count() as u32
    }

    /// Waits for it to end: READY now, or WAITING and a notice with `token` later.
    #[napi(
        ts_args_type = "token: number, meta: Float64Array",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait<'env>(
        &self,
        env: &'env Env,
        token: f64,
        mut meta: Float64ArraySlice<'_>,
    ) -> Result<Option<Unknown<'env>>> {
        wait_async(env, token, &mut meta, &self.inner, |ctx, w| {
            Ok(ready_if(ctx.wait(w)))
        })
    }

    /// Blocking `wait` for worker threads, in slices of `sliceMs`.
    #[napi(
        ts_args_type = "meta: Float64Array, sliceMs: number",
        ts_return_type = "unknown",
        catch_unwind
    )]
    pub fn wait_blocking<'env>(
        &self,
        env: &'env Env,
        mut meta: Float64ArraySlice<'_>,
        slice_ms: u32,
    ) -> Result<Option<Unknown<'env>>> {
        wait_blocking(env, &mut meta, slice_ms, &self.inner, |ctx, w| {
            Ok(ready_if(ctx.wait(w)))
        })
    }
}
