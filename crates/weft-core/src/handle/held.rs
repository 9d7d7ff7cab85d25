//! One handle on a registered object, as a binding's wrapper class holds it: counted in
//! its [`Handles`] registry while it lives (and in a thread's [`Cache`] when cached), and
//! released on drop.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::handle::{Handles, Held};
//! static THINGS: Handles<&str> = Handles::new();
//! let held = Held::create(&THINGS, Arc::new("thing"));
//! let id = held.pin();                        // travels in a message to another thread
//! let there = Held::adopt(&THINGS, id, "thing").unwrap();
//! drop(held);
//! assert_eq!(**there, "thing");               // the adopted handle keeps it alive
//! drop(there);
//! assert!(THINGS.is_empty());
//! ```
use std::ops::Deref;
use std::sync::Arc;
use std::thread::LocalKey;

use super::cache::{self, Cache};
use super::{gone, Handles};
use crate::error::contain;
use crate::Result;

/// One handle on object `id` of `registry`, released on drop; with a thread-local cache,
/// also counted there while it lives.
pub struct Held<T: 'static> {
    id: u32,
    inner: Arc<T>,
    registry: &'static Handles<T>,
    cache: Option<&'static LocalKey<Cache<T>>>,
}

impl<T: 'static> Held<T> {
    /// Registers `inner`, with this as its first handle.
    pub fn create(registry: &'static Handles<T>, inner: Arc<T>) -> Held<T> {
        let id = registry.create(inner.clone());
        Held::adopted(registry, id, inner)
    }

    /// Takes over a handle that [`pin`](Self::pin) counted for a message; the [`gone`]
    /// error naming the object `what` if every handle on it was dropped.
    pub fn adopt(registry: &'static Handles<T>, id: u32, what: &str) -> Result<Held<T>> {
        let inner = registry.adopt(id).ok_or_else(|| gone(what, id))?;
        Ok(Held::adopted(registry, id, inner))
    }

    /// Takes over a pinned handle on `inner`, already looked up as object `id`.
    pub fn adopted(registry: &'static Handles<T>, id: u32, inner: Arc<T>) -> Held<T> {
        Held {
            id,
            inner,
            registry,
            cache: None,
        }
    }

    /// Also keeps the object in this thread's `cache` while this handle lives.
    pub fn cached(mut self, cache: &'static LocalKey<Cache<T>>) -> Held<T> {
        if cache::hold(cache, self.id, &self.inner) {
            self.cache = Some(cache);
        }
        self
    }

    /// The id the calls and other threads use.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Counts a handle travelling in a message; returns the id to put in it.
    pub fn pin(&self) -> u32 {
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
            Some(cache) => cache::release(cache, self.registry, self.id),
            None => self.registry.release(self.id),
        });
    }
}
