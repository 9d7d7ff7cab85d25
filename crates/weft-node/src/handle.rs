//! Handles as the binding uses them: weft-core's `handle` (counted handles, per-thread
//! caches) with this crate's failpoints and errors, and [`lifecycle!`], which gives each
//! handle class (`SemaphoreHandle`, `ContextHandle`, ...) its `adopt`, `id` and `pin`. A
//! class's field `inner` is a [`Held`] on an object of one of `registry.rs`'s registries.
use std::sync::Arc;
use std::thread::LocalKey;

use napi::Result;
use weft_core::handle::{cache, Cache, Handles};

use crate::errors::{failpoint, to_js, Failpoint};

pub use weft_core::handle::cache::{get, try_with};
pub use weft_core::handle::Held;

/// The error for an id whose every handle is gone.
pub fn gone(what: &str, id: u32) -> napi::Error {
    to_js(weft_core::handle::gone(what, id))
}

/// Registers `inner`, with the returned handle as its first.
pub fn create<T>(registry: &'static Handles<T>, inner: Arc<T>) -> Held<T> {
    failpoint(Failpoint::Handle);
    Held::create(registry, inner)
}

/// Object `id` of `registry` for a handle pinned for a message (no new count), or the
/// [`gone`] error naming it `what`.
pub fn adopt<T>(registry: &Handles<T>, id: u32, what: &str) -> Result<Arc<T>> {
    registry.adopt(id).ok_or_else(|| gone(what, id))
}

/// Runs `f` on object `id` (this thread's cached one, else the registry's); the [`gone`]
/// error naming it `what` once every handle on it is gone.
pub fn with<T, R>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    what: &str,
    f: impl FnOnce(&T) -> R,
) -> Result<R> {
    failpoint(Failpoint::Lookup);
    cache::with_or(cache, registry, id, || gone(what, id), f)
}

/// Emits the lifecycle methods of handle class `$class` (a `#[napi]` struct whose field
/// `inner` is a [`Held`] on an object of `$registry`): `adopt(id)`, the `id` getter and
/// `pin()`. `$what` names the object in errors; with `cached $cache`, an adopted handle
/// also goes into that thread-local cache (as `Held::cached`). napi-rs takes several
/// `#[napi] impl` blocks per class, and writes this one into js/native/binding.d.ts like any.
macro_rules! lifecycle {
    ($class:ident, $registry:expr, $what:literal $(, cached $cache:expr)?) => {
        #[::napi_derive::napi]
        impl $class {
            /// Takes over a handle that `pin` counted for a message (the receiving side).
            #[napi(factory, catch_unwind)]
            pub fn adopt(id: u32) -> ::napi::Result<Self> {
                $crate::errors::guard(|| {
                    let inner = ::weft_core::handle::Held::adopt(&$registry, id, $what)
                        .map_err($crate::errors::to_js)?;
                    $(let inner = inner.cached(&$cache);)?
                    Ok($class { inner })
                })
            }

            /// The id the calls and other threads use.
            #[napi(getter, catch_unwind)]
            pub fn id(&self) -> u32 {
                self.inner.id()
            }

            /// Counts a handle travelling in a message; returns the id to put in it.
            #[napi(catch_unwind)]
            pub fn pin(&self) -> u32 {
                self.inner.pin()
            }
        }
    };
}
pub(crate) use lifecycle;
