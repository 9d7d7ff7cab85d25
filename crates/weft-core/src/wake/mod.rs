//! How a result made on one thread reaches the thread waiting for it: a [`Mailbox`] per JS
//! thread (one coalesced wakeup for many results) and [`Waiter`]s that exactly one party
//! settles. The pool's completions, channels, select and the sync primitives all use them.
//!
//! On top of those, the wait protocol every binding shares: a primitive registers a
//! waiter and says how to take it off ([`Waitable`], [`Started`]); the wait then runs
//! asynchronously (tracked by the thread's [`ThreadWaits`] until its notice is drained or
//! it is cancelled), blocking in slices ([`blocking`]), or briefly ([`brief`]). Every form
//! withdraws the wait when its thread ends, and gives back what it was granted.
pub mod blocking;
mod mailbox;
mod pending;
mod wait;
mod waiter;

pub use blocking::Slice;
pub use mailbox::Mailbox;
pub use pending::ThreadWaits;
pub use wait::{brief, Start, Started, Waitable, Withdraw, Withdrawal};
pub use waiter::{Delivery, Notice, Waiter};
