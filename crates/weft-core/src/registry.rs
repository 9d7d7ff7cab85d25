//! A process-wide registry of shared objects by id, so every thread (every JS isolate)
//! can reach the same `Arc<T>`: JS wrappers hold ids, never Rust pointers from another
//! isolate.
//!
//! ```
//! use weft_core::registry::Registry;
//! static THINGS: Registry<String> = Registry::new();
//! let id = THINGS.insert(std::sync::Arc::new("shared".to_string()));
//! assert_eq!(THINGS.get(id).as_deref().map(String::as_str), Some("shared"));
//! THINGS.remove(id);
//! assert!(THINGS.get(id).is_none());
//! ```
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

/// Ids to `Arc<T>`; lookups happen once per handle (at attach), not per operation.
pub struct Registry<T> {
    next: AtomicU32,
    items: Mutex<Option<HashMap<u32, Arc<T>>>>,
}

impl<T> Registry<T> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Registry<T> {
        Registry {
            next: AtomicU32::new(1),
            items: Mutex::new(None),
        }
    }

    /// Adds an object; returns its id (never 0).
    pub fn insert(&self, item: Arc<T>) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.items
            .lock()
            .get_or_insert_with(HashMap::new)
            .insert(id, item);
        id
    }

    /// The object with this id, if still registered.
    pub fn get(&self, id: u32) -> Option<Arc<T>> {
        self.items.lock().as_ref()?.get(&id).cloned()
    }

    /// Unregisters an id; holders of the `Arc` keep it alive.
    pub fn remove(&self, id: u32) -> Option<Arc<T>> {
        self.items.lock().as_mut()?.remove(&id)
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A registry whose entries live as long as their handles: each JS wrapper in any thread
/// counts as one, and so does a handle in transit (pinned by the sender's encoder, adopted
/// by the receiver's decoder). The last release unregisters the object.
///
/// ```
/// use weft_core::registry::Handles;
/// static CHANNELS: Handles<&str> = Handles::new();
/// let id = CHANNELS.create(std::sync::Arc::new("chan"));
/// assert!(CHANNELS.pin(id));                 // in a message to another thread
/// CHANNELS.release(id);                      // the sender's wrapper goes away
/// let there = CHANNELS.adopt(id).unwrap();   // the receiver takes over the pinned handle
/// CHANNELS.release(id);                      // ...and drops it: the last one
/// assert!(CHANNELS.attach(id).is_none());
/// # drop(there);
/// ```
pub struct Handles<T> {
    next: AtomicU32,
    items: Mutex<Option<HashMap<u32, Counted<T>>>>,
}

/// An object and how many handles it has.
type Counted<T> = (Arc<T>, usize);

impl<T> Handles<T> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Handles<T> {
        Handles {
            next: AtomicU32::new(1),
            items: Mutex::new(None),
        }
    }

    /// Registers an object with one handle (the creator's); returns its id.
    pub fn create(&self, item: Arc<T>) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.items
            .lock()
            .get_or_insert_with(HashMap::new)
            .insert(id, (item, 1));
        id
    }

    /// A new handle on a live object.
    pub fn attach(&self, id: u32) -> Option<Arc<T>> {
        let mut items = self.items.lock();
        let (item, handles) = items.as_mut()?.get_mut(&id)?;
        *handles += 1;
        Some(item.clone())
    }

    /// Counts a handle in transit; false if the object is gone.
    pub fn pin(&self, id: u32) -> bool {
        self.attach(id).is_some()
    }

    /// Takes over a pinned handle (no new count).
    pub fn adopt(&self, id: u32) -> Option<Arc<T>> {
        self.items
            .lock()
            .as_ref()?
            .get(&id)
            .map(|(item, _)| item.clone())
    }

    /// Drops one handle; the last one unregisters the object.
    pub fn release(&self, id: u32) {
        let removed = {
            let mut items = self.items.lock();
            let Some(map) = items.as_mut() else { return };
            match map.get_mut(&id) {
                Some((_, handles)) if *handles > 1 => {
                    *handles -= 1;
                    None
                }
                Some(_) => map.remove(&id),
                None => None,
            }
        };
        // Dropped outside the lock: freeing the object may release others in this registry
        // (a channel freed with channels buffered in it).
        drop(removed);
    }

    /// Live handles on `id` (0 once gone).
    pub fn handles(&self, id: u32) -> usize {
        self.items
            .lock()
            .as_ref()
            .and_then(|m| m.get(&id))
            .map_or(0, |(_, n)| *n)
    }

    /// How many objects are registered (alive somewhere).
    pub fn len(&self) -> usize {
        self.items.lock().as_ref().map_or(0, HashMap::len)
    }

    /// Whether no object is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object that, when freed, releases another object of the same registry (a channel
    /// freed with a channel buffered in it).
    struct Holder(Option<u32>);

    static HOLDERS: Handles<Holder> = Handles::new();

    impl Drop for Holder {
        fn drop(&mut self) {
            if let Some(id) = self.0 {
                HOLDERS.release(id);
            }
        }
    }

    #[test]
    fn freeing_an_object_may_release_another_in_the_same_registry() {
        let inner = HOLDERS.create(Arc::new(Holder(None)));
        let outer = HOLDERS.create(Arc::new(Holder(Some(inner))));
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            HOLDERS.release(outer); // the last handle: frees outer, which releases inner
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("release deadlocked: the object was freed under the registry's lock");
        assert!(HOLDERS.attach(outer).is_none());
        assert!(HOLDERS.attach(inner).is_none());
    }
}
