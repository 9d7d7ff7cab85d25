//! Thread-local caches from ids to objects, so the per-call functions find their object
//! without the registry's lock. An entry lives as long as this thread's wrapper (the
//! wrapper's `Drop` forgets it), and a wrapper's handle keeps the object registered, so a
//! cached object is always one some wrapper on this thread still holds.
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::thread::LocalKey;

use napi::Result;
use weft_core::registry::Handles;
use weft_core::{Error, ErrorCode};

use crate::errors::to_js;

/// Hashes a u32 id with one multiply (ids are small counters: SipHash would cost more than
/// the limiter itself). The multiply spreads the bits to the top, where the table looks.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One thread's cache for one kind of object.
pub(crate) type Cache<T> = RefCell<HashMap<u32, Arc<T>, BuildHasherDefault<IdHasher>>>;

/// Declares a thread-local [`Cache`] named `$name` for objects of type `$t`.
macro_rules! cache {
    ($name:ident: $t:ty) => {
        thread_local! {
            static $name: $crate::rate::local::Cache<$t> = const {
                std::cell::RefCell::new(std::collections::HashMap::with_hasher(
                    std::hash::BuildHasherDefault::new(),
                ))
            };
        }
    };
}
pub(crate) use cache;

/// The error for an id whose every handle is gone.
pub(crate) fn gone(what: &str, id: u32) -> napi::Error {
    to_js(Error::new(
        ErrorCode::InvalidArgument,
        format!("{what} {id} no longer exists (every handle on it was dropped)"),
    ))
}

/// Runs `f` on object `id`, from the cache or (first use on this thread) the registry.
pub(crate) fn with<T, R>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    what: &str,
    f: impl FnOnce(&T) -> R,
) -> Result<R> {
    cache.with(|c| {
        // `f` is plain Rust (no JS runs, so no finalizer can reach the cache meanwhile).
        if let Some(item) = c.borrow().get(&id) {
            return Ok(f(item));
        }
        let item = registry.adopt(id).ok_or_else(|| gone(what, id))?;
        c.borrow_mut().insert(id, item.clone());
        Ok(f(&item))
    })
}

/// Drops this thread's cache entry for `id` (its wrapper is going).
pub(crate) fn forget<T>(cache: &'static LocalKey<Cache<T>>, id: u32) {
    // A drop during a lookup (a finalizer) leaves the entry: harmless, the Arc just lives
    // until the thread ends. During thread teardown the cache may be gone already.
    let _ = cache.try_with(|c| c.try_borrow_mut().map(|mut m| m.remove(&id)));
}
