//! Every kind of shared object JS can hold a handle on: its registry, and its line in the
//! table of the kinds that structured-clone bytes name (weft-core's `handle::kinds`: a
//! value that will never be delivered releases the handles its sender pinned, a copy made
//! for one more delivery retains them once more). A new kind (an actor ref, a cache, a
//! socket) adds a registry here and one line to `KINDS`.
use std::sync::Once as RunOnce;

use weft_core::chan::Channel;
use weft_core::context::Context;
use weft_core::handle::{Handles, Kind, Kinds};
use weft_core::rate::{All, KeyedLimiter, Limiter};
use weft_core::sync::{Barrier, Cond, Once, Semaphore, WaitGroup};

pub static CHANNELS: Handles<Channel> = Handles::new();
pub static CONTEXTS: Handles<Context> = Handles::new();
pub static LIMITERS: Handles<Limiter> = Handles::new();
pub static ALLS: Handles<All> = Handles::new();
pub static KEYED: Handles<KeyedLimiter> = Handles::new();
pub static SEMAPHORES: Handles<Semaphore> = Handles::new();
pub static WAIT_GROUPS: Handles<WaitGroup> = Handles::new();
pub static CONDS: Handles<Cond> = Handles::new();
pub static ONCES: Handles<Once> = Handles::new();
pub static BARRIERS: Handles<Barrier> = Handles::new();

/// The handle kinds js/ writes (`makeShareable(this, '<kind>', ...)`) and the registries
/// their ids count on (a mutex and a readers-writer lock are semaphores to the core; a
/// cond names its own id and its mutex's).
static KINDS: Kinds = Kinds(&[
    kind("channel", &[&CHANNELS]),
    kind("context", &[&CONTEXTS]),
    kind("rate-limiter", &[&LIMITERS]),
    kind("rate-all", &[&ALLS]),
    kind("keyed-limiter", &[&KEYED]),
    kind("semaphore", &[&SEMAPHORES]),
    kind("mutex", &[&SEMAPHORES]),
    kind("rwlock", &[&SEMAPHORES]),
    kind("waitgroup", &[&WAIT_GROUPS]),
    kind("cond", &[&CONDS, &SEMAPHORES]),
    kind("once", &[&ONCES]),
    kind("barrier", &[&BARRIERS]),
]);

const fn kind(
    name: &'static str,
    registries: &'static [&'static dyn weft_core::handle::Counted],
) -> Kind {
    Kind { name, registries }
}

/// Every handle kind's name, for the generated `HandleKind` type of js/native/wire.ts.
#[cfg(test)]
pub fn kind_names() -> impl Iterator<Item = &'static str> {
    KINDS.0.iter().map(|k| k.name)
}

/// Sets weft-core's pin hooks (once; called before the first structured-clone value is
/// made, so every value that could be discarded was made after it).
pub fn install() {
    static INSTALL: RunOnce = RunOnce::new();
    INSTALL.call_once(|| weft_core::value::set_pin_hooks(release_all, retain_all));
}

fn release_all(bytes: &[u8]) {
    KINDS.release_all(bytes);
}

fn retain_all(bytes: &[u8]) {
    KINDS.retain_all(bytes);
}

/// The secret every handle text carries after `weft:` (js/native/handles.ts asks once per thread).
///
/// ```js
/// const text = `weft:${native.handleSecret()}:channel:${id}`
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn handle_secret() -> &'static str {
    weft_core::handle::kinds::secret()
}

/// Gives back the handles pinned in an encoded value that will never be sent (a refused or
/// abandoned send): the sending side's counterpart of a dropped undelivered value.
///
/// ```js
/// native.releasePins(v8.serialize({ reply: channel })) // after a trySend returned false
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn release_pins(bytes: napi::bindgen_prelude::Unknown<'_>) -> napi::Result<()> {
    let view: &[u8] = crate::args::arg(&bytes, "bytes", "a Uint8Array")?;
    release_all(view);
    Ok(())
}

/// How many objects of a handle kind are alive (registered), for tests that check
/// nothing is kept after its last handle; -1 for an unknown kind.
///
/// ```js
/// native.liveObjects('channel') // 3
/// ```
#[napi_derive::napi(catch_unwind)]
pub fn live_objects(kind: String) -> i64 {
    KINDS.live(&kind).map_or(-1, |n| n as i64)
}
