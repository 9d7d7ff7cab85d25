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

/// Who is calling: an unlocked operation gives up when it meets a mark; a lock holder
/// ignores the marks (and keeps them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Unlocked,
    Locked,
}

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

    /// Moves `word` (the head or the tail) from `current` to `next`. While the ring is
    /// marked only the lock holder moves it (an unlocked CAS expects no mark and fails), so
    /// a store does; otherwise a CAS, which fails with the word's newer value.
    fn claim(&self, word: &AtomicUsize, current: usize, next: usize) -> Result<(), usize> {
        if current & self.mark != 0 {
            word.store(next, Ordering::Release);
            return Ok(());
        }
        word.compare_exchange_weak(current, next, Ordering::SeqCst, Ordering::Relaxed)
            .map(|_| ())
    }

    /// Pushes `value` at the tail.
    pub(super) fn push(&self, value: Value, mode: Mode) -> Result<(), Push> {
        let backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let marked = tail & self.mark;
            if marked != 0 && mode == Mode::Unlocked {
                return Err(Push::Marked(value));
            }
            let pos = tail & !self.mark;
            let slot = &self.slots[pos & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos {
                // The slot is free for this lap: claim the position.
                let next = self.next(pos) | marked;
                match self.claim(&self.tail, tail, next) {
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
                if head & self.mark != 0 && mode == Mode::Unlocked {
                    return Err(Push::Marked(value));
                }
                if (head & !self.mark).wrapping_add(self.one_lap) == pos {
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

    /// Pops the value at the head.
    pub(super) fn pop(&self, mode: Mode) -> Result<Value, Pop> {
        let backoff = Backoff::new();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let marked = head & self.mark;
            if marked != 0 && mode == Mode::Unlocked {
                return Err(Pop::Marked);
            }
            let pos = head & !self.mark;
            let slot = &self.slots[pos & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos + 1 {
                // Written for this lap: claim the position.
                let next = self.next(pos) | marked;
                match self.claim(&self.head, head, next) {
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
                if tail & self.mark != 0 && mode == Mode::Unlocked {
                    return Err(Pop::Marked);
                }
                if tail & !self.mark == pos {
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

    /// Pops up to `max` values into `out`, for a lock holder: the ring is marked, so only
    /// the caller moves the head, once at the end. Stops at the first empty slot.
    pub(super) fn pop_many_locked(&self, max: usize, out: &mut Vec<Value>) {
        let head = self.head.load(Ordering::Relaxed);
        debug_assert!(head & self.mark != 0, "the ring is marked");
        let mut pos = head & !self.mark;
        let backoff = Backoff::new();
        let mut taken = 0;
        while taken < max {
            let slot = &self.slots[pos & (self.mark - 1)];
            if slot.stamp.load(Ordering::Acquire) == pos + 1 {
                // SAFETY: the head is ours alone (marked) and the stamp (Acquire) says the
                // push of this position finished writing it.
                out.push(unsafe { (*slot.value.get()).assume_init_read() });
                slot.stamp
                    .store(pos.wrapping_add(self.one_lap), Ordering::Release);
                pos = self.next(pos);
                taken += 1;
                continue;
            }
            fence(Ordering::SeqCst);
            if self.tail.load(Ordering::Relaxed) & !self.mark == pos {
                break; // empty
            }
            // A push that claimed this position before the mark is still writing it.
            backoff.snooze();
        }
        self.head.store(pos | (head & self.mark), Ordering::Release);
    }

    /// Pushes values from the front of `values` while there is room, for a lock holder
    /// (see [`pop_many_locked`](Self::pop_many_locked)). Returns how many it pushed.
    pub(super) fn push_many_locked(&self, values: &mut std::collections::VecDeque<Value>) -> usize {
        let tail = self.tail.load(Ordering::Relaxed);
        debug_assert!(tail & self.mark != 0, "the ring is marked");
        let mut pos = tail & !self.mark;
        let backoff = Backoff::new();
        let mut pushed = 0;
        while !values.is_empty() {
            let slot = &self.slots[pos & (self.mark - 1)];
            if slot.stamp.load(Ordering::Acquire) == pos {
                let value = values.pop_front().expect("values is not empty");
                // SAFETY: the tail is ours alone (marked) and the stamp says the previous
                // lap's value was read out.
                unsafe { (*slot.value.get()).write(value) };
                slot.stamp.store(pos + 1, Ordering::Release);
                pos = self.next(pos);
                pushed += 1;
                continue;
            }
            fence(Ordering::SeqCst);
            if (self.head.load(Ordering::Relaxed) & !self.mark).wrapping_add(self.one_lap) == pos {
                break; // full
            }
            // A pop that claimed the previous lap's value before the mark is reading it.
            backoff.snooze();
        }
        self.tail.store(pos | (tail & self.mark), Ordering::Release);
        pushed
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

    /// Empties the ring, giving each value back what it pinned (nobody will receive it).
    pub(super) fn discard_all(&self) {
        while let Ok(value) = self.pop(Mode::Locked) {
            value.discard();
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        self.discard_all();
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
            ring.push(num(n), Mode::Unlocked).unwrap();
            if n % 3 == 2 {
                assert_eq!(ring.len(), 3);
                assert!(matches!(
                    ring.push(num(0), Mode::Unlocked),
                    Err(Push::Full(_))
                ));
                for _ in 0..3 {
                    assert_eq!(ring.pop(Mode::Unlocked).unwrap(), num(next_out));
                    next_out += 1;
                }
                assert_eq!(ring.pop(Mode::Unlocked), Err(Pop::Empty));
                assert_eq!(ring.len(), 0);
            }
        }
    }

    #[test]
    fn a_mark_stops_unlocked_operations_but_not_the_lock_holder() {
        let ring = Ring::new(2);
        ring.push(num(1), Mode::Unlocked).unwrap();
        ring.mark();
        assert!(matches!(
            ring.push(num(2), Mode::Unlocked),
            Err(Push::Marked(_))
        ));
        assert_eq!(ring.pop(Mode::Unlocked), Err(Pop::Marked));
        ring.push(num(2), Mode::Locked).unwrap();
        assert!(matches!(
            ring.push(num(3), Mode::Locked),
            Err(Push::Full(_))
        ));
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.pop(Mode::Locked).unwrap(), num(1));
        ring.unmark();
        assert_eq!(ring.pop(Mode::Unlocked).unwrap(), num(2));
        assert_eq!(ring.pop(Mode::Unlocked), Err(Pop::Empty));
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
                        while let Err(Push::Full(back)) = ring.push(v, Mode::Unlocked) {
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
                        match ring.pop(Mode::Unlocked) {
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
