//! weft-core: the engine behind weft, in plain Rust with no Node-API.
//!
//! Every piece here is tested with `cargo test` and would back any language binding.
//! `weft-node` only converts values and maps [`Error`]s to JS `WeftError`s.
//!
//! ```
//! assert_eq!(weft_core::VERSION, env!("CARGO_PKG_VERSION"));
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod byte_buffers;
pub mod chan;
pub mod context;
pub mod error;
pub mod handle;
mod loom_shim;
pub mod pool;
pub mod rate;
pub mod sync;
pub mod value;
pub mod wake;

pub use error::{Error, ErrorCode, Result};
pub use value::{BytesKind, Value};

/// The engine's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
