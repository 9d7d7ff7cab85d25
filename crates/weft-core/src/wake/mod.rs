//! How a result made on one thread reaches the thread waiting for it: a [`Mailbox`] per JS
//! thread (one coalesced wakeup for many results) and [`Waiter`]s that exactly one party
//! settles. The pool's completions, channels, select and the sync primitives all use them.
mod mailbox;
mod waiter;

pub use mailbox::Mailbox;
pub use waiter::{Delivery, Notice, Waiter};
