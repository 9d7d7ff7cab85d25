//! Sync primitives shared across threads: [`Semaphore`] (weighted; also the mutex and the
//! readers-writer lock), [`WaitGroup`], [`Cond`], [`Once`] and [`Barrier`]. Each queues
//! [`Waiter`](crate::wake::Waiter)s, so one primitive serves blocking worker threads and
//! async JS threads alike; a cancelled waiter is withdrawn with the primitive's `forget`.
mod barrier;
mod cond;
mod once;
mod semaphore;
#[cfg(test)]
mod tests;
mod waitgroup;
mod waitlist;

pub use barrier::{Arrival, Barrier};
pub use cond::Cond;
pub use once::{Once, OnceState, ONCE_RETRY};
pub use semaphore::{Acquire, Semaphore, RW_SIZE};
pub use waitgroup::WaitGroup;
pub(crate) use waitlist::WaitList;
