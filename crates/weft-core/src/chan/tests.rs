//! Go's channel semantics as specifications, plus stress tests of the hand-offs.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::wake::{Delivery, Waiter};

fn num(n: u64) -> Value {
    Value::Number(n as f64)
}

fn as_num(v: &Value) -> u64 {
    match v {
        Value::Number(n) => *n as u64,
        other => panic!("not a number: {other:?}"),
    }
}

/// A blocking select, as a worker thread's `selectSync` runs it: the delivery of the case
/// that happened.
fn select_blocking(cases: Vec<Case>) -> Delivery {
    match select(cases, Some(Waiter::blocking())) {
        Selected::Ready(_, d) => d,
        Selected::Waiting(reg) => {
            let (_, d) = reg.waiter().wait(None).unwrap();
            reg.unregister();
            d
        }
        Selected::NotReady(_) => unreachable!(),
    }
}

/// Blocking send: the single-case select a worker thread's `sendSync` runs.
fn send(ch: &Arc<Channel>, v: Value) -> Delivery {
    select_blocking(vec![Case::send(ch.clone(), v)])
}

/// Blocking receive.
fn recv(ch: &Arc<Channel>) -> Option<Value> {
    let d = select_blocking(vec![Case::recv(ch.clone())]);
    match d {
        Delivery::Received(v) => Some(v),
        Delivery::Closed => None,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn close_then_drain_then_closed() {
    let ch = Arc::new(Channel::new(3));
    for i in 0..3 {
        ch.try_send(num(i)).unwrap();
    }
    assert_eq!(ch.try_send(num(9)), Err(SendError::Full(num(9))));
    ch.close().unwrap();
    for i in 0..3 {
        assert_eq!(recv(&ch), Some(num(i)));
    }
    assert_eq!(recv(&ch), None);
    assert_eq!(ch.try_send(num(4)), Err(SendError::Closed(num(4))));
    assert_eq!(
        ch.close().unwrap_err().code(),
        crate::ErrorCode::ChannelClosed
    );
}

#[test]
fn close_wakes_receivers_and_hands_senders_their_values_back() {
    let ch = Arc::new(Channel::new(0));
    let r = thread::spawn({
        let ch = ch.clone();
        move || recv(&ch)
    });
    let s = thread::spawn({
        let ch = Arc::new(Channel::new(0));
        let other = ch.clone();
        let closer = thread::spawn(move || {
            // Close once the sender is parked.
            while other.lock().senders.is_empty() {
                thread::yield_now();
            }
            other.close().unwrap();
        });
        move || {
            let d = send(&ch, num(42));
            closer.join().unwrap();
            d
        }
    });
    while ch.lock().receivers.is_empty() {
        thread::yield_now();
    }
    ch.close().unwrap();
    assert_eq!(r.join().unwrap(), None);
    assert_eq!(s.join().unwrap(), Delivery::Refused(num(42)));
}

#[test]
fn unbuffered_send_completes_only_when_a_receiver_takes_the_value() {
    let ch = Arc::new(Channel::new(0));
    assert_eq!(ch.try_send(num(1)), Err(SendError::Full(num(1))));
    let taken = Arc::new(AtomicUsize::new(0));
    let sender = thread::spawn({
        let (ch, taken) = (ch.clone(), taken.clone());
        move || {
            let d = send(&ch, num(7));
            // The receiver has the value before the send returns.
            assert_eq!(taken.load(Ordering::SeqCst), 1);
            d
        }
    });
    while ch.lock().senders.is_empty() {
        thread::yield_now();
    }
    assert_eq!(ch.len(), 0, "a rendezvous buffers nothing");
    let got = ch.try_recv();
    taken.store(1, Ordering::SeqCst);
    assert_eq!(got, TryRecv::Value(num(7)));
    assert_eq!(sender.join().unwrap(), Delivery::Sent);
}

#[test]
fn bounded_channel_moves_a_waiting_senders_value_into_the_buffer_in_order() {
    let ch = Arc::new(Channel::new(1));
    ch.try_send(num(1)).unwrap();
    let sender = thread::spawn({
        let ch = ch.clone();
        move || send(&ch, num(2))
    });
    while ch.lock().senders.is_empty() {
        thread::yield_now();
    }
    assert_eq!(ch.try_recv(), TryRecv::Value(num(1)));
    assert_eq!(sender.join().unwrap(), Delivery::Sent);
    assert_eq!(ch.len(), 1);
    assert_eq!(ch.try_recv(), TryRecv::Value(num(2)));
}

#[test]
fn select_chooses_uniformly_among_ready_cases() {
    // Two always-ready channels, 100,000 selects: chi-square with 1 degree of freedom
    // stays below 10.83 (p = 0.001) for a fair choice.
    let a = Arc::new(Channel::new(usize::MAX));
    let b = Arc::new(Channel::new(usize::MAX));
    let mut counts = [0u64; 2];
    for _ in 0..100_000 {
        a.try_send(Value::Null).unwrap();
        b.try_send(Value::Null).unwrap();
        match select(vec![Case::recv(a.clone()), Case::recv(b.clone())], None) {
            Selected::Ready(i, _) => counts[i as usize] += 1,
            _ => unreachable!(),
        }
        // Keep both exactly one deep.
        let _ = a.try_recv_many(usize::MAX);
        let _ = b.try_recv_many(usize::MAX);
    }
    let expected = 50_000.0;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 10.83, "counts {counts:?}, chi-square {chi2}");
}

#[test]
fn select_with_three_cases_two_ready_is_fair_to_both() {
    let ready = [
        Arc::new(Channel::new(usize::MAX)),
        Arc::new(Channel::new(usize::MAX)),
    ];
    let never = Arc::new(Channel::new(0));
    let mut counts = [0u64; 3];
    for _ in 0..30_000 {
        for ch in &ready {
            if ch.is_empty() {
                ch.try_send(Value::Null).unwrap();
            }
        }
        let cases = vec![
            Case::recv(ready[0].clone()),
            Case::recv(ready[1].clone()),
            Case::recv(never.clone()),
        ];
        match select(cases, None) {
            Selected::Ready(i, _) => counts[i as usize] += 1,
            _ => unreachable!(),
        }
    }
    assert_eq!(counts[2], 0);
    let chi2: f64 = counts[..2]
        .iter()
        .map(|&c| (c as f64 - 15_000.0).powi(2) / 15_000.0)
        .sum();
    assert!(chi2 < 10.83, "counts {counts:?}");
}

#[test]
fn select_send_and_receive_on_one_channel_leaves_no_entries_behind() {
    let ch = Arc::new(Channel::new(0));
    let other = Arc::new(Channel::new(0));
    for _ in 0..1000 {
        let cases = vec![Case::send(ch.clone(), num(1)), Case::recv(other.clone())];
        let Selected::Waiting(reg) = select(cases, Some(Waiter::blocking())) else {
            panic!()
        };
        assert!(reg.waiter().try_cancel());
        reg.unregister();
    }
    assert!(ch.lock().senders.is_empty() && other.lock().receivers.is_empty());
}

#[test]
fn an_abandoned_registration_leaves_its_channels_and_its_values_are_never_received() {
    let ch = Arc::new(Channel::new(0));
    let other = Arc::new(Channel::new(1));
    let cases = vec![Case::send(ch.clone(), num(7)), Case::recv(other.clone())];
    let Selected::Waiting(reg) = select(cases, Some(Waiter::blocking())) else {
        panic!("nothing was ready")
    };
    assert_eq!((ch.waiting(), other.waiting()), (1, 1));
    assert!(reg.waiter().try_cancel());
    reg.abandon(); // its thread ended
    assert_eq!((ch.waiting(), other.waiting()), (0, 0));
    assert_eq!(ch.try_recv(), TryRecv::Empty);
    assert!(ch.lock().senders.is_empty() && other.lock().receivers.is_empty());
}

#[test]
fn a_timed_out_wait_either_gets_its_value_or_leaves_it_in_the_channel() {
    // Cancellation racing delivery: each value is delivered or stays, never both, never lost.
    let ch = Arc::new(Channel::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let (ch, received) = (ch.clone(), received.clone());
            thread::spawn(move || loop {
                let Selected::Waiting(reg) =
                    select(vec![Case::recv(ch.clone())], Some(Waiter::blocking()))
                else {
                    match ch.try_recv() {
                        TryRecv::Closed => return,
                        TryRecv::Value(v) => {
                            received.fetch_add(as_num(&v), Ordering::SeqCst);
                        }
                        TryRecv::Empty => {}
                    }
                    continue;
                };
                let deadline = Instant::now() + Duration::from_micros(20);
                let outcome = match reg.waiter().wait(Some(deadline)) {
                    Some(o) => Some(o),
                    None if reg.waiter().try_cancel() => None,
                    None => reg.waiter().wait(None),
                };
                reg.unregister();
                match outcome {
                    Some((_, Delivery::Received(v))) => {
                        received.fetch_add(as_num(&v), Ordering::SeqCst);
                    }
                    Some((_, Delivery::Closed)) => return,
                    Some(other) => panic!("{other:?}"),
                    None => {}
                }
            })
        })
        .collect();
    let mut sent = 0;
    for i in 1..=20_000u64 {
        let mut v = num(i);
        // Non-blocking sends: retry until a receiver is there.
        loop {
            match ch.try_send(v) {
                Ok(()) => break,
                Err(SendError::Full(back)) => {
                    v = back;
                    thread::yield_now();
                }
                Err(SendError::Closed(_)) => unreachable!(),
            }
        }
        sent += i;
    }
    ch.close().unwrap();
    for r in receivers {
        r.join().unwrap();
    }
    assert_eq!(received.load(Ordering::SeqCst), sent);
}

#[test]
fn many_producers_and_consumers_lose_and_duplicate_nothing() {
    for cap in [0, 16, usize::MAX] {
        let ch = Arc::new(Channel::new(cap));
        const PER: u64 = 20_000;
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let ch = ch.clone();
                thread::spawn(move || {
                    for i in 0..PER {
                        assert_eq!(send(&ch, num(p * PER + i + 1)), Delivery::Sent);
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let ch = ch.clone();
                thread::spawn(move || {
                    let (mut count, mut sum, mut xor) = (0u64, 0u64, 0u64);
                    while let Some(v) = recv(&ch) {
                        let n = as_num(&v);
                        count += 1;
                        sum += n;
                        xor ^= n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    }
                    (count, sum, xor)
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        ch.close().unwrap();
        let (mut count, mut sum, mut xor) = (0, 0, 0);
        for c in consumers {
            let (n, s, x) = c.join().unwrap();
            count += n;
            sum += s;
            xor ^= x;
        }
        let total = 4 * PER;
        let want_xor = (1..=total).fold(0u64, |acc, n| acc ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        assert_eq!(
            (count, sum, xor),
            (total, total * (total + 1) / 2, want_xor),
            "cap {cap}"
        );
    }
}

#[test]
fn selects_racing_on_shared_channels_commit_exactly_one_case_each() {
    // Each selector receives from either of two channels; two senders feed them. Every
    // value arrives exactly once even though each selector is registered on both.
    let a = Arc::new(Channel::new(0));
    let b = Arc::new(Channel::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let count = Arc::new(AtomicU64::new(0));
    let selectors: Vec<_> = (0..3)
        .map(|_| {
            let (a, b, total, count) = (a.clone(), b.clone(), total.clone(), count.clone());
            thread::spawn(move || loop {
                let d = select_blocking(vec![Case::recv(a.clone()), Case::recv(b.clone())]);
                match d {
                    Delivery::Received(v) => {
                        total.fetch_add(as_num(&v), Ordering::SeqCst);
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    Delivery::Closed => return,
                    other => panic!("{other:?}"),
                }
            })
        })
        .collect();
    let senders: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|ch| {
            thread::spawn(move || {
                for i in 1..=10_000 {
                    send(&ch, num(i));
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    // Closing one channel ends each selector (a closed case is always ready).
    a.close().unwrap();
    for s in selectors {
        s.join().unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 20_000);
    assert_eq!(total.load(Ordering::SeqCst), 2 * 10_000 * 10_001 / 2);
}

#[test]
fn bulk_calls_take_what_is_there_in_order() {
    let ch = Channel::new(5);
    let mut values: VecDeque<Value> = (0..8).map(num).collect();
    assert_eq!(ch.try_send_many(&mut values).unwrap(), 5);
    assert_eq!(values.len(), 3);
    let (got, closed) = ch.try_recv_many(3);
    assert_eq!(got, vec![num(0), num(1), num(2)]);
    assert!(!closed);
    ch.close().unwrap();
    assert!(ch.try_send_many(&mut values).is_err());
    let (got, closed) = ch.try_recv_many(10);
    assert_eq!((got.len(), closed), (2, true));
}

/// Joins threads that each return (count, sum) and adds up their totals.
fn join_totals(threads: Vec<thread::JoinHandle<(u64, u64)>>) -> (u64, u64) {
    threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .fold((0, 0), |(count, sum), (n, s)| (count + n, sum + s))
}

/// Sends as a worker's `sendSync` does: polls the ring without the lock for a moment, then
/// registers a blocking wait.
fn send_spin_then_wait(ch: &Arc<Channel>, v: Value) -> Delivery {
    match ch.send_spin(v, Duration::from_micros(2)) {
        Ok(()) => Delivery::Sent,
        Err(SendError::Full(v)) => send(ch, v),
        Err(SendError::Closed(v)) => Delivery::Refused(v),
    }
}

/// Receives as a worker's `recvSync` does (see [`send_spin_then_wait`]).
fn recv_spin_then_wait(ch: &Arc<Channel>) -> Option<Value> {
    match ch.recv_spin(Duration::from_micros(2)) {
        TryRecv::Value(v) => Some(v),
        TryRecv::Closed => None,
        TryRecv::Empty => recv(ch),
    }
}

#[test]
fn unlocked_and_waiting_parties_mixed_keep_each_producers_order_and_lose_nothing() {
    // Tiny buffers make the ring fill and empty all the time, so parties switch between
    // the unlocked path and registered waits (which mark the ring) thousands of times.
    for cap in [1, 2, 3, 64, RING_MAX + 1] {
        let ch = Arc::new(Channel::new(cap));
        const PRODUCERS: u64 = 3;
        const PER: u64 = 30_000;
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let ch = ch.clone();
                thread::spawn(move || {
                    // Value = producer in the high bits, sequence number in the low.
                    let value = |i: u64| num((p << 32) | i);
                    let mut i = 0;
                    while i < PER {
                        if p == 2 {
                            // Bulk: what fits, then a wait for the first value left over.
                            let mut batch: VecDeque<Value> =
                                (i..(i + 5).min(PER)).map(value).collect();
                            i += ch.try_send_many(&mut batch).unwrap() as u64;
                            if let Some(first) = batch.pop_front() {
                                assert_eq!(send(&ch, first), Delivery::Sent);
                                i += 1;
                            }
                            continue;
                        }
                        let sent = if i % 7 == 0 {
                            send(&ch, value(i))
                        } else {
                            send_spin_then_wait(&ch, value(i))
                        };
                        assert_eq!(sent, Delivery::Sent);
                        i += 1;
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|c| {
                let ch = ch.clone();
                thread::spawn(move || {
                    let mut last = [None::<u64>; PRODUCERS as usize];
                    let (mut count, mut sum) = (0u64, 0u64);
                    loop {
                        let got = match c {
                            0 => recv_spin_then_wait(&ch).map(|v| vec![v]),
                            // Bulk: what is there, or a wait for one value.
                            _ => match ch.try_recv_many(4) {
                                (many, _) if !many.is_empty() => Some(many),
                                (_, true) => None,
                                (_, false) => recv(&ch).map(|v| vec![v]),
                            },
                        };
                        let Some(values) = got else { break };
                        for v in values {
                            let n = as_num(&v);
                            let (p, i) = ((n >> 32) as usize, n & 0xffff_ffff);
                            assert!(
                                last[p].is_none_or(|prev| prev < i),
                                "cap {cap}: out of order"
                            );
                            last[p] = Some(i);
                            count += 1;
                            sum += i;
                        }
                    }
                    (count, sum)
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        ch.close().unwrap();
        let (count, sum) = join_totals(consumers);
        assert_eq!(
            (count, sum),
            (PRODUCERS * PER, PRODUCERS * PER * (PER - 1) / 2),
            "cap {cap}"
        );
        assert_eq!(ch.waiting(), 0);
    }
}

#[test]
fn close_racing_with_unlocked_sends_and_receives_loses_nothing() {
    // Every send that returned Ok is received exactly once; every other value came back.
    for round in 0..20 {
        let ch = Arc::new(Channel::new(4));
        let senders: Vec<_> = (0..2u64)
            .map(|p| {
                let ch = ch.clone();
                thread::spawn(move || {
                    let (mut sent, mut sum) = (0u64, 0u64);
                    for i in 0.. {
                        let n = p * 1_000_000_000 + i;
                        match ch.send_spin(num(n), Duration::from_micros(5)) {
                            Ok(()) => {
                                sent += 1;
                                sum += n;
                            }
                            Err(SendError::Full(_)) => {}
                            Err(SendError::Closed(v)) => {
                                assert_eq!(as_num(&v), n, "the unsent value comes back");
                                return (sent, sum);
                            }
                        }
                    }
                    unreachable!()
                })
            })
            .collect();
        let receiver = {
            let ch = ch.clone();
            thread::spawn(move || {
                let (mut got, mut sum) = (0u64, 0u64);
                loop {
                    match ch.try_recv() {
                        TryRecv::Value(v) => {
                            got += 1;
                            sum += as_num(&v);
                        }
                        TryRecv::Empty => std::hint::spin_loop(),
                        TryRecv::Closed => return (got, sum),
                    }
                }
            })
        };
        // Close once some values have gone through (an event, not a sleep).
        while ch.is_empty() {
            std::hint::spin_loop();
        }
        ch.close().unwrap();
        assert_eq!(
            receiver.join().unwrap(),
            join_totals(senders),
            "round {round}"
        );
    }
}

#[test]
fn bulk_receive_takes_the_buffer_then_waiting_senders_and_refills_the_buffer_in_order() {
    for cap in [2, RING_MAX + 1] {
        let ch = Arc::new(Channel::new(cap));
        let fill = if cap == 2 { 2 } else { cap as u64 };
        for i in 0..fill {
            ch.try_send(num(i)).unwrap();
        }
        // Three senders wait in turn behind the full buffer.
        let senders: Vec<_> = (0..3)
            .map(|k| {
                let sender = thread::spawn({
                    let ch = ch.clone();
                    move || send(&ch, num(fill + k))
                });
                while ch.lock().senders.len() <= k as usize {
                    thread::yield_now();
                }
                sender
            })
            .collect();
        let (got, closed) = ch.try_recv_many(fill as usize + 1);
        assert!(!closed);
        assert!(got.iter().map(as_num).eq(0..=fill), "cap {cap}");
        // One sender's value was received, the other two moved into the room made.
        for s in senders {
            assert_eq!(s.join().unwrap(), Delivery::Sent);
        }
        assert_eq!(ch.len(), 2);
        let (rest, _) = ch.try_recv_many(10);
        assert!(rest.iter().map(as_num).eq(fill + 1..fill + 3), "cap {cap}");
    }
}

#[test]
fn bulk_send_hands_values_to_waiting_receivers_first_then_buffers_the_rest() {
    let ch = Arc::new(Channel::new(2));
    let receivers: Vec<_> = (0..2)
        .map(|k| {
            let r = thread::spawn({
                let ch = ch.clone();
                move || recv(&ch).map(|v| as_num(&v))
            });
            while ch.lock().receivers.len() <= k {
                thread::yield_now();
            }
            r
        })
        .collect();
    let mut values: VecDeque<Value> = (0..5).map(num).collect();
    assert_eq!(ch.try_send_many(&mut values).unwrap(), 4);
    assert_eq!(values, VecDeque::from([num(4)]));
    let mut got: Vec<_> = receivers
        .into_iter()
        .map(|r| r.join().unwrap().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![0, 1]);
    assert_eq!(ch.try_recv_many(10), (vec![num(2), num(3)], false));
}
