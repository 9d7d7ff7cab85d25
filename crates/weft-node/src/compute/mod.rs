//! Compute kernels (weft-kernels) on TypedArrays, each in two forms:
//!
//! - `kernels.<name>(...)`, synchronous: the arrays are borrowed in place for the call, and
//!   JS cannot run (so cannot write, transfer or drop them) until the call returns, even
//!   while the kernel pool's threads work on them.
//! - `kernels.<name>Async(..., job)`, returning a Promise: an ArrayBuffer-backed input is
//!   copied at the call (JS may write, transfer or drop the original meanwhile) and an
//!   in-place result comes back as a new array for the facade to copy in; a
//!   SharedArrayBuffer-backed input is used in place (the facade keeps it reachable until
//!   the Promise settles).
mod array;
mod dims;
mod elementwise;
mod hash;
mod job;
mod matmul;
mod reduce;
mod run;
mod scan;
mod threads;
mod typed;
mod value;
