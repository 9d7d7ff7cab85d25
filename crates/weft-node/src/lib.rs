//! Node-API bindings for weft-core. This crate converts values and maps errors; the logic
//! lives in weft-core. One module per concept.
#![deny(unsafe_op_in_unsafe_fn)]

mod args;
mod diagnostics;
mod errors;
mod pool;
mod value;
