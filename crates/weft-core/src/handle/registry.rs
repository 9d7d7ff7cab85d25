//! A process-wide registry of shared objects by id, so every thread (every JS isolate)
//! can reach the same `Arc<T>`: JS wrappers hold ids, never Rust pointers from another
//! isolate.
//!
//! ```
//! use weft_core::handle::Registry;
//! static THINGS: Registry<String> = Registry::new();
//! let id = THINGS.insert(std::sync::Arc::new("shared".to_string()));
//! assert_eq!(THINGS.get(id).as_deref().map(String::as_str), Some("shared"));
//! THINGS.remove(id);
//! assert!(THINGS.get(id).is_none());
//! ```
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// Entries by id and the next id to try. Ids stay 32-bit (JS passes them as native `u32`
/// arguments and they are exact in a `Float64Array` slot), so they wrap after 2^32
/// creations; a fresh id therefore skips 0 and every id still registered, under the same
/// lock as the insert, and a live id is never handed out twice.
struct Slots<V> {
    next: u32,
    map: Option<HashMap<u32, V>>,
}

impl<V> Slots<V> {
    const fn new() -> Slots<V> {
        Slots { next: 1, map: None }
    }

    /// Registers `value` under a fresh id (never 0, never one in use).
    fn insert(&mut self, value: V) -> u32 {
        let map = self.map.get_or_insert_with(HashMap::new);
        loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1);
            // Terminates: the map cannot hold 2^32 - 1 entries (each is an `Arc`, and
            // the address space would run out long before).
            if id != 0 && !map.contains_key(&id) {
                map.insert(id, value);
                return id;
            }
        }
    }
}

/// Ids to `Arc<T>`; lookups happen once per handle (at attach), not per operation.
pub struct Registry<T> {
    items: Mutex<Slots<Arc<T>>>,
}

impl<T> Registry<T> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Registry<T> {
        Registry {
            items: Mutex::new(Slots::new()),
        }
    }

    /// Adds an object; returns its id (never 0, never the id of an object still here).
    pub fn insert(&self, item: Arc<T>) -> u32 {
        self.items.lock().insert(item)
    }

    /// The object with this id, if still registered.
    pub fn get(&self, id: u32) -> Option<Arc<T>> {
        self.items.lock().map.as_ref()?.get(&id).cloned()
    }

    /// Unregisters an id; holders of the `Arc` keep it alive.
    pub fn remove(&self, id: u32) -> Option<Arc<T>> {
        self.items.lock().map.as_mut()?.remove(&id)
    }

    /// Makes `next` the next id tried, so tests can reach the wrap without 2^32 inserts.
    #[doc(hidden)]
    pub fn set_next_id(&self, next: u32) {
        self.items.lock().next = next;
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
/// use weft_core::handle::Handles;
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
    items: Mutex<Slots<Counted<T>>>,
}

/// An object and how many handles it has.
type Counted<T> = (Arc<T>, usize);

impl<T> Handles<T> {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Handles<T> {
        Handles {
            items: Mutex::new(Slots::new()),
        }
    }

    /// Registers an object with one handle (the creator's); returns its id (never 0,
    /// never the id of an object still alive).
    pub fn create(&self, item: Arc<T>) -> u32 {
        self.items.lock().insert((item, 1))
    }

    /// Makes `next` the next id tried, so tests can reach the wrap without 2^32 creations.
    #[doc(hidden)]
    pub fn set_next_id(&self, next: u32) {
        self.items.lock().next = next;
    }

    /// A new handle on a live object.
    pub fn attach(&self, id: u32) -> Option<Arc<T>> {
        let mut items = self.items.lock();
        let (item, handles) = items.map.as_mut()?.get_mut(&id)?;
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
            .map
            .as_ref()?
            .get(&id)
            .map(|(item, _)| item.clone())
    }

    /// Drops one handle; the last one unregisters the object.
    pub fn release(&self, id: u32) {
        let removed = {
            let mut items = self.items.lock();
            let Some(map) = items.map.as_mut() else {
                return;
            };
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
            .map
            .as_ref()
            .and_then(|m| m.get(&id))
            .map_or(0, |(_, n)| *n)
    }

    /// How many objects are registered (alive somewhere).
    pub fn len(&self) -> usize {
        self.items.lock().map.as_ref().map_or(0, HashMap::len)
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
    fn ids_wrap_past_zero_and_skip_live_ones() {
        static WRAPPING: Handles<u32> = Handles::new();
        WRAPPING.set_next_id(u32::MAX - 1);
        let a = WRAPPING.create(Arc::new(1));
        let b = WRAPPING.create(Arc::new(2));
        assert_eq!((a, b), (u32::MAX - 1, u32::MAX));
        // Wrapped: 0 is skipped, and so are a and b while they live.
        let c = WRAPPING.create(Arc::new(3));
        assert_eq!(c, 1);
        WRAPPING.set_next_id(u32::MAX - 1);
        WRAPPING.release(a);
        let d = WRAPPING.create(Arc::new(4));
        let e = WRAPPING.create(Arc::new(5));
        assert_eq!(d, u32::MAX - 1, "a freed id may come back");
        assert_eq!(e, 2, "b and 0 and c are skipped");
        assert_eq!(
            *WRAPPING.attach(b).unwrap(),
            2,
            "b still reaches its own object"
        );
        WRAPPING.release(b); // the attach
        WRAPPING.release(b);
        assert_eq!(WRAPPING.handles(b), 0);
        assert_eq!(*WRAPPING.adopt(c).unwrap(), 3, "b's release left c alone");
        assert_eq!(WRAPPING.len(), 3);
    }

    #[test]
    fn plain_registry_ids_skip_live_ones_after_the_wrap() {
        static PLAIN: Registry<u32> = Registry::new();
        PLAIN.set_next_id(u32::MAX);
        let a = PLAIN.insert(Arc::new(1));
        let b = PLAIN.insert(Arc::new(2));
        PLAIN.set_next_id(u32::MAX);
        let c = PLAIN.insert(Arc::new(3));
        assert_eq!((a, b, c), (u32::MAX, 1, 2));
        assert_eq!(*PLAIN.get(a).unwrap(), 1);
        assert_eq!(*PLAIN.remove(b).unwrap(), 2);
        assert_eq!(*PLAIN.get(c).unwrap(), 3);
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
