//! weft-kernels: data-parallel compute kernels over plain slices (the memory of a JS
//! TypedArray), run on weft's own work-stealing pool ([`pool`]), never rayon's global one,
//! so the binding decides when it starts and how many threads it has.
//!
//! Kernels are generic over the element types a TypedArray can hold ([`Element`]); the
//! binding only borrows the array and calls them.
//!
//! ```
//! use weft_kernels::{Job, reduce};
//! let job = Job::new();
//! let xs = [1.0_f64, 2.0, 3.0, 4.0];
//! assert_eq!(reduce::sum(&xs, &job).unwrap().to_f64(), 10.0);
//! assert_eq!(reduce::dot(&xs, &xs, &job), Ok(30.0));
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod element;
pub mod elementwise;
pub mod error;
pub mod hash;
pub mod histogram;
pub mod job;
pub mod matmul;
mod par;
pub mod pool;
pub mod reduce;
pub mod scan;
pub mod search;
#[cfg(test)]
mod testing;

pub use element::Element;
pub use error::KernelError;
pub use job::Job;
