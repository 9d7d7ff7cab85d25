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
//! The tests at the end of this file show the marks at work and race the locked path
//! against unlocked parties; `chan/tests.rs` races unlocked parties against waiting ones,
//! and the loom models (`--cfg loom`) check the mark protocol under every interleaving.
use std::mem::MaybeUninit;
use std::sync::atomic::Ordering;

use crossbeam_utils::CachePadded;

use crate::loom_shim::{fence, AtomicUsize, Backoff, UnsafeCell};
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

// SAFETY: a slot's value is written only by the push that won the CAS to its position (or
// by the one lock holder of a marked ring, see `push_locked`'s contract) and read only by
// the pop that won the CAS to it afterwards (or by that lock holder); the stamp's Release
// store after each access and the Acquire load before the next order the two, so the
// UnsafeCell is never accessed by two threads at once. Values are Send.
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
                        slot.value.with_mut(|cell| {
                            // SAFETY: winning the CAS made this position ours; the stamp
                            // says the previous lap's value was read out, so nobody else
                            // touches the cell.
                            unsafe { (*cell).write(value) };
                        });
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
                        let value = slot.value.with_mut(|cell| {
                            // SAFETY: winning the CAS made this position ours, and the
                            // stamp (Acquire) says its push finished writing the value.
                            unsafe { (*cell).assume_init_read() }
                        });
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
    ///
    /// # Safety
    ///
    /// The caller must hold the lock that guards the locked path (the channel's), and the
    /// ring must be marked ([`mark`](Self::mark)) from before the call until it returns.
    /// The mark keeps unlocked pushes and pops from claiming positions; the lock keeps a
    /// second locked caller out. Without either, two parties would write (or read) the
    /// same slot at once.
    pub(super) unsafe fn push_locked(&self, value: Value) -> Result<(), Value> {
        let tail = self.tail.load(Ordering::Relaxed);
        debug_assert!(tail & self.mark != 0, "push_locked on an unmarked ring");
        let pos = tail & !self.mark;
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
        slot.value.with_mut(|cell| {
            // SAFETY: the tail is the caller's alone (marked, and the caller holds the lock)
            // and the stamp (Acquire) says the previous lap's value was read out, so nobody
            // else touches the cell.
            unsafe { (*cell).write(value) };
        });
        slot.stamp.store(pos + 1, Ordering::Release);
        self.tail
            .store(self.next(pos) | self.mark, Ordering::Release);
        Ok(())
    }

    /// Pops the value at the head, for the lock holder (see
    /// [`push_locked`](Self::push_locked)). None if the ring is empty.
    ///
    /// # Safety
    ///
    /// As for [`push_locked`](Self::push_locked): the caller holds the locked path's lock
    /// and the ring stays marked throughout the call.
    pub(super) unsafe fn pop_locked(&self) -> Option<Value> {
        let head = self.head.load(Ordering::Relaxed);
        debug_assert!(head & self.mark != 0, "pop_locked on an unmarked ring");
        let pos = head & !self.mark;
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
        let value = slot.value.with_mut(|cell| {
            // SAFETY: the head is the caller's alone (marked, and the caller holds the lock)
            // and the stamp (Acquire) says the push of this position finished writing it.
            unsafe { (*cell).assume_init_read() }
        });
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
        // SAFETY: `&mut self`: no other thread can reach the ring (which stands in for the
        // lock), and it was just marked.
        while let Some(value) = unsafe { self.pop_locked() } {
            value.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::{mpsc, Arc, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

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
        // SAFETY: one thread: nobody else uses the locked path, and the ring is marked.
        unsafe {
            ring.push_locked(num(2)).unwrap();
            assert!(ring.push_locked(num(3)).is_err()); // full
            assert_eq!(ring.len(), 2);
            assert_eq!(ring.pop_locked().unwrap(), num(1));
        }
        ring.unmark();
        assert_eq!(ring.pop().unwrap(), num(2));
        assert_eq!(ring.pop(), Err(Pop::Empty));
    }

    #[test]
    fn concurrent_pushes_and_pops_move_every_value_once() {
        // Miri runs a few hundred values (each seed another schedule), not millions.
        const PER: usize = if cfg!(miri) { 50 } else { 100_000 };
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

    /// A ring with the lock that guards its locked path, as in a channel.
    struct Locking {
        ring: Ring,
        lock: Mutex<()>,
        /// Values taken out so far, by anyone.
        taken: AtomicUsize,
        /// Unlocked operations that found the ring marked (and went through the lock).
        marked: AtomicUsize,
    }

    impl Locking {
        /// `push_locked` as a channel does it: under the lock, with the ring marked.
        fn push_through_lock(&self, value: Value) -> Result<(), Value> {
            let _held = self.lock.lock().unwrap();
            self.ring.mark();
            // SAFETY: the lock is held and the ring stays marked until after the call.
            let pushed = unsafe { self.ring.push_locked(value) };
            self.ring.unmark();
            pushed
        }

        /// `pop_locked` as a channel does it (see `push_through_lock`).
        fn pop_through_lock(&self) -> Option<Value> {
            let _held = self.lock.lock().unwrap();
            self.ring.mark();
            // SAFETY: the lock is held and the ring stays marked until after the call.
            let popped = unsafe { self.ring.pop_locked() };
            self.ring.unmark();
            popped
        }
    }

    /// Unlocked pushes and pops race a holder that takes the lock, marks the ring and
    /// pushes and pops through the locked path (and unlocked parties that find the ring
    /// marked go through the lock too, as a channel's do): every value comes out once.
    #[test]
    fn the_locked_path_racing_unlocked_parties_moves_every_value_once() {
        // Miri runs a few hundred values (each seed another schedule), a debug build (and
        // ThreadSanitizer's) tens of thousands.
        const PER: usize = if cfg!(miri) {
            50
        } else if cfg!(debug_assertions) {
            20_000
        } else {
            100_000
        };
        const PRODUCERS: usize = 2;
        // Each producer's values, then the holder's own.
        const TOTAL: usize = (PRODUCERS + 1) * PER;
        let s = Arc::new(Locking {
            ring: Ring::new(4),
            lock: Mutex::new(()),
            taken: AtomicUsize::new(0),
            marked: AtomicUsize::new(0),
        });
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let s = s.clone();
                thread::spawn(move || {
                    for i in 0..PER {
                        let mut value = num(p * PER + i);
                        loop {
                            value = match s.ring.push(value) {
                                Ok(()) => break,
                                Err(Push::Full(back)) => back,
                                Err(Push::Marked(back)) => {
                                    s.marked.fetch_add(1, Ordering::Relaxed);
                                    match s.push_through_lock(back) {
                                        Ok(()) => break,
                                        Err(back) => back,
                                    }
                                }
                            };
                            thread::yield_now();
                        }
                    }
                    Vec::new()
                })
            })
            .collect();
        let consumer = {
            let s = s.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                while s.taken.load(Ordering::Acquire) < TOTAL {
                    let popped = match s.ring.pop() {
                        Ok(value) => Some(value),
                        Err(Pop::Empty) => None,
                        Err(Pop::Marked) => {
                            s.marked.fetch_add(1, Ordering::Relaxed);
                            s.pop_through_lock()
                        }
                    };
                    match popped {
                        Some(value) => {
                            seen.push(value);
                            s.taken.fetch_add(1, Ordering::AcqRel);
                        }
                        None => thread::yield_now(),
                    }
                }
                seen
            })
        };
        let holder = {
            let s = s.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                let mut next = 0;
                let mut first = true;
                while next < PER || s.taken.load(Ordering::Acquire) < TOTAL {
                    {
                        let _held = s.lock.lock().unwrap();
                        s.ring.mark();
                        if first {
                            // Hold the first mark until an unlocked party has met it, so
                            // the paths race however the threads are scheduled (the
                            // consumer keeps popping until the holder's values are in,
                            // and counts a mark before it waits for this lock).
                            while s.marked.load(Ordering::Relaxed) == 0 {
                                thread::yield_now();
                            }
                            first = false;
                        }
                        // SAFETY: the lock is held and the ring stays marked until after
                        // these calls.
                        unsafe {
                            if let Some(value) = s.ring.pop_locked() {
                                seen.push(value);
                                s.taken.fetch_add(1, Ordering::AcqRel);
                            }
                            if next < PER && s.ring.push_locked(num(PRODUCERS * PER + next)).is_ok()
                            {
                                next += 1;
                            }
                        }
                        s.ring.unmark();
                    }
                    thread::yield_now();
                }
                seen
            })
        };
        // A lost value or a corrupted slot leaves a party waiting forever: fail once no
        // value has been taken for a long while instead.
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let all: Vec<Value> = producers
                .into_iter()
                .chain([consumer, holder])
                .flat_map(|t| t.join().unwrap())
                .collect();
            let _ = done.send(all);
        });
        let (mut taken, mut since) = (0, Instant::now());
        let all = loop {
            match finished.recv_timeout(Duration::from_secs(1)) {
                Ok(all) => break all,
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!("a party panicked"),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let now = s.taken.load(Ordering::Relaxed);
                    if now != taken {
                        (taken, since) = (now, Instant::now());
                    } else if since.elapsed() > Duration::from_secs(30) {
                        panic!(
                            "no value taken for 30 s ({now} of {TOTAL}): a value was lost or a \
                             slot corrupted"
                        );
                    }
                }
            }
        };
        let mut all: Vec<usize> = all
            .into_iter()
            .map(|value| match value {
                Value::Number(n) => n as usize,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(all.len(), TOTAL, "values lost or duplicated");
        all.sort_unstable();
        assert!(
            all.iter().copied().eq(0..TOTAL),
            "every value comes out exactly once"
        );
        assert_eq!(s.ring.len(), 0);
        assert!(
            s.marked.load(Ordering::Relaxed) > 0,
            "the unlocked parties never met a mark: the paths did not race"
        );
    }
}

/// loom models of the mark protocol: an unlocked party racing a lock holder that marks
/// the ring and uses the locked path. Run with `npm run test:loom`.
#[cfg(all(test, loom))]
mod loom_model {
    use std::sync::Arc;

    use super::*;
    use crate::loom_shim::{model, Mutex};

    fn num(n: usize) -> Value {
        Value::Number(n as f64)
    }

    /// A ring and its lock, with a channel's unlocked fast paths and lock fallbacks.
    struct Chan {
        ring: Ring,
        lock: Mutex<()>,
    }

    impl Chan {
        fn new(cap: usize, prefill: &[usize]) -> Arc<Chan> {
            let chan = Chan {
                ring: Ring::new(cap),
                lock: Mutex::new(()),
            };
            for &n in prefill {
                chan.ring.push(num(n)).unwrap();
            }
            Arc::new(chan)
        }

        /// `f` on the locked path: under the lock, with the ring marked.
        fn holding<R>(&self, f: impl FnOnce(&Ring) -> R) -> R {
            let _held = self.lock.lock();
            self.ring.mark();
            let out = f(&self.ring);
            self.ring.unmark();
            out
        }

        /// A send: unlocked, or through the lock if the ring is marked.
        fn send(&self, value: Value) -> Result<(), Value> {
            match self.ring.push(value) {
                Ok(()) => Ok(()),
                Err(Push::Full(value)) => Err(value),
                // SAFETY: `holding` holds the lock and keeps the ring marked.
                Err(Push::Marked(value)) => self.holding(|ring| unsafe { ring.push_locked(value) }),
            }
        }

        /// A receive: unlocked, or through the lock if the ring is marked.
        fn recv(&self) -> Option<Value> {
            match self.ring.pop() {
                Ok(value) => Some(value),
                Err(Pop::Empty) => None,
                // SAFETY: `holding` holds the lock and keeps the ring marked.
                Err(Pop::Marked) => self.holding(|ring| unsafe { ring.pop_locked() }),
            }
        }

        /// Everything left, in order (through the lock).
        fn drain(&self) -> Vec<Value> {
            // SAFETY: `holding` holds the lock and keeps the ring marked.
            self.holding(|ring| std::iter::from_fn(|| unsafe { ring.pop_locked() }).collect())
        }
    }

    /// An unlocked send races a holder popping everything through the locked path: the
    /// holder may find the sender's slot claimed but not yet written (it waits for it).
    #[test]
    fn loom_an_unlocked_send_racing_locked_pops_loses_nothing() {
        model(|| {
            let chan = Chan::new(2, &[1]);
            let sender = {
                let chan = chan.clone();
                loom::thread::spawn(move || chan.send(num(2)))
            };
            // SAFETY: `holding` holds the lock and keeps the ring marked.
            let mut got = chan.holding(|ring| unsafe {
                std::iter::from_fn(|| ring.pop_locked()).collect::<Vec<_>>()
            });
            assert!(sender.join().unwrap().is_ok(), "room for one more");
            got.extend(chan.drain());
            assert_eq!(got, vec![num(1), num(2)], "each value once, in order");
        });
    }

    /// An unlocked receive races a holder pushing through the locked path into a full
    /// ring: the holder may find the receiver's slot claimed but not yet read out.
    #[test]
    fn loom_an_unlocked_recv_racing_a_locked_push_loses_nothing() {
        model(|| {
            let chan = Chan::new(1, &[1]);
            let receiver = {
                let chan = chan.clone();
                loom::thread::spawn(move || chan.recv())
            };
            // SAFETY: `holding` holds the lock and keeps the ring marked.
            let refused = chan
                .holding(|ring| unsafe { ring.push_locked(num(2)) })
                .err();
            assert_eq!(receiver.join().unwrap(), Some(num(1)));
            let mut rest = chan.drain();
            rest.extend(refused);
            assert_eq!(rest, vec![num(2)], "pushed or handed back, once");
        });
    }

    /// A sender and a receiver on the unlocked path race a holder that pops and pushes
    /// through the locked path.
    #[test]
    fn loom_both_unlocked_sides_racing_a_holder_lose_nothing() {
        model(|| {
            let chan = Chan::new(1, &[]);
            let sender = {
                let chan = chan.clone();
                loom::thread::spawn(move || chan.send(num(1)))
            };
            let receiver = {
                let chan = chan.clone();
                loom::thread::spawn(move || chan.recv())
            };
            // SAFETY: `holding` holds the lock and keeps the ring marked.
            let (popped, refused) = chan.holding(|ring| unsafe {
                let popped = ring.pop_locked();
                (popped, ring.push_locked(num(2)).err())
            });
            let mut all: Vec<Value> = popped.into_iter().chain(refused).collect();
            all.extend(sender.join().unwrap().err());
            all.extend(receiver.join().unwrap());
            all.extend(chan.drain());
            let mut ns: Vec<usize> = all
                .into_iter()
                .map(|v| match v {
                    Value::Number(n) => n as usize,
                    other => panic!("{other:?}"),
                })
                .collect();
            ns.sort_unstable();
            assert_eq!(ns, vec![1, 2], "each value once");
        });
    }
}
