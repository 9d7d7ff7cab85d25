//! Go channels for threads that may be JS isolates: bounded (`cap` n), unbuffered
//! rendezvous (`cap` 0: a send completes only when a receiver takes the value) and
//! unbounded (`cap` usize::MAX), with close, and [`select`] over any mix of cases.
//!
//! One mutex-guarded state per channel rather than crossbeam's lock-free flavours: every
//! hand-off to a waiting party must commit that party's [`Waiter`] (which a select on
//! several channels may race to commit elsewhere) in the same step as the buffer change,
//! and the lock makes that step atomic. Bulk calls (`send_many`, `recv_many`) take the lock
//! once per batch, which is what moves numeric streams fast.
//!
//! ```
//! use weft_core::chan::{Channel, TryRecv};
//! use weft_core::Value;
//! let ch = Channel::new(2);
//! ch.try_send(Value::Number(1.0)).unwrap();
//! ch.close().unwrap();
//! assert_eq!(ch.try_recv(), TryRecv::Value(Value::Number(1.0))); // close, then drain
//! assert_eq!(ch.try_recv(), TryRecv::Closed);
//! assert!(ch.try_send(Value::Null).is_err());                     // the value comes back
//! ```
mod rng;
mod select;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

pub use select::{select, Case, Op, Registration, Selected};

use crate::wake::{Delivery, Waiter};
use crate::{Error, ErrorCode, Value};

/// Why a non-blocking send did not happen; the value comes back either way.
#[derive(Debug, PartialEq)]
pub enum SendError {
    /// The buffer is full (or, unbuffered, no receiver is waiting).
    Full(Value),
    /// The channel is closed.
    Closed(Value),
}

/// What a non-blocking receive found.
#[derive(Debug, PartialEq)]
pub enum TryRecv {
    Value(Value),
    /// Nothing to take now.
    Empty,
    /// Closed and drained.
    Closed,
}

/// A channel shared by every thread that holds it.
pub struct Channel {
    cap: usize,
    state: Mutex<State>,
}

/// A sender parked on the channel with its value.
struct SendWait {
    waiter: Arc<Waiter>,
    case: u32,
    value: Value,
}

/// A receiver parked on the channel.
struct RecvWait {
    waiter: Arc<Waiter>,
    case: u32,
}

#[derive(Default)]
struct State {
    buf: VecDeque<Value>,
    closed: bool,
    senders: VecDeque<SendWait>,
    receivers: VecDeque<RecvWait>,
}

impl Drop for State {
    /// Values still buffered when the last handle goes are never received: they give back
    /// what they pinned (see [`Value::discard`]).
    fn drop(&mut self) {
        for value in self.buf.drain(..) {
            value.discard();
        }
    }
}

impl State {
    /// Gives `value` to the first receiver still waiting (dropping withdrawn ones).
    fn hand_to_receiver(&mut self, value: Value) -> Result<(), Value> {
        while let Some(r) = self.receivers.pop_front() {
            if r.waiter.try_commit(r.case) {
                r.waiter.deliver(r.case, Delivery::Received(value));
                return Ok(());
            }
        }
        Err(value)
    }

    /// Takes the value of the first sender still waiting (dropping withdrawn ones).
    fn take_from_sender(&mut self) -> Option<Value> {
        while let Some(s) = self.senders.pop_front() {
            if s.waiter.try_commit(s.case) {
                s.waiter.deliver(s.case, Delivery::Sent);
                return Some(s.value);
            }
        }
        None
    }

    fn has_receiver(&self) -> bool {
        self.receivers.iter().any(|r| r.waiter.is_waiting())
    }

    fn try_send(&mut self, cap: usize, value: Value) -> Result<(), SendError> {
        if self.closed {
            return Err(SendError::Closed(value));
        }
        let value = match self.hand_to_receiver(value) {
            Ok(()) => return Ok(()),
            Err(value) => value,
        };
        if self.buf.len() < cap {
            self.buf.push_back(value);
            Ok(())
        } else {
            Err(SendError::Full(value))
        }
    }

    fn try_recv(&mut self) -> TryRecv {
        if let Some(value) = self.buf.pop_front() {
            // Room appeared: the first waiting sender's value moves into the buffer.
            if let Some(next) = self.take_from_sender() {
                self.buf.push_back(next);
            }
            return TryRecv::Value(value);
        }
        if let Some(value) = self.take_from_sender() {
            return TryRecv::Value(value);
        }
        if self.closed {
            TryRecv::Closed
        } else {
            TryRecv::Empty
        }
    }

    /// Whether a send would complete now (closed counts: it completes with an error).
    fn send_ready(&self, cap: usize) -> bool {
        self.closed || self.buf.len() < cap || self.has_receiver()
    }

    /// Takes `waiter` off the channel. The values of its send cases go back to whoever
    /// owns them; with `discard`, nobody does (their thread ended), so they give back what
    /// they pinned.
    fn forget(&mut self, waiter: &Arc<Waiter>, discard: bool) {
        if discard {
            for s in std::mem::take(&mut self.senders) {
                if Arc::ptr_eq(&s.waiter, waiter) {
                    s.value.discard();
                } else {
                    self.senders.push_back(s);
                }
            }
        } else {
            self.senders.retain(|s| !Arc::ptr_eq(&s.waiter, waiter));
        }
        self.receivers.retain(|r| !Arc::ptr_eq(&r.waiter, waiter));
    }

    /// Waiters registered and still waiting (a diagnostic).
    fn waiting(&self) -> usize {
        let senders = self
            .senders
            .iter()
            .filter(|s| s.waiter.is_waiting())
            .count();
        let receivers = self
            .receivers
            .iter()
            .filter(|r| r.waiter.is_waiting())
            .count();
        senders + receivers
    }
}

impl Channel {
    /// A channel buffering `cap` values: 0 is unbuffered, `usize::MAX` unbounded.
    pub fn new(cap: usize) -> Channel {
        Channel {
            cap,
            state: Mutex::new(State::default()),
        }
    }

    /// The buffer's capacity (`usize::MAX` for unbounded).
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Values buffered now.
    pub fn len(&self) -> usize {
        self.state.lock().buf.len()
    }

    /// Whether no value is buffered now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Senders and receivers registered on it and still waiting (a diagnostic: a thread
    /// that ended leaves none behind).
    ///
    /// ```
    /// assert_eq!(weft_core::chan::Channel::new(1).waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.state.lock().waiting()
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Sends without waiting: to a waiting receiver, else into the buffer.
    pub fn try_send(&self, value: Value) -> Result<(), SendError> {
        self.state.lock().try_send(self.cap, value)
    }

    /// Receives without waiting: from the buffer, else from a waiting sender.
    pub fn try_recv(&self) -> TryRecv {
        self.state.lock().try_recv()
    }

    /// Like [`try_send`](Self::try_send), but while the channel is full keeps trying for up
    /// to `spin`: a consumer that is running frees room within microseconds, far sooner
    /// than a parked waiter could be woken.
    pub fn send_spin(&self, value: Value, spin: Duration) -> Result<(), SendError> {
        let mut value = match self.try_send(value) {
            Err(SendError::Full(back)) if !spin.is_zero() => back,
            other => return other,
        };
        let deadline = Instant::now() + spin;
        loop {
            match self.try_send(value) {
                Err(SendError::Full(back)) if Instant::now() < deadline => {
                    value = back;
                    pause();
                }
                other => return other,
            }
        }
    }

    /// Like [`try_recv`](Self::try_recv), but while the channel is empty keeps trying for
    /// up to `spin` (see [`send_spin`](Self::send_spin)).
    pub fn recv_spin(&self, spin: Duration) -> TryRecv {
        match self.try_recv() {
            TryRecv::Empty if !spin.is_zero() => {}
            other => return other,
        }
        let deadline = Instant::now() + spin;
        loop {
            match self.try_recv() {
                TryRecv::Empty if Instant::now() < deadline => pause(),
                other => return other,
            }
        }
    }

    /// Sends as many of `values` as fit now, in order, under one lock. Returns how many
    /// were sent; the rest stay in `values`. Fails only if the channel is closed (then
    /// nothing was sent and `values` is untouched).
    pub fn try_send_many(&self, values: &mut VecDeque<Value>) -> Result<usize, Error> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(closed_error("send on a closed channel"));
        }
        let mut sent = 0;
        while let Some(value) = values.pop_front() {
            match st.try_send(self.cap, value) {
                Ok(()) => sent += 1,
                Err(SendError::Full(value)) | Err(SendError::Closed(value)) => {
                    values.push_front(value);
                    break;
                }
            }
        }
        Ok(sent)
    }

    /// Receives up to `max` values available now, under one lock. An empty result with
    /// `closed` true means closed and drained.
    pub fn try_recv_many(&self, max: usize) -> (Vec<Value>, bool) {
        let mut st = self.state.lock();
        let mut out = Vec::with_capacity(st.buf.len().min(max));
        while out.len() < max {
            match st.try_recv() {
                TryRecv::Value(v) => out.push(v),
                TryRecv::Empty => break,
                TryRecv::Closed => return (out, true),
            }
        }
        (out, false)
    }

    /// Closes the channel: receivers drain what is buffered, then see it closed; waiting
    /// receivers wake (closed) and waiting senders get their values back. Closing twice is
    /// `CHANNEL_CLOSED`.
    pub fn close(&self) -> Result<(), Error> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(closed_error("close of a closed channel"));
        }
        st.closed = true;
        // With a buffer, waiting receivers imply an empty buffer: they all see closed.
        while let Some(r) = st.receivers.pop_front() {
            if r.waiter.try_commit(r.case) {
                r.waiter.deliver(r.case, Delivery::Closed);
            }
        }
        while let Some(s) = st.senders.pop_front() {
            if s.waiter.try_commit(s.case) {
                s.waiter.deliver(s.case, Delivery::Refused(s.value));
            }
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("cap", &self.cap).finish()
    }
}

/// A short pause between tries that leaves the channel's lock to the other side.
fn pause() {
    for _ in 0..16 {
        std::hint::spin_loop();
    }
}

/// The `CHANNEL_CLOSED` error.
pub fn closed_error(what: &str) -> Error {
    Error::new(ErrorCode::ChannelClosed, what)
}
