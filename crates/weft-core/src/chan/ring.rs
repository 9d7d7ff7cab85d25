//! The buffer of a bounded channel: a lock-free ring (crossbeam-channel's array flavour,
//! after Dmitry Vyukov's bounded MPMC queue) whose head and tail each carry a **mark**.
//!
//! While the marks are clear, sends and receives go through the ring without the channel's
//! lock: one CAS on the tail or the head, then a stamp on the slot. Whoever takes the
//! channel's lock sets both marks first ([`Ring::mark`]), so no new unlocked operation can
//! begin until it clears them ([`Ring::unmark`]). A lock holder therefore sees the ring
//! change only by operations that claimed their slot before the mark, and those finish in
//! a few instructions (it waits for their stamps). The channel keeps the marks set for as
//! long as a waiter is registered or it is closed, which sends every operation to the lock
//! that hands values to waiters.
//!
//! crossbeam's own queues have no such mark, and its channels wake a waiter to retry
//! instead of handing it the value (which `select`'s commit and the async waiters rely
//! on), hence this ring.
//!
//! The tests at the end of this file show the marks at work; `chan/tests.rs` races
//! unlocked parties against waiting ones.
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crossbeam_utils::{Backoff, CachePadded};

use crate::Value;

/// Why a push did not happen; the value comes back.
#[derive(Debug)]
pub(super) enum Push {
    Full(Value),
    /// A lock holder has marked the ring: go through the lock.
    Marked(Value),
}

/// Why a pop found nothing.
#[derive(Debug, PartialEq)]
pub(super) enum Pop {
    Empty,
    /// A lock holder has marked the ring: go through the lock.
    Marked,
}

/// One place in the ring. `stamp` says whose turn it is: equal to the position of the lap
/// that may write it, or to that position + 1 once written (and readable).
struct Slot {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<Value>>,
}

/// A bounded MPMC ring of values with marks (see the module doc).
pub(super) struct Ring {
    /// Position of the next pop (index in the low bits, lap above them), plus the mark bit.
    head: CachePadded<AtomicUsize>,
    /// Position of the next push, plus the mark bit.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot]>,
    cap: usize,
    /// The mark bit: a power of two above every index.
    mark: usize,
    /// What a position gains per lap: twice `mark`, so index, mark and lap never overlap.
    one_lap: usize,
}

// SAFETY: a slot's value is written only by the push that won the CAS to its position and
// read only by the pop that won the CAS to it afterwards; the stamp's Release store after
// each access and the Acquire load before the next order the two, so the UnsafeCell is
// never accessed by two threads at once. Values are Send.
unsafe impl Sync for Ring {}
unsafe impl Send for Ring {}

impl Ring {
    /// A ring of `cap` (≥ 1) slots.
    pub(super) fn new(cap: usize) -> Ring {
        assert!(cap > 0, "a ring needs at least one slot");
        let mark = (cap + 1).next_power_of_two();
        let slots = (0..cap)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            cap,
            mark,
            one_lap: mark * 2,
        }
    }

    /// The position after `pos` (wrapping to the next lap after the last index).
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark - 1);
        if index + 1 < self.cap {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// Pushes `value` at the tail without the lock: gives up on a mark.
    pub(super) fn push(&self, value: Value) -> Result<(), Push> {
        let backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark != 0 {
                return Err(Push::Marked(value));
            }
            let pos = tail;
            let slot = &self.slots[pos & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos {
                // The slot is free for this lap: claim the position (the CAS fails if a
                // lock holder marked the tail meanwhile).
                match self.tail.compare_exchange_weak(
                    tail,
                    self.next(pos),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS made this position ours; the stamp says
                        // the previous lap's value was read out, so nobody touches the cell.
                        unsafe { (*slot.value.get()).write(value) };
                        slot.stamp.store(pos + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => {
                        tail = now;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == pos + 1 {
                // The slot still holds the previous lap's value: full, unless a pop of it
                // is under way.
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if head & self.mark != 0 {
                    return Err(Push::Marked(value));
                }
                if head.wrapping_add(self.one_lap) == pos {
                    return Err(Push::Full(value));
                }
                backoff.spin();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another push claimed this position and is writing it.
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Pops the value at the head without the lock: gives up on a mark.
    pub(super) fn pop(&self) -> Result<Value, Pop> {
        let backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            if head & self.mark != 0 {
                return Err(Pop::Marked);
            }
            let pos = head;
            let slot = &self.slots[pos & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos + 1 {
                // Written for this lap: claim the position (the CAS fails if a lock holder
                // marked the head meanwhile).
                match self.head.compare_exchange_weak(
                    head,
                    self.next(pos),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS made this position ours, and the stamp
                        // (Acquire) says its push finished writing the value.
                        let value = unsafe { (*slot.value.get()).assume_init_read() };
                        slot.stamp
                            .store(pos.wrapping_add(self.one_lap), Ordering::Release);
                        return Ok(value);
                    }
                    Err(now) => {
                        head = now;
                        backoff.spin();
                    }
                }
            } else if stamp == pos {
                // Not written for this lap: empty, unless a push of it is under way.
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & self.mark != 0 {
                    return Err(Pop::Marked);
                }
                if tail == pos {
                    return Err(Pop::Empty);
                }
                backoff.spin();
                head = self.head.load(Ordering::Relaxed);
            } else {
                // Another pop claimed this position and is reading it.
                backoff.snooze();
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Pushes `value` at the tail, for the lock holder: the ring is marked, so only the
    /// caller moves the tail (a store, no CAS). Gives `value` back if the ring is full.
    pub(super) fn push_locked(&self, value: Value) -> Result<(), Value> {
        let pos = self.tail.load(Ordering::Relaxed) & !self.mark;
        let slot = &self.slots[pos & (self.mark - 1)];
        let backoff = Backoff::new();
        while slot.stamp.load(Ordering::Acquire) != pos {
            fence(Ordering::SeqCst);
            if (self.head.load(Ordering::Relaxed) & !self.mark).wrapping_add(self.one_lap) == pos {
                return Err(value); // full
            }
            // A pop that claimed the previous lap's value before the mark is reading it.
            backoff.snooze();
        }
        // SAFETY: the tail is the caller's alone (marked) and the stamp (Acquire) says the
        // previous lap's value was read out, so nobody touches the cell.
        unsafe { (*slot.value.get()).write(value) };
        slot.stamp.store(pos + 1, Ordering::Release);
        self.tail
            .store(self.next(pos) | self.mark, Ordering::Release);
        Ok(())
    }

    /// Pops the value at the head, for the lock holder (see
    /// [`push_locked`](Self::push_locked)). None if the ring is empty.
    pub(super) fn pop_locked(&self) -> Option<Value> {
        let pos = self.head.load(Ordering::Relaxed) & !self.mark;
        let slot = &self.slots[pos & (self.mark - 1)];
        let backoff = Backoff::new();
        while slot.stamp.load(Ordering::Acquire) != pos + 1 {
            fence(Ordering::SeqCst);
            if self.tail.load(Ordering::Relaxed) & !self.mark == pos {
                return None; // empty
            }
            // A push that claimed this position before the mark is still writing it.
            backoff.snooze();
        }
        // SAFETY: the head is the caller's alone (marked) and the stamp (Acquire) says the
        // push of this position finished writing it.
        let value = unsafe { (*slot.value.get()).assume_init_read() };
        slot.stamp
            .store(pos.wrapping_add(self.one_lap), Ordering::Release);
        self.head
            .store(self.next(pos) | self.mark, Ordering::Release);
        Some(value)
    }

    /// Values in the ring now (claimed positions count).
    pub(super) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst) & !self.mark;
            let head = self.head.load(Ordering::SeqCst) & !self.mark;
            if self.tail.load(Ordering::SeqCst) & !self.mark != tail {
                continue;
            }
            let hix = head & (self.mark - 1);
            let tix = tail & (self.mark - 1);
            return if hix < tix {
                tix - hix
            } else if hix > tix {
                self.cap - hix + tix
            } else if tail == head {
                0
            } else {
                self.cap
            };
        }
    }

    /// Sets both marks: unlocked operations that have not claimed a slot yet give up.
    pub(super) fn mark(&self) {
        self.tail.fetch_or(self.mark, Ordering::SeqCst);
        self.head.fetch_or(self.mark, Ordering::SeqCst);
    }

    /// Clears both marks: unlocked operations may go on.
    pub(super) fn unmark(&self) {
        self.tail.fetch_and(!self.mark, Ordering::SeqCst);
        self.head.fetch_and(!self.mark, Ordering::SeqCst);
    }
}

impl Drop for Ring {
    /// Values still buffered when the channel goes are never received: they give back what
    /// they pinned (see [`Value::discard`]).
    fn drop(&mut self) {
        self.mark();
        while let Some(value) = self.pop_locked() {
            value.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;

    fn num(n: usize) -> Value {
        Value::Number(n as f64)
    }

    #[test]
    fn values_come_out_in_order_over_many_laps() {
        let ring = Ring::new(3);
        let mut next_out = 0;
        for n in 0..100 {
            ring.push(num(n)).unwrap();
            if n % 3 == 2 {
                assert_eq!(ring.len(), 3);
                assert!(matches!(ring.push(num(0)), Err(Push::Full(_))));
                for _ in 0..3 {
                    assert_eq!(ring.pop().unwrap(), num(next_out));
                    next_out += 1;
                }
                assert_eq!(ring.pop(), Err(Pop::Empty));
                assert_eq!(ring.len(), 0);
            }
        }
    }

    #[test]
    fn a_mark_stops_unlocked_operations_but_not_the_lock_holder() {
        let ring = Ring::new(2);
        ring.push(num(1)).unwrap();
        ring.mark();
        assert!(matches!(ring.push(num(2)), Err(Push::Marked(_))));
        assert_eq!(ring.pop(), Err(Pop::Marked));
        ring.push_locked(num(2)).unwrap();
        assert!(ring.push_locked(num(3)).is_err()); // full
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.pop_locked().unwrap(), num(1));
        ring.unmark();
        assert_eq!(ring.pop().unwrap(), num(2));
        assert_eq!(ring.pop(), Err(Pop::Empty));
    }

    #[test]
    fn concurrent_pushes_and_pops_move_every_value_once() {
        const PER: usize = 100_000;
        let ring = Arc::new(Ring::new(8));
        let pushers: Vec<_> = (0..2)
            .map(|p| {
                let ring = ring.clone();
                thread::spawn(move || {
                    for i in 0..PER {
                        let mut v = num(p * PER + i);
                        while let Err(Push::Full(back)) = ring.push(v) {
                            v = back;
                            std::hint::spin_loop();
                        }
                    }
                })
            })
            .collect();
        let poppers: Vec<_> = (0..2)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || {
                    let mut seen = Vec::with_capacity(PER);
                    while seen.len() < PER {
                        match ring.pop() {
                            Ok(Value::Number(n)) => seen.push(n as usize),
                            Ok(other) => panic!("{other:?}"),
                            Err(_) => std::hint::spin_loop(),
                        }
                    }
                    seen
                })
            })
            .collect();
        for p in pushers {
            p.join().unwrap();
        }
        let mut all: Vec<usize> = poppers
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect();
        all.sort_unstable();
        assert!(all.iter().copied().eq(0..2 * PER));
    }
}
