//! What every handle class shares: its wrapper's hold on a registered object. A class
//! (`SemaphoreHandle`, `ContextHandle`, `RateLimiterHandle`, ...) is a thread's wrapper on
//! an object in a [`Handles`] registry; its field `inner` is a [`Held`], which counts as
//! one handle and releases it on drop, and [`lifecycle!`] gives the class its `adopt`,
//! `id` and `pin`.
use std::ops::Deref;
use std::sync::Arc;
use std::thread::LocalKey;

use napi::Result;
use weft_core::registry::Handles;
use weft_core::{Error, ErrorCode};

use crate::errors::{contain, failpoint, to_js, Failpoint};
use crate::local::{self, Cache};

/// The error for an id whose every handle is gone.
pub(crate) fn gone(what: &str, id: u32) -> napi::Error {
    to_js(Error::new(
        ErrorCode::InvalidArgument,
        format!("{what} {id} no longer exists (every handle on it was dropped)"),
    ))
}

/// Object `id` of `registry` for a handle pinned for a message (no new count), or the
/// [`gone`] error naming it `what`.
pub(crate) fn adopt<T>(registry: &Handles<T>, id: u32, what: &str) -> Result<Arc<T>> {
    registry.adopt(id).ok_or_else(|| gone(what, id))
}

/// One handle on object `id` of `registry`, released on drop; with a thread-local cache
/// (see `local.rs`), also counted there while it lives.
pub(crate) struct Held<T: 'static> {
    id: u32,
    inner: Arc<T>,
    registry: &'static Handles<T>,
    cache: Option<&'static LocalKey<Cache<T>>>,
}

impl<T: 'static> Held<T> {
    /// Registers `inner`, with this as its first handle.
    pub(crate) fn create(registry: &'static Handles<T>, inner: Arc<T>) -> Held<T> {
        failpoint(Failpoint::Handle);
        let id = registry.create(inner.clone());
        Held {
            id,
            inner,
            registry,
            cache: None,
        }
    }

    /// Takes over a handle that [`pin`](Self::pin) counted for a message (see [`adopt`]).
    pub(crate) fn adopt(registry: &'static Handles<T>, id: u32, what: &str) -> Result<Held<T>> {
        Ok(Held {
            id,
            inner: adopt(registry, id, what)?,
            registry,
            cache: None,
        })
    }

    /// Takes over a pinned handle on `inner`, already looked up as object `id`.
    pub(crate) fn adopted(registry: &'static Handles<T>, id: u32, inner: Arc<T>) -> Held<T> {
        Held {
            id,
            inner,
            registry,
            cache: None,
        }
    }

    /// Also keeps the object in this thread's `cache` while this handle lives.
    pub(crate) fn cached(mut self, cache: &'static LocalKey<Cache<T>>) -> Held<T> {
        if local::hold(cache, self.id, &self.inner) {
            self.cache = Some(cache);
        }
        self
    }

    /// The id the calls and other threads use.
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// Counts a handle travelling in a message; returns the id to put in it.
    pub(crate) fn pin(&self) -> u32 {
        self.registry.pin(self.id);
        self.id
    }
}

impl<T> Deref for Held<T> {
    type Target = Arc<T>;

    fn deref(&self) -> &Arc<T> {
        &self.inner
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        // Runs in a finalizer, where a panic would abort the process.
        contain("a handle's finalizer", || match self.cache {
            Some(cache) => local::release(cache, self.registry, self.id),
            None => self.registry.release(self.id),
        });
    }
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
                    let inner = $crate::held::Held::adopt(&$registry, id, $what)?;
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
