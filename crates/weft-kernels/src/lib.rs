//! weft-kernels: data-parallel compute kernels over plain slices (the memory of a JS
//! TypedArray), run on weft's own work-stealing pool ([`pool`]), never rayon's global one,
//! so the binding decides when it starts and how many threads it has.
//!
//! Kernels are generic over the element types a TypedArray can hold ([`Element`]); the
//! binding only borrows the array and calls them.
//!
//! ```
//! let xs = [1.0_f64, 2.0, 3.0, 4.0];
//! assert_eq!(weft_kernels::reduce::sum(&xs), 10.0);
//! assert_eq!(weft_kernels::reduce::dot(&xs, &xs), Ok(30.0));
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

pub mod element;
pub mod error;
pub mod job;
pub mod pool;
pub mod reduce;
pub mod sort;

pub use element::Element;
pub use error::KernelError;
pub use job::Job;
