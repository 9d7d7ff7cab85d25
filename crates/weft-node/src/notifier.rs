//! One per JS thread that waits asynchronously on channels or sync primitives: the
//! mailbox every counterpart posts outcomes to, one weak threadsafe-function wakeup for
//! all of them, and the thread's pending waits by token (to withdraw a cancelled one, and
//! to unregister a settled select from its other channels).
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Array, Float64ArraySlice, Function};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Result};
use napi_derive::napi;
use weft_core::wake::{Mailbox, Notice, Waiter};

use crate::outcome::{self, OUTCOME_FIELDS};

/// Numbers per drained notice: the token, then an outcome.
const NOTICE_FIELDS: usize = 1 + OUTCOME_FIELDS;

/// A wait in progress: its waiter and how to take it off what it waits on.
pub struct PendingWait {
    pub waiter: Arc<Waiter>,
    pub withdraw: Box<dyn FnOnce()>,
}

/// The current thread's notifier (js/sync/notifier.ts makes one per thread).
#[napi]
pub struct Notifier {
    mailbox: Arc<Mailbox<Notice>>,
    pending: RefCell<HashMap<u64, PendingWait>>,
}

#[napi]
impl Notifier {
    /// `onWakeup` runs on this thread when notices are ready to drain.
    #[napi(constructor, ts_args_type = "onWakeup: () => void")]
    pub fn new(on_wakeup: Function<'_, (), ()>) -> Result<Self> {
        let mailbox: Arc<Mailbox<Notice>> = Arc::new(Mailbox::default());
        // Weak: a pending wait does not keep the event loop alive by itself (like a
        // pending promise); whoever will settle it (a worker, a timer) does.
        let wakeup = on_wakeup
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .callee_handled::<false>()
            .build()?;
        mailbox.set_waker(move || {
            wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
        });
        Ok(Notifier {
            mailbox,
            pending: RefCell::new(HashMap::new()),
        })
    }

    /// Waits in progress on this thread.
    #[napi(getter)]
    pub fn pending(&self) -> u32 {
        self.pending.borrow().len() as u32
    }

    /// Writes up to `meta.length / 5` notices into `meta` (token, case, delivery, value
    /// kind, number) and other values into `values` at the notice's index. Returns how
    /// many. With `spinUs` > 0 it first spins up to that long for one. Call again while it
    /// returns any (no wakeup comes meanwhile).
    #[napi(ts_args_type = "meta: Float64Array, values: Array<unknown>, spinUs: number")]
    pub fn drain_into(
        &self,
        env: &Env,
        mut meta: Float64ArraySlice<'_>,
        mut values: Array<'_>,
        spin_us: u32,
    ) -> Result<u32> {
        let meta = outcome::meta_slice(&mut meta, NOTICE_FIELDS)?;
        if spin_us > 0 {
            self.mailbox.spin(Duration::from_micros(spin_us as u64));
        }
        let notices = self.mailbox.drain(meta.len() / NOTICE_FIELDS);
        let count = notices.len();
        for (i, notice) in notices.into_iter().enumerate() {
            if let Some(wait) = self.pending.borrow_mut().remove(&notice.token) {
                (wait.withdraw)();
            }
            let m = &mut meta[i * NOTICE_FIELDS..(i + 1) * NOTICE_FIELDS];
            m[0] = notice.token as f64;
            if let Some(v) = outcome::write(env, &mut m[1..], notice.case, notice.delivery)? {
                values.set(i as u32, v)?;
            }
        }
        Ok(count as u32)
    }

    /// Withdraws wait `token`: true if it was cancelled before anything happened, false if
    /// it already happened (its notice is in the mailbox or on its way: drain it).
    #[napi]
    pub fn cancel(&self, token: f64) -> bool {
        let token = token as u64;
        let mut pending = self.pending.borrow_mut();
        let Some(wait) = pending.get(&token) else {
            return false;
        };
        if !wait.waiter.try_cancel() {
            return false;
        }
        if let Some(wait) = pending.remove(&token) {
            (wait.withdraw)();
        }
        true
    }
}

impl Notifier {
    /// A waiter that posts to this thread's mailbox under `token`.
    pub fn waiter(&self, token: f64) -> Arc<Waiter> {
        Waiter::notifying(self.mailbox.clone(), token as u64)
    }

    /// Records a registered wait so it can be withdrawn or cleaned up.
    pub fn track(&self, token: f64, waiter: Arc<Waiter>, withdraw: impl FnOnce() + 'static) {
        self.pending.borrow_mut().insert(
            token as u64,
            PendingWait {
                waiter,
                withdraw: Box::new(withdraw),
            },
        );
    }
}

impl Drop for Notifier {
    /// The thread is going away: withdraw what it still waits for, so no counterpart hands
    /// a value to a thread that can no longer take it.
    fn drop(&mut self) {
        for (_, wait) in self.pending.get_mut().drain() {
            if wait.waiter.try_cancel() {
                (wait.withdraw)();
            }
        }
        self.mailbox.clear_waker();
    }
}
