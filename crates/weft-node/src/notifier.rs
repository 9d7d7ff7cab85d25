//! One per JS thread that waits asynchronously on channels or sync primitives: the
//! mailbox every counterpart posts outcomes to, one weak threadsafe-function wakeup for
//! all of them, and the thread's pending waits by token (to withdraw a cancelled one, and
//! to unregister a settled select from its other channels).
//!
//! It lives in a thread-local rather than in a JS object: every async wait and every drain
//! would otherwise unwrap a class instance, which napi-rs makes cost ~0.6 us per call here.
//! An env cleanup hook drops it while the thread's env is still alive.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Array, Float64ArraySlice, Function};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::wake::{Mailbox, Notice, Waiter};

use crate::errors::{contain, failpoint, to_js, Failpoint};
use crate::outcome;
use crate::value;
use crate::wait::{Withdraw, Withdrawal};

use crate::wire::NOTICE_FIELDS;

/// A wait in progress: its waiter and how to take it off what it waits on.
struct PendingWait {
    waiter: Arc<Waiter>,
    withdraw: Withdraw,
}

/// This thread's notifier state.
pub struct Notifier {
    mailbox: Arc<Mailbox<Notice>>,
    pending: RefCell<HashMap<u64, PendingWait>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Notifier>>> = const { RefCell::new(None) };
}

/// This thread's notifier; `notifierInit` must have run on this thread.
pub fn current() -> Result<Rc<Notifier>> {
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
    let mailbox: Arc<Mailbox<Notice>> = Arc::new(Mailbox::default());
    // Weak: the wakeup never keeps the event loop alive by itself; the facade refs a
    // timer while waits are pending.
    let wakeup = on_wakeup
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .callee_handled::<false>()
        .build()?;
    mailbox.set_waker(move || {
        wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
    });
    let notifier = Rc::new(Notifier {
        mailbox,
        pending: RefCell::new(HashMap::new()),
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(notifier));
    env.add_env_cleanup_hook((), |()| {
        contain("the notifier's cleanup", || {
            if let Some(notifier) = CURRENT.with(|c| c.borrow_mut().take()) {
                notifier.shutdown();
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
    let notifier = current()?;
    let meta = outcome::meta_slice(&mut meta, NOTICE_FIELDS)?;
    if spin_us > 0 {
        notifier.mailbox.spin(Duration::from_micros(spin_us as u64));
    }
    let notices = notifier.mailbox.drain(meta.len() / NOTICE_FIELDS);
    let count = notices.len();
    for (i, mut notice) in notices.into_iter().enumerate() {
        let settled = notifier.pending.borrow_mut().remove(&notice.token);
        if let Some(wait) = settled {
            (wait.withdraw)(Withdrawal::Live);
        }
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
    let notifier = current()?;
    let token = token as u64;
    let withdrawn = {
        let mut pending = notifier.pending.borrow_mut();
        match pending.get(&token) {
            Some(wait) if wait.waiter.try_cancel() => pending.remove(&token),
            _ => None,
        }
    };
    Ok(match withdrawn {
        Some(wait) => {
            (wait.withdraw)(Withdrawal::Live);
            true
        }
        None => false,
    })
}

impl Notifier {
    /// A waiter that posts to this thread's mailbox under `token`.
    pub fn waiter(&self, token: f64) -> Arc<Waiter> {
        Waiter::notifying(self.mailbox.clone(), token as u64)
    }

    /// Records a registered wait so it can be withdrawn or cleaned up.
    pub fn track(&self, token: f64, waiter: Arc<Waiter>, withdraw: Withdraw) {
        self.pending
            .borrow_mut()
            .insert(token as u64, PendingWait { waiter, withdraw });
    }

    /// The thread is going away: withdraw what it still waits for, so no counterpart hands
    /// a value to a thread that can no longer take it, and drop the wakeup. A wait that
    /// happened meanwhile still leaves the cases that did not happen (their values are
    /// discarded: nobody here will take them back).
    fn shutdown(&self) {
        let waits: Vec<PendingWait> = self.pending.borrow_mut().drain().map(|(_, w)| w).collect();
        for wait in waits {
            let granted = !wait.waiter.try_cancel();
            (wait.withdraw)(Withdrawal::ThreadEnded { granted });
        }
        self.mailbox.clear_waker();
        // Outcomes already posted to this thread are never drained now: dropping them
        // releases what their values pinned (`Notice`'s Drop).
        drop(self.mailbox.drain(usize::MAX));
    }
}
