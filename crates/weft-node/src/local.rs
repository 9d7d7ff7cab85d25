//! Thread-local caches from ids to objects, so the per-call functions (and `contextState`)
//! find their object without the registry's lock. A cache counts this thread's wrappers
//! on each object ([`Held::cached`](crate::held::Held::cached) adds one, its drop takes it
//! away) and keeps the object while any is left, so a cached object is always one some
//! wrapper on this thread still holds.
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::thread::LocalKey;

use napi::Result;
use weft_core::registry::Handles;

use crate::held::gone;

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

/// One thread's cache for one kind of object: by id, how many of this thread's wrappers
/// hold it, and the object.
pub(crate) type Cache<T> = RefCell<HashMap<u32, (usize, Arc<T>), BuildHasherDefault<IdHasher>>>;

/// Declares a thread-local [`Cache`] named `$name` for objects of type `$t`.
macro_rules! cache {
    ($name:ident: $t:ty) => {
        thread_local! {
            static $name: $crate::local::Cache<$t> = const {
                std::cell::RefCell::new(std::collections::HashMap::with_hasher(
                    std::hash::BuildHasherDefault::new(),
                ))
            };
        }
    };
}
pub(crate) use cache;

/// Runs `f` on object `id`: this thread's cached one, or else (no wrapper on it here) the
/// registry's, uncached; the error naming it `what` once every handle on it is gone.
pub(crate) fn with<T, R>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    what: &str,
    f: impl FnOnce(&T) -> R,
) -> Result<R> {
    cache.with(|c| {
        // `f` is plain Rust (no JS runs, so no finalizer can reach the cache meanwhile).
        if let Some((_, item)) = c.borrow().get(&id) {
            return Ok(f(item));
        }
        let item = registry.adopt(id).ok_or_else(|| gone(what, id))?;
        Ok(f(&item))
    })
}

/// Counts a wrapper on `item` (object `id`) on this thread, caching it for the first.
pub(crate) fn hold<T>(cache: &'static LocalKey<Cache<T>>, id: u32, item: &Arc<T>) {
    // Only a wrapper's constructor calls this, outside any lookup. Were the cache busy or
    // gone, the object would just stay uncached: `find` falls back to the registry.
    let _ = cache.try_with(|c| {
        c.try_borrow_mut()
            .map(|mut m| m.entry(id).or_insert_with(|| (0, item.clone())).0 += 1)
    });
}

/// Takes away one of this thread's wrappers on `id` (it is going); the last drops the entry.
pub(crate) fn forget<T>(cache: &'static LocalKey<Cache<T>>, id: u32) {
    // A drop during a lookup (a finalizer) leaves the count: harmless, the Arc just lives
    // until the thread ends. During thread teardown the cache may be gone already.
    let _ = cache.try_with(|c| {
        c.try_borrow_mut().map(|mut m| {
            if let Some(entry) = m.get_mut(&id) {
                if entry.0 > 1 {
                    entry.0 -= 1;
                } else {
                    m.remove(&id);
                }
            }
        })
    });
}
