//! Bindings for `weft_core::chan`. `ChannelHandle` is a thread's wrapper on a channel (its
//! life: create, adopt, pin, close); the per-value calls are free functions taking the
//! channel's id, because a napi-rs class method costs ~0.6 us per call here (a trivial
//! getter measured 576 ns against 66 ns for a free function), which would dominate a send.
//! Select comes in three forms: now, async (notice later) and blocking (worker threads).
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Array, Float64ArraySlice, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::chan::{select as core_select, Case, Channel, Selected, SendError, TryRecv};
use weft_core::wake::{Started, Waiter};
use weft_core::{Error, ErrorCode, Value};

use crate::args;
use crate::errors::{failpoint, invalid_argument, to_js, Failpoint};
use crate::handle::{self, Held};
use crate::outcome::{self, CLOSED, READY, WOULD_BLOCK};
use crate::registry::CHANNELS;
use crate::slot;
use crate::value::{self, from_js};
use crate::wait;
use crate::wire::{BULK_FIELDS, CASE_FIELDS, RESULT_FIELDS};

weft_core::handle_cache!(LOCAL: Channel);

/// Runs `f` on channel `id` without touching its reference count: the per-value calls'
/// path (cloning the `Arc` there writes the count's cache line, which the other end of a
/// busy channel writes too, twice per value).
fn with_chan<R>(id: u32, f: impl FnOnce(&Channel) -> Result<R>) -> Result<R> {
    failpoint(Failpoint::Channel);
    handle::try_with(&LOCAL, &CHANNELS, id, || gone(id), f)
}

/// The channel with this id (a live wrapper keeps it registered).
fn local(id: u32) -> Result<Arc<Channel>> {
    failpoint(Failpoint::Channel);
    handle::get(&LOCAL, &CHANNELS, id).ok_or_else(|| gone(id))
}

fn gone(id: u32) -> napi::Error {
    to_js(Error::new(
        ErrorCode::ChannelClosed,
        format!("channel {id} no longer exists (every handle on it was dropped)"),
    ))
}

fn micros(us: u32) -> Duration {
    Duration::from_micros(us as u64)
}

/// A value from a (kind, number) pair or, for other kinds, from `values[i]`.
fn value_at(kind: u32, number: f64, values: &Array<'_>, i: u32) -> Result<Value> {
    value::from_slot(kind, number, || {
        let v: Unknown<'_> = values
            .get(i)?
            .ok_or_else(|| invalid_argument("values", format!("has no value at {i}")))?;
        from_js(kind, &v)
    })
}

fn send_status(sent: std::result::Result<(), SendError>) -> u32 {
    match sent {
        Ok(()) => READY,
        Err(SendError::Full(_)) => WOULD_BLOCK,
        Err(SendError::Closed(_)) => CLOSED,
    }
}

/// This thread's wrapper on a channel: keeps it alive while JS holds it.
#[napi]
pub struct ChannelHandle {
    chan: Held<Channel>,
}

#[napi]
impl ChannelHandle {
    /// A new channel buffering `cap` values (0 unbuffered, Infinity unbounded).
    #[napi(constructor, ts_args_type = "cap: number", catch_unwind)]
    pub fn new(cap: Unknown<'_>) -> Result<Self> {
        let n: f64 = args::arg(&cap, "capacity", "a number")?;
        let cap = if n == f64::INFINITY {
            usize::MAX
        } else {
            args::size(&cap, "capacity")? as usize
        };
        let chan = handle::create(&CHANNELS, Arc::new(Channel::new(cap))).cached(&LOCAL);
        Ok(ChannelHandle { chan })
    }

    /// Takes over a handle that `pin` counted for a message (the receiving side).
    #[napi(factory, catch_unwind)]
    pub fn adopt(id: u32) -> Result<Self> {
        let chan = handle::get(&LOCAL, &CHANNELS, id).ok_or_else(|| gone(id))?;
        let chan = Held::adopted(&CHANNELS, id, chan).cached(&LOCAL);
        Ok(ChannelHandle { chan })
    }

    /// The id the per-value calls and other threads use.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.chan.id()
    }

    /// Counts a handle travelling in a message; returns the id to put in it.
    #[napi(catch_unwind)]
    pub fn pin(&self) -> u32 {
        self.chan.pin()
    }

    /// Buffer capacity (Infinity for unbounded).
    #[napi(getter, catch_unwind)]
    pub fn cap(&self) -> f64 {
        match self.chan.cap() {
            usize::MAX => f64::INFINITY,
            n => n as f64,
        }
    }

    /// Values buffered now.
    #[napi(getter, catch_unwind)]
    pub fn len(&self) -> u32 {
        self.chan.len().min(u32::MAX as usize) as u32
    }

    /// Senders and receivers registered and still waiting (a diagnostic for tests: a
    /// thread that ended mid-wait leaves none behind).
    #[napi(getter, catch_unwind)]
    pub fn waiting(&self) -> u32 {
        self.chan.waiting().min(u32::MAX as usize) as u32
    }

    /// Whether `close` was called.
    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Closes the channel (CHANNEL_CLOSED if it already was).
    #[napi(catch_unwind)]
    pub fn close(&self) -> Result<()> {
        self.chan.close().map_err(to_js)
    }
}

/// Sends without waiting (spinning up to `spinUs` while full): READY, WOULD_BLOCK or CLOSED.
#[napi(
    ts_args_type = "id: number, kind: number, value: unknown, spinUs: number",
    catch_unwind
)]
pub fn chan_try_send(id: u32, kind: u32, value: Unknown<'_>, spin_us: u32) -> Result<u32> {
    let value = from_js(kind, &value)?;
    with_chan(id, |chan| {
        Ok(send_status(chan.send_spin(value, micros(spin_us))))
    })
}

/// `chanTrySend` for a number with no spin: the hottest call, so the fewest arguments
/// (each costs ~70 ns of conversion here).
#[napi(catch_unwind)]
pub fn chan_try_send_number(id: u32, n: f64) -> Result<u32> {
    with_chan(id, |chan| Ok(send_status(chan.try_send(Value::Number(n)))))
}

/// `chanTrySend` for a number, spinning up to `spinUs` while full.
#[napi(catch_unwind)]
pub fn chan_send_number_spin(id: u32, n: f64, spin_us: u32) -> Result<u32> {
    with_chan(id, |chan| {
        Ok(send_status(
            chan.send_spin(Value::Number(n), micros(spin_us)),
        ))
    })
}

/// `chanSendNumberSpin` through this thread's argument slot (`slot.rs`): reads [id,
/// number, spinUs] from it, so the call converts no arguments. READY, WOULD_BLOCK or CLOSED.
pub(crate) fn chan_send_number_slot() -> Result<u32> {
    let n = Value::Number(slot::read(1));
    with_chan(slot::id(0)?, |chan| {
        Ok(send_status(match slot_micros(2) {
            0 => chan.try_send(n),
            spin => chan.send_spin(n, micros(spin)),
        }))
    })
}

/// `chanTryRecv` through the argument slot: reads [id, spinUs]; writes [status, kind,
/// number] back into it; returns values of other kinds.
pub(crate) fn chan_recv_slot(env: &Env) -> Result<Option<Unknown<'_>>> {
    let mut out = [0.0; 3];
    let beside = with_chan(slot::id(0)?, |chan| {
        recv_into(env, chan, &mut out, slot_micros(1))
    })?;
    slot::write_all(&out);
    Ok(beside)
}

/// A spin time in microseconds from slot number `i` (negative or NaN: none).
fn slot_micros(i: usize) -> u32 {
    let us = slot::read(i);
    if us >= 1.0 {
        us.min(u32::MAX as f64) as u32
    } else {
        0
    }
}

/// Receives without waiting (spinning up to `spin_us`): writes [status, kind, number]
/// into `meta`; returns values of other kinds.
fn recv_into<'env>(
    env: &'env Env,
    chan: &Channel,
    meta: &mut [f64],
    spin_us: u32,
) -> Result<Option<Unknown<'env>>> {
    match chan.recv_spin(micros(spin_us)) {
        TryRecv::Value(v) => {
            meta[0] = READY as f64;
            Ok(value::deliver_pair(env, &mut meta[1..3], v))
        }
        TryRecv::Empty => {
            meta[0] = WOULD_BLOCK as f64;
            Ok(None)
        }
        TryRecv::Closed => {
            meta[0] = CLOSED as f64;
            Ok(None)
        }
    }
}

/// Receives without waiting (spinning up to `spinUs` while empty): `meta` gets
/// [status, kind, number]; returns other values.
#[napi(
    ts_args_type = "id: number, meta: Float64Array, spinUs: number",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn chan_try_recv<'env>(
    env: &'env Env,
    id: u32,
    mut meta: Float64ArraySlice<'_>,
    spin_us: u32,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, 3)?;
    with_chan(id, |chan| recv_into(env, chan, meta, spin_us))
}

/// Sends values `from..count` described by `meta` (kind, number per value) and `values`
/// (other kinds, by index), as many as fit now, under one lock. Returns how many were
/// sent; throws CHANNEL_CLOSED if closed (nothing sent).
#[napi(
    ts_args_type = "id: number, meta: Float64Array, values: Array<unknown>, from: number, count: number",
    catch_unwind
)]
pub fn chan_send_many(
    id: u32,
    meta: &[f64],
    values: Array<'_>,
    from: u32,
    count: u32,
) -> Result<u32> {
    let chan = local(id)?;
    let count = (count as usize).min(meta.len() / BULK_FIELDS);
    // Convert only what could fit: values left behind would be converted again.
    let room = chan.cap().saturating_sub(chan.len()).max(64);
    let end = count.min((from as usize).saturating_add(room));
    let mut batch = VecDeque::with_capacity(end.saturating_sub(from as usize));
    for i in (from as usize)..end {
        let m = &meta[i * BULK_FIELDS..(i + 1) * BULK_FIELDS];
        batch.push_back(value_at(m[0] as u32, m[1], &values, i as u32)?);
    }
    chan.try_send_many(&mut batch)
        .map(|n| n as u32)
        .map_err(to_js)
}

/// Sends numbers `from..count` of `numbers`, as many as fit now. Returns how many.
/// `numbers` is read in place (napi-rs's `&[f64]`), so it must not be shared memory that
/// another thread writes meanwhile: `sendMany` copies a shared one first.
#[napi(
    ts_args_type = "id: number, numbers: Float64Array, from: number, count: number",
    catch_unwind
)]
pub fn chan_send_numbers(id: u32, numbers: &[f64], from: u32, count: u32) -> Result<u32> {
    let chan = local(id)?;
    let end = (count as usize).min(numbers.len());
    let room = chan.cap().saturating_sub(chan.len()).max(64);
    let mut batch: VecDeque<Value> = numbers[(from as usize).min(end)..end]
        .iter()
        .take(room)
        .map(|&n| Value::Number(n))
        .collect();
    chan.try_send_many(&mut batch)
        .map(|n| n as u32)
        .map_err(to_js)
}

/// Receives up to `meta.length / 2` values available now into `meta` (kind, number) and
/// `values`. Returns how many, or -1 when closed and drained.
#[napi(
    ts_args_type = "id: number, meta: Float64Array, values: Array<unknown>",
    catch_unwind
)]
pub fn chan_recv_many(
    env: &Env,
    id: u32,
    mut meta: Float64ArraySlice<'_>,
    mut values: Array<'_>,
) -> Result<i32> {
    let chan = local(id)?;
    let meta = outcome::meta_slice(&mut meta, BULK_FIELDS)?;
    let (got, closed) = chan.try_recv_many(meta.len() / BULK_FIELDS);
    if got.is_empty() && closed {
        return Ok(-1);
    }
    let n = got.len();
    // Nothing below can fail: a value that cannot be made here comes out as FAILED in
    // its place, so every value taken off the channel reaches the caller.
    for (i, v) in got.into_iter().enumerate() {
        let pair = &mut meta[i * BULK_FIELDS..(i + 1) * BULK_FIELDS];
        if let Some(js) = value::deliver_pair(env, pair, v) {
            value::put(env, &mut values, i, &mut pair[0], js);
        }
    }
    Ok(n as i32)
}

/// Receive that may wait asynchronously: [READY, outcome] now, or [WAITING] and a notice
/// with `token` later.
#[napi(
    ts_args_type = "token: number, id: number, meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn chan_recv_async<'env>(
    env: &'env Env,
    token: f64,
    id: u32,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let case = Case::recv(local(id)?);
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_async(env, token, meta, select_with(vec![case]))
}

/// Receive that waits up to `spinUs` in this call (see `wait::run_brief`), through the
/// argument slot: reads [id, spinUs]; writes the result (READY and the outcome, or
/// WOULD_BLOCK with nothing registered: RESULT_FIELDS numbers) back into it.
#[napi(ts_return_type = "unknown", catch_unwind)]
pub fn chan_recv_brief_slot(env: &Env) -> Result<Option<Unknown<'_>>> {
    let case = Case::recv(local(slot::id(0)?)?);
    let mut meta = [0.0; RESULT_FIELDS];
    let returned = wait::run_brief(env, &mut meta, slot_micros(1), select_with(vec![case]))?;
    slot::write_all(&meta);
    Ok(returned)
}

/// Send that may wait asynchronously (see `chanRecvAsync`).
#[napi(
    ts_args_type = "token: number, id: number, kind: number, value: unknown, meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn chan_send_async<'env>(
    env: &'env Env,
    token: f64,
    id: u32,
    kind: u32,
    value: Unknown<'_>,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let case = Case::send(local(id)?, from_js(kind, &value)?);
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_async(env, token, meta, select_with(vec![case]))
}

/// Receive that blocks this (worker) thread for up to one slice; see `blocking.rs`.
#[napi(
    ts_args_type = "id: number, meta: Float64Array, sliceMs: number",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn chan_recv_blocking<'env>(
    env: &'env Env,
    id: u32,
    mut meta: Float64ArraySlice<'_>,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let case = Case::recv(local(id)?);
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_blocking(env, meta, slice_ms, select_with(vec![case]))
}

/// Send that blocks this (worker) thread for up to one slice.
#[napi(
    ts_args_type = "id: number, kind: number, value: unknown, meta: Float64Array, sliceMs: number",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn chan_send_blocking<'env>(
    env: &'env Env,
    id: u32,
    kind: u32,
    value: Unknown<'_>,
    mut meta: Float64ArraySlice<'_>,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let case = Case::send(local(id)?, from_js(kind, &value)?);
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_blocking(env, meta, slice_ms, select_with(vec![case]))
}

/// The cases of a select spec.
fn cases(spec: &[f64], count: u32, values: &Array<'_>) -> Result<Vec<Case>> {
    let count = count as usize;
    if spec.len() < count * CASE_FIELDS {
        return Err(invalid_argument("spec", "is shorter than count cases"));
    }
    (0..count)
        .map(|i| {
            let m = &spec[i * CASE_FIELDS..(i + 1) * CASE_FIELDS];
            let chan = local(m[0] as u32)?;
            Ok(if m[1] < 0.0 {
                Case::recv(chan)
            } else {
                Case::send(chan, value_at(m[1] as u32, m[2], values, i as u32)?)
            })
        })
        .collect()
}

/// Select without waiting (Go's `default`): writes [READY, outcome] or [WOULD_BLOCK].
#[napi(
    ts_args_type = "spec: Float64Array, count: number, values: Array<unknown>, meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn select_now<'env>(
    env: &'env Env,
    spec: &[f64],
    count: u32,
    values: Array<'_>,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    match core_select(cases(spec, count, &values)?, None) {
        Selected::Ready(case, d) => outcome::ready(env, meta, READY, case, d),
        _ => outcome::status(meta, WOULD_BLOCK),
    }
}

/// Select that may wait asynchronously: writes [READY, outcome] now, or [WAITING] and the
/// outcome arrives as a notice with `token` on this thread's notifier.
#[napi(
    ts_args_type = "token: number, spec: Float64Array, count: number, values: Array<unknown>, meta: Float64Array",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn select_async<'env>(
    env: &'env Env,
    token: f64,
    spec: &[f64],
    count: u32,
    values: Array<'_>,
    mut meta: Float64ArraySlice<'_>,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_async(env, token, meta, select_with(cases(spec, count, &values)?))
}

/// Select that blocks this (worker) thread for up to one slice; see `blocking.rs`.
#[napi(
    ts_args_type = "spec: Float64Array, count: number, values: Array<unknown>, meta: Float64Array, sliceMs: number",
    ts_return_type = "unknown",
    catch_unwind
)]
pub fn select_blocking<'env>(
    env: &'env Env,
    spec: &[f64],
    count: u32,
    values: Array<'_>,
    mut meta: Float64ArraySlice<'_>,
    slice_ms: u32,
) -> Result<Option<Unknown<'env>>> {
    let meta = outcome::meta_slice(&mut meta, RESULT_FIELDS)?;
    wait::run_blocking(
        env,
        meta,
        slice_ms,
        select_with(cases(spec, count, &values)?),
    )
}

/// Registers a select's waiter on its channels (see `wait.rs`).
fn select_with(cases: Vec<Case>) -> impl FnOnce(&Arc<Waiter>) -> Result<Started> {
    move |waiter| match core_select(cases, Some(waiter.clone())) {
        Selected::Ready(case, delivery) => Ok(Started::Now {
            status: READY,
            case,
            delivery,
        }),
        Selected::Waiting(reg) => Ok(Started::Queued(reg.into_withdraw())),
        Selected::NotReady(_) => Err(to_js(Error::internal("select with a waiter did not wait"))),
    }
}
