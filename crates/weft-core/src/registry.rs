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
