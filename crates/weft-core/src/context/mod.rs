//! Go's `context` across threads: a tree of contexts where cancelling one cancels its
//! descendants (never its ancestors), deadlines that cancel by themselves, and values
//! looked up through the ancestors. Every thread holding a context sees the same state;
//! waiters (blocking or notifying, see [`crate::wake`]) wake when it is cancelled.
//!
//! A cancelled (or dropped) child detaches from its parent at once, so short-lived
//! children leave nothing behind in a long-lived parent.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use weft_core::context::{Context, Reason};
//! let root = Context::background();
//! let job = root.with_cancel();
//! let step = job.with_deadline(Instant::now() + Duration::from_secs(60));
//! assert!(job.cancel(None));
//! assert_eq!(step.err().map(|e| e.reason), Some(Reason::Canceled)); // flows down
//! assert!(root.err().is_none());                                     // never up
//! ```
mod deadline;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use parking_lot::Mutex;

use crate::sync::WaitList;
use crate::wake::Waiter;
use crate::Value;

/// Why a context ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Its (or an ancestor's) cancel was called.
    Canceled,
    /// Its (or an ancestor's) deadline passed.
    DeadlineExceeded,
}

/// How a context ended: the reason and the cause given to `cancel`, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    pub reason: Reason,
    pub cause: Option<Arc<Cause>>,
}

impl Cancellation {
    /// The cause given to `cancel`, if any.
    ///
    /// ```
    /// use weft_core::{context::Context, Value};
    /// let ctx = Context::background().with_cancel();
    /// ctx.cancel(Some(Value::Number(7.0)));
    /// assert_eq!(ctx.err().unwrap().cause_value(), Some(&Value::Number(7.0)));
    /// ```
    pub fn cause_value(&self) -> Option<&Value> {
        self.cause.as_deref().map(Cause::value)
    }
}

/// The cause of a cancellation, one value shared by every context the cancellation
/// reached. Each reader that takes it to another isolate takes a [`deliver`](Self::deliver)ed
/// copy (with pins of its own on the weft objects inside); the weft objects it names are
/// released when the last context holding it is gone (see [`Value::discard`]).
#[derive(Debug, PartialEq)]
pub struct Cause(Value);

impl Cause {
    /// The value, to look at.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// A copy for one reader (see [`Value::duplicate`]).
    ///
    /// ```
    /// use weft_core::{context::Context, Value};
    /// let ctx = Context::background().with_cancel();
    /// ctx.cancel(Some(Value::String("why".into())));
    /// let cause = ctx.err().unwrap().cause.unwrap();
    /// assert_eq!(cause.deliver(), Value::String("why".into()));
    /// ```
    pub fn deliver(&self) -> Value {
        self.0.duplicate()
    }
}

impl Drop for Cause {
    fn drop(&mut self) {
        std::mem::replace(&mut self.0, Value::Undefined).discard();
    }
}

/// A context (cheap to clone; clones are the same context). See the module doc.
#[derive(Clone)]
pub struct Context(Arc<Node>);

struct Node {
    parent: Option<Arc<Node>>,
    kind: Kind,
}

enum Kind {
    /// `background()`: never cancelled, has no deadline.
    Root,
    /// `with_value`: state comes from the nearest cancellable ancestor.
    Value { key: String, value: Value },
    /// `with_cancel` / `with_deadline`.
    Cancel(CancelState),
}

struct CancelState {
    /// Set once, with `inner.err`; read without the lock on hot paths.
    done: AtomicBool,
    /// The effective deadline (its own or an ancestor's, the earlier).
    deadline: Option<Instant>,
    /// Its key in the nearest cancellable ancestor's `children` (0: not registered).
    slot: u64,
    next_child: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    err: Option<Cancellation>,
    children: HashMap<u64, Weak<Node>>,
    waiters: WaitList<()>,
    /// Its entry in the deadline timer, while one is set.
    timer: Option<deadline::Key>,
}

impl Context {
    /// A root context: never cancelled, no deadline, no values.
    pub fn background() -> Context {
        Context(Arc::new(Node {
            parent: None,
            kind: Kind::Root,
        }))
    }

    /// A child that [`cancel`](Self::cancel) ends, as its parent's end does.
    pub fn with_cancel(&self) -> Context {
        self.cancellable(None)
    }

    /// A child that also ends by itself at `at` with [`Reason::DeadlineExceeded`] (at
    /// once if `at` has passed). A deadline later than the parent's changes nothing.
    pub fn with_deadline(&self, at: Instant) -> Context {
        self.cancellable(Some(at))
    }

    /// A child carrying `value` under `key`; it ends when its parent does.
    pub fn with_value(&self, key: impl Into<String>, value: Value) -> Context {
        Context(Arc::new(Node {
            parent: Some(self.0.clone()),
            kind: Kind::Value {
                key: key.into(),
                value,
            },
        }))
    }

    /// Ends this context and its descendants with [`Reason::Canceled`] and `cause`. True
    /// if this call ended it; false if it had ended already, or cannot be cancelled (a
    /// background or value context: cancel the context it came from).
    /// A cause that did not end anything is dropped, releasing what it pinned.
    pub fn cancel(&self, cause: Option<Value>) -> bool {
        let cause = cause.map(|value| Arc::new(Cause(value)));
        if !matches!(self.0.kind, Kind::Cancel(_)) {
            return false;
        }
        cancel_tree(
            &self.0,
            Cancellation {
                reason: Reason::Canceled,
                cause,
            },
        )
    }

    /// How it ended, or None while it lives. A passed deadline ends it here, even before
    /// the timer thread gets to it.
    pub fn err(&self) -> Option<Cancellation> {
        let node = self.0.canceller()?;
        let state = node.state();
        if !state.done.load(Ordering::Acquire) {
            if state.deadline.is_none_or(|d| Instant::now() < d) {
                return None;
            }
            expire(node);
        }
        state.inner.lock().err.clone()
    }

    /// Whether it has ended (cheap: one atomic load, plus a clock read with a deadline).
    pub fn is_done(&self) -> bool {
        match self.0.canceller() {
            None => false,
            Some(node) => {
                let state = node.state();
                state.done.load(Ordering::Acquire)
                    || state.deadline.is_some_and(|d| Instant::now() >= d)
            }
        }
    }

    /// The effective deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.0.canceller().and_then(|n| n.state().deadline)
    }

    /// The value under `key` in this context or the nearest ancestor that has one.
    pub fn value(&self, key: &str) -> Option<Value> {
        let mut node = Some(&self.0);
        while let Some(n) = node {
            if let Kind::Value { key: k, value } = &n.kind
                && k == key
            {
                return Some(value.duplicate()); // one delivery more: its own pins
            }
            node = n.parent.as_ref();
        }
        None
    }

    /// Registers `waiter` to be committed (case 0, [`crate::wake::Delivery::Done`]) when
    /// the context ends. Returns true instead if it has ended already (nothing queued).
    /// A context that can never end queues the waiter forever; cancel it with
    /// [`forget`](Self::forget).
    pub fn wait(&self, waiter: &Arc<Waiter>) -> bool {
        if self.err().is_some() {
            return true;
        }
        let Some(node) = self.0.canceller() else {
            return false; // a background context: never ends
        };
        let mut inner = node.state().inner.lock();
        if inner.err.is_some() {
            return true;
        }
        inner.waiters.push(waiter.clone(), ());
        false
    }

    /// Drops a waiter that was cancelled.
    pub fn forget(&self, waiter: &Arc<Waiter>) {
        if let Some(node) = self.0.canceller() {
            node.state().inner.lock().waiters.forget(waiter);
        }
    }

    /// How many live children are registered on this context (tests; leak checks).
    pub fn child_count(&self) -> usize {
        match self.0.canceller() {
            Some(node) if std::ptr::eq(node, &*self.0) => node.state().inner.lock().children.len(),
            _ => 0,
        }
    }

    fn cancellable(&self, own_deadline: Option<Instant>) -> Context {
        let parent = self.0.canceller();
        let inherited = parent.and_then(|p| p.state().deadline);
        let deadline = match (own_deadline, inherited) {
            (Some(own), Some(up)) => Some(own.min(up)),
            (own, up) => own.or(up),
        };
        let times_itself =
            own_deadline.is_some() && deadline == own_deadline && inherited != deadline;
        let slot = parent.map_or(0, |p| {
            p.state().next_child.fetch_add(1, Ordering::Relaxed) + 1
        });
        let child = Arc::new(Node {
            parent: Some(self.0.clone()),
            kind: Kind::Cancel(CancelState {
                done: AtomicBool::new(false),
                deadline,
                slot,
                next_child: AtomicU64::new(0),
                inner: Mutex::new(Inner::default()),
            }),
        });
        if let Some(parent) = parent {
            let mut up = parent.state().inner.lock();
            match &up.err {
                Some(err) => {
                    let err = err.clone();
                    drop(up);
                    cancel_tree(&child, err);
                    return Context(child);
                }
                None => {
                    up.children.insert(slot, Arc::downgrade(&child));
                }
            }
        }
        if times_itself {
            let at = deadline.expect("own deadline set");
            if at <= Instant::now() {
                expire(&child);
            } else {
                match deadline::schedule(at, Arc::downgrade(&child)) {
                    Ok(key) => {
                        let mut inner = child.state().inner.lock();
                        if inner.err.is_none() {
                            inner.timer = Some(key);
                        } else {
                            drop(inner);
                            deadline::unschedule(key);
                        }
                    }
                    // No timer thread to end it on time: cancel it now (the cause says
                    // why) rather than let it run past its deadline.
                    Err(err) => {
                        let cause = Value::String(err.message().into());
                        cancel_tree(
                            &child,
                            Cancellation {
                                reason: Reason::Canceled,
                                cause: Some(Arc::new(Cause(cause))),
                            },
                        );
                    }
                }
            }
        }
        Context(child)
    }
}

impl Node {
    /// The nearest node (itself included) that can be cancelled.
    fn canceller(&self) -> Option<&Node> {
        let mut node = self;
        loop {
            match node.kind {
                Kind::Cancel(_) => return Some(node),
                Kind::Root => return None,
                Kind::Value { .. } => node = node.parent.as_deref()?,
            }
        }
    }

    fn state(&self) -> &CancelState {
        match &self.kind {
            Kind::Cancel(state) => state,
            _ => unreachable!("state() is only called on a canceller"),
        }
    }
}

impl Drop for Node {
    /// A cancellable context nobody holds any more leaves its parent and the timer. The
    /// ancestors this frees are dropped in a loop, not recursively: a chain of contexts
    /// may be far deeper than the stack.
    fn drop(&mut self) {
        if let Kind::Value { value, .. } = &mut self.kind {
            std::mem::replace(value, Value::Undefined).discard();
        }
        self.leave();
        let mut next = self.parent.take();
        while let Some(parent) = next {
            next = Arc::try_unwrap(parent).ok().and_then(|mut node| {
                node.leave();
                node.parent.take()
            });
        }
    }
}

impl Node {
    /// Stops its timer and detaches it from its parent's children (idempotent).
    fn leave(&mut self) {
        let Kind::Cancel(state) = &mut self.kind else {
            return;
        };
        if let Some(key) = state.inner.get_mut().timer.take() {
            deadline::unschedule(key);
        }
        let slot = state.slot;
        if let Some(parent) = self.parent.as_deref().and_then(Node::canceller) {
            parent.state().inner.lock().children.remove(&slot);
        }
    }
}

/// Ends a context with DeadlineExceeded (its deadline passed).
fn expire(node: &Node) {
    cancel_tree(
        node,
        Cancellation {
            reason: Reason::DeadlineExceeded,
            cause: None,
        },
    );
}

/// Ends `node` and its descendants with `err` (an explicit worklist: a deep chain of
/// contexts must not overflow the stack). True if `node` had not ended before.
fn cancel_tree(node: &Node, err: Cancellation) -> bool {
    let Some(children) = end(node, &err) else {
        return false;
    };
    if let Some(parent) = node.parent.as_deref().and_then(Node::canceller) {
        parent
            .state()
            .inner
            .lock()
            .children
            .remove(&node.state().slot);
    }
    let mut pending: Vec<Arc<Node>> = children.into_values().filter_map(|w| w.upgrade()).collect();
    while let Some(child) = pending.pop() {
        if let Some(grandchildren) = end(&child, &err) {
            pending.extend(grandchildren.into_values().filter_map(|w| w.upgrade()));
        }
    }
    true
}

/// Marks one node ended, wakes its waiters, stops its timer; its children, or None if it
/// had ended already.
fn end(node: &Node, err: &Cancellation) -> Option<HashMap<u64, Weak<Node>>> {
    let state = node.state();
    let mut inner = state.inner.lock();
    if inner.err.is_some() {
        return None;
    }
    inner.err = Some(err.clone());
    state.done.store(true, Ordering::Release);
    inner.waiters.wake_all();
    if let Some(key) = inner.timer.take() {
        deadline::unschedule(key);
    }
    Some(std::mem::take(&mut inner.children))
}

impl crate::wake::Waitable for Context {
    fn forget(&self, waiter: &Arc<Waiter>) {
        Context::forget(self, waiter)
    }
}
