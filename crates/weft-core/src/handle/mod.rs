//! Shared objects by id, reachable from every thread (every JS isolate): the registries
//! ([`Handles`], [`Registry`]), one counted handle per wrapper ([`Held`]), per-thread caches
//! for the per-call lookups ([`cache`]), and the table of handle kinds that values crossing
//! threads name in their bytes ([`kinds`]). A binding's wrapper class holds a [`Held`];
//! a new kind of shared object needs a registry and one line in its binding's kind table.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::handle::{Handles, Held};
//! static THINGS: Handles<String> = Handles::new();
//! let held = Held::create(&THINGS, Arc::new("shared".to_string()));
//! assert_eq!(THINGS.adopt(held.id()).as_deref().map(String::as_str), Some("shared"));
//! ```
pub mod cache;
mod held;
pub mod kinds;
mod registry;

pub use cache::Cache;
pub use held::Held;
pub use kinds::{Counted, Kind, Kinds};
pub use registry::{Handles, Registry};

use crate::{Error, ErrorCode};

/// The error for an id whose every handle is gone; `what` names the object.
///
/// ```
/// let e = weft_core::handle::gone("channel", 7);
/// assert!(e.to_string().contains("channel 7 no longer exists"));
/// ```
pub fn gone(what: &str, id: u32) -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        format!("{what} {id} no longer exists (every handle on it was dropped)"),
    )
}
