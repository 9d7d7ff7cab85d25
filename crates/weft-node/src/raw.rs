//! Plain Node-API callbacks for the calls made once per channel value or per pool task.
//! napi-rs's generated wrapper costs ~30 ns a call here (a function doing nothing: 39 ns
//! through napi-rs, 9.5 ns as a plain callback, measured on this machine), a tenth of a
//! channel value's whole trip. These callbacks take no arguments (the argument slot,
//! `slot.rs`, carries their numbers), call plain Rust functions in `channel.rs` and
//! `pool.rs`, and keep the napi-rs functions' contract: a panic becomes an `INTERNAL`
//! error and an error is thrown, never unwound across the boundary. `slotCalls()` hands
//! them to JS once per thread.
//!
//! ```js
//! const calls = native.slotCalls(); slot[0] = id; slot[1] = 42; slot[2] = 0; calls.chanSendNumberSlot()
//! ```
use std::ptr;

use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{sys, Env, JsError, JsValue, Result};
use napi_derive::napi;

use crate::errors::{guard, to_js};
use crate::{channel, pool};

type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// The plain callbacks, by name: `chanSendNumberSlot`, `chanRecvSlot`, `workerTakeSlot`,
/// `workerCompleteSlot` (each runs the Rust function of that name in `channel.rs` or
/// `pool.rs`).
#[napi(
    ts_return_type = "{ chanSendNumberSlot(): number; chanRecvSlot(): unknown; workerTakeSlot(): unknown; workerCompleteSlot(): void }",
    catch_unwind
)]
pub fn slot_calls(env: &Env) -> Result<Unknown<'_>> {
    const CALLS: [(&std::ffi::CStr, Callback); 4] = [
        (c"chanSendNumberSlot", chan_send_number_slot),
        (c"chanRecvSlot", chan_recv_slot),
        (c"workerTakeSlot", worker_take_slot),
        (c"workerCompleteSlot", worker_complete_slot),
    ];
    let raw = env.raw();
    let mut object = ptr::null_mut();
    // SAFETY: `raw` is this call's env; every value is created in its current scope and
    // only handed to Node-API calls of the same env before the object is returned.
    unsafe {
        check(sys::napi_create_object(raw, &mut object))?;
        for (name, callback) in CALLS {
            let mut function = ptr::null_mut();
            check(sys::napi_create_function(
                raw,
                name.as_ptr(),
                name.count_bytes() as isize,
                Some(callback),
                ptr::null_mut(),
                &mut function,
            ))?;
            check(sys::napi_set_named_property(
                raw,
                object,
                name.as_ptr(),
                function,
            ))?;
        }
        Ok(Unknown::from_raw_unchecked(raw, object))
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(to_js(weft_core::Error::internal(format!(
            "Node-API call failed with status {status}"
        ))))
    }
}

/// Runs a callback's body: its value, or, for an error or a panic, a thrown error and no
/// value.
///
/// # Safety
/// `env` must be the env Node passed to the running callback.
unsafe fn respond(
    env: sys::napi_env,
    body: impl FnOnce(&Env) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let wrapped = Env::from_raw(env);
    match guard(|| body(&wrapped)) {
        Ok(value) => value,
        Err(err) => {
            // SAFETY: `env` is the running callback's env (this function's contract).
            unsafe { JsError::from(err).throw_into(env) };
            ptr::null_mut()
        }
    }
}

/// Declares a plain callback whose body maps the call's env to its result.
macro_rules! callback {
    ($(#[$doc:meta])* $name:ident, |$env:ident| $body:expr) => {
        $(#[$doc])*
        unsafe extern "C" fn $name(
            env: sys::napi_env,
            _info: sys::napi_callback_info,
        ) -> sys::napi_value {
            // SAFETY: Node calls this with the running callback's env, which is all
            // `respond` needs; the body creates its values in that env. A null result is
            // `undefined` to Node.
            unsafe { respond(env, |$env: &Env| $body) }
        }
    };
}

callback!(
    /// `chanSendNumberSlot`: the status, as a number.
    chan_send_number_slot,
    |env| u32::to_napi_value(env.raw(), channel::chan_send_number_slot()?)
);

callback!(
    /// `chanRecvSlot`: numbers come back in the slot; a value of another kind is returned.
    chan_recv_slot,
    |env| Ok(channel::chan_recv_slot(env)?.map_or(ptr::null_mut(), |v| v.raw()))
);

callback!(
    /// `workerTakeSlot`: as `chanRecvSlot`, for the worker's next task.
    worker_take_slot,
    |env| Ok(pool::worker_take_slot(env)?.map_or(ptr::null_mut(), |v| v.raw()))
);

callback!(
    /// `workerCompleteSlot`: nothing to return.
    worker_complete_slot,
    |_env| pool::worker_complete_slot().map(|()| ptr::null_mut())
);
