//! Go channels for threads that may be JS isolates: bounded (`cap` n), unbuffered
//! rendezvous (`cap` 0: a send completes only when a receiver takes the value) and
//! unbounded (`cap` usize::MAX), with close, and [`select`] over any mix of cases.
//!
//! Every hand-off to a waiting party must commit that party's [`Waiter`] (which a select
//! on several channels may race to commit elsewhere) in the same step as the buffer change,
//! so waiters, closing and unbuffered or unbounded buffers live in one mutex-guarded state.
//! A bounded channel's buffer is a lock-free [`ring`] instead: while nobody waits on the
//! channel and it is open, `try_send` and `try_recv` move values through the ring without
//! the lock (one CAS each), so a streaming producer and a polling consumer never pass a
//! lock between their cores. Taking the lock marks the ring, which sends everyone else to
//! the lock until it is released with no waiter registered. Bulk calls (`send_many`,
//! `recv_many`) take the lock once per batch.
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
mod ring;
mod rng;
mod select;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

use ring::{Pop, Push, Ring};
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

/// Bounded channels up to this capacity buffer in a lock-free ring (allocated whole up
/// front, 40 bytes a slot); larger and unbounded ones in a `VecDeque` under the lock. Both
/// behave the same; the ring is faster when one side polls while the other streams.
///
/// ```
/// use weft_core::chan::{Channel, RING_MAX};
/// let streaming = Channel::new(1024);            // a ring
/// let roomy = Channel::new(RING_MAX + 1);        // a VecDeque, grown as values arrive
/// assert_eq!((streaming.cap(), roomy.len()), (1024, 0));
/// ```
pub const RING_MAX: usize = 1 << 16;

/// A channel shared by every thread that holds it.
pub struct Channel {
    cap: usize,
    /// The buffer of a bounded channel with `cap` ≤ [`RING_MAX`].
    ring: Option<Ring>,
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
    /// The buffer, unless the channel has a ring.
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

/// The channel's state under its lock, with its ring (if any) marked so that no unlocked
/// operation begins until the guard drops; the marks stay set while waiters are registered
/// or the channel is closed (see [`ring`]).
struct Locked<'a> {
    st: MutexGuard<'a, State>,
    chan: &'a Channel,
}

impl Deref for Locked<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.st
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.st
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if let Some(ring) = self.ring()
            && !self.st.closed
            && self.st.senders.is_empty()
            && self.st.receivers.is_empty()
        {
            ring.unmark();
        }
    }
}

impl<'a> Locked<'a> {
    fn ring(&self) -> Option<&'a Ring> {
        self.chan.ring.as_ref()
    }

    /// Buffers `value` if there is room.
    fn buf_push(&mut self, value: Value) -> Result<(), Value> {
        match self.ring() {
            // SAFETY: `Locked` holds the channel's lock, and `Channel::locked` marked the
            // ring when it was taken; only dropping the `Locked` clears the marks.
            Some(ring) => unsafe { ring.push_locked(value) },
            None if self.st.buf.len() < self.chan.cap => {
                self.st.buf.push_back(value);
                Ok(())
            }
            None => Err(value),
        }
    }

    /// Takes the oldest buffered value.
    fn buf_pop(&mut self) -> Option<Value> {
        match self.ring() {
            // SAFETY: as in `buf_push`: the lock is held and the ring marked.
            Some(ring) => unsafe { ring.pop_locked() },
            None => self.st.buf.pop_front(),
        }
    }

    /// Values buffered now.
    fn buf_len(&self) -> usize {
        match self.ring() {
            Some(ring) => ring.len(),
            None => self.st.buf.len(),
        }
    }

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

    fn try_send(&mut self, value: Value) -> Result<(), SendError> {
        if self.closed {
            return Err(SendError::Closed(value));
        }
        let value = match self.hand_to_receiver(value) {
            Ok(()) => return Ok(()),
            Err(value) => value,
        };
        self.buf_push(value).map_err(SendError::Full)
    }

    fn try_recv(&mut self) -> TryRecv {
        if let Some(value) = self.buf_pop() {
            // Room appeared: the first waiting sender's value moves into the buffer.
            if let Some(next) = self.take_from_sender() {
                // Only lock holders fill a marked ring, and a value just left it.
                let pushed = self.buf_push(next);
                assert!(pushed.is_ok(), "no room for a waiting sender's value");
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
    fn send_ready(&self) -> bool {
        self.closed || self.buf_len() < self.chan.cap || self.has_receiver()
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
            ring: (1..=RING_MAX).contains(&cap).then(|| Ring::new(cap)),
            state: Mutex::new(State::default()),
        }
    }

    /// The buffer's capacity (`usize::MAX` for unbounded).
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Values buffered now.
    pub fn len(&self) -> usize {
        match &self.ring {
            Some(ring) => ring.len(),
            None => self.state.lock().buf.len(),
        }
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
        self.lock().waiting()
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Sends without waiting: to a waiting receiver, else into the buffer.
    pub fn try_send(&self, value: Value) -> Result<(), SendError> {
        self.send_now(value, true)
    }

    /// `try_send`; without `wait_for_lock`, a send that needs the lock while another
    /// thread holds it counts as full (a spinning sender tries again instead of queueing
    /// on the lock, and of marking the ring under a bulk call's feet).
    fn send_now(&self, value: Value, wait_for_lock: bool) -> Result<(), SendError> {
        let value = match &self.ring {
            Some(ring) => match ring.push(value) {
                Ok(()) => return Ok(()),
                // Unmarked: nobody waits and the channel is open, so full means full.
                Err(Push::Full(value)) => return Err(SendError::Full(value)),
                Err(Push::Marked(value)) => value,
            },
            None => value,
        };
        match self.lock_if(wait_for_lock) {
            Some(mut st) => st.try_send(value),
            None => Err(SendError::Full(value)),
        }
    }

    /// Receives without waiting: from the buffer, else from a waiting sender.
    pub fn try_recv(&self) -> TryRecv {
        self.recv_now(true)
    }

    /// `try_recv`; without `wait_for_lock`, see [`send_now`](Self::send_now).
    fn recv_now(&self, wait_for_lock: bool) -> TryRecv {
        if let Some(ring) = &self.ring {
            match ring.pop() {
                Ok(value) => return TryRecv::Value(value),
                // Unmarked: no sender waits and the channel is open.
                Err(Pop::Empty) => return TryRecv::Empty,
                Err(Pop::Marked) => {}
            }
        }
        match self.lock_if(wait_for_lock) {
            Some(mut st) => st.try_recv(),
            None => TryRecv::Empty,
        }
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
            match self.send_now(value, false) {
                Err(SendError::Full(back)) if Instant::now() < deadline => {
                    value = back;
                    pause();
                }
                // The last try waits for the lock: full then means full.
                Err(SendError::Full(back)) => return self.try_send(back),
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
            match self.recv_now(false) {
                TryRecv::Empty if Instant::now() < deadline => pause(),
                TryRecv::Empty => return self.try_recv(),
                other => return other,
            }
        }
    }

    /// Sends as many of `values` as fit now, in order, under one lock. Returns how many
    /// were sent; the rest stay in `values`. Fails only if the channel is closed (then
    /// nothing was sent and `values` is untouched).
    pub fn try_send_many(&self, values: &mut VecDeque<Value>) -> Result<usize, Error> {
        let mut st = self.lock();
        if st.closed {
            return Err(closed_error("send on a closed channel"));
        }
        // Waiting receivers first (they wait only while the buffer is empty), then the
        // buffer while it has room.
        let mut sent = 0;
        while !st.receivers.is_empty() {
            let Some(value) = values.pop_front() else {
                break;
            };
            match st.hand_to_receiver(value) {
                Ok(()) => sent += 1,
                Err(value) => values.push_front(value),
            }
        }
        while let Some(value) = values.pop_front() {
            if let Err(value) = st.buf_push(value) {
                values.push_front(value);
                break;
            }
            sent += 1;
        }
        Ok(sent)
    }

    /// Receives up to `max` values available now, under one lock. An empty result with
    /// `closed` true means closed and drained.
    pub fn try_recv_many(&self, max: usize) -> (Vec<Value>, bool) {
        let mut st = self.lock();
        let mut out = Vec::with_capacity(st.buf_len().min(max));
        // The buffer, then the waiting senders behind it, in order; the senders left over
        // move into the room that was made.
        while out.len() < max {
            let Some(value) = st.buf_pop().or_else(|| st.take_from_sender()) else {
                break;
            };
            out.push(value);
        }
        while st.buf_len() < self.cap {
            let Some(value) = st.take_from_sender() else {
                break;
            };
            let pushed = st.buf_push(value);
            assert!(pushed.is_ok(), "no room for a waiting sender's value");
        }
        let drained = out.len() < max && st.closed;
        (out, drained)
    }

    /// Closes the channel: receivers drain what is buffered, then see it closed; waiting
    /// receivers wake (closed) and waiting senders get their values back. Closing twice is
    /// `CHANNEL_CLOSED`.
    pub fn close(&self) -> Result<(), Error> {
        let mut st = self.lock();
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

    /// Takes the lock and marks the ring (see [`Locked`]).
    fn lock(&self) -> Locked<'_> {
        self.locked(self.state.lock())
    }

    /// [`lock`](Self::lock), or with `wait` false, only if nobody holds it now.
    fn lock_if(&self, wait: bool) -> Option<Locked<'_>> {
        if wait {
            Some(self.lock())
        } else {
            self.state.try_lock().map(|st| self.locked(st))
        }
    }

    fn locked<'a>(&'a self, st: MutexGuard<'a, State>) -> Locked<'a> {
        if let Some(ring) = &self.ring {
            ring.mark();
        }
        Locked { st, chan: self }
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
