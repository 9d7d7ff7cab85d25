//! One per JS thread that waits asynchronously on channels or sync primitives: the
//! thread's `ThreadWaits` (weft-core: the mailbox every counterpart posts outcomes to and
//! the pending waits by token) with one weak threadsafe-function wakeup for all of them.
//!
//! It lives in a thread-local rather than in a JS object: every async wait and every drain
//! would otherwise unwrap a class instance, which napi-rs makes cost ~0.6 us per call here.
//! An env cleanup hook drops it while the thread's env is still alive.
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use napi::bindgen_prelude::{Array, Float64ArraySlice, Function};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::wake::ThreadWaits;

use crate::errors::{contain, failpoint, to_js, Failpoint};
use crate::outcome;
use crate::value;
use crate::wire::NOTICE_FIELDS;

thread_local! {
    static CURRENT: RefCell<Option<Rc<ThreadWaits>>> = const { RefCell::new(None) };
}

/// This thread's waits; `notifierInit` must have run on this thread.
pub fn current() -> Result<Rc<ThreadWaits>> {
    CURRENT.with(|c| c.borrow().clone()).ok_or_else(|| {
        to_js(weft_core::Error::internal(
            "async wait before notifierInit on this thread",
        ))
    })
}

/// Sets up this thread's notifier: `onWakeup` runs on this thread when notices are ready
/// to drain. Once per thread (js/wait/notifier.ts calls it).
#[napi(ts_args_type = "onWakeup: () => void", catch_unwind)]
pub fn notifier_init(env: Env, on_wakeup: Function<'_, (), ()>) -> Result<()> {
    if CURRENT.with(|c| c.borrow().is_some()) {
        return Ok(());
    }
    let waits = Rc::new(ThreadWaits::new());
    // Weak: the wakeup never keeps the event loop alive by itself; the facade refs a
    // timer while waits are pending.
    let wakeup = on_wakeup
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .callee_handled::<false>()
        .build()?;
    waits.mailbox().set_waker(move || {
        wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(waits));
    env.add_env_cleanup_hook((), |()| {
        contain("the notifier's cleanup", || {
            if let Some(waits) = CURRENT.with(|c| c.borrow_mut().take()) {
                waits.shutdown();
            }
        })
    })?;
    Ok(())
}

/// Writes up to `meta.length / 5` notices into `meta` (token, case, delivery, value kind,
/// number) and other values into `values` at the notice's index. Returns how many. With
/// `spinUs` > 0 it first spins up to that long for one. Call again while it returns any
/// (no wakeup comes meanwhile).
#[napi(
    ts_args_type = "meta: Float64Array, values: Array<unknown>, spinUs: number",
    catch_unwind
)]
pub fn notifier_drain_into(
    env: &Env,
    mut meta: Float64ArraySlice<'_>,
    mut values: Array<'_>,
    spin_us: u32,
) -> Result<u32> {
    failpoint(Failpoint::Notifier);
    let waits = current()?;
    let meta = outcome::meta_slice(&mut meta, NOTICE_FIELDS)?;
    if spin_us > 0 {
        waits.mailbox().spin(Duration::from_micros(spin_us as u64));
    }
    let notices = waits.drain(meta.len() / NOTICE_FIELDS);
    let count = notices.len();
    for (i, mut notice) in notices.into_iter().enumerate() {
        let m = &mut meta[i * NOTICE_FIELDS..(i + 1) * NOTICE_FIELDS];
        m[0] = notice.token as f64;
        // Cannot fail: a value that cannot be made here comes out as FAILED, so every
        // notice taken reaches its wait.
        if let Some(v) = outcome::write(env, &mut m[1..], notice.case, notice.take_delivery())? {
            value::put(env, &mut values, i, &mut m[3], v);
        }
    }
    Ok(count as u32)
}

/// Withdraws wait `token`: true if it was cancelled before anything happened, false if it
/// already happened (its notice is in the mailbox or on its way: drain it).
#[napi(catch_unwind)]
pub fn notifier_cancel(token: f64) -> Result<bool> {
    Ok(current()?.cancel(token as u64))
}
