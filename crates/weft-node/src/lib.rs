//! Node-API bindings for weft-core. This crate converts values and maps errors; the logic
//! lives in weft-core. One module per concept.
#![deny(unsafe_op_in_unsafe_fn)]
// napi-derive registers exports only outside `cfg(test)`, so the test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

mod args;
mod blocking;
mod channel;
mod compute;
mod context;
mod diagnostics;
mod errors;
mod held;
mod local;
mod notifier;
mod outcome;
mod pins;
mod pool;
mod rate;
mod raw;
mod slot;
mod sync;
mod value;
mod wait;
mod wire;
