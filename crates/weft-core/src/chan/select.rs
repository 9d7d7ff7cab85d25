//! `select` over send and receive cases on any channels, as Go's `select`: the ready cases
//! are tried in a random order (so each is chosen with equal chance), exactly one commits,
//! and if none is ready the waiter parks on every case's channel until one party commits it.
//!
//! Like Go's `selectgo`, the channels of a select are locked together (in address order,
//! so two selects never deadlock) while the cases are tried and the waiter is registered:
//! nothing can become ready unseen in between, and nobody can commit the waiter before it
//! has looked at every case.
//!
//! ```
//! use std::sync::Arc;
//! use weft_core::chan::{select, Case, Channel, Op, Selected};
//! use weft_core::wake::{Delivery, Waiter};
//! use weft_core::Value;
//! let (a, b) = (Arc::new(Channel::new(1)), Arc::new(Channel::new(0)));
//! let cases = || vec![Case::recv(a.clone()), Case::recv(b.clone())];
//! assert!(matches!(select(cases(), None), Selected::NotReady(_))); // `default`
//! a.try_send(Value::Number(7.0)).unwrap();
//! let Selected::Ready(0, Delivery::Received(v)) = select(cases(), None) else { panic!() };
//! assert_eq!(v, Value::Number(7.0));
//! // Nothing ready: the waiter registers on both channels; a send on `b` commits it.
//! let Selected::Waiting(reg) = select(cases(), Some(Waiter::blocking())) else { panic!() };
//! b.try_send(Value::Bool(true)).unwrap();
//! assert_eq!(reg.waiter().wait(None), Some((1, Delivery::Received(Value::Bool(true)))));
//! reg.unregister();
//! ```
use std::sync::Arc;

use super::{rng, Channel, Locked, RecvWait, SendError, SendWait, TryRecv};
use crate::wake::{Delivery, Waiter, Withdraw, Withdrawal};
use crate::Value;

/// What a case does.
#[derive(Debug)]
pub enum Op {
    Send(Value),
    Recv,
}

/// One case of a select: an operation on a channel.
#[derive(Debug)]
pub struct Case {
    pub chan: Arc<Channel>,
    pub op: Op,
}

impl Case {
    /// A case sending `value` on `chan`.
    pub fn send(chan: Arc<Channel>, value: Value) -> Case {
        Case {
            chan,
            op: Op::Send(value),
        }
    }

    /// A case receiving from `chan`.
    pub fn recv(chan: Arc<Channel>) -> Case {
        Case { chan, op: Op::Recv }
    }
}

/// How a select went.
#[derive(Debug)]
pub enum Selected {
    /// Case `.0` happened now.
    Ready(u32, Delivery),
    /// No case was ready and no waiter was given (Go's `default`): the cases come back.
    NotReady(Vec<Case>),
    /// No case was ready: the waiter is registered on every case's channel and exactly one
    /// counterpart will commit it, unless the owner cancels it first.
    Waiting(Registration),
}

/// A waiter registered on some channels; `unregister` once it is settled or cancelled.
#[derive(Debug)]
pub struct Registration {
    waiter: Arc<Waiter>,
    chans: Vec<Arc<Channel>>,
}

impl Registration {
    /// The registered waiter.
    pub fn waiter(&self) -> &Arc<Waiter> {
        &self.waiter
    }

    /// Removes the waiter's remaining entries from its channels (those of the cases that
    /// did not happen), so a loop of selects leaves nothing behind.
    pub fn unregister(&self) {
        for chan in &self.chans {
            chan.lock().forget(&self.waiter, false);
        }
    }

    /// Like [`unregister`](Self::unregister), for a waiter whose thread ended: nobody will
    /// take back the values of its send cases, so they are discarded (see
    /// [`Value::discard`]).
    pub fn abandon(&self) {
        for chan in &self.chans {
            chan.lock().forget(&self.waiter, true);
        }
    }

    /// This registration's part in the wait protocol: unregistered when the wait settles
    /// or is cancelled, abandoned when its thread ends.
    pub fn into_withdraw(self) -> Withdraw {
        Box::new(move |why| match why {
            Withdrawal::Live => self.unregister(),
            Withdrawal::ThreadEnded { .. } => self.abandon(),
        })
    }
}

/// Runs a select (see the module doc). With `waiter` None it never waits.
pub fn select(mut cases: Vec<Case>, waiter: Option<Arc<Waiter>>) -> Selected {
    // The distinct channels, locked in address order.
    let mut chans: Vec<Arc<Channel>> = Vec::with_capacity(cases.len());
    for case in &cases {
        if !chans.iter().any(|c| Arc::ptr_eq(c, &case.chan)) {
            chans.push(case.chan.clone());
        }
    }
    chans.sort_by_key(|c| Arc::as_ptr(c) as usize);
    let mut guards: Vec<Locked<'_>> = chans.iter().map(|c| c.lock()).collect();
    let guard_of = |chan: &Arc<Channel>| {
        chans
            .iter()
            .position(|c| Arc::ptr_eq(c, chan))
            .expect("every case's channel is locked")
    };

    // Pass 1: try every case, in a random order.
    for i in permutation(cases.len()) {
        let case = &mut cases[i];
        let st = &mut guards[guard_of(&case.chan)];
        let case_no = i as u32;
        match &mut case.op {
            Op::Recv => match st.try_recv() {
                TryRecv::Value(v) => return Selected::Ready(case_no, Delivery::Received(v)),
                TryRecv::Closed => return Selected::Ready(case_no, Delivery::Closed),
                TryRecv::Empty => {}
            },
            Op::Send(value) => {
                if st.send_ready() {
                    let value = std::mem::replace(value, Value::Undefined);
                    match st.try_send(value) {
                        Ok(()) => return Selected::Ready(case_no, Delivery::Sent),
                        Err(SendError::Closed(v)) => {
                            return Selected::Ready(case_no, Delivery::Refused(v))
                        }
                        // The receiver seen waiting was withdrawn meanwhile.
                        Err(SendError::Full(v)) => case.op = Op::Send(v),
                    }
                }
            }
        }
    }

    let Some(waiter) = waiter else {
        drop(guards);
        return Selected::NotReady(cases);
    };
    // Pass 2: nothing ready; wait on every case's channel.
    for (i, case) in cases.into_iter().enumerate() {
        let st = &mut guards[guard_of(&case.chan)];
        let case_no = i as u32;
        match case.op {
            Op::Recv => st.receivers.push_back(RecvWait {
                waiter: waiter.clone(),
                case: case_no,
            }),
            Op::Send(value) => st.senders.push_back(SendWait {
                waiter: waiter.clone(),
                case: case_no,
                value,
            }),
        }
    }
    drop(guards);
    Selected::Waiting(Registration { waiter, chans })
}

/// 0..n in a uniformly random order (Fisher-Yates).
fn permutation(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng::below(i + 1));
    }
    order
}
