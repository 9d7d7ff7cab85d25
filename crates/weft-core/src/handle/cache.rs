//! Thread-local caches from ids to objects, so a binding's per-call functions find their
//! object without the registry's lock. A cache counts this thread's wrappers on each
//! object ([`Held::cached`](super::Held::cached) adds one, its drop takes it away) and
//! keeps the object while any is left, so a cached object is always one some wrapper on
//! this thread still holds.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::handle::{cache, Handles, Held};
//! static THINGS: Handles<u32> = Handles::new();
//! weft_core::handle_cache!(LOCAL: u32);
//! let held = Held::create(&THINGS, Arc::new(7)).cached(&LOCAL);
//! assert_eq!(cache::lookup(&LOCAL, &THINGS, held.id(), |n| *n + 1), Some(8));
//! let id = held.id();
//! drop(held);
//! assert_eq!(cache::lookup(&LOCAL, &THINGS, id, |n| *n), None);
//! ```
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::thread::LocalKey;

use super::{gone, Handles};
use crate::Result;

/// Hashes a u32 id with one multiply (ids are small counters: SipHash would cost more than
/// the limiter itself). The multiply spreads the bits to the top, where the table looks.
#[derive(Default)]
pub struct IdHasher(u64);

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

/// The entries of a [`Cache`]: by id, how many of this thread's wrappers hold the object,
/// and the object.
type Entries<T> = HashMap<u32, (usize, Arc<T>), BuildHasherDefault<IdHasher>>;

/// One thread's cache for one kind of object.
///
/// An entry is always counted by a live wrapper on this thread, so its id is still
/// registered and cannot be handed to another object. A wrapper that goes while the
/// entries are borrowed (a finalizer during a lookup) cannot take its count away then:
/// it defers both that and its registry handle, which are given back as soon as the
/// borrow ends, so the id stays registered exactly as long as its entry.
pub struct Cache<T: 'static> {
    entries: RefCell<Entries<T>>,
    deferred: RefCell<Vec<(u32, &'static Handles<T>)>>,
    has_deferred: Cell<bool>,
}

impl<T: 'static> Cache<T> {
    /// An empty cache, for a `thread_local!` (see [`cache!`]).
    pub const fn new() -> Cache<T> {
        Cache {
            entries: RefCell::new(HashMap::with_hasher(BuildHasherDefault::new())),
            deferred: RefCell::new(Vec::new()),
            has_deferred: Cell::new(false),
        }
    }

    /// Gives back what wrappers deferred while the entries were borrowed.
    #[inline]
    fn flush(&self) {
        if self.has_deferred.get() {
            self.flush_deferred();
        }
    }

    #[cold]
    fn flush_deferred(&self) {
        let Ok(mut entries) = self.entries.try_borrow_mut() else {
            return;
        };
        let deferred = std::mem::take(&mut *self.deferred.borrow_mut());
        self.has_deferred.set(false);
        for (id, _) in &deferred {
            uncount(&mut entries, *id);
        }
        drop(entries);
        // Outside the borrow: a release may free an object whose drop reaches this cache.
        for (id, registry) in deferred {
            registry.release(id);
        }
    }

    /// Entries for tests: (id, wrappers counted) pairs.
    #[cfg(all(test, not(loom)))]
    fn counts(&self) -> Vec<(u32, usize)> {
        let mut v: Vec<_> = self
            .entries
            .borrow()
            .iter()
            .map(|(k, e)| (*k, e.0))
            .collect();
        v.sort_unstable();
        v
    }
}

impl<T: 'static> Default for Cache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> Drop for Cache<T> {
    fn drop(&mut self) {
        // The thread is ending: handles still deferred are given back now.
        for (id, registry) in self.deferred.get_mut().drain(..) {
            registry.release(id);
        }
    }
}

/// Takes one wrapper's count off entry `id`; the last removes it.
fn uncount<T>(entries: &mut Entries<T>, id: u32) {
    if let Some(entry) = entries.get_mut(&id) {
        if entry.0 > 1 {
            entry.0 -= 1;
        } else {
            entries.remove(&id);
        }
    }
}

/// Declares a thread-local [`Cache`] named `$name` for objects of type `$t`.
///
/// ```
/// weft_core::handle_cache!(NAMES: String);
/// # NAMES.with(|_| ());
/// ```
#[macro_export]
macro_rules! handle_cache {
    ($name:ident: $t:ty) => {
        thread_local! {
            static $name: $crate::handle::Cache<$t> = const { $crate::handle::Cache::new() };
        }
    };
}

/// Runs `f` on object `id`: this thread's cached one, or else (no wrapper on it here) the
/// registry's, uncached; None once every handle on it is gone.
pub fn lookup<T, R>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    f: impl FnOnce(&T) -> R,
) -> Option<R> {
    cache.with(|c| {
        let out = match c.entries.try_borrow() {
            Ok(entries) => match entries.get(&id) {
                Some((_, item)) => Some(f(item)),
                None => {
                    drop(entries);
                    registry.adopt(id).map(|item| f(&item))
                }
            },
            Err(_) => registry.adopt(id).map(|item| f(&item)),
        };
        c.flush();
        out
    })
}

/// [`lookup`] for an `f` that may fail, with the error `gone()` once the object is gone.
/// One `Result` all the way: the per-value channel calls go through here, and nesting
/// results (`Option<Result<..>>` turned into `Result<Result<..>>`) moved the large error
/// type around on every call (+40 ns a send and receive here).
#[inline]
pub fn try_with<T, R, E>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    gone: impl FnOnce() -> E,
    f: impl FnOnce(&T) -> std::result::Result<R, E>,
) -> std::result::Result<R, E> {
    cache.with(|c| {
        let out = match c.entries.try_borrow() {
            Ok(entries) => match entries.get(&id) {
                Some((_, item)) => f(item),
                None => {
                    drop(entries);
                    match registry.adopt(id) {
                        Some(item) => f(&item),
                        None => Err(gone()),
                    }
                }
            },
            Err(_) => match registry.adopt(id) {
                Some(item) => f(&item),
                None => Err(gone()),
            },
        };
        c.flush();
        out
    })
}

/// [`lookup`], with the error `gone()` once the object is gone.
pub fn with_or<T, R, E>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    gone: impl FnOnce() -> E,
    f: impl FnOnce(&T) -> R,
) -> std::result::Result<R, E> {
    lookup(cache, registry, id, f).ok_or_else(gone)
}

/// [`with_or`] with the [`gone`] error naming the object `what`.
pub fn with<T, R>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
    what: &str,
    f: impl FnOnce(&T) -> R,
) -> Result<R> {
    with_or(cache, registry, id, || gone(what, id), f)
}

/// Object `id`: this thread's cached one, or else the registry's (None once gone).
pub fn get<T>(
    cache: &'static LocalKey<Cache<T>>,
    registry: &Handles<T>,
    id: u32,
) -> Option<Arc<T>> {
    let cached = cache.with(|c| {
        let entries = c.entries.try_borrow().ok()?;
        entries.get(&id).map(|(_, item)| item.clone())
    });
    cached.or_else(|| registry.adopt(id))
}

/// Counts a wrapper on `item` (object `id`) on this thread, caching it for the first;
/// false if the cache was busy or gone (the object then stays uncached, and lookups fall
/// back to the registry).
pub fn hold<T>(cache: &'static LocalKey<Cache<T>>, id: u32, item: &Arc<T>) -> bool {
    cache
        .try_with(|c| {
            let held = c
                .entries
                .try_borrow_mut()
                .map(|mut m| m.entry(id).or_insert_with(|| (0, item.clone())).0 += 1)
                .is_ok();
            c.flush();
            held
        })
        .unwrap_or(false)
}

/// One of this thread's wrappers on `id` (counted by [`hold`]) is going: takes its count
/// away and releases its registry handle, or defers both while the cache is borrowed.
pub fn release<T>(cache: &'static LocalKey<Cache<T>>, registry: &'static Handles<T>, id: u32) {
    let done = cache.try_with(|c| match c.entries.try_borrow_mut() {
        Ok(mut entries) => {
            uncount(&mut entries, id);
            drop(entries);
            c.flush();
            true
        }
        Err(_) => {
            c.deferred.borrow_mut().push((id, registry));
            c.has_deferred.set(true);
            false
        }
    });
    // During thread teardown the cache may be gone already (its entries with it).
    if done != Ok(false) {
        registry.release(id);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    static THINGS: Handles<u32> = Handles::new();
    crate::handle_cache!(THING_CACHE: u32);

    #[test]
    fn a_wrapper_gone_during_a_lookup_keeps_its_id_until_the_lookup_ends() {
        let item = Arc::new(7);
        let id = THINGS.create(item.clone());
        assert!(hold(&THING_CACHE, id, &item));
        // The wrapper goes while the entry is in use (a finalizer during a lookup).
        let seen = lookup(&THING_CACHE, &THINGS, id, |v| {
            release(&THING_CACHE, &THINGS, id);
            // Still registered: no new object can be given this id meanwhile.
            assert_eq!(THINGS.handles(id), 1);
            *v
        })
        .unwrap();
        assert_eq!(seen, 7);
        // The lookup ended: the entry and the id are gone together.
        assert_eq!(THING_CACHE.with(|c| c.counts()), []);
        assert_eq!(THINGS.handles(id), 0);
        // A new object given the same id is the one a lookup now finds.
        THINGS.set_next_id(id);
        let other = Arc::new(8);
        assert_eq!(THINGS.create(other.clone()), id);
        assert_eq!(lookup(&THING_CACHE, &THINGS, id, |v| *v), Some(8));
        THINGS.release(id);
    }

    #[test]
    fn counts_each_wrapper_and_releases_with_the_last() {
        let item = Arc::new(1);
        let id = THINGS.create(item.clone());
        THINGS.pin(id); // a second wrapper's handle
        assert!(hold(&THING_CACHE, id, &item));
        assert!(hold(&THING_CACHE, id, &item));
        release(&THING_CACHE, &THINGS, id);
        assert_eq!(THING_CACHE.with(|c| c.counts()), [(id, 1)]);
        release(&THING_CACHE, &THINGS, id);
        assert_eq!(THING_CACHE.with(|c| c.counts()), []);
        assert_eq!(THINGS.handles(id), 0);
    }
}
