//! The primitives under contention from real threads.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use super::*;
use crate::wake::Waiter;

/// What a worker thread's blocking acquire does.
fn acquire(sem: &Semaphore, n: u64) {
    let waiter = Waiter::blocking();
    if sem.acquire(n, &waiter).unwrap() == Acquire::Waiting {
        waiter.wait(None).unwrap();
    }
}

#[test]
fn a_mutex_guards_a_counter_with_no_lost_update() {
    let mutex = Arc::new(Semaphore::new(1));
    let counter = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (mutex, counter) = (mutex.clone(), counter.clone());
            thread::spawn(move || {
                for _ in 0..20_000 {
                    acquire(&mutex, 1);
                    // A non-atomic read-modify-write: only the lock keeps it whole.
                    let v = counter.load(Ordering::Relaxed);
                    counter.store(v + 1, Ordering::Relaxed);
                    mutex.release(1).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), 80_000);
    assert_eq!(mutex.held(), 0);
}

#[test]
fn semaphore_weights_never_oversubscribe_and_a_big_request_is_not_starved() {
    let sem = Arc::new(Semaphore::new(10));
    let inside = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (1..=5u64)
        .map(|w| {
            let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
            thread::spawn(move || {
                let weight = if w == 5 { 10 } else { w };
                for _ in 0..2_000 {
                    acquire(&sem, weight);
                    let now = inside.fetch_add(weight, Ordering::SeqCst) + weight;
                    peak.fetch_max(now, Ordering::SeqCst);
                    inside.fetch_sub(weight, Ordering::SeqCst);
                    sem.release(weight).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(peak.load(Ordering::SeqCst) <= 10);
    assert_eq!(sem.held(), 0);
    assert!(sem.acquire(11, &Waiter::blocking()).is_err());
    assert!(sem.release(1).is_err());
}

#[test]
fn a_cancelled_request_at_the_front_lets_the_ones_behind_it_in() {
    let sem = Semaphore::new(2);
    assert!(sem.try_acquire(1));
    let big = Waiter::blocking();
    assert_eq!(sem.acquire(2, &big).unwrap(), Acquire::Waiting);
    let small = Waiter::blocking();
    assert_eq!(sem.acquire(1, &small).unwrap(), Acquire::Waiting); // FIFO: behind big
    assert!(big.try_cancel());
    sem.forget(&big);
    assert!(small.wait(None).is_some());
    assert_eq!(sem.held(), 2);
}

#[test]
fn readers_share_and_a_writer_excludes_everyone() {
    let rw = Arc::new(Semaphore::new(RW_SIZE));
    let readers = Arc::new(AtomicUsize::new(0));
    let writers = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (rw, readers, writers) = (rw.clone(), readers.clone(), writers.clone());
            thread::spawn(move || {
                for _ in 0..5_000 {
                    if t == 0 {
                        acquire(&rw, RW_SIZE);
                        assert_eq!(writers.fetch_add(1, Ordering::SeqCst), 0);
                        assert_eq!(readers.load(Ordering::SeqCst), 0);
                        writers.fetch_sub(1, Ordering::SeqCst);
                        rw.release(RW_SIZE).unwrap();
                    } else {
                        acquire(&rw, 1);
                        readers.fetch_add(1, Ordering::SeqCst);
                        assert_eq!(writers.load(Ordering::SeqCst), 0);
                        readers.fetch_sub(1, Ordering::SeqCst);
                        rw.release(1).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn wait_group_wakes_every_waiter_at_zero() {
    let wg = Arc::new(WaitGroup::default());
    wg.add(4).unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let wg = wg.clone();
            thread::spawn(move || {
                let w = Waiter::blocking();
                if !wg.wait(&w) {
                    w.wait(None).unwrap();
                }
                wg.count()
            })
        })
        .collect();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let wg = wg.clone();
            thread::spawn(move || wg.add(-1).unwrap())
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    for w in waiters {
        assert_eq!(w.join().unwrap(), 0);
    }
}

#[test]
fn cond_broadcast_wakes_all_and_each_retakes_the_mutex() {
    let mutex = Arc::new(Semaphore::new(1));
    let cond = Arc::new(Cond::default());
    let ready = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (mutex, cond, ready, go) = (mutex.clone(), cond.clone(), ready.clone(), go.clone());
            thread::spawn(move || {
                acquire(&mutex, 1);
                while go.load(Ordering::SeqCst) == 0 {
                    let w = Waiter::blocking();
                    cond.wait(&w, &mutex).unwrap();
                    ready.fetch_add(1, Ordering::SeqCst);
                    w.wait(None).unwrap();
                    acquire(&mutex, 1);
                }
                mutex.release(1).unwrap();
            })
        })
        .collect();
    while ready.load(Ordering::SeqCst) < 3 {
        thread::yield_now();
    }
    acquire(&mutex, 1);
    go.store(1, Ordering::SeqCst);
    mutex.release(1).unwrap();
    cond.broadcast();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(mutex.held(), 0);
}

#[test]
fn barrier_generations_release_everyone_together() {
    let barrier = Arc::new(Barrier::new(3));
    let phase = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, phase) = (barrier.clone(), phase.clone());
            thread::spawn(move || {
                let mut tripped = 0;
                for round in 0..500 {
                    phase.fetch_add(1, Ordering::SeqCst);
                    let w = Waiter::blocking();
                    match barrier.arrive(&w) {
                        Arrival::Tripped { generation } => {
                            assert_eq!(generation, round);
                            tripped += 1;
                        }
                        Arrival::Waiting { generation } => {
                            assert_eq!(generation, round);
                            w.wait(None).unwrap();
                        }
                    }
                    // Nobody passes a generation before all of it has arrived.
                    assert!(phase.load(Ordering::SeqCst) >= 3 * (round as usize + 1));
                }
                tripped
            })
        })
        .collect();
    let trips: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(trips, 500);
    assert_eq!(barrier.generation(), 500);
}

#[test]
fn once_runs_once_while_the_others_wait() {
    let once = Arc::new(Once::default());
    let runs = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (once, runs) = (once.clone(), runs.clone());
            thread::spawn(move || {
                let w = Waiter::blocking();
                match once.begin(&w) {
                    OnceState::Run => {
                        runs.fetch_add(1, Ordering::SeqCst);
                        once.finish();
                    }
                    OnceState::Waiting => {
                        w.wait(None).unwrap();
                    }
                    OnceState::Done => {}
                }
                assert!(once.is_done());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
